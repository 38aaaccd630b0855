//! The promotion gate, for every engine: before a promoted mirror stops,
//! watch it until it is caught up and quiet for the settle window, or the
//! wait timeout runs out ([`gate`]); and the readiness of mirrors as they
//! stand ([`observe`]). One observation per settle window for all the
//! mirrors of a link; what an observation is and what makes a mirror ready
//! between two of them is the engine's ([`Watch`]), the rules are
//! `plan::cutover`'s ([`Readiness`]).

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::{Duration, Instant};

use crate::backend::ExecContext;
use crate::plan::cutover::{shorten, Gate, Readiness};
use crate::plan::Action;

/// An engine's view of the mirrors a gate waits for.
pub trait Watch {
    /// What one read of the mirrors saw.
    type Observation: Send;
    type Error;

    /// One observation of the mirrors still `waiting`.
    fn observe(
        &mut self,
        waiting: &BTreeSet<String>,
    ) -> impl Future<Output = Result<Self::Observation, Self::Error>> + Send;

    /// Readiness of `mirror` between two observations a settle window
    /// (`settle_ms`) apart.
    fn readiness(
        &self,
        mirror: &str,
        before: &Self::Observation,
        after: &Self::Observation,
        settle_ms: u64,
    ) -> Readiness;

    /// The error of a gate interrupted while waiting for `what`.
    fn interrupted(&self, what: &str) -> Self::Error;
}

/// What the gate found per promoted mirror: ready (with the readiness that
/// made it so), or not ready when the wait ran out (with the last one).
pub struct Gated {
    pub ready: BTreeMap<String, Readiness>,
    pub not_ready: BTreeMap<String, Readiness>,
    pub waited: Duration,
}

/// Watches `names` through `watch` until each is caught up and quiet for
/// `settle`, or the wait timeout runs out, with a progress line on `a`
/// while some are not.
pub async fn gate<W: Watch + Send>(
    watch: &mut W,
    names: BTreeSet<String>,
    settle: Duration,
    a: &Action,
    ctx: &ExecContext<'_>,
) -> Result<Gated, W::Error> {
    let started = Instant::now();
    let settle_ms = u64::try_from(settle.as_millis()).unwrap_or(u64::MAX);
    let mut waiting = names;
    let mut ready = BTreeMap::new();
    let mut last = BTreeMap::new();
    let mut before = watch.observe(&waiting).await?;
    while !waiting.is_empty() {
        tokio::select! {
            _ = tokio::time::sleep(settle) => {}
            _ = ctx.cancel.cancelled() => {
                return Err(watch.interrupted("the promoted mirrors to catch up"))
            }
        }
        let after = watch.observe(&waiting).await?;
        let mut lines = Vec::new();
        for n in waiting.clone() {
            let r = watch.readiness(&n, &before, &after, settle_ms);
            if r.ready() {
                waiting.remove(&n);
                ready.insert(n, r);
            } else {
                lines.push(format!("{n}: {}", r.summary()));
                last.insert(n, r);
            }
        }
        let elapsed = started.elapsed();
        if !lines.is_empty() {
            ctx.progress.update(
                &a.id,
                &format!(
                    "waiting {:.0} s of {:.0} s for {} promoted mirror(s) to catch up ({})",
                    elapsed.as_secs_f64(),
                    ctx.wait_timeout.as_secs_f64(),
                    lines.len(),
                    shorten(&lines, 3)
                ),
            );
        }
        if elapsed + settle > ctx.wait_timeout {
            break;
        }
        before = after;
    }
    last.retain(|n, _| waiting.contains(n));
    Ok(Gated {
        ready,
        not_ready: last,
        waited: started.elapsed(),
    })
}

/// Readiness of the mirrors `stops` (the action stopping each, its name,
/// and the gate of a promotion) as they stand: one observation, and when a
/// promotion's gate has a settle window a second one that window later
/// (whether the source is quiet is said of promotions only).
pub async fn observe<W>(
    watch: &mut W,
    stops: Vec<(&Action, String, Option<Gate>)>,
    ctx: &ExecContext<'_>,
) -> Result<Vec<Readiness>, W::Error>
where
    W: Watch + Send,
    W::Observation: Clone,
{
    let settle_ms = stops
        .iter()
        .map(|(_, _, gate)| gate.map_or(0, |g| g.settle_ms))
        .fold(0, u64::max);
    let names = stops.iter().map(|(_, n, _)| n.clone()).collect();
    let before = watch.observe(&names).await?;
    let after = if settle_ms > 0 {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(settle_ms)) => {}
            _ = ctx.cancel.cancelled() => return Err(watch.interrupted("the mirrors' lag")),
        }
        watch.observe(&names).await?
    } else {
        before.clone()
    };
    Ok(stops
        .into_iter()
        .map(|(a, n, gate)| {
            let mut r = watch.readiness(&n, &before, &after, settle_ms);
            if gate.is_none() {
                r.quiet = None;
            }
            r.action = a.id.clone();
            r
        })
        .collect())
}
