//! Answers a request that follows the spec, by its operation: clusters,
//! links and link configs here, mirrors in [`super::mirrors`].

use std::collections::BTreeMap;

use serde_json::Value;

use super::http::{empty, err, json_resp, list, not_found_link, not_found_topic, Reply};
use super::mirrors::{bulk, create_mirror, get_mirror, list_mirrors};
use super::quirks::LinkInUseRefusal;
use super::spec::Matched;
use super::state::{is_known_link_config, is_lock_topic, DLink, DState, IMMUTABLE, READ_ONLY};

fn flag(m: &Matched, key: &str) -> bool {
    m.query.iter().any(|(k, v)| k == key && v == "true")
}

fn param<'m>(m: &'m Matched, key: &str) -> &'m str {
    m.params.get(key).map(String::as_str).unwrap_or_default()
}

pub(super) fn route(st: &mut DState, m: &Matched, body: &Value) -> Reply {
    if m.id == "listKafkaClusters" {
        if st.quirks.no_clusters_endpoint {
            return err(404, 404, "HTTP 404 Not Found");
        }
        return json_resp(200, list("KafkaClusterList", vec![st.cluster_json()]));
    }
    let cluster = param(m, "cluster_id");
    if cluster != st.cluster_id {
        return err(404, 404, &format!("Cluster {cluster} cannot be found."));
    }
    let link = param(m, "link_name").to_string();
    match m.id.as_str() {
        "getKafkaCluster" => json_resp(200, st.cluster_json()),
        "listKafkaLinks" => {
            let data = st
                .links
                .values()
                .filter(|l| l.hidden_gets == 0)
                .map(|l| st.link_json(l))
                .collect();
            json_resp(200, list("KafkaLinkDataList", data))
        }
        "createKafkaLink" => create_link(st, m, body),
        "getKafkaLink" => with_link(st, &link, |st, l| {
            if l.hidden_gets > 0 {
                l.hidden_gets -= 1;
                return not_found_link(&l.name);
            }
            if flag(m, "include_tasks") {
                return json_resp(200, st.link_json_with_tasks(l));
            }
            json_resp(200, st.link_json(l))
        }),
        "deleteKafkaLink" => delete_link(st, &link, flag(m, "force")),
        "listKafkaLinkConfigs" => with_link(st, &link, |st, l| {
            let configs = st.configs_for_read(l);
            let rows = st.config_rows(&l.name, &configs);
            json_resp(200, list("KafkaLinkConfigDataList", rows))
        }),
        "getKafkaLinkConfigs" => with_link(st, &link, |st, l| {
            let configs = st.configs_for_read(l);
            json_resp(
                200,
                st.config_row(&l.name, &configs, param(m, "config_name")),
            )
        }),
        "updateKafkaLinkConfigBatch" if st.quirks.batch_alter_405 => {
            err(405, 405, "HTTP 405 Method Not Allowed")
        }
        "updateKafkaLinkConfigBatch" => {
            let items = body["data"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| {
                    (
                        e["name"].as_str().unwrap_or("").to_string(),
                        e["value"].as_str().map(str::to_string),
                        e["operation"].as_str().unwrap_or("SET").to_string(),
                    )
                })
                .collect();
            let validate_only = flag(m, "validate_only") || body["validate_only"] == true;
            alter(st, &link, items, validate_only)
        }
        "updateKafkaLinkConfig" => {
            let v = body["value"].as_str().map(str::to_string);
            let k = param(m, "config_name").to_string();
            alter(st, &link, vec![(k, v, "SET".into())], false)
        }
        "deleteKafkaLinkConfig" => {
            let k = param(m, "config_name").to_string();
            alter(st, &link, vec![(k, None, "DELETE".into())], false)
        }
        "listKafkaMirrorTopics" => list_mirrors(st, None),
        "listKafkaMirrorTopicsUnderLink" => {
            if !st.links.contains_key(&link) {
                return err(404, 404, &format!("Cluster link '{link}' does not exist."));
            }
            list_mirrors(st, Some(&link))
        }
        "createKafkaMirrorTopic" => create_mirror(st, &link, body),
        "readKafkaMirrorTopic" => get_mirror(
            st,
            &link,
            param(m, "mirror_topic_name"),
            flag(m, "include_state_transition_errors"),
        ),
        id if id.starts_with("updateKafkaMirrorTopics") => {
            let action = m.path.rsplit(':').next().unwrap_or_default();
            let names: Vec<String> = body["mirror_topic_names"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            bulk(st, &link, action, names)
        }
        // Unless a test models the cluster's topics (`lists_topics`), the
        // double answers like a server to a principal without DescribeTopic.
        "listKafkaTopics" if !st.lists_topics => {
            err(403, 40301, "Not authorized to describe topics.")
        }
        "listKafkaTopics" => {
            let data = st
                .all_topics()
                .iter()
                .map(|(t, n)| st.topic_json(t, *n))
                .collect();
            json_resp(200, list("KafkaTopicList", data))
        }
        // A principal without DescribeTopic still describes the configs of
        // the apply lock's topics (`__linkctl-lock*`: see docs/lock.md).
        "listKafkaAllTopicConfigs" if !st.lists_topics => {
            let rows = st
                .topic_config_rows()
                .into_iter()
                .filter(|r| r["topic_name"].as_str().is_some_and(is_lock_topic))
                .collect();
            json_resp(200, list("KafkaTopicConfigList", rows))
        }
        "createKafkaTopic" => {
            let name = body["topic_name"].as_str().unwrap_or_default().to_string();
            if st.all_topics().contains_key(&name) {
                return err(400, 40002, &format!("Topic '{name}' already exists."));
            }
            let parts = body["partitions_count"]
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(1);
            st.topics.insert(name.clone(), parts);
            for c in body["configs"].as_array().into_iter().flatten() {
                if let (Some(k), Some(v)) = (c["name"].as_str(), c["value"].as_str()) {
                    st.topic_configs
                        .entry(name.clone())
                        .or_default()
                        .insert(k.to_string(), v.to_string());
                }
            }
            json_resp(201, st.topic_json(&name, parts))
        }
        "getKafkaTopicConfig" => {
            let (t, k) = (param(m, "topic_name"), param(m, "name"));
            if !st.all_topics().contains_key(t) {
                return not_found_topic();
            }
            let row = match st.topic_configs.get(t).and_then(|c| c.get(k)) {
                Some(v) => st.topic_config_row(t, k, v, false),
                None => st.topic_config_row(t, k, "604800000", true),
            };
            json_resp(200, row)
        }
        "updateKafkaTopicConfig" => {
            let (t, k) = (param(m, "topic_name"), param(m, "name"));
            if !st.all_topics().contains_key(t) {
                return not_found_topic();
            }
            let v = body["value"].as_str().unwrap_or_default().to_string();
            st.topic_configs
                .entry(t.to_string())
                .or_default()
                .insert(k.to_string(), v);
            empty(204)
        }
        "listKafkaAllTopicConfigs" => {
            json_resp(200, list("KafkaTopicConfigList", st.topic_config_rows()))
        }
        "deleteKafkaTopic" => {
            let t = param(m, "topic_name");
            if st.topics.remove(t).is_some() {
                st.topic_configs.remove(t);
                return empty(204);
            }
            for l in st.links.values_mut() {
                if l.mirrors.remove(t).is_some() {
                    return empty(204);
                }
            }
            not_found_topic()
        }
        other => err(
            404,
            404,
            &format!("HTTP 404 Not Found (the double does not serve {other})"),
        ),
    }
}

pub(super) fn with_link(
    st: &mut DState,
    name: &str,
    f: impl FnOnce(&mut DState, &mut DLink) -> Reply,
) -> Reply {
    let Some(mut l) = st.links.remove(name) else {
        return not_found_link(name);
    };
    let r = f(st, &mut l);
    st.links.insert(name.to_string(), l);
    r
}

/// Counts a create against `lose_create_response`: true when its answer is
/// to be lost.
pub(super) fn lose_answer(st: &mut DState) -> bool {
    if st.quirks.lose_create_response > 0 {
        st.quirks.lose_create_response -= 1;
        return true;
    }
    false
}

fn create_link(st: &mut DState, m: &Matched, body: &Value) -> Reply {
    let name = m
        .query
        .iter()
        .find(|(k, _)| k == "link_name")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let ids = [
        "source_cluster_id",
        "destination_cluster_id",
        "remote_cluster_id",
    ];
    let set = ids.iter().filter(|k| body[**k].is_string()).count();
    if set != 1 {
        return err(400, 40002, "Exactly one of source_cluster_id, destination_cluster_id or remote_cluster_id must be set.");
    }
    if st.links.contains_key(&name) {
        return err(
            409,
            40902,
            &format!("Cluster link '{name}' already exists."),
        );
    }
    let mut configs = BTreeMap::new();
    for c in body["configs"].as_array().into_iter().flatten() {
        if let (Some(k), Some(v)) = (c["name"].as_str(), c["value"].as_str()) {
            configs.insert(k.to_string(), v.to_string());
        }
    }
    if let Some(r) = unknown_config(st, configs.keys(), &name) {
        return r;
    }
    if flag(m, "validate_only") {
        return empty(204);
    }
    st.link_counter += 1;
    let tasks = super::state::tasks_for(&configs);
    let link = DLink {
        name: name.clone(),
        id: format!("lnk-{:04}-XXXXXXXXXXXXX", st.link_counter),
        source_cluster_id: body["source_cluster_id"].as_str().map(str::to_string),
        destination_cluster_id: body["destination_cluster_id"].as_str().map(str::to_string),
        remote_cluster_id: body["remote_cluster_id"].as_str().map(str::to_string),
        configs,
        state: "ACTIVE".into(),
        mirrors: Default::default(),
        hidden_gets: st.quirks.not_found_after_create,
        tasks,
    };
    st.links.insert(name, link);
    if lose_answer(st) {
        return Reply::Hangup;
    }
    empty(204)
}

/// The refusal of a config name the link does not know (when the
/// `refuse_unknown_link_configs` quirk is on).
fn unknown_config<'k>(
    st: &DState,
    mut names: impl Iterator<Item = &'k String>,
    link: &str,
) -> Option<Reply> {
    if !st.quirks.refuse_unknown_link_configs {
        return None;
    }
    names
        .find(|k| !is_known_link_config(k))
        .map(|k| unknown_config_reply(k, link))
}

