//! Promotions and failovers on Confluent Cluster Linking.
//!
//! The server synchronises before it stops a promoted mirror (its promote
//! checks that mirroring, config and consumer-offset lag are zero, else the
//! topic's entry carries an error), but it does not say beforehand how far
//! behind a mirror is or whether its source is still written. So before the
//! promote request is sent ([`gate`]) linkctl watches the link's mirror list
//! (one `GET links/{l}/mirrors` per settle window, whatever the number of
//! mirrors) until each promoted mirror's `mirror_lags` are all 0 and its
//! `last_source_fetch_offset`s did not move for the settle window (nothing
//! new on the source), within the wait timeout; the others are refused,
//! and nothing is sent for them. A failover is sent at once; its report is
//! the lag `mirror_lags` showed when it was sent ([`lags_now`]).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use super::client::ClusterClient;
use super::errors::ConfluentError;
use super::wire::MirrorData;
use crate::backend::ExecContext;
use crate::plan::cutover::{CutoverReport, PartitionProgress, Readiness};
use crate::plan::Action;

/// Per mirror: `(partition, lag, last_source_fetch_offset)`.
type Lags = BTreeMap<String, Vec<(u32, i64, Option<i64>)>>;

/// The lags of every mirror of `link` (one request).
pub async fn lags_now(client: &ClusterClient, link: &str) -> Result<Lags, ConfluentError> {
    let list: Vec<MirrorData> = client.get_all(&["links", link, "mirrors"], &[]).await?;
    Ok(list
        .into_iter()
        .map(|m| {
            let lags = m
                .mirror_lags
                .iter()
                .map(|l| {
                    (
                        u32::try_from(l.partition).unwrap_or(0),
                        l.lag,
                        l.last_source_fetch_offset,
                    )
                })
                .collect();
            (m.mirror_topic_name, lags)
        })
        .collect())
}

/// `PartitionProgress` of a mirror's lags, as the server says them. (A
/// partition that never fetched, `last_source_fetch_offset: -1`, says lag
/// 0; recorded Cloud answers carry it on mirrors with nothing to copy. The
/// gate takes the server's word: the server checks the lag again itself
/// when it promotes.) The source end offset is the server's own numbers
/// added up, `last_source_fetch_offset + lag` (the recovery point a failover
/// reports), unknown for a partition that never fetched.
fn progress(lags: &[(u32, i64, Option<i64>)]) -> Vec<PartitionProgress> {
    lags.iter()
        .map(|(p, lag, fetched)| PartitionProgress {
            partition: *p,
            source_end: fetched.filter(|f| *f >= 0).map(|f| f + lag),
            lag: Some(*lag),
        })
        .collect()
}

/// The readiness of `mirror` between two reads a settle window apart.
pub fn readiness(mirror: &str, before: &Lags, after: &Lags, settle_ms: u64) -> Readiness {
    let now = after.get(mirror).cloned().unwrap_or_default();
    let fetched = |l: &Lags| -> Vec<Option<i64>> {
        l.get(mirror)
            .map(|v| v.iter().map(|(_, _, f)| *f).collect())
            .unwrap_or_default()
    };
    let quiet = !now.is_empty() && fetched(before) == fetched(after);
    Readiness::new(mirror, progress(&now), Some(quiet), settle_ms)
}

/// What a failover left behind, from the lags read when it was sent.
pub fn failover_report(mirror: &str, lags: &Lags) -> CutoverReport {
    CutoverReport::new(
        mirror,
        progress(lags.get(mirror).map(Vec::as_slice).unwrap_or_default()),
    )
}

/// What the gate found per promoted mirror.
pub struct Gated {
    pub ready: BTreeSet<String>,
    pub not_ready: BTreeMap<String, Readiness>,
    pub waited: Duration,
}

