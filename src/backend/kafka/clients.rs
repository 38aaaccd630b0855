//! One Kafka client per cluster per command: every reader and executor of a
//! command asks this cache, so a cluster's librdkafka client (threads,
//! connections, metadata) is built once, whatever the number of topics.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::admin::KafkaAdmin;
use crate::manifest::Cluster;

pub struct KafkaClients {
    /// Longest wait for one Kafka request.
    pub timeout: Duration,
    clients: Mutex<HashMap<String, Arc<KafkaAdmin>>>,
}

impl KafkaClients {
    pub fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// The client of cluster `name` (built on first use).
    pub fn get(&self, name: &str, cluster: &Cluster) -> Arc<KafkaAdmin> {
        let mut map = match self.clients.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        // The cluster's own `timeouts.request_ms` wins over the command's default.
        let timeout = cluster
            .timeouts
            .as_ref()
            .and_then(|t| t.value.request_ms)
            .map(Duration::from_millis)
            .unwrap_or(self.timeout);
        map.entry(name.to_string())
            .or_insert_with(|| Arc::new(KafkaAdmin::new(name, cluster, timeout)))
            .clone()
    }
}

impl Default for KafkaClients {
    fn default() -> Self {
        Self::new(Duration::from_secs(15))
    }
}
