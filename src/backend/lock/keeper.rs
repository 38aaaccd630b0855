//! The apply locks one run holds: taken in cluster-name order (two applies
//! that need the same clusters never wait for each other crosswise),
//! waited for up to `--lock-timeout`, renewed in the background every third
//! of the lease, released at the end. A lock whose renewal keeps failing is
//! given up before its lease ends: the run's cancel token stops the apply at
//! its next safe point, as an interrupt does.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::holder::Holder;
use super::protocol::{self, Attempt, Lock, RenewFailure, Seen};
use super::LockStore;
use crate::backend::timeouts::secs;
use crate::backend::waiting::{self, Notice};
use crate::backend::BackendError;

/// How long locks last and how long to wait for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockOptions {
    /// A killed holder's lock is free this long after its last renewal.
    pub lease: Duration,
    /// How long to wait for a lock held by another apply (`--lock-timeout`;
    /// zero: refuse at once).
    pub wait: Duration,
}

impl LockOptions {
    /// `wait`, and the lease of `LINKCTL_LOCK_LEASE_MS` (tests) or
    /// [`super::LEASE`].
    pub fn new(wait: Duration, env: impl Fn(&str) -> Option<String>) -> Self {
        let lease = env("LINKCTL_LOCK_LEASE_MS")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_millis)
            .unwrap_or(super::LEASE)
            .max(Duration::from_millis(300));
        Self { lease, wait }
    }
}

/// This run, as the holder of its locks: the user, the host, the pid, the CI
/// job when the environment names one, now, and `command`.
pub fn this_run(command: &str, env: impl Fn(&str) -> Option<String>) -> Holder {
    let ci = [
        "CI_JOB_ID",
        "GITHUB_RUN_ID",
        "BUILD_ID",
        "BUILDKITE_JOB_ID",
        "CIRCLE_WORKFLOW_JOB_ID",
    ]
    .iter()
    .find_map(|k| env(k).filter(|v| !v.is_empty()).map(|v| format!("{k}={v}")));
    let host = env("HOSTNAME")
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .or_else(|| env("COMPUTERNAME"))
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".to_string());
    let user = ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| env(k).filter(|v| !v.is_empty()))
        .or_else(account_name)
        .unwrap_or_else(|| "unknown-user".to_string());
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Holder {
        id: lock_id(),
        user,
        host,
        pid: std::process::id(),
        ci_job: ci,
        started,
        command: command.to_string(),
    }
}

/// The name of this process's user in `/etc/passwd` (where the
/// environment names none, as in some containers); `uid-N` when it has none.
fn account_name() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let name = passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        (f.nth(1)? == uid).then(|| name.to_string())
    });
    Some(name.unwrap_or_else(|| format!("uid-{uid}")))
}

/// 12 hex digits, different for every run (std's randomly keyed hasher
/// over the time and the pid: an id, not a secret).
fn lock_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    format!("{:012x}", h.finish() & 0xffff_ffff_ffff)
}

/// Why the locks were not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockRefused {
    /// Held by another apply (still, after waiting `waited`).
    Held { seen: Seen, waited: Duration },
    /// The lock could not be read or written.
    Failed {
        transport: &'static str,
        error: BackendError,
    },
    /// Interrupted while waiting.
    Interrupted,
}

impl std::fmt::Display for LockRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Held { seen, waited } => {
                write!(
                    f,
                    "the apply lock of cluster `{}` is {}",
                    seen.cluster,
                    seen.describe()
                )?;
                let id = seen.holder.as_ref().map_or("ID", |h| h.id.as_str());
                if waited.is_zero() {
                    write!(
                        f,
                        ". Wait for it with `--lock-timeout DURATION` (e.g. `--lock-timeout 10m`), or, if that apply is gone, remove it with `linkctl force-unlock {id}`"
                    )
                } else {
                    write!(
                        f,
                        ", still after waiting {} (`--lock-timeout`). If that apply is gone, remove it with `linkctl force-unlock {id}`",
                        secs(*waited)
                    )
                }
            }
            Self::Failed { transport, error } => write!(
                f,
                "cannot take the apply lock of cluster `{}` (over {transport}): {}",
                error.cluster, error.message
            ),
            Self::Interrupted => write!(f, "interrupted while waiting for the apply lock"),
        }
    }
}

type Held = Vec<(Arc<dyn LockStore>, Lock)>;

/// The locks of one run.
pub struct HeldLocks {
    held: Held,
    lease: Duration,
    lost: Arc<Mutex<Option<String>>>,
    renewing: Option<tokio::task::JoinHandle<()>>,
    /// The locks this run found held, and waited for.
    pub waited_for: Vec<Seen>,
}

impl HeldLocks {
    /// No lock yet.
    pub fn new(lease: Duration) -> Self {
        Self {
            held: Vec::new(),
            lease,
            lost: Arc::new(Mutex::new(None)),
            renewing: None,
            waited_for: Vec::new(),
        }
    }

    /// The clusters whose lock this run holds.
    pub fn clusters(&self) -> Vec<String> {
        self.held.iter().map(|(_, l)| l.cluster.clone()).collect()
    }

