//! The apply lock as the commands use it (see [`crate::backend::lock`] and
//! `docs/lock.md`): which clusters an apply locks, the `--lock-timeout` and
//! `--no-lock` flags, taking and releasing the locks around an apply, and
//! the warning `plan` prints about a held lock.

use std::collections::BTreeSet;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::live::Backends;
use crate::backend::lock::{self, protocol, HeldLocks, Holder, LockOptions, LockStore};
use crate::backend::{BackendError, Clusters};
use crate::manifest::Manifest;
use crate::plan::{Plan, PlanOptions};

/// The lock flags of `apply`.
#[derive(Debug, Clone, clap::Args)]
pub struct LockArgs {
    /// How long to wait for the apply lock of a cluster while another apply
    /// holds it (`30s`, `10m`); 0: refuse at once, naming the holder.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = humantime::parse_duration)]
    pub lock_timeout: Duration,
    /// Apply without taking the apply lock (only when nothing else can
    /// apply to these clusters: a lock the principal may not take, say).
    #[arg(long)]
    pub no_lock: bool,
}

/// The clusters an apply of `manifest` within `scope` is expected to write:
/// the destination of each link in scope. The plan may name more (a source
/// side, a fence, a link to prune): see [`missing`].
pub fn expected(manifest: &Manifest, scope: &PlanOptions) -> BTreeSet<String> {
    manifest
        .links
        .iter()
        .filter(|(name, _)| scope.links.is_empty() || scope.links.contains(&name.value))
        .map(|(_, link)| link.destination.value.clone())
        .collect()
}

/// The clusters `plan` writes.
pub fn written(plan: &Plan) -> BTreeSet<String> {
    plan.actions.iter().map(|a| a.cluster.clone()).collect()
}

/// The clusters `plan` writes whose lock `held` does not hold.
pub fn missing(plan: &Plan, held: &HeldLocks) -> BTreeSet<String> {
    let have = held.clusters();
    written(plan)
        .into_iter()
        .filter(|c| !have.contains(c))
        .collect()
}

/// This run as a lock holder: `linkctl` and its arguments.
pub fn me() -> Holder {
    let command = std::env::args()
        .enumerate()
        .map(|(i, a)| if i == 0 { "linkctl".to_string() } else { a })
        .collect::<Vec<_>>()
        .join(" ");
    lock::this_run(&command, |k| std::env::var(k).ok())
}

/// The lock options of this run.
pub fn options(args: &LockArgs) -> LockOptions {
    LockOptions::new(args.lock_timeout, |k| std::env::var(k).ok())
}

fn stores(
    backends: &Backends,
    manifest: &Manifest,
    clusters: &BTreeSet<String>,
) -> Result<Vec<Box<dyn LockStore>>, String> {
    let all = Clusters::of(manifest);
    clusters
        .iter()
        .map(|c| {
            lock::store_for(&backends.engines, all, c)
                .map_err(|e| format!("cannot take the apply lock of cluster `{c}`: {}", e.message))
        })
        .collect()
}

/// Takes the locks of `clusters` not held yet (waiting as the options say);
/// the refusal, in words.
pub async fn take(
    backends: &Backends,
    manifest: &Manifest,
    clusters: &BTreeSet<String>,
    held: &mut HeldLocks,
    me: &Holder,
    opts: &LockOptions,
    cancel: &CancellationToken,
) -> Result<(), String> {
    let stores = stores(backends, manifest, clusters)?;
    held.take(stores, me, opts, cancel)
        .await
        .map_err(|r| r.to_string())
}

/// The held locks of `clusters`, as warnings for `plan` (which never takes
/// them): one line each; a lock that cannot be looked at is said too.
pub async fn held_warnings(
    backends: &Backends,
    manifest: &Manifest,
    clusters: &BTreeSet<String>,
) -> Vec<String> {
    let stores = match stores(backends, manifest, clusters) {
        Ok(s) => s,
        Err(e) => return vec![e],
    };
    let mut out = Vec::new();
    for s in &stores {
        match protocol::inspect(&**s).await {
            Ok(Some(seen)) => out.push(format!(
                "the apply lock of cluster `{}` is {}: an apply of this plan waits for it (`--lock-timeout`) or refuses",
                seen.cluster,
                seen.describe()
            )),
            Ok(None) => {}
            Err(e) => out.push(format!(
                "could not look at the apply lock of {}",
                unreadable(&**s, &e)
            )),
        }
    }
    out
}

/// The cluster whose lock `s` could not read, and why.
fn unreadable(s: &dyn LockStore, e: &BackendError) -> String {
    format!(
        "cluster `{}` (over {}): {}",
        s.cluster(),
        s.transport(),
        e.message
    )
}

/// `linkctl force-unlock ID`: removes lock `id` from whichever cluster of
/// the manifest holds it; what was done, one line per cluster where it was
/// found, or an error.
pub async fn force_unlock(
    backends: &Backends,
    manifest: &Manifest,
    id: &str,
) -> Result<Vec<String>, String> {
    let all: BTreeSet<String> = manifest.clusters.keys().map(|k| k.value.clone()).collect();
    let stores = stores(backends, manifest, &all)?;
    let mut done = Vec::new();
    let mut failures = Vec::new();
    for s in &stores {
        match protocol::force_release(&**s, id).await {
            Ok(Some(protocol::Forced::Removed(h))) => done.push(format!(
                "removed the apply lock {id} of cluster `{}` (held by {})",
                s.cluster(),
                h.describe()
            )),
            Ok(Some(protocol::Forced::Stale(h))) => done.push(format!(
                "the apply lock {id} of cluster `{}` was no longer held (by {}); its record is removed",
                s.cluster(),
                h.describe()
            )),
            Ok(None) => {}
            Err(e) => failures.push(unreadable(&**s, &e)),
        }
    }
    if done.is_empty() {
        let also = if failures.is_empty() {
            String::new()
        } else {
            format!(" (and could not look at: {})", failures.join("; "))
        };
        return Err(format!(
            "no apply lock with ID {id} on the manifest's clusters{also}"
        ));
    }
    done.extend(
        failures
            .into_iter()
            .map(|f| format!("warning: could not look at {f}")),
    );
    Ok(done)
}
