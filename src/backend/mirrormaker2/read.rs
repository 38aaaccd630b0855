//! Reading MirrorMaker 2 links as live state.
//!
//! Per Kafka Connect cluster: one `GET /connectors?expand=info&expand=status`
//! (every connector's config and status), and one metadata request to the
//! destination (which mirror topics exist). For `status` also, per link: the
//! end offsets of its source topics (one `ListOffsets` per source broker) and
//! the source connector's stored offsets (one `GET /connectors/{c}/offsets`):
//! MirrorMaker 2's lag is the source log end minus the next source offset it
//! will replicate, since offsets are not preserved across the clusters.

use std::collections::BTreeMap;

use super::connect_client::{ConnectClient, ConnectorStatus, Expanded};
use super::mapping::{checkpoint_connector, read_back, source_connector, ReadBack, LINK_NAME};
use crate::backend::engine::ReadDetail;
use crate::backend::kafka::KafkaClients;
use crate::backend::{BackendError, Clusters, Scope};
use crate::manifest::link_configs::{GROUP_FILTERS, OFFSET_SYNC_ENABLE, OFFSET_SYNC_MS};
use crate::manifest::Manifest;
use crate::state::{
    ClusterState, ConnectionMode, LinkSide, LiveConfig, LiveLink, LiveMirror, LiveState, LiveTask,
    MirrorStatus, PartitionLag, TaskError,
};

/// Reads the linkctl-managed MirrorMaker 2 links of every Kafka Connect
/// cluster the manifest declares (links no longer in the manifest must be
/// seen too, for `prune_links`).
pub async fn read(
    manifest: &Manifest,
    scope: &Scope,
    detail: ReadDetail,
    kafka: &KafkaClients,
) -> Result<LiveState, BackendError> {
    let clusters = Clusters::of(manifest);
    let mut live = LiveState::default();
    for (dest, def) in clusters.iter() {
        if def.connect.is_none() {
            continue;
        }
        let connect = ConnectClient::for_cluster(dest, def)?;
        let mut unreadable = Vec::new();
        let links = read_links(
            clusters,
            dest,
            &connect,
            scope,
            detail,
            kafka,
            &mut unreadable,
        )
        .await?;
        live.clusters.insert(
            dest.to_string(),
            ClusterState {
                links,
                ..Default::default()
            },
        );
        note_unreachable(&mut live, unreadable);
    }
    // The sources of MirrorMaker 2 links that declare mirrors: one metadata
    // request each, as MirrorMaker 2 would wait forever for a missing topic.
    let sources = scope.mirrored_sources(manifest, crate::manifest::Engine::Mirrormaker2);
    for source in sources {
        match kafka
            .get(source, clusters.get(source)?)
            .partition_counts()
            .await
        {
            Ok(names) => {
                live.clusters
                    .entry(source.to_string())
                    .or_default()
                    .topic_names = Some(names.into_keys().collect());
            }
            // `status` shows what it can; a plan cannot do without them.
            Err(e) if detail == ReadDetail::Status => note_unreachable(&mut live, vec![e]),
            Err(e) => return Err(e),
        }
    }
    Ok(live)
}

/// Records, per cluster, why it could not be read over the Kafka protocol.
fn note_unreachable(live: &mut LiveState, errors: Vec<BackendError>) {
    for e in errors {
        let c = live.clusters.entry(e.cluster.clone()).or_default();
        if c.unreachable.is_none() {
            c.unreachable = Some(e.message);
        }
    }
}

/// The source and checkpoint connectors of each linkctl link.
struct Connectors {
    source: Expanded,
    checkpoint: Option<Expanded>,
}

