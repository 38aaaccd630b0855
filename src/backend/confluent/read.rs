//! Reading live state: per cluster `GET clusters` (guard, once), `GET links`,
//! `GET links/-/mirrors` and one `GET links/{l}/configs` per link — a request
//! count that does not depend on the number of mirror topics (every list
//! follows `metadata.next` where a server pages). Clusters are read
//! concurrently. A failure stays where it happened: a cluster that cannot
//! be read is marked unread (with why) and a link whose configs or tasks
//! cannot be read is marked unread on its cluster; the rest is read.

use crate::backend::lock::is_lock_topic;
use crate::redact::server_text;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::client::ClusterClient;
use super::errors::ConfluentError;
use super::payload::{parse_record, FINGERPRINTS_CONFIG};
use super::wire::{LinkConfigData, LinkData, MirrorData, TopicConfigData, TopicData};
use super::ConfluentBackend;
use crate::backend::engine::ReadDetail;
use crate::backend::{BackendError, Clusters, Scope};
use crate::manifest::link_configs::{CONNECTION_MODE, LINK_MODE};
use crate::state::{
    ClusterState, ConnectionMode, LinkSide, LiveConfig, LiveLink, LiveMirror, LiveState, LiveTask,
    LiveTopic, MirrorStatus, PartitionLag, TaskError, LINK_STATE_NOT_REPORTED,
};

/// What a read collects about topics, per cluster.
#[derive(Debug, Clone, Default)]
pub struct TopicReads {
    /// Clusters whose topic names are listed (the sources of links that
    /// declare mirrors, to refuse a mirror of a missing topic).
    pub names: BTreeSet<String>,
    /// For `status`: per cluster, the topics whose partition counts and
    /// configs are read over REST (`GET topics`, `GET topics/-/configs`).
    pub details: BTreeMap<String, BTreeSet<String>>,
}

impl ConfluentBackend {
    /// Reads every cluster with a REST endpoint, concurrently.
    pub async fn read_clusters(
        &self,
        clusters: Clusters<'_>,
        scope: &Scope,
        detail: ReadDetail,
        topics: &TopicReads,
    ) -> Result<LiveState, BackendError> {
        let mut set = JoinSet::new();
        let mut state = LiveState::default();
        for (name, cluster) in clusters.iter() {
            if cluster.rest.is_none() {
                continue;
            }
            let client = match self.client(clusters, name) {
                Ok(c) => c,
                Err(e) => {
                    state.mark_unread(name, e.into_backend(name).message);
                    continue;
                }
            };
            let scope = scope.clone();
            let conc = self.options.read_concurrency.max(1);
            let cname = name.to_string();
            let list = topics.names.contains(name);
            let details = topics.details.get(name).cloned().unwrap_or_default();
            set.spawn(async move {
                let r = match read_cluster(client.clone(), &scope, conc, detail, list).await {
                    Ok(cs) if !details.is_empty() => topic_details(&client, cs, &details).await,
                    other => other,
                };
                (cname, r)
            });
        }
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok((name, Ok(cs))) => {
                    state.clusters.insert(name, cs);
                }
                Ok((name, Err(e))) => {
                    let e = e.into_backend(&name);
                    state.mark_unread(&name, e.message);
                }
                Err(join) => {
                    return Err(BackendError::new(
                        "-",
                        format!("internal: read task failed: {join}"),
                    ));
                }
            }
        }
        Ok(state)
    }
}

