//! A counting HTTP proxy in front of Kafka Connect: every request is
//! forwarded unchanged to the real worker and logged (method and path, with
//! connector names kept), so tests and benchmarks can assert how many
//! connector config writes an apply sent. A test can also hold the requests
//! matching a rule (they reach Kafka Connect only when released), which is
//! how a fault is placed at an exact point of an apply.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// One forwarded request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forwarded {
    pub method: String,
    pub path: String,
    pub status: u16,
}

/// Requests held back: `(method, path suffix)` of the rule, and how many
/// matching requests are waiting.
#[derive(Default)]
struct Hold {
    rule: Option<(String, String)>,
    waiting: usize,
}

#[derive(Clone)]
struct Shared {
    upstream: String,
    http: reqwest::Client,
    log: Arc<Mutex<Vec<Forwarded>>>,
    hold: Arc<Mutex<Hold>>,
    released: Arc<tokio::sync::Notify>,
}

pub struct ConnectProxy {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<Forwarded>>>,
    hold: Arc<Mutex<Hold>>,
    released: Arc<tokio::sync::Notify>,
    _server: tokio::task::JoinHandle<()>,
}

impl ConnectProxy {
    /// Listens on 127.0.0.1:0 and forwards to `upstream` (e.g. `http://127.0.0.1:28083`).
    pub async fn start(upstream: &str) -> Self {
        let log = Arc::new(Mutex::new(Vec::new()));
        let hold = Arc::new(Mutex::new(Hold::default()));
        let released = Arc::new(tokio::sync::Notify::new());
        let shared = Shared {
            upstream: upstream.trim_end_matches('/').to_string(),
            http: reqwest::Client::new(),
            log: log.clone(),
            hold: hold.clone(),
            released: released.clone(),
        };
        let app = axum::Router::new().fallback(forward).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the Connect proxy");
        let addr = listener.local_addr().expect("proxy address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            addr,
            log,
            hold,
            released,
            _server: server,
        }
    }

    /// From now on, requests with this method whose path ends with `suffix`
    /// wait in the proxy until [`ConnectProxy::release`].
    pub fn hold(&self, method: &str, suffix: &str) {
        lock(&self.hold).rule = Some((method.to_string(), suffix.to_string()));
    }

    /// How many requests are being held right now.
    pub fn held(&self) -> usize {
        lock(&self.hold).waiting
    }

    /// Drops the rule and lets every held request through.
    pub fn release(&self) {
        lock(&self.hold).rule = None;
        self.released.notify_waiters();
    }

    /// The URL to put in a manifest's `connect:`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn log(&self) -> Vec<Forwarded> {
        lock(&self.log).clone()
    }

    pub fn clear(&self) {
        lock(&self.log).clear();
    }

    /// Requests with this method whose path ends with `suffix`.
    pub fn count(&self, method: &str, suffix: &str) -> usize {
        self.log()
            .iter()
            .filter(|r| r.method == method && r.path.ends_with(suffix))
            .count()
    }

    /// Request counts by `METHOD /path` with connector names replaced by `{c}`.
    pub fn by_kind(&self) -> std::collections::BTreeMap<String, usize> {
        let mut out = std::collections::BTreeMap::new();
        for r in self.log() {
            let segs: Vec<&str> = r.path.trim_start_matches('/').split('/').collect();
            let shape = match segs.as_slice() {
                ["connectors", _, rest @ ..] => {
                    let mut s = String::from("/connectors/{c}");
                    for x in rest {
                        s.push('/');
                        s.push_str(x);
                    }
                    s
                }
                _ => r.path.clone(),
            };
            *out.entry(format!("{} {shape}", r.method)).or_insert(0) += 1;
        }
        out
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// One held request, counted in `waiting` until it is released or its
/// client goes away (the server then drops the handler, and this with it).
struct Waiting(Arc<Mutex<Hold>>);

impl Drop for Waiting {
    fn drop(&mut self) {
        let mut h = lock(&self.0);
        h.waiting = h.waiting.saturating_sub(1);
    }
}

/// Waits while `method path` matches the hold rule.
async fn wait_if_held(s: &Shared, method: &Method, path: &str) {
    loop {
        // Registered before the rule is checked, so a release in between
        // is not missed.
        let released = s.released.notified();
        let _waiting = {
            let mut h = lock(&s.hold);
            let held = h
                .rule
                .as_ref()
                .is_some_and(|(m, suffix)| m == method.as_str() && path.ends_with(suffix.as_str()));
            if !held {
                return;
            }
            h.waiting += 1;
            Waiting(s.hold.clone())
        };
        released.await;
    }
}

async fn forward(
    State(s): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    wait_if_held(&s, &method, uri.path()).await;
    let path_q = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| uri.path().to_string());
    let mut req = s
        .http
        .request(method.clone(), format!("{}{path_q}", s.upstream));
    for name in ["content-type", "authorization", "accept"] {
        if let Some(v) = headers.get(name) {
            req = req.header(name, v.clone());
        }
    }
    if !body.is_empty() {
        req = req.body(body.to_vec());
    }
    let (status, bytes, ctype) = match req.send().await {
        Ok(r) => {
            let status = r.status().as_u16();
            let ctype = r
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            (status, r.bytes().await.unwrap_or_default().to_vec(), ctype)
        }
        Err(e) => (502, format!("proxy: {e}").into_bytes(), None),
    };
    lock(&s.log).push(Forwarded {
        method: method.to_string(),
        path: uri.path().to_string(),
        status,
    });
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    match ctype {
        Some(c) => (code, [("content-type", c)], bytes).into_response(),
        None => (code, bytes).into_response(),
    }
}
