//! The HTTP side: every request is checked against the published spec
//! (a violation is answered 400 and recorded), then answered from the model
//! through the switchable quirks, its answer checked against the spec's
//! response schema, and logged.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::log::LoggedRequest;
use super::paging;
use super::routes::route;
use super::spec::{self, Matched};
use super::state::DState;

pub struct Inner {
    pub state: DState,
    pub log: Vec<LoggedRequest>,
    /// Requests that did not follow the published API (each answered 400).
    pub violations: Vec<String>,
    /// Answers of the double that did not validate against the spec.
    pub response_problems: Vec<String>,
}

pub type Shared = Arc<Mutex<Inner>>;

/// What the model answers, before it becomes an HTTP response.
#[derive(Debug)]
pub enum Reply {
    Json(u16, Value),
    Empty(u16),
    /// 429 with Jetty's HTML body, and `Retry-After` when set.
    TooMany(Option<u64>),
    /// The request was carried out; the connection is dropped unanswered.
    Hangup,
}

impl Reply {
    fn status(&self) -> u16 {
        match self {
            Reply::Json(s, _) | Reply::Empty(s) => *s,
            Reply::TooMany(_) => 429,
            Reply::Hangup => 0,
        }
    }
}

pub(super) fn json_resp(status: u16, v: Value) -> Reply {
    Reply::Json(status, v)
}

pub(super) fn empty(status: u16) -> Reply {
    Reply::Empty(status)
}

pub(super) fn err(status: u16, code: i64, msg: &str) -> Reply {
    Reply::Json(status, json!({"error_code": code, "message": msg}))
}

/// The answer about a topic the cluster does not have.
pub(super) fn not_found_topic() -> Reply {
    err(
        404,
        40403,
        "This server does not host this topic-partition.",
    )
}

pub(super) fn not_found_link(name: &str) -> Reply {
    err(
        404,
        404,
        &format!("The cluster link doesn't exist: Cluster link '{name}' does not exist."),
    )
}

/// A collection envelope (`metadata.self` is made absolute afterwards).
pub(super) fn list(kind: &str, data: Vec<Value>) -> Value {
    json!({"kind": kind, "metadata": {"self": "", "next": null}, "data": data})
}

/// Marks the panic that drops a connection (see [`Reply::Hangup`]).
struct LostResponse;