/// Reads one cluster's links, configs and mirrors (and, for `status`, each
/// link's tasks, which only `GET links/{link}?include_tasks=true` returns).
pub async fn read_cluster(
    client: Arc<ClusterClient>,
    scope: &Scope,
    concurrency: usize,
    detail: ReadDetail,
    list_topics: bool,
) -> Result<ClusterState, ConfluentError> {
    let cluster_id = client.cluster_id().await?.to_string();
    let links: Vec<LinkData> = match client.get_all(&["links"], &[]).await {
        Ok(l) => l,
        // The first request of a run: a 404 here means the endpoint does not
        // serve the pinned cluster; say which one it serves.
        Err(e) if e.is_not_found() => {
            client.verify_cluster().await?;
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    let mirrors: Vec<MirrorData> = client.get_all(&["links", "-", "mirrors"], &[]).await?;
    let sampled = std::time::Instant::now();
    let wanted: Vec<LinkData> = links
        .into_iter()
        .filter(|l| !l.link_name.is_empty())
        .filter(|l| l.link_state.as_deref() != Some("UNMANAGED_SOURCE"))
        .filter(|l| scope.includes(&l.link_name))
        .collect();

    let sem = Arc::new(Semaphore::new(concurrency));
    let mut set = JoinSet::new();
    for l in &wanted {
        let client = client.clone();
        let sem = sem.clone();
        let name = l.link_name.clone();
        set.spawn(async move {
            let _permit = sem.acquire_owned().await;
            let r: Result<Vec<LinkConfigData>, ConfluentError> =
                client.get_all(&["links", &name, "configs"], &[]).await;
            let tasks = match (&r, detail) {
                (Ok(_), ReadDetail::Status) => Some(
                    client
                        .get::<LinkData>(&["links", &name], &[("include_tasks", "true")])
                        .await,
                ),
                _ => None,
            };
            (name, r, tasks)
        });
    }
    let mut configs: BTreeMap<String, Vec<LinkConfigData>> = BTreeMap::new();
    let mut tasks: BTreeMap<String, LinkData> = BTreeMap::new();
    let mut unread_links: BTreeMap<String, String> = BTreeMap::new();
    while let Some(joined) = set.join_next().await {
        let (name, r, t) =
            joined.map_err(|e| ConfluentError::Manifest(format!("internal: {e}")))?;
        match r {
            Ok(rows) => {
                configs.insert(name.clone(), rows);
            }
            // A link deleted between the two reads: leave it out.
            Err(e) if e.is_not_found() => {}
            // This link cannot be read; the others can.
            Err(e) => {
                unread_links.insert(name.clone(), e.to_string());
            }
        }
        match t {
            Some(Ok(l)) => {
                tasks.insert(name, l);
            }
            Some(Err(e)) if !e.is_not_found() => {
                configs.remove(&name);
                unread_links.insert(name, format!("its tasks: {e}"));
            }
            _ => {}
        }
    }

    let topic_names = if list_topics {
        topic_names(&client).await?
    } else {
        None
    };
    let mut out = ClusterState {
        cluster_id: Some(cluster_id),
        links: BTreeMap::new(),
        topics: BTreeMap::new(),
        topic_names,
        unread_links,
        ..Default::default()
    };
    for mut l in wanted {
        let Some(rows) = configs.remove(&l.link_name) else {
            continue;
        };
        if let Some(t) = tasks.remove(&l.link_name) {
            l.tasks = t.tasks;
            // Lists recorded from Confluent Cloud carry no `link_state`:
            // the describe of the same run may say it (and the error).
            if l.link_state.as_deref().is_none_or(str::is_empty) {
                l.link_state = t.link_state;
            }
            if l.link_error.is_none() {
                l.link_error = t.link_error;
                l.link_error_message = t.link_error_message;
            }
        }
        out.links.insert(l.link_name.clone(), map_link(l, rows));
    }
    // For `status`: the mirrors read again a second later; a mirror whose
    // source took no record meanwhile has the same fetch offsets (one more
    // request per cluster).
    let again: Option<Vec<MirrorData>> = if detail == ReadDetail::Status && !mirrors.is_empty() {
        tokio::time::sleep(QUIET_SAMPLE.saturating_sub(sampled.elapsed())).await;
        Some(client.get_all(&["links", "-", "mirrors"], &[]).await?)
    } else {
        None
    };
    let fetched = |m: &MirrorData| -> Vec<Option<i64>> {
        m.mirror_lags
            .iter()
            .map(|l| l.last_source_fetch_offset)
            .collect()
    };
    for m in mirrors {
        let quiet = again.as_ref().map(|again| {
            again
                .iter()
                .find(|x| x.link_name == m.link_name && x.mirror_topic_name == m.mirror_topic_name)
                .is_some_and(|x| fetched(x) == fetched(&m))
        });
        if let Some(link) = out.links.get_mut(&m.link_name) {
            let mut mirror = map_mirror(m);
            mirror.quiet = quiet;
            link.mirrors.insert(mirror.name.clone(), mirror);
        }
    }
    Ok(out)
}

/// The shortest time between the two reads of the mirrors that tell
/// `status` whether a mirror's source is being written.
const QUIET_SAMPLE: std::time::Duration = std::time::Duration::from_secs(1);

/// Every topic name of the cluster (`GET topics`, one request). A server
/// that does not list topics for this principal (403, 404) leaves them
/// unknown: the plan then cannot refuse a mirror of a missing source topic,
/// and the server refuses its creation instead.
async fn topic_names(client: &ClusterClient) -> Result<Option<BTreeSet<String>>, ConfluentError> {
    match client.get_all::<TopicData>(&["topics"], &[]).await {
        Ok(list) => Ok(Some(
            list.into_iter()
                .map(|t| t.topic_name)
                .filter(|n| !is_lock_topic(n))
                .collect(),
        )),
        Err(e) if matches!(e.status(), Some(403) | Some(404)) => {
            tracing::debug!(cluster = %client.name, error = %e, "topics not listed");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Config rows as live configs (a sensitive value is never kept, even if a
/// server returned one).
pub fn live_configs(rows: Vec<LinkConfigData>) -> BTreeMap<String, LiveConfig> {
    rows.into_iter()
        .map(|r| {
            (
                r.name,
                LiveConfig {
                    value: if r.is_sensitive { None } else { r.value },
                    is_default: r.is_default,
                    is_read_only: r.is_read_only,
                    is_sensitive: r.is_sensitive,
                    source: r.source,
                },
            )
        })
        .collect()
}

/// Partition counts and topic-level config overrides of `wanted` topics, over REST
/// (`GET topics` and `GET topics/-/configs`: two lists per cluster,
/// whatever the number of topics), for `status`. A server that does not
/// list them for this principal (403, 404) leaves them to the Kafka
/// protocol.
async fn topic_details(
    client: &ClusterClient,
    mut cs: ClusterState,
    wanted: &BTreeSet<String>,
) -> Result<ClusterState, ConfluentError> {
    let listed = match client.get_all::<TopicData>(&["topics"], &[]).await {
        Ok(t) => t,
        Err(e) if matches!(e.status(), Some(403) | Some(404)) => {
            tracing::debug!(cluster = %client.name, error = %e, "topics not listed over REST");
            return Ok(cs);
        }
        Err(e) => return Err(e),
    };
    let rows: Vec<TopicConfigData> = client.get_all(&["topics", "-", "configs"], &[]).await?;
    let mut configs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for TopicConfigData { topic_name, row: r } in rows {
        if !wanted.contains(&topic_name) {
            continue;
        }
        if let (true, false, Some(v)) = (is_topic_override(&r), r.is_sensitive, r.value) {
            configs.entry(topic_name).or_default().insert(r.name, v);
        }
    }
    for t in &listed {
        if wanted.contains(&t.topic_name) {
            cs.topics.insert(
                t.topic_name.clone(),
                LiveTopic {
                    partitions: u32::try_from(t.partitions_count).unwrap_or(0),
                    configs: configs.remove(&t.topic_name).unwrap_or_default(),
                },
            );
        }
    }
    cs.topic_names.get_or_insert_with(Default::default).extend(
        listed
            .into_iter()
            .map(|t| t.topic_name)
            .filter(|n| !is_lock_topic(n)),
    );
    cs.topics_read = true;
    Ok(cs)
}

/// True when a topic config row is set on the topic itself
/// (`DYNAMIC_TOPIC_CONFIG`): not a default, and not a broker's value the
/// topic inherits (`STATIC_BROKER_CONFIG`, `DYNAMIC_BROKER_CONFIG`, …, which
/// Cloud reports with `is_default: false`). A row without a `source` falls
/// back to its default flag.
fn is_topic_override(r: &LinkConfigData) -> bool {
    match r.source.as_deref() {
        Some(s) => s.eq_ignore_ascii_case("DYNAMIC_TOPIC_CONFIG"),
        None => r.is_default == Some(false),
    }
}

/// Maps a link and its config rows; the side comes from `link.mode` /
/// `connection.mode`, falling back to which cluster id the link names.
/// linkctl's own fingerprint record ([`FINGERPRINTS_CONFIG`]) is taken out
/// of the configs into `secret_fingerprints`.
pub fn map_link(l: LinkData, rows: Vec<LinkConfigData>) -> LiveLink {
    let mut configs = live_configs(rows);
    let secret_fingerprints = configs
        .remove(FINGERPRINTS_CONFIG)
        .and_then(|c| c.value)
        .map(|v| parse_record(&v))
        .unwrap_or_default();
    let mode = configs.get(LINK_MODE).and_then(|c| c.value.clone());
    let side = match mode.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("SOURCE") => LinkSide::Source,
        Some("BIDIRECTIONAL") => LinkSide::Bidirectional,
        Some(_) => LinkSide::Destination,
        None if l.remote_cluster_id.is_some() => LinkSide::Bidirectional,
        None if l.destination_cluster_id.is_some() => LinkSide::Source,
        None => LinkSide::Destination,
    };
    let conn = configs.get(CONNECTION_MODE).and_then(|c| c.value.clone());
    let connection_mode = match conn.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("INBOUND") => ConnectionMode::Inbound,
        _ => ConnectionMode::Outbound,
    };
    LiveLink {
        name: l.link_name,
        engine: crate::manifest::EngineName::Confluent,
        link_id: l.cluster_link_id.or(l.link_id),
        side,
        connection_mode,
        source_cluster_id: l.source_cluster_id,
        destination_cluster_id: l.destination_cluster_id,
        remote_cluster_id: l.remote_cluster_id,
        remote_alias: None,
        state: l
            .link_state
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| LINK_STATE_NOT_REPORTED.to_string()),
        error: l.link_error,
        error_message: l.link_error_message.map(|m| server_text(&m).into_owned()),
        tasks: l
            .tasks
            .into_iter()
            .map(|t| LiveTask {
                name: t.task_name,
                state: t.state,
                errors: t
                    .errors
                    .into_iter()
                    .map(|e| TaskError {
                        code: e.error_code,
                        message: server_text(&e.error_message).into_owned(),
                    })
                    .collect(),
            })
            .collect(),
        configs,
        secret_fingerprints,
        mirrors: BTreeMap::new(),
    }
}

pub fn map_mirror(m: MirrorData) -> LiveMirror {
    LiveMirror {
        name: m.mirror_topic_name,
        source_topic: m.source_topic_name,
        status: MirrorStatus::parse(&m.mirror_status),
        partitions: u32::try_from(m.num_partitions).unwrap_or(0),
        lags: m
            .mirror_lags
            .into_iter()
            .map(|l| PartitionLag {
                partition: u32::try_from(l.partition).unwrap_or(0),
                // `last_source_fetch_offset: -1`: the mirror has not fetched
                // from the source yet, so its lag means nothing (recorded
                // Cloud answers carry `lag: 0` with it).
                lag: (l.last_source_fetch_offset != Some(-1)).then_some(l.lag),
                last_source_fetch_offset: l.last_source_fetch_offset,
            })
            .collect(),
        error: m.mirror_topic_error,
        transition_errors: m
            .mirror_state_transition_errors
            .into_iter()
            .map(|e| TaskError {
                code: e.error_code.unwrap_or_default(),
                message: server_text(&e.error_message.unwrap_or_default()).into_owned(),
            })
            .collect(),
        state_time_ms: m.state_time_ms,
        ..Default::default()
    }
}

impl ConfluentBackend {
    /// One link object with its tasks (`include_tasks=true`), for the health
    /// check after an apply: a link can be created and still not work.
    pub async fn read_link_health(
        &self,
        clusters: Clusters<'_>,
        cluster: &str,
        link: &str,
    ) -> Result<LiveLink, BackendError> {
        let client = self
            .client(clusters, cluster)
            .map_err(|e| e.into_backend(cluster))?;
        let data: LinkData = client
            .get(&["links", link], &[("include_tasks", "true")])
            .await
            .map_err(|e| e.into_backend(cluster))?;
        Ok(map_link(data, Vec::new()))
    }
}

/// Problems of a link in words: a link error other than NO_ERROR, and every
/// task that is not ACTIVE / NOT_CONFIGURED with its errors.
pub fn health_problems(link: &LiveLink) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(e) = link.error.as_deref().filter(|e| *e != "NO_ERROR") {
        let msg = link.error_message.as_deref().unwrap_or("");
        out.push(
            format!("link {}: {e} {msg}", link.name)
                .trim_end()
                .to_string(),
        );
    }
    for t in &link.tasks {
        if t.state == "ACTIVE" || t.state == "NOT_CONFIGURED" {
            continue;
        }
        let errs: Vec<String> = t
            .errors
            .iter()
            .filter(|e| e.code != "NO_ERROR")
            .map(|e| format!("{}: {}", e.code, e.message))
            .collect();
        let detail = if errs.is_empty() {
            String::new()
        } else {
            format!(" ({})", errs.join("; "))
        };
        out.push(format!(
            "link {} task {} is {}{detail}",
            link.name, t.name, t.state
        ));
    }
    out
}
