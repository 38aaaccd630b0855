//! The librdkafka client context of linkctl's Kafka clients: librdkafka's
//! log lines go to linkctl's log (shown with `-v` only, secrets scrubbed),
//! and the errors librdkafka reports on its own (a refused TLS handshake, a
//! refused SASL authentication, a broken connection) are kept, so that a
//! read stops at the first one that cannot fix itself instead of waiting
//! for its timeout.

use std::sync::{Arc, Mutex};

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::ConsumerContext;
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

use super::errors::{ClusterFacts, FailureKind};

/// Where librdkafka's log lines go (`-v`: errors and warnings, `-vv`: also
/// its informational lines, `-vvv`: also its debug lines).
pub const LOG_TARGET: &str = "linkctl::librdkafka";

/// The librdkafka log level matching linkctl's verbosity, so that
/// librdkafka does not format lines nobody will see.
pub fn log_level() -> RDKafkaLogLevel {
    use tracing::Level;
    if tracing::enabled!(target: LOG_TARGET, Level::TRACE) {
        RDKafkaLogLevel::Debug
    } else if tracing::enabled!(target: LOG_TARGET, Level::DEBUG) {
        RDKafkaLogLevel::Info
    } else {
        RDKafkaLogLevel::Warning
    }
}

/// What librdkafka reported on its own about one cluster's connections.
#[derive(Debug, Default)]
struct Seen {
    /// The first failure no retry can fix.
    permanent: Option<FailureKind>,
    /// The last other error (e.g. `Connection refused`), for a timeout's message.
    last: Option<String>,
}

/// Shared by every client of one cluster.
#[derive(Debug)]
pub struct Watch {
    facts: Arc<ClusterFacts>,
    seen: Mutex<Seen>,
}

impl Watch {
    pub fn new(facts: Arc<ClusterFacts>) -> Self {
        Self {
            facts,
            seen: Mutex::new(Seen::default()),
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        match self.seen.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// The first failure reported that no retry can fix.
    pub fn permanent(&self) -> Option<FailureKind> {
        self.seen().permanent.clone()
    }

    /// The last connection error reported (scrubbed).
    pub fn last(&self) -> Option<String> {
        self.seen().last.clone()
    }

    fn record(&self, error: &KafkaError, reason: &str) {
        let code = error.rdkafka_error_code();
        let kind = FailureKind::from_callback(code, reason, &self.facts);
        let mut seen = self.seen();
        if kind.is_permanent() {
            seen.permanent.get_or_insert(kind);
        } else if let FailureKind::Other { reason } = kind {
            // "1/1 brokers are down" says less than the error before it.
            if code != Some(RDKafkaErrorCode::AllBrokersDown) || seen.last.is_none() {
                seen.last = Some(reason);
            }
        }
    }
}

/// The context of every librdkafka client linkctl builds.
#[derive(Clone)]
pub struct KafkaContext {
    watch: Arc<Watch>,
}

impl KafkaContext {
    pub fn new(watch: Arc<Watch>) -> Self {
        Self { watch }
    }
}

impl ClientContext for KafkaContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, line: &str) {
        let cluster = self.watch.facts.name.as_str();
        let line = self.watch.facts.scrub(line);
        match level {
            RDKafkaLogLevel::Emerg
            | RDKafkaLogLevel::Alert
            | RDKafkaLogLevel::Critical
            | RDKafkaLogLevel::Error => {
                tracing::error!(target: LOG_TARGET, cluster, "librdkafka {fac}: {line}")
            }
            RDKafkaLogLevel::Warning => {
                tracing::warn!(target: LOG_TARGET, cluster, "librdkafka {fac}: {line}")
            }
            RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => {
                tracing::debug!(target: LOG_TARGET, cluster, "librdkafka {fac}: {line}")
            }
            RDKafkaLogLevel::Debug => {
                tracing::trace!(target: LOG_TARGET, cluster, "librdkafka {fac}: {line}")
            }
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        tracing::debug!(
            target: LOG_TARGET,
            cluster = self.watch.facts.name.as_str(),
            "librdkafka error {:?}: {}",
            error.rdkafka_error_code(),
            self.watch.facts.scrub(reason)
        );
        self.watch.record(&error, reason);
    }
}

impl ConsumerContext for KafkaContext {}
