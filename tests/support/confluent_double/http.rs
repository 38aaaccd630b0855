//! Routing and handlers: the REST v3 paths of links, configs and mirrors.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::log::LoggedRequest;
use super::mirrors::{bulk, create_mirror, get_mirror, list_mirrors};
use super::state::{DLink, DState, IMMUTABLE, READ_ONLY};

pub const BASE: &str = "/kafka/v3";

pub struct Inner {
    pub state: DState,
    pub log: Vec<LoggedRequest>,
}

pub type Shared = Arc<Mutex<Inner>>;

pub(super) fn json_resp(status: u16, v: Value) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (code, [("content-type", "application/json")], v.to_string()).into_response()
}

pub(super) fn empty(status: u16) -> Response {
    StatusCode::from_u16(status)
        .unwrap_or(StatusCode::OK)
        .into_response()
}

pub(super) fn err(status: u16, code: i64, msg: &str) -> Response {
    json_resp(status, json!({"error_code": code, "message": msg}))
}

pub(super) fn list(kind: &str, data: Vec<Value>) -> Value {
    json!({"kind": kind, "metadata": {"self": "", "next": null}, "data": data})
}

fn decode(seg: &str) -> String {
    let bytes = seg.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_flag(query: Option<&str>, key: &str) -> bool {
    query.is_some_and(|q| q.split('&').any(|kv| kv == format!("{key}=true")))
}

fn query_value(query: Option<&str>, key: &str) -> Option<String> {
    query?
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")).map(decode))
}

pub async fn handle(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (resp, latency) = {
        let mut inner = match shared.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let latency = inner.state.latency;
        (record(&mut inner, &method, &uri, &headers, &body), latency)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    resp
}

/// Answers one request from the model and logs it.
fn record(
    inner: &mut Inner,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let path = uri
        .path()
        .strip_prefix(BASE)
        .unwrap_or(uri.path())
        .to_string();
    let query = uri.query().map(str::to_string);
    let body_text = (!body.is_empty()).then(|| String::from_utf8_lossy(body).into_owned());
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let mut entry = LoggedRequest {
        method: method.to_string(),
        path: path.clone(),
        query: query.clone(),
        authorization: header("authorization"),
        identity_pool: header("confluent-identity-pool-id"),
        body: body_text.clone(),
        status: 0,
    };
    let resp = respond(
        &mut inner.state,
        method,
        &path,
        query.as_deref(),
        body_text.as_deref(),
        entry.authorization.as_deref(),
    );
    entry.status = resp.status().as_u16();
    inner.log.push(entry);
    resp
}

fn respond(
    st: &mut DState,
    method: &Method,
    path: &str,
    query: Option<&str>,
    body: Option<&str>,
    auth: Option<&str>,
) -> Response {
    if let Some(expected) = &st.quirks.require_authorization {
        if auth != Some(expected.as_str()) {
            return err(401, 40101, "Authentication failed");
        }
    }
    if st.quirks.rate_limit_next > 0 {
        st.quirks.rate_limit_next -= 1;
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("content-type", "text/html")],
            "<html><body><h2>HTTP ERROR 429 Too Many Requests</h2></body></html>",
        )
            .into_response();
    }
    let mut after: Option<(u16, i64, String)> = None;
    for f in st.faults.iter_mut() {
        let m_ok = f.method.as_deref().is_none_or(|m| m == method.as_str());
        if f.remaining > 0 && m_ok && path.contains(&f.path_contains) {
            if f.skip > 0 {
                f.skip -= 1;
                continue;
            }
            f.remaining -= 1;
            if f.after_effect {
                after = Some((f.status, f.error_code, f.message.clone()));
                break;
            }
            return err(f.status, f.error_code, &f.message);
        }
    }
    let resp = route(st, method, path, query, body);
    match after {
        Some((s, c, m)) => err(s, c, &m),
        None => resp,
    }
}

