//! A counting HTTP proxy in front of Kafka Connect: every request is
//! forwarded unchanged to the real worker and logged (method and path, with
//! connector names kept), so tests and benchmarks can assert how many
//! connector config writes an apply sent.

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

#[derive(Clone)]
struct Shared {
    upstream: String,
    http: reqwest::Client,
    log: Arc<Mutex<Vec<Forwarded>>>,
}

pub struct ConnectProxy {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<Forwarded>>>,
    _server: tokio::task::JoinHandle<()>,
}

impl ConnectProxy {
    /// Listens on 127.0.0.1:0 and forwards to `upstream` (e.g. `http://127.0.0.1:28083`).
    pub async fn start(upstream: &str) -> Self {
        let log = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            upstream: upstream.trim_end_matches('/').to_string(),
            http: reqwest::Client::new(),
            log: log.clone(),
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
            _server: server,
        }
    }

    /// The URL to put in a manifest's `connect:`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn log(&self) -> Vec<Forwarded> {
        match self.log.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    pub fn clear(&self) {
        match self.log.lock() {
            Ok(mut g) => g.clear(),
            Err(p) => p.into_inner().clear(),
        }
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

async fn forward(
    State(s): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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
    if let Ok(mut log) = s.log.lock() {
        log.push(Forwarded {
            method: method.to_string(),
            path: uri.path().to_string(),
            status,
        });
    }
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    match ctype {
        Some(c) => (code, [("content-type", c)], bytes).into_response(),
        None => (code, bytes).into_response(),
    }
}
