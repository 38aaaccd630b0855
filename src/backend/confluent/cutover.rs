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
use std::time::Duration;

use super::client::ClusterClient;
use super::errors::ConfluentError;
use super::wire::MirrorData;
use crate::backend::gate::{Gated, Watch};
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

/// The mirrors of one link as the gate watches them: their lags, one
/// request per settle window whatever the number of mirrors.
struct LinkLags<'a> {
    client: &'a ClusterClient,
    link: &'a str,
}

impl Watch for LinkLags<'_> {
    type Observation = Lags;
    type Error = ConfluentError;

    fn observe(
        &mut self,
        _waiting: &BTreeSet<String>,
    ) -> impl std::future::Future<Output = Result<Lags, ConfluentError>> + Send {
        lags_now(self.client, self.link)
    }

    fn readiness(&self, mirror: &str, before: &Lags, after: &Lags, settle_ms: u64) -> Readiness {
        readiness(mirror, before, after, settle_ms)
    }

    fn interrupted(&self, what: &str) -> ConfluentError {
        ConfluentError::Interrupted { what: what.into() }
    }
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
    let mut watch = LinkLags { client, link };
    crate::backend::gate::gate(&mut watch, names.iter().cloned().collect(), settle, a, ctx).await
}

/// Readiness of the mirrors `actions` (promotions and failovers of
/// `link`) stop: one read of the link's mirrors, and for promotions a
/// second one a settle window later.
pub async fn observe(
    client: &ClusterClient,
    link: &str,
    actions: &[&Action],
    ctx: &ExecContext<'_>,
) -> Result<Vec<Readiness>, ConfluentError> {
    let stops = actions
        .iter()
        .filter_map(|a| match super::execute::payload(a) {
            Ok(crate::plan::payload::ConfluentPayload::AlterMirror {
                mirror_topic_name,
                gate,
                ..
            }) => Some((*a, mirror_topic_name.clone(), *gate)),
            _ => None,
        })
        .collect();
    let mut watch = LinkLags { client, link };
    crate::backend::gate::observe(&mut watch, stops, ctx).await
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
