//! The rules of the apply lock on one cluster, over any [`LockStore`]:
//! look at it, try to take it, renew it, release it, remove it by force.
//!
//! The lock is the highest generation topic `__linkctl-lock.<G>`; it is
//! held while its lease (its `retention.ms`, ms since the epoch) has not
//! ended. Taking it means creating generation G+1, which exactly one
//! client can do; a client that created a generation below a higher one
//! (possible only after generations were cleaned up behind a very slow
//! client) sees the higher one once its own shows, and backs off.

use std::time::Duration;

use super::holder::{Holder, Record, GUARD};
use super::{now_ms, LockStore, RELEASED};
use crate::backend::timeouts::secs;
use crate::backend::BackendError;

/// A lock this apply holds on one cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    pub cluster: String,
    pub generation: u32,
    /// The holder topic this apply wrote.
    pub topic: String,
}

/// A lock held by someone else, as seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub cluster: String,
    pub generation: u32,
    /// Who holds it, when recorded.
    pub holder: Option<Holder>,
    /// When its lease ends (ms since the epoch).
    pub lease_end_ms: i64,
}

impl Seen {
    /// For people: who holds it, its id, and when its lease ends.
    pub fn describe(&self) -> String {
        let who = match &self.holder {
            Some(h) => format!("held by {}; lock ID {}", h.describe(), h.id),
            None => "held by an apply that has not recorded who it is yet (it is taking the lock, or died while doing so)".to_string(),
        };
        let left = self.lease_end_ms - now_ms();
        let left = Duration::from_millis(u64::try_from(left).unwrap_or(0));
        format!("{who}; its lease ends in {} unless renewed", secs_up(left))
    }
}

/// `42 s`, rounded up to whole seconds.
fn secs_up(d: Duration) -> String {
    secs(Duration::from_secs(
        u64::try_from(d.as_millis().div_ceil(1000)).unwrap_or(u64::MAX),
    ))
}

/// The name of generation `g`'s topic.
pub fn generation_topic(g: u32) -> String {
    format!("{GUARD}.{g}")
}

/// The generation a topic name is the generation topic of.
fn generation_of(name: &str) -> Option<u32> {
    let g = name.strip_prefix(GUARD)?.strip_prefix('.')?;
    // `01` is not generation 1: only the names linkctl writes.
    (!g.starts_with('0') && g.bytes().all(|b| b.is_ascii_digit()))
        .then(|| g.parse().ok())
        .flatten()
}

/// The lock topics of one cluster, as listed.
#[derive(Debug, Default)]
struct Listing {
    generations: Vec<u32>,
    records: Vec<(String, Record)>,
}

impl Listing {
    fn highest(&self) -> Option<u32> {
        self.generations.iter().copied().max()
    }

    /// The holder of `g` (the newest record, should a crash have left two).
    fn holder_of(&self, g: u32) -> Option<&(String, Record)> {
        self.records
            .iter()
            .filter(|(_, r)| r.generation == g)
            .max_by_key(|(_, r)| r.holder.started)
    }
}

async fn listing(store: &dyn LockStore) -> Result<Listing, BackendError> {
    let Some(names) = store.list(&format!("{GUARD}.")).await? else {
        return Err(BackendError::new(
            store.cluster(),
            format!("linkctl may not list the topics of this cluster, so it cannot see the apply lock: allow it to describe (and create, alter the configs of, delete) topics with the prefix `{GUARD}`, or apply with `--no-lock` when nothing else can apply to this cluster"),
        ));
    };
    let mut l = Listing::default();
    for n in names {
        if let Some(g) = generation_of(&n) {
            l.generations.push(g);
        } else if let Some(r) = Holder::parse(&n) {
            l.records.push((n, r));
        }
    }
    Ok(l)
}

