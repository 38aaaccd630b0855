//! The Confluent Cluster Linking engine, through the Confluent REST API v3.
//!
//! - [`model`]: the pure half (validation in [`limits`], payloads in
//!   [`payload`], notes, steps, the keys a kind of server holds read-only
//!   in [`read_only`]);
//! - [`wire`]: lenient body types; [`client`]: one REST client per cluster
//!   with auth and the cluster-id guard; [`retry`]: backoff rules;
//! - [`read`]: live state; [`execute`] (+ [`bulk`], [`configs`], [`wait`]): steps;
//!   [`validate`]: `plan --server-validate`; [`engine`]: the
//!   [`Engine`](crate::backend::Engine) implementation.

pub mod bulk;
pub mod client;
pub mod configs;
pub mod cutover;
pub mod endpoint;
pub mod engine;
pub mod errors;
pub mod execute;
pub mod limits;
pub mod lock_store;
pub mod model;
pub mod mtls;
pub mod paging;
pub mod payload;
pub mod read;
pub mod read_only;
pub mod retry;
pub mod validate;
pub mod wait;
pub mod wire;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use crate::backend::retry::RetryPolicy;
pub use client::ClusterClient;
pub use errors::ConfluentError;
pub use wait::PollPolicy;

use crate::backend::Clusters;

/// Tunables of the engine (tests shrink every duration).
#[derive(Debug, Clone)]
pub struct ConfluentOptions {
    /// Timeout of one HTTP request.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
    pub poll: PollPolicy,
    /// How long a 404 right after a create is taken for eventual consistency.
    pub not_found_grace: Duration,
    /// Concurrent `GET configs` per cluster while reading.
    pub read_concurrency: usize,
}

impl Default for ConfluentOptions {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            poll: PollPolicy::default(),
            not_found_grace: Duration::from_secs(30),
            read_concurrency: 8,
        }
    }
}

/// The engine: reads live state and executes actions on Confluent clusters.
pub struct ConfluentBackend {
    pub options: ConfluentOptions,
    clients: Mutex<HashMap<String, Arc<ClusterClient>>>,
}

impl ConfluentBackend {
    pub fn new(options: ConfluentOptions) -> Self {
        Self {
            options,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// The client of a manifest cluster (built once, so the cluster-id check
    /// runs once per cluster and run).
    pub fn client(
        &self,
        clusters: Clusters<'_>,
        cluster: &str,
    ) -> Result<Arc<ClusterClient>, ConfluentError> {
        let mut map = self
            .clients
            .lock()
            .map_err(|_| ConfluentError::Manifest("internal: client cache poisoned".into()))?;
        if let Some(c) = map.get(cluster) {
            return Ok(c.clone());
        }
        let entry = clusters
            .get(cluster)
            .map_err(|_| ConfluentError::Manifest(format!("unknown cluster {cluster}")))?;
        let c = Arc::new(ClusterClient::new(
            cluster,
            entry,
            self.options.request_timeout,
            self.options.retry,
        )?);
        map.insert(cluster.to_string(), c.clone());
        Ok(c)
    }
}
