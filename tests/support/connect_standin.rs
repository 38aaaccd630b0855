//! A Kafka Connect stand-in that keeps connectors: it answers the reads and
//! writes linkctl sends for MirrorMaker 2 links (`GET /`, `GET /connectors`
//! with and without `?expand=info&expand=status`, a connector's config,
//! status, tasks and offsets, `PUT …/config`, stop, resume, offsets reset,
//! `DELETE`) the way a worker does, every connector `RUNNING` with no task.
//! A test can make it answer requests with an error that echoes them, the
//! way some servers do: the request line, the `Authorization` header and
//! the body as received, and again as form data (each value URL-encoded), with terminal
//! escape sequences (clear screen, window title) in front — a 401 when the
//! `Authorization` is not the one required, or scripted statuses on
//! matching requests. Every request is kept as received (raw headers and
//! body): [`ConnectStandIn::raw_log`].

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{json, Value};

/// What every echoed message holds before the request (a positive check
/// that the echo reached the output).
pub const ECHO: &str = "(echo: ";

/// One request as received.
#[derive(Debug, Clone)]
pub struct RawRequest {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// Every header, names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// What the stand-in answered.
    pub status: u16,
}

impl RawRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Requests answered with `status` and an echo of themselves: those with
/// this method (any when `None`) whose target contains `path_contains`,
/// `remaining` times.
#[derive(Debug, Clone)]
struct Echo {
    method: Option<String>,
    path_contains: String,
    status: u16,
    remaining: u32,
}

#[derive(Default)]
struct State {
    connectors: BTreeMap<String, BTreeMap<String, String>>,
    states: BTreeMap<String, String>,
    echoes: Vec<Echo>,
    require_authorization: Option<String>,
    raw: Vec<RawRequest>,
}

pub struct ConnectStandIn {
    url: String,
    state: Arc<Mutex<State>>,
}

fn lock(s: &Mutex<State>) -> MutexGuard<'_, State> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

impl ConnectStandIn {
    /// Serves on a free port of 127.0.0.1 for as long as the test process
    /// lives, with no connector.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = shared.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &shared);
                });
            }
        });
        Self {
            url: format!("http://{addr}"),
            state,
        }
    }

    /// The URL to put in a manifest's `connect:`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The next `times` requests with `method` (any when `None`) whose path
    /// and query contain `path_contains` get `status`, echoing the request.
    pub fn echo(&self, method: Option<&str>, path_contains: &str, status: u16, times: u32) {
        lock(&self.state).echoes.push(Echo {
            method: method.map(str::to_string),
            path_contains: path_contains.to_string(),
            status,
            remaining: times,
        });
    }

    /// Drops every scripted echo still pending.
    pub fn clear_echoes(&self) {
        lock(&self.state).echoes.clear();
    }

    /// Requests whose `Authorization` is not `expected` get a 401 echoing
    /// them (`None`: any is accepted).
    pub fn require_authorization(&self, expected: Option<&str>) {
        lock(&self.state).require_authorization = expected.map(str::to_string);
    }

    /// A connector as if written before (as Kafka Connect stores it).
    pub fn add_connector(&self, name: &str, config: &[(&str, &str)]) {
        let mut config: BTreeMap<String, String> = config
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        config.insert("name".into(), name.into());
        let mut s = lock(&self.state);
        s.connectors.insert(name.to_string(), config);
        s.states.insert(name.to_string(), "RUNNING".into());
    }

    /// The stored connector configs, by name.
    pub fn connectors(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        lock(&self.state).connectors.clone()
    }

    /// Every request so far, as received.
    pub fn raw_log(&self) -> Vec<RawRequest> {
        lock(&self.state).raw.clone()
    }
}

fn serve(mut stream: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_string());
            if k == "content-length" {
                length = v.parse().unwrap_or(0);
            }
            headers.push((k, v));
        }
    }
    let mut body = vec![0u8; length.min(1 << 20)];
    reader.read_exact(&mut body)?;
    let mut req = RawRequest {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        status: 0,
    };
    let (status, answer) = {
        let mut s = lock(state);
        let answer = respond(&mut s, &req);
        req.status = answer.0;
        s.raw.push(req);
        answer
    };
    let text = answer.map(|v| v.to_string()).unwrap_or_default();
    write!(
        stream,
        "HTTP/1.1 {status} Stand-in\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    )
}

