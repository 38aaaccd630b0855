//! One Kafka Connect client per cluster for the whole command, so that
//! every link's step shares the worker that answered last and the status
//! snapshot of a polling round.

use std::collections::HashMap;
use std::sync::Mutex;

use super::connect_client::ConnectClient;
use crate::backend::BackendError;
use crate::manifest::Cluster;

/// The Connect clients of one command, by cluster name.
#[derive(Debug, Default)]
pub struct ConnectClients {
    by_cluster: Mutex<HashMap<String, ConnectClient>>,
}

impl ConnectClients {
    /// The client of `name` (built on first use).
    pub fn get(&self, name: &str, cluster: &Cluster) -> Result<ConnectClient, BackendError> {
        let mut all = self
            .by_cluster
            .lock()
            .map_err(|_| BackendError::new(name, "the Kafka Connect client cache is poisoned"))?;
        if let Some(c) = all.get(name) {
            return Ok(c.clone());
        }
        let client = ConnectClient::for_cluster(name, cluster)?;
        all.insert(name.to_string(), client.clone());
        Ok(client)
    }
}
