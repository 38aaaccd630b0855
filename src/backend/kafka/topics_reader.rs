//! A [`StateReader`] that fills in the topics of every cluster of a manifest.

use std::collections::BTreeSet;

use super::admin::KafkaAdmin;
use crate::backend::{BackendError, BoxFuture, Scope, StateReader};
use crate::manifest::Manifest;
use crate::state::{ClusterState, LiveState};

/// Reads, for each cluster, the topics the manifest's links in scope mention
/// (source topics on sources, mirror names on destinations).
pub struct TopicsReader {
    /// Longest wait for one Kafka request.
    pub timeout: std::time::Duration,
}

impl Default for TopicsReader {
    fn default() -> Self {
        Self {
            timeout: std::time::Duration::from_secs(15),
        }
    }
}

impl StateReader for TopicsReader {
    fn read<'a>(
        &'a self,
        manifest: &'a Manifest,
        scope: &'a Scope,
    ) -> BoxFuture<'a, Result<LiveState, BackendError>> {
        Box::pin(async move {
            let mut wanted: std::collections::BTreeMap<String, BTreeSet<String>> =
                Default::default();
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
            let reads = wanted.into_iter().filter_map(|(cluster, topics)| {
                let def = manifest.cluster(&cluster)?;
                let admin = KafkaAdmin::new(&cluster, def).with_timeout(self.timeout);
                Some(async move {
                    let topics: Vec<String> = topics.into_iter().collect();
                    let found = admin.topics(Some(&topics)).await?;
                    Ok::<_, BackendError>((cluster, found))
                })
            });
            let mut live = LiveState::default();
            let handles: Vec<_> = reads.map(tokio::spawn).collect();
            for h in handles {
                let (cluster, topics) = h.await.map_err(|e| {
                    BackendError::new("-", format!("topic read task failed: {e}"))
                })??;
                live.clusters.insert(
                    cluster,
                    ClusterState {
                        topics,
                        ..Default::default()
                    },
                );
            }
            Ok(live)
        })
    }
}