/// The error a server that echoes requests answers `req` with.
fn echoed(req: &RawRequest, status: u16) -> (u16, Option<Value>) {
    let auth = req.header("authorization").unwrap_or("none");
    // A config body as form data (`k=v&…`, each value URL-encoded), any
    // other body URL-encoded whole.
    let form = match serde_json::from_str::<BTreeMap<String, String>>(&req.body) {
        Ok(config) => url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(config.iter())
            .finish(),
        Err(_) => url::form_urlencoded::byte_serialize(req.body.as_bytes()).collect(),
    };
    let message = format!(
        "\u{1b}[2J\u{1b}]0;pwned\u{7}{ECHO}{} {} Authorization: {auth} body: {} form: {form})",
        req.method, req.target, req.body
    );
    (
        status,
        Some(json!({ "error_code": status, "message": message })),
    )
}

fn not_found(name: &str) -> (u16, Option<Value>) {
    (
        404,
        Some(json!({"error_code": 404, "message": format!("Connector {name} not found")})),
    )
}

fn status_of(name: &str, state: &str) -> Value {
    json!({
        "name": name,
        "connector": {"state": state, "worker_id": "stand-in:8083"},
        "tasks": [],
        "type": "source"
    })
}

fn respond(s: &mut State, req: &RawRequest) -> (u16, Option<Value>) {
    if let Some(expected) = &s.require_authorization {
        if req.header("authorization") != Some(expected.as_str()) {
            return echoed(req, 401);
        }
    }
    for e in s.echoes.iter_mut() {
        let method_ok = e.method.as_deref().is_none_or(|m| m == req.method);
        if e.remaining > 0 && method_ok && req.target.contains(&e.path_contains) {
            e.remaining -= 1;
            return echoed(req, e.status);
        }
    }
    let (path, query) = req.target.split_once('?').unwrap_or((&req.target, ""));
    let segs: Vec<String> = path
        .split('/')
        .filter(|p| !p.is_empty())
        .map(|p| {
            url::form_urlencoded::parse(format!("x={p}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let m = req.method.as_str();
    match (m, segs.as_slice()) {
        ("GET", []) => (200, Some(json!({"version": "4.0.0", "commit": "stand-in"}))),
        ("GET", ["connectors"]) if query.contains("expand") => {
            let all: serde_json::Map<String, Value> = s
                .connectors
                .iter()
                .map(|(name, config)| {
                    let state = s.states.get(name).map_or("RUNNING", String::as_str);
                    (
                        name.clone(),
                        json!({
                            "info": {"name": name, "config": config, "tasks": [], "type": "source"},
                            "status": status_of(name, state),
                        }),
                    )
                })
                .collect();
            (200, Some(Value::Object(all)))
        }
        ("GET", ["connectors"]) => (200, Some(json!(s.connectors.keys().collect::<Vec<_>>()))),
        ("PUT", ["connectors", name, "config"]) => {
            let Ok(mut config) = serde_json::from_str::<BTreeMap<String, String>>(&req.body) else {
                return (
                    400,
                    Some(json!({"error_code": 400, "message": "not a config"})),
                );
            };
            config.insert("name".into(), name.to_string());
            let created = !s.connectors.contains_key(*name);
            s.connectors.insert(name.to_string(), config.clone());
            s.states
                .entry(name.to_string())
                .or_insert_with(|| "RUNNING".into());
            (
                if created { 201 } else { 200 },
                Some(json!({"name": name, "config": config, "tasks": [], "type": "source"})),
            )
        }
        (_, ["connectors", name, ..]) if !s.connectors.contains_key(*name) => not_found(name),
        ("GET", ["connectors", name]) => (
            200,
            Some(
                json!({"name": name, "config": s.connectors[*name], "tasks": [], "type": "source"}),
            ),
        ),
        ("GET", ["connectors", name, "config"]) => (200, Some(json!(s.connectors[*name]))),
        ("GET", ["connectors", name, "status"]) => {
            let state = s.states.get(*name).map_or("RUNNING", String::as_str);
            (200, Some(status_of(name, state)))
        }
        ("GET", ["connectors", _, "tasks"]) => (200, Some(json!([]))),
        ("GET", ["connectors", _, "offsets"]) => (200, Some(json!({"offsets": []}))),
        ("PUT", ["connectors", name, verb @ ("stop" | "pause" | "resume")]) => {
            let state = match *verb {
                "stop" => "STOPPED",
                "pause" => "PAUSED",
                _ => "RUNNING",
            };
            s.states.insert(name.to_string(), state.into());
            (202, None)
        }
        ("DELETE" | "PATCH", ["connectors", _, "offsets"]) => (
            200,
            Some(
                json!({"message": "The offsets for this connector have been altered successfully"}),
            ),
        ),
        ("DELETE", ["connectors", name]) => {
            s.connectors.remove(*name);
            s.states.remove(*name);
            (204, None)
        }
        _ => (
            404,
            Some(json!({"error_code": 404, "message": format!("no route for {m} {path}")})),
        ),
    }
}
