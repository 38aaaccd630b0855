//! Mirror handlers: list, create, get (the state machine advances on reads),
//! and the bulk pause / resume / promote / failover actions.

use serde_json::Value;

use super::http::{empty, err, json_resp, list, not_found_link, Reply};
use super::quirks::BulkEntry;
use super::routes::{lose_answer, with_link};
use super::state::{DMirror, DState};

pub(super) fn list_mirrors(st: &mut DState, link: Option<&str>) -> Reply {
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

pub(super) fn get_mirror(st: &mut DState, link: &str, mirror: &str, transitions: bool) -> Reply {
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

pub(super) fn create_mirror(st: &mut DState, link: &str, body: &Value) -> Reply {
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
        return not_found_link(link);
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
            lag: 0,
            catch_up_per_read: 0,
            source_end: 0,
            writes_per_read: 0,
        },
    );
    if lose_answer(st) {
        return Reply::Hangup;
    }
    empty(204)
}

pub(super) fn bulk(st: &mut DState, link: &str, action: &str, names: Vec<String>) -> Reply {
    let settle = st.settle_polls;
    let injected = st.topic_errors.clone();
    let quirky = st.quirks.bulk_entries.clone();
    if !["pause", "resume", "promote", "failover"].contains(&action) {
        return err(
            404,
            404,
            &format!("HTTP 404 Not Found (the double does not serve mirrors:{action})"),
        );
    }
    let Some(mut l) = st.links.remove(link) else {
        return not_found_link(link);
    };
    let mut data = Vec::new();
    for n in names {
        let entry = |code: Option<i64>, msg: Option<String>| st.bulk_entry(link, &n, code, msg);
        if let Some((c, m)) = injected.get(&n) {
            data.push(entry(Some(*c), Some(m.clone())));
            continue;
        }
        match quirky.get(&n) {
            Some(BulkEntry::NullCodeWithMessage(m)) => {
                data.push(entry(None, Some(m.clone())));
                continue;
            }
            Some(BulkEntry::ZeroCodeWithMessage(m)) => {
                data.push(entry(Some(0), Some(m.clone())));
                continue;
            }
            Some(BulkEntry::Missing) | None => {}
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
        let result = transition(m, link, action, settle);
        if quirky.get(&n) == Some(&BulkEntry::Missing) {
            continue;
        }
        data.push(match result {
            Ok(()) => entry(None, None),
            Err(msg) => entry(Some(400), Some(msg)),
        });
    }
    st.links.insert(link.to_string(), l);
    json_resp(200, list("AlterMirrorStatusResponseDataList", data))
}

/// Starts `action` on one mirror, or says why it cannot.
fn transition(m: &mut DMirror, link: &str, action: &str, settle: u32) -> Result<(), String> {
    let n = m.name.clone();
    let stopped = m.status == "STOPPED" || m.status == "PENDING_STOPPED";
    match action {
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
        // A guess (no source says what a server answers): a failover of a
        // mirror whose link or source is down is accepted, and the mirror
        // keeps its status until it has stopped.
        "failover"
            if ["LINK_FAILED", "LINK_PAUSED", "SOURCE_UNAVAILABLE"]
                .contains(&m.status.as_str()) =>
        {
            DState::begin(m, "STOPPED", settle);
            Ok(())
        }
        _ => Err(format!("Topic '{n}' cannot {action} in state {}", m.status)),
    }
}
