//! Reading the live state of every cluster of a manifest, through every
//! backend, for `plan`, `apply` and `status`.

use crate::backend::confluent::{ConfluentBackend, ConfluentOptions};
use crate::backend::kafka::TopicsReader;
use crate::backend::mirrormaker2::Mm2Reader;
use crate::backend::{BackendError, Scope, StateReader};
use crate::manifest::{Engine, Manifest};
use crate::state::LiveState;

/// The backends a command talks to.
pub struct Backends {
    pub confluent: ConfluentBackend,
}

impl Backends {
    pub fn new() -> Self {
        Self {
            confluent: ConfluentBackend::new(ConfluentOptions::default()),
        }
    }

    /// Reads everything the manifest's links in `scope` involve: Confluent
    /// links (clusters with a `rest:` endpoint), MirrorMaker 2 links (clusters
    /// with a `connect:` endpoint) and the topics of every mirror.
    pub async fn read(
        &self,
        manifest: &Manifest,
        scope: &Scope,
    ) -> Result<LiveState, BackendError> {
        let uses = |engine: Engine| {
            manifest.links.values().any(|l| l.engine.value == engine) || manifest.prune_links
        };
        let mut live = LiveState::default();
        if uses(Engine::Confluent) && manifest.clusters.values().any(|c| c.rest.is_some()) {
            live.merge(self.confluent.read(manifest, scope).await?);
        }
        if uses(Engine::Mirrormaker2) && manifest.clusters.values().any(|c| c.connect.is_some()) {
            live.merge(Mm2Reader.read(manifest, scope).await?);
        }
        live.merge(TopicsReader.read(manifest, scope).await?);
        Ok(live)
    }
}

impl Default for Backends {
    fn default() -> Self {
        Self::new()
    }
}

/// A tokio runtime for one command.
pub fn runtime() -> Result<tokio::runtime::Runtime, std::io::Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}
