//! Reading the consumer group offsets `status --groups` compares.
//!
//! Per link: the source's group list (once per cluster), the partition
//! counts of both sides (one metadata request per cluster), then per group
//! one `OffsetFetch` on the source for all mirrored topics and one on the
//! destination for all mirror topics.

use std::collections::BTreeMap;

use super::clients::KafkaClients;
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
    kafka: &KafkaClients,
) -> Result<ObservedGroups, BackendError> {
    let mut out = ObservedGroups::new();
    // Group offsets are the one thing only the Kafka protocol gives: say at
    // once when a bootstrap cannot be reached.
    let mut involved: Vec<&str> = manifest
        .links
        .iter()
        .filter(|(n, l)| (links.is_empty() || links.contains(&n.value)) && !l.mirrors.is_empty())
        .flat_map(|(_, l)| [l.source.value.as_str(), l.destination.value.as_str()])
        .collect();
    involved.sort();
    involved.dedup();
    for c in involved {
        super::reachable::check(c, cluster(manifest, c)?).await?;
    }
    for (name, link) in &manifest.links {
        if !links.is_empty() && !links.contains(&name.value) {
            continue;
        }
        out.insert(
            name.value.clone(),
            observe_link(manifest, link, kafka).await?,
        );
    }
    Ok(out)
}

async fn observe_link(
    manifest: &Manifest,
    link: &Link,
    kafka: &KafkaClients,
) -> Result<Vec<(GroupOffsets, GroupOffsets)>, BackendError> {
    let Some(sync) = &link.consumer_offset_sync else {
        return Ok(Vec::new());
    };
    if sync.groups.is_empty() || link.mirrors.is_empty() {
        return Ok(Vec::new());
    }
    let (src_name, dst_name) = (&link.source.value, &link.destination.value);
    let src = kafka.get(src_name, cluster(manifest, src_name)?);
    let dst = kafka.get(dst_name, cluster(manifest, dst_name)?);
    let src_counts = src.partition_counts().await?;
    let dst_counts = dst.partition_counts().await?;
    // Mirrored pairs (source topic, mirror topic) whose source topic exists.
    let pairs: Vec<(String, String)> = link
        .mirrors
        .iter()
        .map(|m| (m.topic.value.clone(), m.mirror_name(link)))
        .filter(|(s, _)| src_counts.contains_key(s))
        .collect();
    let pick = |counts: &BTreeMap<String, u32>, names: Vec<&String>| -> BTreeMap<String, u32> {
        names
            .into_iter()
            .filter_map(|n| counts.get(n).map(|c| (n.clone(), *c)))
            .collect()
    };
    let src_topics = pick(&src_counts, pairs.iter().map(|(s, _)| s).collect());
    let dst_topics = pick(&dst_counts, pairs.iter().map(|(_, d)| d).collect());
    let groups: Vec<String> = src
        .groups()
        .await?
        .into_iter()
        .filter(|g| !g.starts_with("connect-") && !g.starts_with("__"))
        .collect();
    let mut rows = Vec::new();
    for g in &groups {
        let s = src.committed_offsets(g, &src_topics).await?;
        if s.is_empty() {
            continue;
        }
        let d = dst.committed_offsets(g, &dst_topics).await?;
        for (topic, mirror) in &pairs {
            let n = src_topics.get(topic).copied().unwrap_or(0) as i32;
            let side = |offsets: &super::admin::Committed, t: &str, n: i32| GroupOffsets {
                group: g.clone(),
                topic: t.to_string(),
                partitions: (0..n)
                    .map(|p| (p, offsets.get(&(t.to_string(), p)).copied()))
                    .collect(),
            };
            let so = side(&s, topic, n);
            if so.partitions.iter().all(|(_, o)| o.is_none()) {
                continue;
            }
            let dn = dst_topics.get(mirror).copied().unwrap_or(0) as i32;
            rows.push((so, side(&d, mirror, dn)));
        }
    }
    Ok(rows)
}
