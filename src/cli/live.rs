//! Reading the live state of every cluster of a manifest, through every
//! backend, for `plan`, `apply`, `status` and `export`.
//!
//! Every engine of the registry reads its own links, all at once. What
//! cannot be read is marked in the live state (a cluster, or one link of
//! it), never hiding the rest: `plan` refuses to plan it, `status` shows it
//! with the reason, `export` leaves it out with a note. Topics (partition
//! counts, configs) and offsets are read only by [`Backends::read`] (for
//! `status`): the planner never looks at them and the saved-plan
//! fingerprint leaves them out, so [`Backends::read_links`] (for `plan`,
//! `apply` and `export`) skips them, and a Confluent-only manifest plans and
//! applies through REST alone, with no Kafka connection.
//!
//! Environment variables tune timings (tests and impatient CI jobs):
//! `LINKCTL_RETRY_BACKOFF_MS` (the Confluent engine's first retry backoff,
//! default 1000), `LINKCTL_POLL_INTERVAL_MS` (its first poll interval of a
//! wait, default 500) and `LINKCTL_KAFKA_TIMEOUT_MS` (one Kafka-protocol
//! request, default 15000).

use std::time::Duration;

use crate::apply::EngineSet;
use crate::backend::confluent::ConfluentOptions;
use crate::backend::kafka::{read_fences, read_topics, KafkaClients};
use crate::backend::registry::{self, Engines};
use crate::backend::{BackendError, Engine, ReadDetail, Scope};
use crate::manifest::{EngineName, Manifest};
use crate::plan::EngineModels;
use crate::state::LiveState;

/// The apply engine finds each action's engine here.
impl EngineSet for Engines {
    fn engine(&self, name: EngineName) -> Option<&dyn Engine> {
        Some(self.get(name))
    }

    fn models(&self) -> EngineModels {
        registry::models()
    }
}

/// The engines a command talks to, with their connection caches.
pub struct Backends {
    pub engines: Engines,
}

impl Backends {
    pub fn new() -> Self {
        let env = |k: &str| std::env::var(k).ok();
        Self {
            engines: Engines::new(
                confluent_options(env),
                KafkaClients::new(kafka_timeout(env)),
            ),
        }
    }

    async fn read_engines(
        &self,
        manifest: &Manifest,
        scope: &Scope,
        detail: ReadDetail,
    ) -> Result<LiveState, BackendError> {
        let reads = self
            .engines
            .all()
            .into_iter()
            .filter(|e| registry::models().needed_by(manifest, e.model()))
            .map(|e| e.read(manifest, scope, detail, &self.engines.kafka));
        // Producer fences of the sources of promoted mirrors (Kafka ACLs,
        // whatever the engine), read alongside: every endpoint at once.
        let (reads, fences) = futures::join!(
            futures::future::join_all(reads),
            read_fences(manifest, scope, &self.engines.kafka)
        );
        let mut live = LiveState::default();
        for r in reads {
            live.merge(r?);
        }
        match fences {
            Ok(f) => live.merge(f),
            Err(e) => live.mark_unread(
                &e.cluster,
                format!("its producer fences could not be read: {}", e.message),
            ),
        }
        Ok(live)
    }

    /// Reads what `status` shows: every engine's links with tasks and lag,
    /// and the topics of every mirror. A Kafka cluster that cannot be read
    /// does not hide the rest: it is marked `unreachable` (with the reason)
    /// and what depends on it is shown as unknown.
    pub async fn read(
        &self,
        manifest: &Manifest,
        scope: &Scope,
    ) -> Result<LiveState, BackendError> {
        let mut live = self
            .read_engines(manifest, scope, ReadDetail::Status)
            .await?;
        // Clusters whose topics an engine read over its own API (Confluent:
        // REST v3) are not asked again over the Kafka protocol.
        let covered = live
            .clusters
            .iter()
            .filter(|(_, c)| c.topics_read)
            .map(|(n, _)| n.clone())
            .collect();
        live.merge(read_topics(manifest, scope, &self.engines.kafka, &covered).await?);
        Ok(live)
    }

    /// Reads the links and mirrors (what plans depend on): no offsets, no topics.
    pub async fn read_links(
        &self,
        manifest: &Manifest,
        scope: &Scope,
    ) -> Result<LiveState, BackendError> {
        self.read_engines(manifest, scope, ReadDetail::Plan).await
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

/// Timeout of one Kafka-protocol request (`LINKCTL_KAFKA_TIMEOUT_MS`).
pub fn kafka_timeout(env: impl Fn(&str) -> Option<String>) -> Duration {
    env("LINKCTL_KAFKA_TIMEOUT_MS")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_secs(15))
}

/// Engine options, with the timing overrides of the environment (`env`
/// answers a variable's value).
pub fn confluent_options(env: impl Fn(&str) -> Option<String>) -> ConfluentOptions {
    let mut o = ConfluentOptions::default();
    let millis = |k: &str| {
        env(k)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_millis)
    };
    if let Some(d) = millis("LINKCTL_RETRY_BACKOFF_MS") {
        o.retry.min_backoff = d;
        o.retry.max_backoff = o.retry.max_backoff.max(d);
    }
    if let Some(d) = millis("LINKCTL_POLL_INTERVAL_MS") {
        o.poll.initial = d;
        o.poll.max = o.poll.max.max(d);
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timing_overrides_come_from_the_environment() {
        let o = confluent_options(|k| match k {
            "LINKCTL_RETRY_BACKOFF_MS" => Some("5".into()),
            "LINKCTL_POLL_INTERVAL_MS" => Some(" 20 ".into()),
            _ => None,
        });
        assert_eq!(o.retry.min_backoff, Duration::from_millis(5));
        assert_eq!(o.poll.initial, Duration::from_millis(20));
        let d = confluent_options(|_| Some("not a number".into()));
        assert_eq!(
            d.retry.min_backoff,
            ConfluentOptions::default().retry.min_backoff
        );
    }
}