/// The lock of `store`'s cluster, when held (its lease not ended).
pub async fn inspect(store: &dyn LockStore) -> Result<Option<Seen>, BackendError> {
    // A generation cleaned up between the list and the read: look again.
    for _ in 0..3 {
        let l = listing(store).await?;
        let Some(g) = l.highest() else {
            return Ok(None);
        };
        let Some(end) = store.retention(&generation_topic(g)).await? else {
            continue;
        };
        if end <= now_ms() {
            return Ok(None);
        }
        return Ok(Some(Seen {
            cluster: store.cluster().to_string(),
            generation: g,
            holder: l.holder_of(g).map(|(_, r)| r.holder.clone()),
            lease_end_ms: end,
        }));
    }
    Err(BackendError::new(
        store.cluster(),
        "the apply lock changed while linkctl read it; try again",
    ))
}

/// What an attempt to take the lock found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Taken(Lock),
    Busy(Seen),
}

/// Deletes `names` (best effort: a leftover of a lower generation is never
/// read as the lock).
async fn forget(store: &dyn LockStore, names: impl IntoIterator<Item = String>) {
    for t in names {
        if let Err(e) = store.delete(&t).await {
            tracing::debug!("a stale lock topic {t} is left: {e}");
        }
    }
}

fn lease_end(lease: Duration) -> i64 {
    now_ms().saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX))
}

/// Waits until `g`'s topic shows in the listing (a broker's metadata is a
/// prefix of the controller's log: once it shows, every generation created
/// before it shows too); that listing.
async fn listing_with(store: &dyn LockStore, g: u32) -> Result<Listing, BackendError> {
    for i in 0..20u64 {
        let l = listing(store).await?;
        if l.generations.contains(&g) {
            return Ok(l);
        }
        tokio::time::sleep(Duration::from_millis(50 * (i + 1).min(4))).await;
    }
    Err(BackendError::new(
        store.cluster(),
        format!(
            "the apply lock topic `{}` was created but does not show in the cluster's topic list",
            generation_topic(g)
        ),
    ))
}

/// One attempt to take the lock for `me`: when it is free (no generation,
/// or the highest one's lease ended), create the next generation.
pub async fn try_take(
    store: &dyn LockStore,
    me: &Holder,
    lease: Duration,
) -> Result<Attempt, BackendError> {
    for _ in 0..5 {
        if let Some(seen) = inspect(store).await? {
            return Ok(Attempt::Busy(seen));
        }
        let l = listing(store).await?;
        let next = l.highest().map_or(1, |g| g + 1);
        // The compare-and-set: one creator per generation.
        if !store
            .create(&generation_topic(next), Some(lease_end(lease)))
            .await?
        {
            continue;
        }
        let after = listing_with(store, next).await?;
        // Another generation that appeared since the listing this one was
        // numbered from: another apply took the lock from another base (the
        // generation topics were deleted out of band meanwhile, so numbers
        // started again; a higher one: this one came too late). Backing
        // off is safe: of two such creations each sees the other (the
        // listing is a prefix of the controller's log), and the one that
        // saw no newcomer keeps the lock.
        let newcomer = after
            .generations
            .iter()
            .any(|g| *g != next && !l.generations.contains(g));
        if after.highest() != Some(next) || newcomer {
            forget(store, [generation_topic(next)]).await;
            continue;
        }
        let topic = me.topic(next);
        store.create(&topic, None).await?;
        // Lower generations and their records are history now.
        let stale = after
            .generations
            .iter()
            .filter(|g| **g < next)
            .map(|g| generation_topic(*g))
            .chain(
                after
                    .records
                    .iter()
                    .filter(|(_, r)| r.generation < next)
                    .map(|(n, _)| n.clone()),
            );
        forget(store, stale.collect::<Vec<_>>()).await;
        return Ok(Attempt::Taken(Lock {
            cluster: store.cluster().to_string(),
            generation: next,
            topic,
        }));
    }
    match inspect(store).await? {
        Some(seen) => Ok(Attempt::Busy(seen)),
        None => Err(BackendError::new(
            store.cluster(),
            "the apply lock changed hands several times while linkctl tried to take it; try again",
        )),
    }
}