pub async fn handle(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (reply, latency) = {
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
    match reply {
        Reply::Json(status, v) => (
            code(status),
            [("content-type", "application/json")],
            v.to_string(),
        )
            .into_response(),
        Reply::Empty(status) => code(status).into_response(),
        Reply::TooMany(after) => {
            let mut r = (
                StatusCode::TOO_MANY_REQUESTS,
                [("content-type", "text/html")],
                "<html><body><h2>HTTP ERROR 429 Too Many Requests</h2></body></html>",
            )
                .into_response();
            if let Some(s) = after {
                if let Ok(v) = s.to_string().parse() {
                    r.headers_mut().insert("retry-after", v);
                }
            }
            r
        }
        // Unwinding out of the connection's task closes its socket before
        // any byte of an answer is written; `resume_unwind` skips the panic
        // hook, so nothing is printed. The lock is released by now.
        Reply::Hangup => std::panic::resume_unwind(Box::new(LostResponse)),
    }
}

fn code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Checks, answers and logs one request.
fn record(
    inner: &mut Inner,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Reply {
    let spec = spec::spec();
    let path = uri
        .path()
        .strip_prefix(&spec.base_path)
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
        accept: header("accept"),
        user_agent: header("user-agent"),
        body: body_text,
        status: 0,
        operation: None,
    };
    let content_type = header("content-type");
    let req = spec::Request {
        method: method.as_str(),
        path: uri.path(),
        query: query.as_deref(),
        content_type: content_type.as_deref(),
        body,
    };
    if inner.state.quirks.not_found_outside_base && !uri.path().starts_with(&spec.base_path) {
        let reply = Reply::Empty(404);
        entry.status = reply.status();
        inner.log.push(entry);
        return reply;
    }
    let st = &inner.state;
    let checked = spec.check_request(&req, &|k, v| paging::is_issued_token(st, &path, k, v));
    let reply = match checked {
        Err(errors) => {
            let msg = format!(
                "request does not follow the published API: {}",
                errors.join("; ")
            );
            inner.violations.push(format!("{}: {msg}", entry.render()));
            err(400, 400, &msg)
        }
        Ok(m) => {
            entry.operation = Some(format!("{} ({})", m.id, m.sources.join(", ")));
            let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let reply = respond(
                &mut inner.state,
                &m,
                &path,
                &parsed,
                entry.authorization.as_deref(),
            );
            let reply = finish(&mut inner.state, &m, &path, reply);
            if let Reply::Json(s, v) = &reply {
                for p in spec.check_response(&m, *s, Some(v)) {
                    inner
                        .response_problems
                        .push(format!("{}: {p}", entry.render()));
                }
            } else if let Reply::Empty(s) = &reply {
                for p in spec.check_response(&m, *s, None) {
                    inner
                        .response_problems
                        .push(format!("{}: {p}", entry.render()));
                }
            }
            reply
        }
    };
    entry.status = reply.status();
    inner.log.push(entry);
    reply
}

/// Authentication, rate limits and scripted faults, then the model.
fn respond(st: &mut DState, m: &Matched, path: &str, body: &Value, auth: Option<&str>) -> Reply {
    let echoing = st.quirks.echo_requests;
    let form = if st.quirks.echo_form_encoded {
        let configs = body["configs"].as_array().cloned().unwrap_or_default();
        let pairs = configs.iter().filter_map(|c| {
            Some((
                c["name"].as_str()?.to_string(),
                c["value"].as_str()?.to_string(),
            ))
        });
        let form = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!(" form: {form}")
    } else {
        String::new()
    };
    let echo = |message: &str| {
        if echoing {
            format!(
                "{message} \u{1b}[2J\u{1b}]0;pwned\u{7}(echo: {} {path} Authorization: {} body: {body}{form})",
                m.method,
                auth.unwrap_or("none")
            )
        } else {
            message.to_string()
        }
    };
    if let Some(expected) = &st.quirks.require_authorization {
        if auth != Some(expected.as_str()) {
            return err(401, 40101, &echo("Authentication failed"));
        }
    }
    if st.quirks.rate_limit_next > 0 || st.quirks.retry_after.is_some() {
        let after = st.quirks.retry_after;
        st.quirks.rate_limit_next = st.quirks.rate_limit_next.saturating_sub(1);
        if st.quirks.rate_limit_next == 0 {
            st.quirks.retry_after = None;
        }
        return Reply::TooMany(after);
    }
    let mut after: Option<(u16, i64, String)> = None;
    for f in st.faults.iter_mut() {
        let m_ok = f.method.as_deref().is_none_or(|x| x == m.method);
        // A trailing `$` anchors the path at its end.
        let p_ok = match f.path_contains.strip_suffix('$') {
            Some(end) => path.ends_with(end),
            None => path.contains(&f.path_contains),
        };
        if f.remaining > 0 && m_ok && p_ok {
            if f.skip > 0 {
                f.skip -= 1;
                continue;
            }
            f.remaining -= 1;
            if f.empty_body {
                return empty(f.status);
            }
            let message = echo(&f.message);
            if f.after_effect {
                after = Some((f.status, f.error_code, message));
                break;
            }
            return err(f.status, f.error_code, &message);
        }
    }
    let reply = match st.recorded.get(path).filter(|_| m.method == "GET") {
        Some(recorded) => Reply::Json(200, recorded.clone()),
        None => route(st, m, body),
    };
    match after {
        Some((s, c, msg)) => err(s, c, &msg),
        None => reply,
    }
}

/// Shapes a 2xx JSON answer: absolute `metadata.self`, only required fields
/// (`minimal_fields`), one page of a list (`page_size`).
fn finish(st: &mut DState, m: &Matched, path: &str, reply: Reply) -> Reply {
    let Reply::Json(status, mut v) = reply else {
        return reply;
    };
    if !(200..300).contains(&status) {
        return Reply::Json(status, v);
    }
    if v["metadata"]["self"] == "" {
        v["metadata"]["self"] = json!(format!("{}{path}", st.base_url));
    }
    if st.quirks.minimal_fields {
        if let Some(schema) = spec::spec().response_schema(m, status) {
            spec::spec().prune_optional(&mut v, schema);
        }
    }
    paging::paginate(st, m, path, &mut v);
    Reply::Json(status, v)
}
