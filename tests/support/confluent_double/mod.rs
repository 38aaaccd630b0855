//! An in-process Confluent REST v3 double (links, configs, mirrors) held to
//! the published API, with switchable quirks and a request log.
//!
//! Start one per cluster: `Double::start("cluster-id").await`; its `rest_url()`
//! goes into the manifest's `rest:`.
//!
//! Every request is checked against the published spec ([`spec`]); one that
//! does not follow it is answered 400 (`request does not follow the
//! published API: …`) and recorded, and dropping the double then fails the
//! test. A test that provokes a violation on purpose reads it with
//! [`Double::violations`] and clears it with [`Double::clear_violations`].
//! The double's own answers are checked against the response schemas too
//! ([`Double::response_problems`]).

mod http;
pub mod log;
mod mirrors;
mod paging;
pub mod quirks;
pub mod raw;
pub mod recorded;
mod render;
mod routes;
pub mod spec;
pub mod state;
pub mod tls;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

pub use log::LoggedRequest;
#[allow(unused_imports)]
pub use paging::PAGE_TOKEN;
#[allow(unused_imports)]
pub use quirks::{BulkEntry, ConfigRowStyle, LinkInUseRefusal};
pub use state::{DLink, DMirror, DState, Fault, Quirks};
#[allow(unused_imports)]
pub use tls::{ClientCert, Pki, ServerCert, TlsSetup};

use http::{Inner, Shared};

pub struct Double {
    pub addr: SocketAddr,
    scheme: &'static str,
    handshakes: Arc<tls::Handshakes>,
    shared: Shared,
    _server: tokio::task::JoinHandle<()>,
}

impl Double {
    /// Binds 127.0.0.1:0 and serves until the test's runtime ends.
    pub async fn start(cluster_id: &str) -> Self {
        Self::serve(cluster_id, None).await
    }

    /// A double of `eu-cluster` holding `demo-link` (from `us-cluster`, no
    /// configs) with these mirrors, all `ACTIVE`.
    pub async fn with_demo_link(mirrors: &[&str]) -> Self {
        let d = Self::start("eu-cluster").await;
        d.seed_link("demo-link", "us-cluster", &[]);
        d.seed_mirrors("demo-link", mirrors.iter().map(|m| m.to_string()), "ACTIVE");
        d
    }

    /// Like [`Self::start`], over HTTPS: the double presents `setup`'s
    /// certificate and requires a client certificate it trusts; refused
    /// handshakes are in [`Self::tls_refusals`].
    pub async fn start_tls(cluster_id: &str, setup: TlsSetup) -> Self {
        Self::serve(cluster_id, Some(setup)).await
    }