    /// Why a lock was lost while held, if one was.
    pub fn lost(&self) -> Option<String> {
        match self.lost.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Takes the lock of each store's cluster not held yet, in cluster-name
    /// order, waiting up to `opts.wait` for each; on a refusal, what this
    /// call took is released again. Then renews them all in the background
    /// (a lock lost cancels `cancel`).
    pub async fn take(
        &mut self,
        mut stores: Vec<Box<dyn LockStore>>,
        me: &Holder,
        opts: &LockOptions,
        cancel: &CancellationToken,
    ) -> Result<(), LockRefused> {
        let held = self.clusters();
        stores.retain(|s| !held.contains(&s.cluster().to_string()));
        stores.sort_by(|a, b| a.cluster().cmp(b.cluster()));
        let started = Instant::now();
        let mut taken: Held = Vec::new();
        for store in stores {
            let store: Arc<dyn LockStore> = Arc::from(store);
            match wait_for(&*store, me, opts, started, cancel).await {
                Ok((lock, waited)) => {
                    self.waited_for.extend(waited);
                    taken.push((store, lock));
                }
                Err(refused) => {
                    release_all(&taken).await;
                    return Err(refused);
                }
            }
        }
        self.held.extend(taken);
        self.renew_in_background(cancel);
        Ok(())
    }

    fn renew_in_background(&mut self, cancel: &CancellationToken) {
        if let Some(t) = self.renewing.take() {
            t.abort();
        }
        let held = self.held.clone();
        let lease = self.lease;
        let lost_slot = self.lost.clone();
        let cancel = cancel.clone();
        self.renewing = Some(tokio::spawn(async move {
            let mut renewed = Instant::now();
            // Every third of the lease from when this started, however long
            // each renewal takes.
            let every = lease / 3;
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let mut failure = None;
                for (store, lock) in &held {
                    match protocol::renew(&**store, lock, lease).await {
                        Ok(()) => {}
                        Err(RenewFailure::Lost(why)) => {
                            failure = Some((lock.cluster.clone(), why, true));
                        }
                        Err(RenewFailure::Failed(e)) => {
                            failure = Some((lock.cluster.clone(), e.message, false));
                        }
                    }
                }
                match failure {
                    None => renewed = Instant::now(),
                    // Given up before the lease ends: another apply may take
                    // the lock once it has ended.
                    Some((cluster, why, lost)) if lost || renewed.elapsed() >= lease * 2 / 3 => {
                        if let Ok(mut g) = lost_slot.lock() {
                            *g = Some(format!(
                                "the apply lock of cluster `{cluster}` is no longer this apply's ({why}): linkctl started nothing new, so that two applies never write at once"
                            ));
                        }
                        cancel.cancel();
                        return;
                    }
                    Some((cluster, why, _)) => {
                        tracing::debug!(
                            "renewing the apply lock of {cluster} failed, retrying: {why}"
                        );
                    }
                }
            }
        }));
    }

    /// Stops renewing and releases every lock; what could not be released
    /// (it then expires after its lease), in words.
    pub async fn release(mut self) -> Vec<String> {
        if let Some(t) = self.renewing.take() {
            t.abort();
        }
        release_all(&self.held).await
    }
}

/// Releases `held`; the failures, in words.
async fn release_all(held: &Held) -> Vec<String> {
    let mut out = Vec::new();
    for (store, lock) in held {
        if let Err(e) = protocol::release(&**store, lock).await {
            out.push(format!(
                "the apply lock of cluster `{}` could not be released ({}); it is free again once its lease ends",
                lock.cluster, e.message
            ));
        }
    }
    out
}

/// How long a refusal waits for the holder of a lock just taken to say
/// who it is.
const NAMING: Duration = Duration::from_secs(3);

/// Takes `store`'s lock, waiting while another apply holds it (up to
/// `opts.wait` since `started`); the lock and who held it before, if
/// anyone did.
async fn wait_for(
    store: &dyn LockStore,
    me: &Holder,
    opts: &LockOptions,
    started: Instant,
    cancel: &CancellationToken,
) -> Result<(Lock, Option<Seen>), LockRefused> {
    let what = format!("waiting for the apply lock of {}", store.cluster());
    let mut seen_before: Option<Seen> = None;
    let failed = |error| LockRefused::Failed {
        transport: store.transport(),
        error,
    };
    // A lock just taken shows no holder for a moment (its holder writes
    // its record right after): looked at again for up to this long before
    // a refusal, so that the refusal can say who holds it.
    let naming = Instant::now();
    let result = loop {
        match protocol::try_take(store, me, opts.lease).await {
            Ok(Attempt::Taken(lock)) => break Ok((lock, seen_before.take())),
            Ok(Attempt::Busy(seen)) => {
                let left = opts.wait.saturating_sub(started.elapsed());
                if left.is_zero() && seen.holder.is_none() && naming.elapsed() < NAMING {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
                if left.is_zero() {
                    break Err(LockRefused::Held {
                        seen,
                        waited: opts.wait,
                    });
                }
                waiting::notice(&Notice {
                    what: what.clone(),
                    reason: match &seen.holder {
                        Some(h) => format!("held by {}@{} (lock ID {})", h.user, h.host, h.id),
                        None => "held".to_string(),
                    },
                    retry: 0,
                    left,
                });
                seen_before = Some(seen);
                // Polls a second apart, a little jittered so that waiters
                // do not knock in step.
                let jitter = Duration::from_millis(u64::from(std::process::id() % 250));
                tokio::select! {
                    _ = tokio::time::sleep((Duration::from_secs(1) + jitter).min(left)) => {}
                    _ = cancel.cancelled() => break Err(LockRefused::Interrupted),
                }
            }
            Err(e) => break Err(failed(e)),
        }
    };
    if seen_before.is_some() || result.as_ref().is_ok_and(|(_, s)| s.is_some()) {
        waiting::done(&what);
    }
    result
}
