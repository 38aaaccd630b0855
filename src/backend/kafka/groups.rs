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

/// Group offsets observed for one link: `(source side, destination side)` per
/// group and topic (what `status --groups` compares).
pub type ObservedGroups = BTreeMap<String, Vec<(GroupOffsets, GroupOffsets)>>;

fn cluster<'m>(m: &'m Manifest, name: &str) -> Result<&'m crate::manifest::Cluster, BackendError> {
    m.cluster(name)
        .ok_or_else(|| BackendError::new(name, "cluster is not declared in the manifest"))
}

/// For every link in scope: the groups with committed offsets on a mirrored
/// source topic, read on both sides (whether the filters cover them is decided
/// when the report is built).
/// A link whose clusters cannot be read is left out, with the reason in
/// the second value (one line per link).
pub async fn observe_groups(
    manifest: &Manifest,
    links: &[String],
    kafka: &KafkaClients,
) -> (ObservedGroups, Vec<String>) {
    let mut out = ObservedGroups::new();
    let mut problems = Vec::new();
    // Group offsets are the one thing only the Kafka protocol gives: a
    // bootstrap that cannot be reached is found at once (a TCP connect
    // within the cluster's connect timeout), not after the client's retries.
    let mut involved: Vec<&str> = manifest
        .links
        .iter()
        .filter(|(n, l)| (links.is_empty() || links.contains(&n.value)) && !l.mirrors.is_empty())
        .flat_map(|(_, l)| [l.source.value.as_str(), l.destination.value.as_str()])
        .collect();
    involved.sort();
    involved.dedup();
    let mut unreachable = BTreeMap::new();
    for c in involved {
        if let Ok(cl) = cluster(manifest, c) {
            if let Err(e) = super::reachable::check(c, cl).await {
                unreachable.insert(c.to_string(), e);
            }
        }
    }
    for (name, link) in &manifest.links {
        if !links.is_empty() && !links.contains(&name.value) {
            continue;
        }
        match observe_link(manifest, link, kafka, &unreachable, &mut problems).await {
            Ok(rows) => {
                out.insert(name.value.clone(), rows);
            }
            Err(e) => problems.push(format!(
                "group offsets of link `{}` are not shown (linkctl reads them over the Kafka protocol): {e}",
                name.value
            )),
        }
    }
    (out, problems)
}

/// The source side is needed (it names the groups); when the destination
/// cannot be read, its offsets are shown as unknown and `problems` says why.
async fn observe_link(
    manifest: &Manifest,
    link: &Link,
    kafka: &KafkaClients,
    unreachable: &BTreeMap<String, BackendError>,
    problems: &mut Vec<String>,
) -> Result<Vec<(GroupOffsets, GroupOffsets)>, BackendError> {
    let Some(sync) = &link.consumer_offset_sync else {
        return Ok(Vec::new());
    };
    if sync.groups.is_empty() || link.mirrors.is_empty() {
        return Ok(Vec::new());
    }
    let (src_name, dst_name) = (&link.source.value, &link.destination.value);
    if let Some(e) = unreachable.get(src_name) {
        return Err(e.clone());
    }
    let src = kafka.get(src_name, cluster(manifest, src_name)?);
    let dst = kafka.get(dst_name, cluster(manifest, dst_name)?);
    let src_counts = src.partition_counts().await?;
    let dst_read = match unreachable.get(dst_name) {
        Some(e) => Err(e.clone()),
        None => dst.partition_counts().await,
    };
    let dst_counts = match dst_read {
        Ok(c) => Some(c),
        Err(e) => {
            problems.push(format!(
                "destination offsets of link `{}` are unknown: {e}",
                link.destination.value
            ));
            None
        }
    };
    let dst_counts = dst_counts.unwrap_or_default();
    let dst_readable = !dst_counts.is_empty();
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
        let d = if dst_readable {
            dst.committed_offsets(g, &dst_topics).await?
        } else {
            super::admin::Committed::new()
        };
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
