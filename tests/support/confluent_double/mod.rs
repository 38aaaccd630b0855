//! An in-process Confluent REST v3 double (links, configs, mirrors) following
//! the published API, with switchable quirks and a request log.
//!
//! Start one per cluster: `Double::start("cluster-id").await`; its `rest_url()`
//! goes into the manifest's `rest:`.

mod http;
pub mod log;
mod mirrors;
pub mod state;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

pub use log::LoggedRequest;
pub use state::{DLink, DMirror, DState, Fault, Quirks};

use http::{Inner, Shared};

pub struct Double {
    pub addr: SocketAddr,
    shared: Shared,
    _server: tokio::task::JoinHandle<()>,
}

impl Double {
    /// Binds 127.0.0.1:0 and serves until the test's runtime ends.
    pub async fn start(cluster_id: &str) -> Self {
        let shared: Shared = Arc::new(Mutex::new(Inner {
            state: DState::new(cluster_id),
            log: Vec::new(),
        }));
        let app = axum::Router::new()
            .fallback(http::handle)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            addr,
            shared,
            _server: server,
        }
    }

    /// The manifest's `rest:` value (`http://127.0.0.1:port/kafka`).
    pub fn rest_url(&self) -> String {
        format!("http://{}/kafka", self.addr)
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
                    },
                );
            }
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

    pub fn link_names(&self) -> BTreeSet<String> {
        self.with(|s| s.links.keys().cloned().collect())
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
        }
    }

    /// Lets the first `n` matching requests through.
    pub fn skipping(mut self, n: u32) -> Self {
        self.skip = n;
        self
    }
}