/// Why a lock could not be renewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenewFailure {
    /// It is no longer this apply's (taken over after its lease ended, or
    /// removed with `force-unlock`).
    Lost(String),
    /// The cluster did not answer, or refused.
    Failed(BackendError),
}

/// Renews `lock`'s lease, if it is still this apply's.
pub async fn renew(
    store: &dyn LockStore,
    lock: &Lock,
    lease: Duration,
) -> Result<(), RenewFailure> {
    let l = listing(store).await.map_err(RenewFailure::Failed)?;
    if l.highest() != Some(lock.generation) {
        return Err(RenewFailure::Lost(
            "another apply took it over (its lease had ended, or it was removed with `force-unlock`)".into(),
        ));
    }
    if !l.records.iter().any(|(n, _)| *n == lock.topic) {
        return Err(RenewFailure::Lost("it was removed (`force-unlock`)".into()));
    }
    store
        .set_retention(&generation_topic(lock.generation), lease_end(lease))
        .await
        .map_err(RenewFailure::Failed)
}

/// Releases `lock`: deletes its holder record, then ends its lease (when
/// it is still the lock). The generation topic stays: it is the highest
/// one.
pub async fn release(store: &dyn LockStore, lock: &Lock) -> Result<(), BackendError> {
    store.delete(&lock.topic).await?;
    let l = listing(store).await?;
    if l.highest() == Some(lock.generation) {
        store
            .set_retention(&generation_topic(lock.generation), RELEASED)
            .await?;
    }
    Ok(())
}

/// What `force-unlock` did on one cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forced {
    /// The lock was held by this holder, and is free now.
    Removed(Holder),
    /// Only a record of an older generation was left; it is deleted.
    Stale(Holder),
}

