//! The JSON the double answers: clusters, links, link config rows, mirrors
//! and bulk action entries, shaped by the quirks in force. By default every
//! body validates against the Cloud spec's response schemas.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::quirks::ConfigRowStyle;
use super::state::{is_sensitive, DLink, DMirror, DState, DEFAULTS, READ_ONLY};

impl DState {
    /// `{"self": <absolute URL of path>, "resource_name": null}`.
    fn meta(&self, path: &str) -> Value {
        json!({"self": format!("{}{path}", self.base_url), "resource_name": null})
    }

    /// `ClusterData` (the relationships are required by the spec).
    pub fn cluster_json(&self) -> Value {
        let base = format!("{}/clusters/{}", self.base_url, self.cluster_id);
        let rel = |p: &str| json!({"related": format!("{base}/{p}")});
        json!({
            "kind": "KafkaCluster",
            "metadata": self.meta(&format!("/clusters/{}", self.cluster_id)),
            "cluster_id": self.cluster_id,
            "controller": rel("brokers/1"),
            "acls": rel("acls"),
            "brokers": rel("brokers"),
            "broker_configs": rel("broker-configs"),
            "consumer_groups": rel("consumer-groups"),
            "topics": rel("topics"),
            "partition_reassignments": rel("topics/-/partitions/-/reassignment"),
        })
    }

    pub fn link_json_with_tasks(&self, l: &DLink) -> Value {
        let mut v = self.link_json(l);
        v["tasks"] = l
            .tasks
            .iter()
            .map(|(n, st, errs)| {
                json!({"task_name": n, "state": st, "errors": errs.iter().map(|(c, m)| json!({"error_code": c, "error_message": m})).collect::<Vec<_>>()})
            })
            .collect();
        v
    }

    pub fn link_json(&self, l: &DLink) -> Value {
        let mut v = json!({
            "kind": "KafkaLinkData",
            "metadata": self.meta(&format!("/clusters/{}/links/{}", self.cluster_id, l.name)),
            "source_cluster_id": l.source_cluster_id,
            "destination_cluster_id": l.destination_cluster_id,
            "remote_cluster_id": l.remote_cluster_id,
            "link_name": l.name,
            "link_id": format!("uuid-{}", l.id),
            "cluster_link_id": l.id,
            "topic_names": l.mirrors.keys().collect::<Vec<_>>(),
            "link_state": l.state,
            "link_error": "NO_ERROR",
            "link_error_message": null,
        });
        if let Some(o) = v.as_object_mut() {
            if self.quirks.omit_topic_names {
                o.remove("topic_names");
            }
            if l.state.is_empty() {
                o.remove("link_state");
            }
        }
        v
    }

    /// The configs a read of link `l` sees: its own, or (within a
    /// `stale_reads_after_write` window) those from before its last write.
    /// Counts the read.
    pub fn configs_for_read(&mut self, l: &DLink) -> BTreeMap<String, String> {
        match self.stale_configs.get_mut(&l.name) {
            Some((old, left)) if *left > 0 => {
                *left -= 1;
                let old = old.clone();
                if *left == 0 {
                    self.stale_configs.remove(&l.name);
                }
                old
            }
            _ => l.configs.clone(),
        }
    }

    pub fn config_rows(&self, link: &str, configs: &BTreeMap<String, String>) -> Vec<Value> {
        let mut names: BTreeSet<String> = DEFAULTS.iter().map(|(k, _)| k.to_string()).collect();
        names.extend(configs.keys().cloned());
        names
            .into_iter()
            .map(|name| self.config_row(link, configs, &name))
            .collect()
    }