fn route(
    st: &mut DState,
    method: &Method,
    path: &str,
    query: Option<&str>,
    body: Option<&str>,
) -> Response {
    let segs: Vec<String> = path.trim_matches('/').split('/').map(decode).collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    if s == ["clusters"] && method == Method::GET {
        return json_resp(
            200,
            list(
                "KafkaClusterList",
                vec![
                    json!({"kind": "KafkaCluster", "metadata": {"self": ""}, "cluster_id": st.cluster_id}),
                ],
            ),
        );
    }
    if s.len() < 2 || s[0] != "clusters" {
        return err(404, 404, "HTTP 404 Not Found");
    }
    if s[1] != st.cluster_id {
        return err(404, 404, &format!("Cluster {} cannot be found.", s[1]));
    }
    let body: Value = body
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    match (method.as_str(), &s[2..]) {
        ("GET", []) => json_resp(
            200,
            json!({"kind": "KafkaCluster", "cluster_id": st.cluster_id}),
        ),
        ("GET", ["links"]) => {
            let data = st
                .links
                .values()
                .filter(|l| l.hidden_gets == 0)
                .map(|l| st.link_json(l))
                .collect();
            json_resp(200, list("KafkaLinkDataList", data))
        }
        ("POST", ["links"]) => create_link(st, query, &body),
        ("GET", ["links", "-", "mirrors"]) => list_mirrors(st, None),
        ("GET", ["links", l]) => with_link(st, l, |st, l| {
            if l.hidden_gets > 0 {
                l.hidden_gets -= 1;
                return err(
                    404,
                    404,
                    &format!(
                        "The cluster link doesn't exist: Cluster link '{}' does not exist.",
                        l.name
                    ),
                );
            }
            if query_flag(query, "include_tasks") {
                return json_resp(200, st.link_json_with_tasks(l));
            }
            json_resp(200, st.link_json(l))
        }),
        ("DELETE", ["links", l]) => delete_link(st, l, query_flag(query, "force")),
        ("GET", ["links", l, "configs"]) => with_link(st, l, |st, l| {
            json_resp(200, list("KafkaLinkConfigDataList", st.config_rows(l)))
        }),
        ("GET", ["links", l, "configs", k]) => {
            with_link(st, l, |st, l| json_resp(200, st.config_row(l, k)))
        }
        ("PUT", ["links", _, "configs:alter"]) if st.quirks.batch_alter_405 => {
            err(405, 405, "HTTP 405 Method Not Allowed")
        }
        ("PUT", ["links", l, "configs:alter"]) => {
            let items: Vec<(String, Option<String>, String)> = body["data"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|e| {
                            (
                                e["name"].as_str().unwrap_or("").to_string(),
                                e["value"].as_str().map(str::to_string),
                                e["operation"].as_str().unwrap_or("SET").to_string(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            alter(st, l, items, query_flag(query, "validate_only"))
        }
        ("PUT", ["links", l, "configs", k]) => {
            let v = body["value"].as_str().map(str::to_string);
            alter(st, l, vec![(k.to_string(), v, "SET".into())], false)
        }
        ("DELETE", ["links", l, "configs", k]) => {
            alter(st, l, vec![(k.to_string(), None, "DELETE".into())], false)
        }
        ("GET", ["links", l, "mirrors"]) => {
            if !st.links.contains_key(*l) {
                return err(404, 404, &format!("Cluster link '{l}' does not exist."));
            }
            list_mirrors(st, Some(l))
        }
        ("POST", ["links", l, "mirrors"]) => create_mirror(st, l, &body),
        ("GET", ["links", l, "mirrors", m]) => get_mirror(
            st,
            l,
            m,
            query_flag(query, "include_state_transition_errors"),
        ),
        ("POST", ["links", l, action]) if action.starts_with("mirrors:") => {
            let names: Vec<String> = body["mirror_topic_names"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            bulk(st, l, &action["mirrors:".len()..], names)
        }
        ("DELETE", ["topics", t]) => {
            for l in st.links.values_mut() {
                if l.mirrors.remove(*t).is_some() {
                    return empty(204);
                }
            }
            err(
                404,
                40403,
                "This server does not host this topic-partition.",
            )
        }
        _ => err(404, 404, "HTTP 404 Not Found"),
    }
}

pub(super) fn with_link(
    st: &mut DState,
    name: &str,
    f: impl FnOnce(&DState, &mut DLink) -> Response,
) -> Response {
    let Some(mut l) = st.links.remove(name) else {
        return err(
            404,
            404,
            &format!("The cluster link doesn't exist: Cluster link '{name}' does not exist."),
        );
    };
    let r = f(st, &mut l);
    st.links.insert(name.to_string(), l);
    r
}

fn create_link(st: &mut DState, query: Option<&str>, body: &Value) -> Response {
    let Some(name) = query_value(query, "link_name") else {
        return err(400, 400, "link_name is required");
    };
    let ids = [
        "source_cluster_id",
        "destination_cluster_id",
        "remote_cluster_id",
    ];
    let set: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|k| body[*k].is_string())
        .collect();
    if set.len() != 1 {
        return err(400, 40002, "Exactly one of source_cluster_id, destination_cluster_id or remote_cluster_id must be set.");
    }
    if st.links.contains_key(&name) {
        return err(
            409,
            40902,
            &format!("Cluster link '{name}' already exists."),
        );
    }
    let mut configs = std::collections::BTreeMap::new();
    for c in body["configs"].as_array().into_iter().flatten() {
        if let (Some(k), Some(v)) = (c["name"].as_str(), c["value"].as_str()) {
            configs.insert(k.to_string(), v.to_string());
        }
    }
    if query_flag(query, "validate_only") {
        return empty(204);
    }
    st.link_counter += 1;
    let hidden = st.quirks.not_found_after_create;
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
        hidden_gets: hidden,
        tasks,
    };
    st.links.insert(name, link);
    empty(204)
}

fn delete_link(st: &mut DState, name: &str, force: bool) -> Response {
    let Some(l) = st.links.get(name) else {
        return err(
            404,
            404,
            &format!("The cluster link doesn't exist: Cluster link '{name}' does not exist."),
        );
    };
    let established: Vec<&String> = l
        .mirrors
        .values()
        .filter(|m| m.status != "STOPPED")
        .map(|m| &m.name)
        .collect();
    if !established.is_empty() && !force {
        return err(403, 40301, &format!("Cluster link '{name}' cannot be deleted while it has established mirror topics: {}", established.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")));
    }
    st.links.remove(name);
    empty(200)
}

fn alter(
    st: &mut DState,
    link: &str,
    items: Vec<(String, Option<String>, String)>,
    validate_only: bool,
) -> Response {
    let Some(l) = st.links.get_mut(link) else {
        return err(
            404,
            404,
            &format!("The cluster link doesn't exist: Cluster link '{link}' does not exist."),
        );
    };
    for (k, _, _) in &items {
        if IMMUTABLE.contains(&k.as_str()) || READ_ONLY.contains(&k.as_str()) {
            return err(400, 40002, &format!("Cannot alter config '{k}' of cluster link '{link}': the config is read-only after creation."));
        }
    }
    if validate_only {
        return empty(204);
    }
    let l_configs = &mut l.configs;
    for (k, v, op) in items {
        match (op.as_str(), v) {
            ("DELETE", _) => {
                l_configs.remove(&k);
            }
            (_, Some(v)) => {
                l_configs.insert(k, v);
            }
            (_, None) => return err(400, 40002, &format!("Config '{k}' needs a value.")),
        }
    }
    l.tasks = super::state::tasks_for(&l.configs);
    empty(204)
}
