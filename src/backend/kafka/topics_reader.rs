//! Fills in the topics of every cluster a manifest's links in scope mention
//! (source topics on sources, mirror names on destinations), for `status`:
//! per cluster one metadata request and one `DescribeConfigs` — on the
//! clusters whose topics no engine read over its own API. A cluster that
//! cannot be read is marked `unreachable`, with the reason.

use std::collections::{BTreeMap, BTreeSet};

use super::clients::KafkaClients;
use crate::backend::{BackendError, Scope};
use crate::manifest::Manifest;
use crate::state::{ClusterState, LiveState, LiveTopic};

/// The topics `status` shows for the links in `scope`, per cluster: source
/// topics on sources, mirror names on destinations.
pub fn wanted_topics(manifest: &Manifest, scope: &Scope) -> BTreeMap<String, BTreeSet<String>> {
    let mut wanted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, link) in &manifest.links {
        if !scope.includes(&name.value) {
            continue;
        }
        for m in &link.mirrors {
            wanted
                .entry(link.source.value.clone())
                .or_default()
                .insert(m.topic.value.clone());
            wanted
                .entry(link.destination.value.clone())
                .or_default()
                .insert(m.mirror_name(link));
        }
    }
    wanted
}

/// The topics of the links in `scope`, per cluster, read concurrently,
/// except on the clusters in `covered` (whose topics an engine already read
/// over its own API): those are not contacted at all.
pub async fn read_topics(
    manifest: &Manifest,
    scope: &Scope,
    kafka: &KafkaClients,
    covered: &BTreeSet<String>,
) -> Result<LiveState, BackendError> {
    let mut wanted = wanted_topics(manifest, scope);
    wanted.retain(|c, _| !covered.contains(c));
    let reads = wanted.into_iter().filter_map(|(cluster, topics)| {
        let def = manifest.cluster(&cluster)?;
        let admin = kafka.get(&cluster, def);
        Some(async move {
            super::reachable::check(&cluster, def).await?;
            let counts = admin.partition_counts().await?;
            let present: Vec<String> = topics
                .into_iter()
                .filter(|t| counts.contains_key(t))
                .collect();
            let mut configs = admin.topic_configs(&present).await?;
            let found: BTreeMap<String, LiveTopic> = present
                .into_iter()
                .map(|t| {
                    let live = LiveTopic {
                        partitions: counts.get(&t).copied().unwrap_or(0),
                        configs: configs.remove(&t).unwrap_or_default(),
                    };
                    (t, live)
                })
                .collect();
            Ok::<_, BackendError>((cluster, found))
        })
    });
    let mut live = LiveState::default();
    for r in futures::future::join_all(reads).await {
        match r {
            Ok((cluster, topics)) => {
                live.clusters.insert(
                    cluster,
                    ClusterState {
                        topics,
                        ..Default::default()
                    },
                );
            }
            // One cluster that cannot be read does not hide the others.
            Err(e) => {
                live.clusters
                    .entry(e.cluster.clone())
                    .or_default()
                    .unreachable = Some(e.message);
            }
        }
    }
    Ok(live)
}
