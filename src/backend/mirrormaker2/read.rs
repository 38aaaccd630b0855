//! Reading MirrorMaker 2 links as live state.

use std::collections::BTreeMap;

use super::connect_client::{ConnectClient, ConnectorStatus};
use super::mapping::{checkpoint_connector, read_back, source_connector, LINK_NAME};
use super::spec::cluster;
use crate::backend::kafka::KafkaAdmin;
use crate::backend::{BackendError, BoxFuture, Scope, StateReader};
use crate::manifest::link_configs::{GROUP_FILTERS, OFFSET_SYNC_ENABLE, OFFSET_SYNC_MS};
use crate::manifest::Manifest;
use crate::state::{
    ClusterState, ConnectionMode, LinkSide, LiveConfig, LiveLink, LiveMirror, LiveState, LiveTask,
    MirrorStatus, PartitionLag, TaskError,
};

/// Reads the linkctl-managed MirrorMaker 2 links of every Kafka Connect
/// cluster the manifest declares.
pub struct Mm2Reader;

impl StateReader for Mm2Reader {
    fn read<'a>(
        &'a self,
        manifest: &'a Manifest,
        scope: &'a Scope,
    ) -> BoxFuture<'a, Result<LiveState, BackendError>> {
        Box::pin(async move {
            // Every cluster with a Kafka Connect endpoint: links that are no
            // longer in the manifest must be seen too (for `prune_links`).
            let destinations: Vec<String> = manifest
                .clusters
                .iter()
                .filter(|(_, c)| c.connect.is_some())
                .map(|(k, _)| k.value.clone())
                .collect();
            let mut live = LiveState::default();
            for dest in destinations {
                let def = cluster(manifest, &dest)?;
                let connect = ConnectClient::for_cluster(&dest, def)?;
                let links = read_links(manifest, &connect, scope).await?;
                live.clusters.insert(
                    dest,
                    ClusterState {
                        links,
                        ..Default::default()
                    },
                );
            }
            Ok(live)
        })
    }
}