/// Watches `names` until each is caught up and quiet for `settle`, or the
/// wait timeout runs out.
pub async fn gate(
    client: &ClusterClient,
    link: &str,
    names: &[String],
    settle: Duration,
    a: &Action,
    ctx: &ExecContext<'_>,
) -> Result<Gated, ConfluentError> {
    let started = Instant::now();
    let settle_ms = u64::try_from(settle.as_millis()).unwrap_or(u64::MAX);
    let mut waiting: BTreeSet<String> = names.iter().cloned().collect();
    let mut ready = BTreeSet::new();
    let mut last = BTreeMap::new();
    let mut before = lags_now(client, link).await?;
    while !waiting.is_empty() {
        tokio::select! {
            _ = tokio::time::sleep(settle) => {}
            _ = ctx.cancel.cancelled() => return Err(ConfluentError::Interrupted {
                what: "the promoted mirrors to catch up".into(),
            }),
        }
        let after = lags_now(client, link).await?;
        let mut lines = Vec::new();
        for n in waiting.clone() {
            let r = readiness(&n, &before, &after, settle_ms);
            if r.ready() {
                waiting.remove(&n);
                ready.insert(n);
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
                    crate::plan::cutover::shorten(&lines, 3)
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

/// Readiness of the mirrors `actions` (promotions and failovers of one
/// link) stop: one read of the link's mirrors, and for promotions a second
/// one a settle window later.
pub async fn observe(
    client: &ClusterClient,
    actions: &[&Action],
    ctx: &ExecContext<'_>,
) -> Result<Vec<Readiness>, ConfluentError> {
    let Some(first) = actions.first() else {
        return Ok(Vec::new());
    };
    let mut settle_ms = 0;
    let mut names = Vec::new();
    for a in actions {
        if let Ok(crate::plan::payload::ConfluentPayload::AlterMirror {
            mirror_topic_name,
            gate,
            ..
        }) = super::execute::payload(a)
        {
            settle_ms = settle_ms.max(gate.map_or(0, |g| g.settle_ms));
            names.push((a, mirror_topic_name.clone(), gate.is_some()));
        }
    }
    let before = lags_now(client, &first.link).await?;
    let after = if settle_ms > 0 {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(settle_ms)) => {}
            _ = ctx.cancel.cancelled() => return Err(ConfluentError::Interrupted {
                what: "the mirrors' lag".into(),
            }),
        }
        lags_now(client, &first.link).await?
    } else {
        before.clone()
    };
    Ok(names
        .into_iter()
        .map(|(a, n, promote)| {
            let mut r = readiness(&n, &before, &after, settle_ms);
            if !promote {
                r.quiet = None;
            }
            r.action = a.id.clone();
            r
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lags(m: &str, v: &[(u32, i64, Option<i64>)]) -> Lags {
        [(m.to_string(), v.to_vec())].into_iter().collect()
    }

    #[test]
    fn ready_when_lag_is_zero_and_the_fetch_offsets_stand_still() {
        let a = lags("demo", &[(0, 0, Some(100)), (1, 0, Some(50))]);
        assert!(readiness("demo", &a, &a, 5000).ready());
        let moved = lags("demo", &[(0, 0, Some(101)), (1, 0, Some(50))]);
        assert!(!readiness("demo", &a, &moved, 5000).ready());
        let behind = lags("demo", &[(0, 7, Some(100)), (1, 0, Some(50))]);
        let r = readiness("demo", &behind, &behind, 5000);
        assert_eq!((r.lag, r.ready()), (Some(7), false));
        // Never fetched: the server's lag 0 stands (it checks again itself).
        let unfetched = lags("demo", &[(0, 0, Some(-1))]);
        assert!(readiness("demo", &unfetched, &unfetched, 5000).ready());
    }

    #[test]
    fn a_failover_reports_the_lag_it_saw() {
        let r = failover_report(
            "demo",
            &lags("demo", &[(0, 10, Some(90)), (1, 5, Some(45))]),
        );
        assert_eq!(r.not_mirrored, Some(15));
    }
}
