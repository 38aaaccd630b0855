//! Reads the producer fences of the source clusters whose fences a plan
//! may add or remove: those of links in scope that declare a promoted or
//! failed-over mirror (one `DescribeAcls` per such cluster).

use std::collections::BTreeSet;

use super::clients::KafkaClients;
use crate::backend::{BackendError, Scope};
use crate::manifest::{Manifest, MirrorState};
use crate::state::{ClusterState, FenceState, LiveState};

/// The source clusters to read, and whether a fence is declared on each.
fn wanted(manifest: &Manifest, scope: &Scope) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    for (name, link) in &manifest.links {
        if !scope.includes(&name.value) {
            continue;
        }
        let stopping: Vec<_> = link
            .mirrors
            .iter()
            .filter(|m| {
                matches!(
                    m.state.value,
                    MirrorState::Promoted | MirrorState::FailedOver
                )
            })
            .collect();
        if stopping.is_empty() {
            continue;
        }
        let declared = stopping.iter().any(|m| m.fenced(link));
        match out.iter_mut().find(|(c, _)| *c == link.source.value) {
            Some((_, d)) => *d |= declared,
            None => out.push((link.source.value.clone(), declared)),
        }
    }
    out
}

/// The fences of the clusters [`wanted`] names. A cluster whose ACLs cannot
/// be read is an error only where a fence is declared (the plan cannot do
/// without it); elsewhere its fences are left unknown.
pub async fn read_fences(
    manifest: &Manifest,
    scope: &Scope,
    kafka: &KafkaClients,
) -> Result<LiveState, BackendError> {
    let mut live = LiveState::default();
    let mut seen = BTreeSet::new();
    for (cluster, declared) in wanted(manifest, scope) {
        if !seen.insert(cluster.clone()) {
            continue;
        }
        let Some(def) = manifest.cluster(&cluster) else {
            continue;
        };
        match kafka.get(&cluster, def).fences().await {
            Ok(f) => {
                tracing::debug!(
                    "fences of {cluster}: authorizer {}, {} fenced topic(s)",
                    f.authorizer,
                    f.topics.len()
                );
                live.clusters.insert(
                    cluster,
                    ClusterState {
                        fences: Some(FenceState {
                            authorizer: f.authorizer,
                            topics: f.topics,
                        }),
                        ..Default::default()
                    },
                );
            }
            Err(e) if declared => return Err(e),
            Err(e) => tracing::debug!("fences of {cluster} not read: {e}"),
        }
    }
    Ok(live)
}