/// Every linkctl-managed MirrorMaker 2 link on one Connect cluster.
pub async fn read_links(
    manifest: &Manifest,
    connect: &ConnectClient,
    scope: &Scope,
) -> Result<BTreeMap<String, LiveLink>, BackendError> {
    let mut out = BTreeMap::new();
    for name in connect.list().await? {
        let Some(link_name) = name.strip_suffix("-source") else {
            continue;
        };
        if !scope.includes(link_name) {
            continue;
        }
        let Some(config) = connect.config(&name).await? else {
            continue;
        };
        if config.get(LINK_NAME).map(String::as_str) != Some(link_name) {
            continue; // not a linkctl connector
        }
        let link = read_link(manifest, connect, link_name, &config).await?;
        out.insert(link_name.to_string(), link);
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

async fn read_link(
    manifest: &Manifest,
    connect: &ConnectClient,
    link_name: &str,
    source_cfg: &BTreeMap<String, String>,
) -> Result<LiveLink, BackendError> {
    let back = read_back(source_cfg);
    let src_status = connect.status(&source_connector(link_name)).await?;
    let cp_status = connect.status(&checkpoint_connector(link_name)).await?;
    let statuses: Vec<&ConnectorStatus> = src_status.iter().chain(cp_status.iter()).collect();
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
    if let Some(s) = &src_status {
        tasks.extend(tasks_of("source", s));
    }
    if let Some(s) = &cp_status {
        tasks.extend(tasks_of("checkpoint", s));
    }

    let mut configs = BTreeMap::new();
    let mut secret_fingerprints = BTreeMap::new();
    for (k, v) in &back.canonical {
        if v.starts_with("sha256:") {
            secret_fingerprints.insert(k.clone(), v.clone());
            configs.insert(
                k.clone(),
                LiveConfig {
                    value: None,
                    is_default: false,
                    is_read_only: false,
                    is_sensitive: true,
                    source: Some("DYNAMIC_CLUSTER_LINK_CONFIG".into()),
                },
            );
        } else {
            configs.insert(
                k.clone(),
                LiveConfig {
                    value: Some(v.clone()),
                    is_default: false,
                    is_read_only: false,
                    is_sensitive: false,
                    source: Some("DYNAMIC_CLUSTER_LINK_CONFIG".into()),
                },
            );
        }
    }

    // Without its checkpoint connector (deleted out of band, or a write that
    // failed halfway) the link does not sync offsets, whatever the source
    // connector's annotations say: report those settings as absent, so the
    // next plan writes the link again.
    if cp_status.is_none() {
        for k in [OFFSET_SYNC_ENABLE, OFFSET_SYNC_MS, GROUP_FILTERS] {
            configs.remove(k);
        }
    }

    // Mirrors: active topics and remembered stopped ones, with lag.
    let source_name = source_cfg
        .get("source.cluster.alias")
        .cloned()
        .unwrap_or_default();
    let target_name = source_cfg
        .get("target.cluster.alias")
        .cloned()
        .unwrap_or_default();
    let mut mirrors = BTreeMap::new();
    let admins = match (
        cluster(manifest, &source_name),
        cluster(manifest, &target_name),
    ) {
        (Ok(s), Ok(t)) => Some((
            KafkaAdmin::new(&source_name, s),
            KafkaAdmin::new(&target_name, t),
        )),
        _ => None,
    };
    let target_topics = match &admins {
        Some((_, t)) => t.partition_counts().await?,
        None => BTreeMap::new(),
    };
    for topic in &back.topics {
        let partitions = target_topics.get(topic).copied().unwrap_or(0);
        let status = if failure.is_some() {
            MirrorStatus::Failed
        } else if state == "PAUSED" {
            MirrorStatus::LinkPaused
        } else if partitions == 0 || state != "ACTIVE" {
            MirrorStatus::PendingMirror
        } else {
            MirrorStatus::Active
        };
        let mut lags = Vec::new();
        if let (Some((s, t)), true) = (&admins, partitions > 0) {
            let src = s.end_offsets(topic).await.unwrap_or_default();
            let dst = t.end_offsets(topic).await.unwrap_or_default();
            for p in &src {
                let d = dst
                    .iter()
                    .find(|d| d.partition == p.partition)
                    .map(|d| d.high);
                lags.push(PartitionLag {
                    partition: p.partition as u32,
                    lag: (p.high - d.unwrap_or(0)).max(0),
                    last_source_fetch_offset: d,
                });
            }
        }
        mirrors.insert(
            topic.clone(),
            LiveMirror {
                name: topic.clone(),
                source_topic: topic.clone(),
                status,
                partitions,
                lags,
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
                partitions: target_topics.get(topic).copied().unwrap_or(0),
                lags: vec![],
                error: None,
                transition_errors: vec![],
            },
        );
    }

    Ok(LiveLink {
        name: link_name.to_string(),
        engine: crate::manifest::Engine::Mirrormaker2,
        link_id: None,
        side: LinkSide::Destination,
        connection_mode: ConnectionMode::Outbound,
        source_cluster_id: None,
        destination_cluster_id: None,
        remote_cluster_id: None,
        state: state.to_string(),
        error: failure.as_ref().map(|_| "CONNECTOR_FAILED".to_string()),
        error_message: failure,
        tasks,
        configs,
        secret_fingerprints,
        mirrors,
    })
}

/// What is wrong with a MirrorMaker 2 link after an apply: a failed connector
/// or task (a link can be written successfully and still not work).
pub async fn link_health(
    manifest: &Manifest,
    cluster_name: &str,
    link: &str,
) -> Result<Vec<String>, BackendError> {
    let connect = ConnectClient::for_cluster(cluster_name, cluster(manifest, cluster_name)?)?;
    let scope = Scope {
        links: vec![link.to_string()],
    };
    let links = read_links(manifest, &connect, &scope).await?;
    let Some(l) = links.get(link) else {
        return Ok(vec![format!("link {link}: its connectors are missing")]);
    };
    let mut out = Vec::new();
    if let Some(msg) = &l.error_message {
        out.push(format!("link {link}: {msg}"));
    }
    // Only failures count: UNASSIGNED and RESTARTING are what every config
    // change passes through while Connect rebalances.
    for t in &l.tasks {
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