/// Removes the lock with id `id` from `store`'s cluster, whoever holds it:
/// a new, already released generation is created above it (so its holder,
/// should it still run, finds it lost at its next renewal), and its record
/// is deleted. `Ok(None)` when no lock of that id is there.
pub async fn force_release(
    store: &dyn LockStore,
    id: &str,
) -> Result<Option<Forced>, BackendError> {
    let l = listing(store).await?;
    let Some((topic, rec)) = l.records.iter().find(|(_, r)| r.holder.id == id).cloned() else {
        return Ok(None);
    };
    let g = rec.generation;
    let held = l.highest() == Some(g);
    if held {
        // One creator: if another apply created it first, the lock moved on.
        store
            .create(&generation_topic(g + 1), Some(RELEASED))
            .await?;
    }
    forget(store, [topic, generation_topic(g)]).await;
    Ok(Some(if held {
        Forced::Removed(rec.holder)
    } else {
        Forced::Stale(rec.holder)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::BoxFuture;

    #[test]
    fn only_generation_topics_have_a_generation() {
        assert_eq!(generation_of("__linkctl-lock.7"), Some(7));
        assert_eq!(generation_of("__linkctl-lock.07"), None);
        assert_eq!(generation_of("__linkctl-lock.7.abc"), None);
        assert_eq!(generation_of("__linkctl-lock"), None);
        assert_eq!(generation_of("__linkctl-lock."), None);
        assert_eq!(generation_topic(12), "__linkctl-lock.12");
    }

    type Topics = std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<String, Option<i64>>>>;

    /// One apply's view of a cluster's topics: the shared topics, seen
    /// through `stale` for the first `stale_lists` listings (a broker whose
    /// metadata is behind the controller's log: an earlier state, never a
    /// mix).
    struct View {
        topics: Topics,
        stale: std::collections::BTreeMap<String, Option<i64>>,
        stale_lists: std::sync::atomic::AtomicUsize,
    }

    impl View {
        fn seen(&self) -> std::collections::BTreeMap<String, Option<i64>> {
            use std::sync::atomic::Ordering;
            if self.stale_lists.load(Ordering::SeqCst) > 0 {
                self.stale.clone()
            } else {
                self.topics.lock().map(|t| t.clone()).unwrap_or_default()
            }
        }
    }

    impl LockStore for View {
        fn cluster(&self) -> &str {
            "europe"
        }
        fn transport(&self) -> &'static str {
            "Kafka"
        }
        fn create<'a>(
            &'a self,
            name: &'a str,
            retention_ms: Option<i64>,
        ) -> BoxFuture<'a, Result<bool, BackendError>> {
            Box::pin(async move {
                let mut t = self
                    .topics
                    .lock()
                    .map_err(|e| BackendError::new("europe", e.to_string()))?;
                Ok(t.insert(name.to_string(), retention_ms).is_none())
            })
        }
        fn list<'a>(
            &'a self,
            prefix: &'a str,
        ) -> BoxFuture<'a, Result<Option<Vec<String>>, BackendError>> {
            Box::pin(async move {
                let seen = self.seen();
                let n = &self.stale_lists;
                let _ = n.fetch_update(
                    std::sync::atomic::Ordering::SeqCst,
                    std::sync::atomic::Ordering::SeqCst,
                    |k| k.checked_sub(1),
                );
                Ok(Some(
                    seen.into_keys().filter(|k| k.starts_with(prefix)).collect(),
                ))
            })
        }
        fn retention<'a>(
            &'a self,
            name: &'a str,
        ) -> BoxFuture<'a, Result<Option<i64>, BackendError>> {
            Box::pin(async move { Ok(self.seen().get(name).copied().flatten()) })
        }
        fn set_retention<'a>(
            &'a self,
            name: &'a str,
            ms: i64,
        ) -> BoxFuture<'a, Result<(), BackendError>> {
            Box::pin(async move {
                if let Ok(mut t) = self.topics.lock() {
                    t.insert(name.to_string(), Some(ms));
                }
                Ok(())
            })
        }
        fn delete<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), BackendError>> {
            Box::pin(async move {
                if let Ok(mut t) = self.topics.lock() {
                    t.remove(name);
                }
                Ok(())
            })
        }
    }

    fn holder(id: &str) -> Holder {
        Holder {
            id: id.into(),
            user: "ci".into(),
            host: "vm".into(),
            pid: 1,
            ci_job: None,
            started: 1,
            command: "linkctl apply".into(),
        }
    }

    /// The generation topics were deleted out of band (a released
    /// generation 7): apply B, whose broker shows the deletion, numbers
    /// from nothing and takes generation 1; apply A, whose broker still
    /// shows generation 7, then creates generation 8. A must see B's
    /// generation appear and back off: one holder, not two.
    #[tokio::test]
    async fn two_applies_numbering_from_different_bases_do_not_both_hold_it() {
        let topics: Topics = std::sync::Arc::default();
        let lease = Duration::from_secs(60);
        let b = View {
            topics: topics.clone(),
            stale: Default::default(),
            stale_lists: 0.into(),
        };
        let taken = try_take(&b, &holder("bbbbbbbbbbbb"), lease).await.unwrap();
        assert!(
            matches!(&taken, Attempt::Taken(l) if l.generation == 1),
            "{taken:?}"
        );

        let a = View {
            topics: topics.clone(),
            stale: [(generation_topic(7), Some(1))].into_iter().collect(),
            stale_lists: 2.into(),
        };
        let second = try_take(&a, &holder("aaaaaaaaaaaa"), lease).await.unwrap();
        match second {
            Attempt::Busy(seen) => {
                assert_eq!(seen.generation, 1);
                assert_eq!(seen.holder.map(|h| h.id).as_deref(), Some("bbbbbbbbbbbb"));
            }
            other => panic!("A took the lock B holds: {other:?}"),
        }
        let left: Vec<String> = topics.lock().unwrap().keys().cloned().collect();
        assert!(
            !left.contains(&generation_topic(8)),
            "A's generation is left: {left:?}"
        );
    }
}