    pub fn config_row(&self, link: &str, configs: &BTreeMap<String, String>, name: &str) -> Value {
        let default = DEFAULTS
            .iter()
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| *v);
        let set = configs.get(name);
        let sensitive = is_sensitive(name);
        let value = if sensitive {
            None
        } else {
            set.map(String::as_str).or(default)
        };
        // The Cloud spec's row declares `value` a required, non-null string.
        let value = match value {
            Some(v) => json!(v),
            None if self.quirks.null_config_values => Value::Null,
            None => json!(""),
        };
        let mut is_default = set.is_none();
        let mut source = if is_default {
            "DEFAULT_CONFIG"
        } else {
            "DYNAMIC_CLUSTER_LINK_CONFIG"
        };
        let style = self.quirks.row_style();
        if style == ConfigRowStyle::AllDynamic {
            is_default = false;
            source = "DYNAMIC_CLUSTER_LINK_CONFIG";
        }
        let read_only = READ_ONLY.contains(&name);
        let mut row = Map::new();
        row.insert("kind".into(), json!("KafkaLinkConfigData"));
        row.insert(
            "metadata".into(),
            self.meta(&format!(
                "/clusters/{}/links/{link}/configs/{name}",
                self.cluster_id
            )),
        );
        row.insert("cluster_id".into(), json!(self.cluster_id));
        row.insert("link_name".into(), json!(link));
        row.insert("name".into(), json!(name));
        row.insert("value".into(), value);
        let flags: &[(&str, bool)] = match style {
            ConfigRowStyle::IsDefault | ConfigRowStyle::AllDynamic => &[
                ("is_default", is_default),
                ("is_read_only", read_only),
                ("is_sensitive", sensitive),
            ],
            ConfigRowStyle::DefaultField => &[
                ("default", is_default),
                ("read_only", read_only),
                ("sensitive", sensitive),
            ],
            ConfigRowStyle::NoDefaultField => &[("read_only", read_only), ("sensitive", sensitive)],
            ConfigRowStyle::NoFlags => &[],
        };
        for (k, b) in flags {
            row.insert((*k).into(), json!(b));
        }
        row.insert("source".into(), json!(source));
        row.insert("synonyms".into(), json!([]));
        Value::Object(row)
    }

    pub fn mirror_json(&self, link: &str, m: &DMirror, transition_errors: bool) -> Value {
        let mut v = json!({
            "kind": "KafkaMirrorData",
            "metadata": self.meta(&format!("/clusters/{}/links/{link}/mirrors/{}", self.cluster_id, m.name)),
            "link_name": link,
            "mirror_topic_name": m.name,
            "source_topic_name": m.source,
            "num_partitions": m.partitions,
            "mirror_lags": (0..m.partitions).map(|p| {
                let fetched = if m.source_end == 0 { -1 } else { m.source_end - m.lag };
                json!({"partition": p, "lag": m.lag, "last_source_fetch_offset": fetched})
            }).collect::<Vec<_>>(),
            "mirror_status": m.status,
            "mirror_topic_error": m.error.clone().unwrap_or_else(|| "NO_ERROR".into()),
            "state_time_ms": 1_700_000_000_000i64,
        });
        if transition_errors {
            let settled = m.status == "ACTIVE" || m.status == "STOPPED";
            let errors: Vec<Value> = if settled && !self.quirks.mirror_transition_errors_when_active
            {
                Vec::new()
            } else {
                m.transition_errors
                    .iter()
                    .map(|(c, msg)| json!({"error_code": c, "error_message": msg}))
                    .collect()
            };
            v["mirror_state_transition_errors"] = Value::Array(errors);
        }
        v
    }

    /// `TopicData` (the relationships are required by the spec).
    pub fn topic_json(&self, name: &str, partitions: u32) -> Value {
        let base = format!(
            "{}/clusters/{}/topics/{name}",
            self.base_url, self.cluster_id
        );
        json!({
            "kind": "KafkaTopic",
            "metadata": self.meta(&format!("/clusters/{}/topics/{name}", self.cluster_id)),
            "cluster_id": self.cluster_id,
            "topic_name": name,
            "is_internal": false,
            "replication_factor": 1,
            "partitions_count": partitions,
            "partitions": {"related": format!("{base}/partitions")},
            "configs": {"related": format!("{base}/configs")},
            "partition_reassignments": {"related": format!("{base}/partitions/-/reassignment")},
        })
    }

    /// The config rows of every topic: `cleanup.policy` at its default, and
    /// the non-default values of `topic_configs`.
    pub fn topic_config_rows(&self) -> Vec<Value> {
        let mut out = Vec::new();
        for t in self.all_topics().keys() {
            out.push(self.topic_config_row(t, "cleanup.policy", "delete", true));
            for (k, v) in self.topic_configs.get(t).into_iter().flatten() {
                out.push(self.topic_config_row(t, k, v, false));
            }
        }
        out
    }

    /// One config row of topic `t`.
    pub fn topic_config_row(&self, t: &str, name: &str, value: &str, default: bool) -> Value {
        json!({
            "kind": "KafkaTopicConfig",
            "metadata": self.meta(&format!("/clusters/{}/topics/{t}/configs/{name}", self.cluster_id)),
            "cluster_id": self.cluster_id,
            "topic_name": t,
            "name": name,
            "value": value,
            "is_default": default,
            "is_read_only": false,
            "is_sensitive": false,
            "source": if default { "DEFAULT_CONFIG" } else { "DYNAMIC_TOPIC_CONFIG" },
            "synonyms": [],
        })
    }

    /// One `AlterMirrorStatusResponseData` entry.
    pub fn bulk_entry(
        &self,
        link: &str,
        mirror: &str,
        code: Option<i64>,
        msg: Option<String>,
    ) -> Value {
        json!({
            "kind": "AlterMirrorsData",
            "metadata": self.meta(&format!("/clusters/{}/links/{link}/mirrors/{mirror}", self.cluster_id)),
            "mirror_topic_name": mirror,
            "error_code": code,
            "error_message": msg,
            "mirror_lags": [],
            "messages_truncated": null,
            "partition_level_truncation_data": [],
        })
    }
}