    async fn serve(cluster_id: &str, tls: Option<TlsSetup>) -> Self {
        let shared: Shared = Arc::new(Mutex::new(Inner {
            state: DState::new(cluster_id),
            log: Vec::new(),
            violations: Vec::new(),
            response_problems: Vec::new(),
        }));
        // Load (and so check) the published spec before serving.
        let base_path = spec::spec().base_path.clone();
        let app = axum::Router::new()
            .fallback(http::handle)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let scheme = if tls.is_some() { "https" } else { "http" };
        if let Ok(mut g) = shared.lock() {
            g.state.base_url = format!("{scheme}://{addr}{base_path}");
        }
        let handshakes = Arc::new(tls::Handshakes::default());
        let server = match tls {
            None => tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            }),
            Some(setup) => {
                let listener = tls::TlsListener::start(listener, setup, handshakes.clone());
                tokio::spawn(async move {
                    let _ = axum::serve(listener, app).await;
                })
            }
        };
        Self {
            addr,
            scheme,
            handshakes,
            shared,
            _server: server,
        }
    }

    /// The manifest's `rest:` value (`http://127.0.0.1:port/kafka`, or `https://`).
    pub fn rest_url(&self) -> String {
        format!("{}://{}/kafka", self.scheme, self.addr)
    }

    /// The TLS handshakes the double refused or that failed, each with the
    /// server's reason (empty for a plain HTTP double).
    pub fn tls_refusals(&self) -> Vec<String> {
        match self.handshakes.refused.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        match self.shared.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Mutates the model (quirks, faults, clock settings, seeded objects).
    pub fn with<R>(&self, f: impl FnOnce(&mut DState) -> R) -> R {
        f(&mut self.inner().state)
    }

    pub fn quirks(&self, f: impl FnOnce(&mut Quirks)) {
        self.with(|s| f(&mut s.quirks))
    }

    pub fn add_fault(&self, fault: Fault) {
        self.with(|s| s.faults.push(fault))
    }

    /// Settles every pending transition now.
    pub fn tick(&self) {
        self.with(|s| s.tick())
    }

    pub fn log(&self) -> Vec<LoggedRequest> {
        self.inner().log.clone()
    }

    pub fn clear_log(&self) {
        self.inner().log.clear()
    }

    /// The requests that did not follow the published API, each with the
    /// reason (every one was answered 400).
    pub fn violations(&self) -> Vec<String> {
        self.inner().violations.clone()
    }

    /// Forgets the recorded violations (after a test provoked them on purpose).
    pub fn clear_violations(&self) {
        self.inner().violations.clear()
    }

    /// Answers of the double that did not validate against the spec's
    /// response schemas (quirks outside the Cloud spec cause some on purpose).
    pub fn response_problems(&self) -> Vec<String> {
        self.inner().response_problems.clone()
    }

    pub fn clear_response_problems(&self) {
        self.inner().response_problems.clear()
    }

    /// Sets a link's `link_state`; `None` leaves the field out of answers.
    pub fn set_link_state(&self, link: &str, state: Option<&str>) {
        self.with(|s| {
            s.links.get_mut(link).expect("seeded link").state = state.unwrap_or("").to_string()
        })
    }

    /// Sets a mirror's `mirror_status` (any string, e.g. `LINK_FAILED`).
    pub fn set_mirror_status(&self, link: &str, mirror: &str, status: &str) {
        self.with_mirror(link, mirror, |m| {
            m.status = status.to_string();
            m.pending = None;
        })
    }

    /// Gives a mirror `mirror_state_transition_errors` (code, message).
    pub fn set_transition_errors(&self, link: &str, mirror: &str, errors: &[(&str, &str)]) {
        self.with_mirror(link, mirror, |m| {
            m.transition_errors = errors
                .iter()
                .map(|(c, msg)| (c.to_string(), msg.to_string()))
                .collect();
        })
    }

    /// Runs `f` on a seeded mirror's state.
    fn with_mirror(&self, link: &str, mirror: &str, f: impl FnOnce(&mut DMirror)) {
        self.with(|s| {
            f(s.links
                .get_mut(link)
                .and_then(|l| l.mirrors.get_mut(mirror))
                .expect("seeded mirror"))
        })
    }

    /// Rendered log lines (secrets redacted, headers left out).
    pub fn rendered_log(&self) -> Vec<String> {
        self.inner().log.iter().map(LoggedRequest::render).collect()
    }

    pub fn count(&self, method: &str, path_contains: &str) -> usize {
        self.inner()
            .log
            .iter()
            .filter(|r| r.method == method && r.path.contains(path_contains))
            .count()
    }

    /// Seeds a link directly (no request logged).
    pub fn seed_link(&self, name: &str, source_cluster_id: &str, configs: &[(&str, &str)]) {
        self.with(|s| {
            s.link_counter += 1;
            let link = DLink {
                name: name.to_string(),
                id: format!("seed-{:04}-XXXXXXXXXXXXX", s.link_counter),
                source_cluster_id: Some(source_cluster_id.to_string()),
                destination_cluster_id: None,
                remote_cluster_id: None,
                configs: configs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect::<BTreeMap<_, _>>(),
                state: "ACTIVE".into(),
                mirrors: BTreeMap::new(),
                hidden_gets: 0,
                tasks: Vec::new(),
            };
            let mut link = link;
            link.tasks = state::tasks_for(&link.configs);
            s.links.insert(name.to_string(), link);
        })
    }

    /// Seeds mirrors with a given status on an existing link.
    pub fn seed_mirrors(&self, link: &str, names: impl IntoIterator<Item = String>, status: &str) {
        self.with(|s| {
            let partitions = s.source_partitions;
            let l = s.links.get_mut(link).expect("seeded link");
            for n in names {
                l.mirrors.insert(
                    n.clone(),
                    DMirror {
                        name: n.clone(),
                        source: n,
                        status: status.to_string(),
                        pending: None,
                        pending_since: None,
                        partitions,
                        error: None,
                        transition_errors: Vec::new(),
                        hidden_gets: 0,
                        lag: 0,
                        catch_up_per_read: 0,
                        source_end: 0,
                        writes_per_read: 0,
                    },
                );
            }
        })
    }

    /// Scripts how far `mirror` lags: each partition lacks `lag` records of
    /// a source ending at `source_end`, and per read of the mirror catches
    /// up `catch_up` records while its source takes `writes` new ones.
    pub fn script_lag(
        &self,
        link: &str,
        mirror: &str,
        lag: i64,
        catch_up: i64,
        source_end: i64,
        writes: i64,
    ) {
        self.with(|s| {
            let m = s
                .links
                .get_mut(link)
                .and_then(|l| l.mirrors.get_mut(mirror))
                .expect("seeded mirror");
            m.lag = lag;
            m.catch_up_per_read = catch_up;
            m.source_end = source_end;
            m.writes_per_read = writes;
        })
    }

    pub fn mirror_status(&self, link: &str, mirror: &str) -> Option<String> {
        self.with(|s| {
            s.links
                .get(link)?
                .mirrors
                .get(mirror)
                .map(|m| m.status.clone())
        })
    }

    pub fn link_configs(&self, link: &str) -> Option<BTreeMap<String, String>> {
        self.with(|s| s.links.get(link).map(|l| l.configs.clone()))
    }

    /// Sets a link config directly, as a change made behind linkctl's back.
    pub fn set_link_config(&self, link: &str, key: &str, value: &str) {
        self.with(|s| {
            s.links
                .get_mut(link)
                .expect("link")
                .configs
                .insert(key.into(), value.into());
        })
    }

    pub fn link_names(&self) -> BTreeSet<String> {
        self.with(|s| s.links.keys().cloned().collect())
    }
}