/// Every linkctl-managed MirrorMaker 2 link on one Connect cluster.
/// With `ReadDetail::Status`, a Kafka cluster that cannot be read is not
/// an error: its error goes to `unreadable`, and what depends on it (mirror
/// states, lag) is shown as unknown.
async fn read_links(
    clusters: Clusters<'_>,
    dest: &str,
    connect: &ConnectClient,
    scope: &Scope,
    detail: ReadDetail,
    kafka: &KafkaClients,
    unreadable: &mut Vec<BackendError>,
) -> Result<BTreeMap<String, LiveLink>, BackendError> {
    let mut all = connect.list_expanded().await?;
    let mut found: BTreeMap<String, Connectors> = BTreeMap::new();
    let names: Vec<String> = all.keys().cloned().collect();
    for name in names {
        let Some(link_name) = name.strip_suffix("-source") else {
            continue;
        };
        if !scope.includes(link_name) {
            continue;
        }
        let Some(source) = all.remove(&name) else {
            continue;
        };
        let config = source.info.as_ref().map(|i| &i.config);
        if config.and_then(|c| c.get(LINK_NAME)).map(String::as_str) != Some(link_name) {
            continue; // not a linkctl connector
        }
        let checkpoint = all.remove(&checkpoint_connector(link_name));
        found.insert(link_name.to_string(), Connectors { source, checkpoint });
    }
    if found.is_empty() {
        return Ok(BTreeMap::new());
    }
    // Which mirror topics exist on the destination: one metadata request.
    let target = kafka.get(dest, clusters.get(dest)?);
    let target_topics = match target.partition_counts().await {
        Ok(t) => Some(t),
        Err(e) if detail == ReadDetail::Status => {
            unreadable.push(e);
            None
        }
        Err(e) => return Err(e),
    };
    let mut out = BTreeMap::new();
    for (link_name, c) in found {
        let config = c
            .source
            .info
            .as_ref()
            .map(|i| i.config.clone())
            .unwrap_or_default();
        let back = read_back(&config);
        let mut link = map_link(&link_name, &back, &c, target_topics.as_ref());
        link.remote_alias = config.get("source.cluster.alias").cloned();
        if detail == ReadDetail::Status && target_topics.is_some() {
            let source_alias = config
                .get("source.cluster.alias")
                .cloned()
                .unwrap_or_default();
            if let Err(e) = lags(&mut link, &source_alias, clusters, connect, kafka).await {
                unreadable.push(e);
            }
        }
        out.insert(link_name, link);
    }
    Ok(out)
}

fn tasks_of(prefix: &str, status: &ConnectorStatus) -> Vec<LiveTask> {
    status
        .tasks
        .iter()
        .map(|t| LiveTask {
            name: format!("{prefix}/{}", t.id.unwrap_or_default()),
            state: t.state.clone(),
            errors: t
                .trace
                .as_deref()
                .and_then(|tr| tr.lines().next())
                .map(|l| {
                    vec![TaskError {
                        code: "TASK_FAILED".into(),
                        message: l.to_string(),
                    }]
                })
                .unwrap_or_default(),
        })
        .collect()
}

fn dynamic(value: Option<String>, sensitive: bool) -> LiveConfig {
    LiveConfig {
        value,
        is_default: Some(false),
        is_read_only: false,
        is_sensitive: sensitive,
        source: Some("DYNAMIC_CLUSTER_LINK_CONFIG".into()),
    }
}

/// The link as linkctl's model sees it: state from the connectors, configs
/// from the annotations, mirrors from the topic lists.
fn map_link(
    link_name: &str,
    back: &ReadBack,
    c: &Connectors,
    target_topics: Option<&BTreeMap<String, u32>>,
) -> LiveLink {
    let src_status = c.source.status.as_ref();
    let cp_status = c.checkpoint.as_ref().and_then(|x| x.status.as_ref());
    let statuses: Vec<&ConnectorStatus> =
        src_status.iter().chain(cp_status.iter()).copied().collect();
    let failure = statuses.iter().find_map(|s| s.failure());
    let state = if failure.is_some() {
        "FAILED"
    } else if statuses.iter().any(|s| s.connector.state == "PAUSED") {
        "PAUSED"
    } else if statuses.len() == 2 && statuses.iter().all(|s| s.is_running()) {
        "ACTIVE"
    } else {
        "PENDING"
    };
    let mut tasks = Vec::new();
    if let Some(s) = src_status {
        tasks.extend(tasks_of("source", s));
    }
    if let Some(s) = cp_status {
        tasks.extend(tasks_of("checkpoint", s));
    }

    let mut configs = BTreeMap::new();
    let mut secret_fingerprints = BTreeMap::new();
    for (k, v) in &back.canonical {
        if crate::plan::secrets::is_fingerprint(v) {
            secret_fingerprints.insert(k.clone(), v.clone());
            configs.insert(k.clone(), dynamic(None, true));
        } else {
            configs.insert(k.clone(), dynamic(Some(v.clone()), false));
        }
    }
    // Without its checkpoint connector (deleted out of band, or a write that
    // failed halfway) the link does not sync offsets, whatever the source
    // connector's annotations say: report those settings as absent, so the
    // next plan writes the link again.
    if c.checkpoint.is_none() {
        for k in [OFFSET_SYNC_ENABLE, OFFSET_SYNC_MS, GROUP_FILTERS] {
            configs.remove(k);
        }
    }

    let mut mirrors = BTreeMap::new();
    for topic in &back.topics {
        let partitions = target_topics
            .and_then(|t| t.get(topic).copied())
            .unwrap_or(0);
        let status = if target_topics.is_none() {
            // The destination could not be read: whether the topic exists
            // there is not known.
            MirrorStatus::Unknown
        } else if failure.is_some() {
            MirrorStatus::Failed
        } else if state == "PAUSED" {
            MirrorStatus::LinkPaused
        } else if partitions == 0 || state != "ACTIVE" {
            MirrorStatus::PendingMirror
        } else {
            MirrorStatus::Active
        };
        mirrors.insert(
            topic.clone(),
            LiveMirror {
                name: topic.clone(),
                source_topic: topic.clone(),
                status,
                partitions,
                lags: vec![],
                error: failure.clone(),
                transition_errors: vec![],
            },
        );
    }
    for topic in &back.stopped {
        mirrors.insert(
            topic.clone(),
            LiveMirror {
                name: topic.clone(),
                source_topic: topic.clone(),
                status: MirrorStatus::Stopped,
                partitions: target_topics
                    .and_then(|t| t.get(topic).copied())
                    .unwrap_or(0),
                lags: vec![],
                error: None,
                transition_errors: vec![],
            },
        );
    }

    LiveLink {
        name: link_name.to_string(),
        engine: crate::manifest::Engine::Mirrormaker2,
        link_id: None,
        side: LinkSide::Destination,
        connection_mode: ConnectionMode::Outbound,
        source_cluster_id: None,
        destination_cluster_id: None,
        remote_cluster_id: None,
        remote_alias: None,
        state: state.to_string(),
        error: failure.as_ref().map(|_| "CONNECTOR_FAILED".to_string()),
        error_message: failure,
        tasks,
        configs,
        secret_fingerprints,
        mirrors,
    }
}

