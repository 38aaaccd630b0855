//! Mirror handlers: list, create, get (the state machine advances on reads),
//! and the bulk pause / resume / promote / failover actions.

use axum::response::Response;
use serde_json::{json, Value};

use super::http::{empty, err, json_resp, list, with_link};
use super::state::{DMirror, DState};

pub(super) fn list_mirrors(st: &mut DState, link: Option<&str>) -> Response {
    let hold = st.hold;
    let fail = st.fail_on_settle.clone();
    let after = st.settle_after;
    let mut data = Vec::new();
    let names: Vec<String> = st
        .links
        .keys()
        .filter(|k| link.is_none_or(|l| l == k.as_str()))
        .cloned()
        .collect();
    for ln in names {
        let Some(mut l) = st.links.remove(&ln) else {
            continue;
        };
        for m in l.mirrors.values_mut() {
            if m.hidden_gets > 0 {
                m.hidden_gets -= 1;
                continue;
            }
            DState::poll_mirror(m, hold, &fail, after);
            data.push(st.mirror_json(&ln, m, false));
        }
        st.links.insert(ln, l);
    }
    json_resp(200, list("KafkaMirrorDataList", data))
}

pub(super) fn get_mirror(st: &mut DState, link: &str, mirror: &str, transitions: bool) -> Response {
    let hold = st.hold;
    let fail = st.fail_on_settle.clone();
    let after = st.settle_after;
    with_link(st, link, |st, l| {
        let Some(m) = l.mirrors.get_mut(mirror) else {
            return err(
                404,
                404,
                &format!("Topic '{mirror}' is not a mirror topic of link '{link}'."),
            );
        };
        if m.hidden_gets > 0 {
            m.hidden_gets -= 1;
            return err(
                404,
                404,
                &format!("Topic '{mirror}' is not a mirror topic of link '{link}'."),
            );
        }
        DState::poll_mirror(m, hold, &fail, after);
        json_resp(200, st.mirror_json(link, m, transitions))
    })
}

pub(super) fn create_mirror(st: &mut DState, link: &str, body: &Value) -> Response {
    let Some(source) = body["source_topic_name"].as_str().map(str::to_string) else {
        return err(400, 400, "source_topic_name is required");
    };
    if let Some(known) = &st.source_topics {
        if !known.contains(&source) {
            return err(
                404,
                40403,
                &format!("Topic '{source}' does not exist on the source cluster."),
            );
        }
    }
    let partitions = st.source_partitions;
    let hidden = st.quirks.not_found_after_create;
    let settle = st.settle_polls;
    let Some(l) = st.links.get(link) else {
        return err(
            404,
            404,
            &format!("The cluster link doesn't exist: Cluster link '{link}' does not exist."),
        );
    };
    let prefix = l
        .configs
        .get("cluster.link.prefix")
        .cloned()
        .unwrap_or_default();
    let expected = format!("{prefix}{source}");
    let name = body["mirror_topic_name"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| expected.clone());
    if name != expected {
        return err(400, 40002, &format!("Mirror topic name '{name}' must be the link prefix followed by the source topic name ('{expected}')."));
    }
    // A topic name is unique on the cluster, whatever link mirrors it.
    if st.links.values().any(|l| l.mirrors.contains_key(&name)) {
        return err(400, 40002, &format!("Topic '{name}' already exists."));
    }
    let Some(l) = st.links.get_mut(link) else {
        return err(404, 404, "HTTP 404 Not Found");
    };
    l.mirrors.insert(
        name.clone(),
        DMirror {
            name,
            source,
            status: "PENDING_MIRROR".into(),
            pending: Some(("ACTIVE".into(), settle)),
            pending_since: Some(std::time::Instant::now()),
            partitions,
            error: None,
            transition_errors: Vec::new(),
            hidden_gets: hidden,
        },
    );
    empty(204)
}

pub(super) fn bulk(st: &mut DState, link: &str, action: &str, names: Vec<String>) -> Response {
    let settle = st.settle_polls;
    let injected = st.topic_errors.clone();
    let Some(l) = st.links.get_mut(link) else {
        return err(
            404,
            404,
            &format!("The cluster link doesn't exist: Cluster link '{link}' does not exist."),
        );
    };
    if !["pause", "resume", "promote", "failover"].contains(&action) {
        return err(404, 404, "HTTP 404 Not Found");
    }
    let mut data = Vec::new();
    for n in names {
        let entry = |code: Option<i64>, msg: Option<String>| json!({"kind": "AlterMirrorsData", "mirror_topic_name": n, "error_code": code, "error_message": msg, "mirror_lags": [], "messages_truncated": null});
        if let Some((c, m)) = injected.get(&n) {
            data.push(entry(Some(*c), Some(m.clone())));
            continue;
        }
        let Some(m) = l.mirrors.get_mut(&n) else {
            data.push(entry(
                Some(404),
                Some(format!(
                    "Topic '{n}' is not a mirror topic of link '{link}'."
                )),
            ));
            continue;
        };
        let stopped = m.status == "STOPPED" || m.status == "PENDING_STOPPED";
        let result = match action {
            _ if stopped => Err(format!(
                "Topic '{n}' has already stopped its mirror from '{link}'"
            )),
            "pause" if m.status == "ACTIVE" || m.status == "PAUSED" => {
                m.status = "PAUSED".into();
                Ok(())
            }
            "resume" if m.status == "PAUSED" || m.status == "ACTIVE" => {
                m.status = "ACTIVE".into();
                Ok(())
            }
            "promote" | "failover" if m.status == "ACTIVE" || m.status == "PAUSED" => {
                m.status = "PENDING_STOPPED".into();
                DState::begin(m, "STOPPED", settle);
                Ok(())
            }
            _ => Err(format!("Topic '{n}' cannot {action} in state {}", m.status)),
        };
        data.push(match result {
            Ok(()) => entry(None, None),
            Err(msg) => entry(Some(400), Some(msg)),
        });
    }
    json_resp(200, list("AlterMirrorStatusResponseDataList", data))
}