impl Drop for Double {
    /// Fails the test when the double received requests that do not follow
    /// the published API (unless the test is already failing).
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let v = self.violations();
        if !v.is_empty() {
            panic!(
                "the Confluent double ({}) received {} request(s) that do not follow the published API:\n  {}",
                self.with(|s| s.cluster_id.clone()),
                v.len(),
                v.join("\n  ")
            );
        }
    }
}

impl Fault {
    /// A fault answering `status`/`error_code` to the next `times` matching requests.
    pub fn new(
        method: &str,
        path_contains: &str,
        status: u16,
        error_code: i64,
        message: &str,
        times: u32,
    ) -> Self {
        Self {
            method: Some(method.to_string()),
            path_contains: path_contains.to_string(),
            skip: 0,
            remaining: times,
            status,
            error_code,
            message: message.to_string(),
            after_effect: false,
            empty_body: false,
        }
    }

    /// The next `times` matching requests are answered `200` with an empty
    /// body (where JSON is due: a server or proxy that cut the answer).
    pub fn empty_body(method: &str, path_contains: &str, times: u32) -> Self {
        Self {
            empty_body: true,
            ..Self::new(method, path_contains, 200, 0, "", times)
        }
    }

    /// The second mirror create on `demo-link` fails for good: after one
    /// create gets through, 500 (50003, `message`) to it and its 4 retries.
    pub fn second_mirror_create_fails(message: &str) -> Self {
        Self::new("POST", "/links/demo-link/mirrors", 500, 50003, message, 5).skipping(1)
    }

    /// Lets the first `n` matching requests through.
    pub fn skipping(mut self, n: u32) -> Self {
        self.skip = n;
        self
    }
}
