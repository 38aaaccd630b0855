//! Reading the consumer group offsets `status --groups` compares.

use super::admin::KafkaAdmin;
use super::offsets::GroupOffsets;
use crate::backend::BackendError;
use crate::manifest::{Link, Manifest};
use crate::status::ObservedGroups;

fn cluster<'m>(m: &'m Manifest, name: &str) -> Result<&'m crate::manifest::Cluster, BackendError> {
    m.cluster(name)
        .ok_or_else(|| BackendError::new(name, "cluster is not declared in the manifest"))
}

/// For every link in scope: the groups with committed offsets on a mirrored
/// source topic, read on both sides (whether the filters cover them is decided
/// when the report is built).
pub async fn observe_groups(
    manifest: &Manifest,
    links: &[String],
) -> Result<ObservedGroups, BackendError> {
    let mut out = ObservedGroups::new();
    for (name, link) in &manifest.links {
        if !links.is_empty() && !links.contains(&name.value) {
            continue;
        }
        out.insert(name.value.clone(), observe_link(manifest, link).await?);
    }
    Ok(out)
}

async fn observe_link(
    manifest: &Manifest,
    link: &Link,
) -> Result<Vec<(GroupOffsets, GroupOffsets)>, BackendError> {
    let Some(sync) = &link.consumer_offset_sync else {
        return Ok(Vec::new());
    };
    let src = KafkaAdmin::new(&link.source.value, cluster(manifest, &link.source.value)?);
    let dst = KafkaAdmin::new(
        &link.destination.value,
        cluster(manifest, &link.destination.value)?,
    );
    if sync.groups.is_empty() {
        return Ok(Vec::new());
    }
    let groups: Vec<String> = src
        .groups()
        .await?
        .into_iter()
        .filter(|g| !g.starts_with("connect-") && !g.starts_with("__"))
        .collect();
    let mut rows = Vec::new();
    for m in &link.mirrors {
        let topic = &m.topic.value;
        let mirror = m.mirror_name(link);
        for g in &groups {
            let s = src.committed_offsets(g, topic).await?;
            if s.partitions.iter().all(|(_, o)| o.is_none()) {
                continue;
            }
            let d = match dst.committed_offsets(g, &mirror).await {
                Ok(d) => d,
                Err(_) => GroupOffsets {
                    group: g.clone(),
                    topic: mirror.clone(),
                    partitions: vec![],
                },
            };
            rows.push((s, d));
        }
    }
    Ok(rows)
}