/// Per-partition lag of the link's active mirrors, in MirrorMaker 2's
/// terms: source log end minus the next source offset the source connector
/// will replicate (its stored offset + 1; 0 when it stored none yet).
async fn lags(
    link: &mut LiveLink,
    source_alias: &str,
    clusters: Clusters<'_>,
    connect: &ConnectClient,
    kafka: &KafkaClients,
) -> Result<(), BackendError> {
    let active: Vec<String> = link
        .mirrors
        .values()
        .filter(|m| !m.status.is_stopped() && m.partitions > 0)
        .map(|m| m.source_topic.clone())
        .collect();
    if active.is_empty() {
        return Ok(());
    }
    let source = kafka.get(source_alias, clusters.get(source_alias)?);
    let counts = source.partition_counts().await?;
    let wanted: BTreeMap<String, u32> = active
        .iter()
        .filter_map(|t| counts.get(t).map(|n| (t.clone(), *n)))
        .collect();
    let ends = source.end_offsets(&wanted).await?;
    let stored = connect
        .offsets(&source_connector(&link.name))
        .await?
        .unwrap_or_default();
    let mut next: BTreeMap<(String, i32), i64> = BTreeMap::new();
    for o in stored.offsets {
        let topic = o.partition.get("topic").and_then(|v| v.as_str());
        let partition = o.partition.get("partition").and_then(|v| v.as_i64());
        let offset = o.offset.get("offset").and_then(|v| v.as_i64());
        if let (Some(t), Some(p), Some(off)) = (topic, partition, offset) {
            let p = i32::try_from(p).unwrap_or(0);
            next.insert((t.to_string(), p), off + 1);
        }
    }
    for m in link.mirrors.values_mut() {
        let Some(n) = wanted.get(&m.source_topic) else {
            continue;
        };
        m.lags = (0..*n as i32)
            .map(|p| {
                let key = (m.source_topic.clone(), p);
                let end = ends.get(&key).copied().unwrap_or(0);
                let at = next.get(&key).copied();
                PartitionLag {
                    partition: p as u32,
                    lag: (end - at.unwrap_or(0)).max(0),
                    last_source_fetch_offset: at,
                }
            })
            .collect();
    }
    Ok(())
}

/// What is wrong with a MirrorMaker 2 link after an apply: a failed connector
/// or task (a link can be written successfully and still not work).
pub async fn link_health(connect: &ConnectClient, link: &str) -> Result<Vec<String>, BackendError> {
    let Some(source) = connect.status(&source_connector(link)).await? else {
        return Ok(vec![format!("link {link}: its connectors are missing")]);
    };
    let checkpoint = connect.status(&checkpoint_connector(link)).await?;
    let mut out = Vec::new();
    let statuses: Vec<&ConnectorStatus> =
        std::iter::once(&source).chain(checkpoint.iter()).collect();
    if let Some(msg) = statuses.iter().find_map(|s| s.failure()) {
        out.push(format!("link {link}: {msg}"));
    }
    // Only failures count: UNASSIGNED and RESTARTING are what every config
    // change passes through while Connect rebalances.
    let tasks = tasks_of("source", &source)
        .into_iter()
        .chain(checkpoint.iter().flat_map(|c| tasks_of("checkpoint", c)));
    for t in tasks {
        if t.state == "FAILED" {
            let detail: Vec<&str> = t.errors.iter().map(|e| e.message.as_str()).collect();
            out.push(
                format!(
                    "link {link} task {} is {} {}",
                    t.name,
                    t.state,
                    detail.join("; ")
                )
                .trim_end()
                .to_string(),
            );
        }
    }
    Ok(out)
}
