//! Building a [`StatusReport`] from the manifest and what was observed. Pure.

use super::model::{GroupRow, LinkStatus, MirrorRow, StatusReport, STATUS_FORMAT_VERSION};
use crate::backend::kafka::groups::ObservedGroups;
use crate::manifest::Manifest;
use crate::plan::EngineModels;
use crate::state::{LiveState, MirrorStatus};

/// One report for every link of the manifest in `links` (all when empty).
pub fn build(
    manifest: &Manifest,
    live: &LiveState,
    links: &[String],
    groups: Option<&ObservedGroups>,
    engines: &EngineModels,
) -> StatusReport {
    let mut out = Vec::new();
    let mut unreadable: Vec<String> = Vec::new();
    for (name, link) in &manifest.links {
        if !links.is_empty() && !links.contains(&name.value) {
            continue;
        }
        let dest = &link.destination.value;
        let src = &link.source.value;
        for c in [src, dest] {
            if let Some(why) = live.cluster_unread(c) {
                let line = format!("cluster `{c}` could not be read: {why}");
                if !unreadable.contains(&line) {
                    unreadable.push(line);
                }
            }
        }
        let unread = live.link_unread(dest, &name.value);
        if let (Some(why), None) = (unread, live.cluster_unread(dest)) {
            unreadable.push(format!(
                "link `{}` on `{dest}` could not be read: {why}",
                name.value
            ));
        }
        let live_link = live
            .clusters
            .get(dest)
            .and_then(|c| c.links.get(&name.value));
        let engine = engines.of(link.engine.value);
        let mut mirrors = Vec::new();
        if let Some(l) = live_link {
            for m in l.mirrors.values() {
                let read_only = engine.mirrors_are_read_only() && !m.status.is_stopped();
                let source_partitions = live
                    .clusters
                    .get(src)
                    .and_then(|c| c.topics.get(&m.source_topic))
                    .map(|t| t.partitions);
                let configs = live
                    .clusters
                    .get(dest)
                    .and_then(|c| c.topics.get(&m.name))
                    .map(|t| t.configs.clone())
                    .unwrap_or_default();
                let known = m.status != MirrorStatus::Unknown;
                let total_lag = if known { m.total_lag() } else { None };
                let broken = m.replaced_out_of_band().then(|| {
                    let lost = m.records.map_or_else(
                        || "the records mirrored before are gone".to_string(),
                        |r| format!("it lacks {} record(s) of the source", r.missing()),
                    );
                    format!("the destination topic was deleted out of band; {lost} (`linkctl plan` offers the re-copy)")
                });
                let ready = match (m.status.is_stopped(), total_lag, m.quiet) {
                    (true, ..) => None,
                    (false, Some(l), Some(q)) => Some(l == 0 && q && broken.is_none()),
                    (false, Some(l), None) if l > 0 => Some(false),
                    _ => None,
                };
                mirrors.push(MirrorRow {
                    name: m.name.clone(),
                    source_topic: m.source_topic.clone(),
                    status: if broken.is_some() {
                        "BROKEN".to_string()
                    } else {
                        m.status.as_str().to_string()
                    },
                    read_only,
                    partitions: known.then_some(m.partitions),
                    source_partitions,
                    total_lag,
                    lags: m.lags.clone(),
                    quiet: m.quiet,
                    ready,
                    broken,
                    state_time_ms: m.state_time_ms,
                    state_since: m.state_time_ms.and_then(super::model::utc_time),
                    source_fenced: live
                        .clusters
                        .get(src)
                        .and_then(|c| c.fences.as_ref())
                        .map(|f| f.topics.contains(&m.source_topic)),
                    configs,
                    error: m.error.clone().filter(|e| e != "NO_ERROR"),
                });
            }
        }
        let filters = link.synced_groups();
        let group_rows = groups.map(|g| {
            let mut rows = Vec::new();
            for (s, d) in g.get(&name.value).map(Vec::as_slice).unwrap_or_default() {
                for (p, so) in &s.partitions {
                    let dof = d
                        .partitions
                        .iter()
                        .find(|(dp, _)| dp == p)
                        .and_then(|(_, o)| *o);
                    rows.push(GroupRow {
                        group: s.group.clone(),
                        topic: s.topic.clone(),
                        partition: *p,
                        synced: crate::manifest::filters_cover(&filters, &s.group),
                        source: *so,
                        destination: dof,
                        difference: match (so, dof) {
                            (Some(a), Some(b)) => Some(a - b),
                            _ => None,
                        },
                    });
                }
            }
            rows
        });
        let mut notes: Vec<String> = engine
            .status_notes()
            .iter()
            .map(|n| n.to_string())
            .collect();
        if mirrors
            .iter()
            .any(|m| m.status == MirrorStatus::Stopped.as_str())
        {
            notes.push("stopped mirrors (promoted or failed over) are writable topics".to_string());
        }
        out.push(LinkStatus {
            name: name.value.clone(),
            engine: engine.name().to_string(),
            source: src.clone(),
            destination: dest.clone(),
            state: match (unread, live_link) {
                (Some(_), _) => "UNREADABLE".to_string(),
                (None, Some(l)) => l.state.clone(),
                (None, None) => "ABSENT".to_string(),
            },
            error: match unread {
                Some(why) => Some(format!("could not be read: {why}")),
                None => live_link.and_then(|l| {
                    l.error_message
                        .clone()
                        .or_else(|| l.error.clone())
                        .filter(|e| e != "NO_ERROR")
                }),
            },
            tasks: live_link.map(|l| l.tasks.clone()).unwrap_or_default(),
            mirrors,
            groups: group_rows,
            notes,
        });
    }
    // Clusters that could not be read over the Kafka protocol: what depends
    // on them is shown as unknown, and the report says why.
    let warnings = live
        .clusters
        .iter()
        .filter_map(|(name, c)| {
            c.unreachable.as_ref().map(|why| {
                format!("cluster `{name}` could not be read over the Kafka protocol ({why}); what depends on it is shown as unknown")
            })
        })
        .collect();
    StatusReport {
        format_version: STATUS_FORMAT_VERSION,
        links: out,
        warnings,
        unreadable,
    }
}
