//! The apply lock: one per Kafka cluster an apply writes, kept on that
//! cluster as topics, through the access `plan` already has (Confluent REST
//! v3 where the cluster has `rest:`, else the Kafka protocol). The design,
//! and how it fails, is in `docs/lock.md`.
//!
//! - a generation topic `__linkctl-lock.<G>` (G = 1, 2, …) is created by
//!   whoever takes the lock for generation G: creating a topic is the
//!   compare-and-set (the controller lets exactly one `CreateTopics` of a
//!   name succeed). The highest generation is the lock; its `retention.ms`
//!   holds the end of its lease (ms since the epoch), which its holder
//!   renews and sets to [`RELEASED`] when it is done;
//! - a holder topic (`__linkctl-lock.<G>.<id>.<started>.<pid>.<user>.
//!   <host>.<ci job>.<command>`, see [`holder`]) says who holds G;
//! - the highest generation is never deleted (lower ones are, by the next
//!   holder), so a generation number is never handed out twice while a
//!   higher one exists.
//!
//! [`LockStore`] is what a transport offers; [`protocol`] the rules;
//! [`keeper`] takes, renews and releases the locks of one apply.

pub mod holder;
pub mod keeper;
pub mod protocol;

use std::time::Duration;

pub use holder::{is_lock_topic, Holder, GUARD};
pub use keeper::{this_run, HeldLocks, LockOptions, LockRefused};
pub use protocol::{Lock, Seen};

use super::registry::Engines;
use super::{BackendError, BoxFuture, Clusters};

/// The lease end of a released generation (1 ms after the epoch: long over).
pub const RELEASED: i64 = 1;

/// The topic operations the lock needs, on one cluster.
pub trait LockStore: Send + Sync {
    /// The cluster's manifest name.
    fn cluster(&self) -> &str;
    /// How the lock is reached, for messages (`Confluent REST`, `Kafka`).
    fn transport(&self) -> &'static str;
    /// Creates `name` with one partition (and `retention.ms`, when given);
    /// `Ok(false)` when it exists already.
    fn create<'a>(
        &'a self,
        name: &'a str,
        retention_ms: Option<i64>,
    ) -> BoxFuture<'a, Result<bool, BackendError>>;
    /// The topics whose name starts with `prefix`; `None` when this
    /// principal may not list topics.
    fn list<'a>(
        &'a self,
        prefix: &'a str,
    ) -> BoxFuture<'a, Result<Option<Vec<String>>, BackendError>>;
    /// `retention.ms` of `name`, `None` when it does not exist (or has none).
    fn retention<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Option<i64>, BackendError>>;
    /// Sets `retention.ms` of `name`.
    fn set_retention<'a>(
        &'a self,
        name: &'a str,
        ms: i64,
    ) -> BoxFuture<'a, Result<(), BackendError>>;
    /// Deletes `name` (one already gone is no error).
    fn delete<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), BackendError>>;
}

/// The store of `cluster`'s lock: Confluent REST when it has `rest:`, else
/// the Kafka protocol (both reach the same topics of the same cluster).
pub fn store_for(
    engines: &Engines,
    clusters: Clusters<'_>,
    name: &str,
) -> Result<Box<dyn LockStore>, BackendError> {
    let cluster = clusters.get(name)?;
    if cluster.rest.is_some() {
        let client = engines
            .confluent
            .client(clusters, name)
            .map_err(|e| e.into_backend(name))?;
        Ok(Box::new(super::confluent::lock_store::RestLockStore::new(
            client,
        )))
    } else {
        Ok(Box::new(super::kafka::lock_store::KafkaLockStore::new(
            name,
            engines.kafka.get(name, cluster),
        )))
    }
}

/// The default lease: a killed holder's lock is free this long after its
/// last renewal (`LINKCTL_LOCK_LEASE_MS` changes it, for tests).
pub const LEASE: Duration = Duration::from_secs(60);

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