fn unknown_config_reply(key: &str, link: &str) -> Reply {
    err(
        400,
        40002,
        &format!("Unknown cluster link config '{key}' for cluster link '{link}'."),
    )
}

fn delete_link(st: &mut DState, name: &str, force: bool) -> Reply {
    let Some(l) = st.links.get(name) else {
        return not_found_link(name);
    };
    let established: Vec<&str> = l
        .mirrors
        .values()
        .filter(|m| m.status != "STOPPED")
        .map(|m| m.name.as_str())
        .collect();
    if !established.is_empty() && !force {
        let msg = format!(
            "Cluster link '{name}' cannot be deleted while it has established mirror topics: {}",
            established.join(", ")
        );
        return match st.quirks.link_in_use_refusal {
            LinkInUseRefusal::Forbidden => err(403, 40301, &msg),
            LinkInUseRefusal::BadRequest => err(400, 40002, &msg),
        };
    }
    st.links.remove(name);
    st.stale_configs.remove(name);
    empty(200)
}

fn alter(
    st: &mut DState,
    link: &str,
    items: Vec<(String, Option<String>, String)>,
    validate_only: bool,
) -> Reply {
    let stale_reads = st.quirks.stale_reads_after_write;
    if let Some(r) = unknown_config(st, items.iter().map(|i| &i.0), link) {
        return r;
    }
    let Some(l) = st.links.get_mut(link) else {
        return not_found_link(link);
    };
    for (k, _, _) in &items {
        if IMMUTABLE.contains(&k.as_str()) || READ_ONLY.contains(&k.as_str()) {
            return err(400, 40002, &format!("Cannot alter config '{k}' of cluster link '{link}': the config is read-only after creation."));
        }
    }
    if items.iter().any(|(_, v, op)| op != "DELETE" && v.is_none()) {
        let k = items
            .iter()
            .find(|(_, v, op)| op != "DELETE" && v.is_none())
            .map(|i| i.0.clone())
            .unwrap_or_default();
        return err(400, 40002, &format!("Config '{k}' needs a value."));
    }
    if validate_only {
        return empty(204);
    }
    let before = l.configs.clone();
    for (k, v, op) in items {
        match (op.as_str(), v) {
            ("DELETE", _) => {
                l.configs.remove(&k);
            }
            (_, Some(v)) => {
                l.configs.insert(k, v);
            }
            (_, None) => {}
        }
    }
    l.tasks = super::state::tasks_for(&l.configs);
    if stale_reads > 0 {
        st.stale_configs
            .insert(link.to_string(), (before, stale_reads));
    }
    empty(204)
}
