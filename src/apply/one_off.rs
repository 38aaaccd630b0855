//! An executor context for calls outside an apply run: the health check
//! after an apply, `plan --server-validate`, tests.

use std::time::Duration;

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::secrets::ManifestSecrets;
use crate::backend::kafka::KafkaClients;
use crate::backend::{Clusters, ExecContext, NoProgress};
use crate::manifest::Manifest;

/// What an [`ExecContext`] borrows, owned.
pub struct OneOff<'m> {
    manifest: &'m Manifest,
    secrets: ManifestSecrets<'m>,
    permits: Semaphore,
    cancel: CancellationToken,
}

impl<'m> OneOff<'m> {
    pub fn new(manifest: &'m Manifest) -> Self {
        Self {
            manifest,
            secrets: ManifestSecrets::new(manifest),
            permits: Semaphore::new(10),
            cancel: CancellationToken::new(),
        }
    }

    /// What an apply run needs, for this manifest (tests run the apply
    /// engine with it).
    pub fn env<'a>(&'a self, kafka: &'a KafkaClients) -> super::ApplyEnv<'a> {
        super::ApplyEnv {
            clusters: Clusters::of(self.manifest),
            secrets: &self.secrets,
            kafka,
            cancel: &self.cancel,
        }
    }

    /// The token an interrupt would cancel.
    pub fn cancel(&self) -> &CancellationToken {
        &self.cancel
    }

    /// A context with no progress display.
    pub fn ctx<'a>(&'a self, kafka: &'a KafkaClients, wait_timeout: Duration) -> ExecContext<'a> {
        ExecContext {
            clusters: Clusters::of(self.manifest),
            secrets: &self.secrets,
            kafka,
            progress: &NoProgress,
            wait_timeout,
            permits: &self.permits,
            cancel: &self.cancel,
            fail_fast: false,
        }
    }
}
