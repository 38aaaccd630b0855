//! Reading MirrorMaker 2 links as live state.
//!
//! Per Kafka Connect cluster: `GET /` (the Kafka cluster the worker writes
//! into), one `GET /connectors?expand=info&expand=status` (every
//! connector's config and status), and on the destination one metadata
//! request (which mirror topics exist), its cluster id and one
//! `DescribeTopics` for the ids of the mirror topics (a topic deleted out
//! of band has another id, or none). Topics that declared mirrors would be
//! created over, and destination topics that are no longer the ones linkctl
//! mirrored into, also get their records counted (start and end offsets);
//! for a plan, an existing link that declares a mirror over such a topic
//! also gets its connector's stored offsets read (one request per link), so
//! that the plan can say where MirrorMaker 2 would start copying it.
//!
//! For `status` also, per link: where the copy of each partition stands
//! ([`super::positions`]: the offset syncs and the end offsets of both
//! sides, and the connector's stored offsets where a lag depends on them)
//! and whether the source took a record while it was read (a second read
//! of its end offsets, at least a second later: one wait for all links).

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt;
use std::time::{Duration, Instant};

use super::connect_client::{ConnectClient, ConnectorStatus, Expanded};
use super::mapping::{checkpoint_connector, read_back, source_connector, ReadBack, LINK_NAME};
use super::positions::{stored_next, LinkReaders, Observed};
use crate::backend::engine::ReadDetail;
use crate::backend::kafka::{KafkaAdmin, KafkaClients};
use crate::backend::{BackendError, Clusters, Scope};
use crate::manifest::link_configs::{GROUP_FILTERS, OFFSET_SYNC_ENABLE, OFFSET_SYNC_MS};
use crate::manifest::{EngineName, Manifest};
use crate::state::{
    ClusterState, ConnectionMode, LinkSide, LiveConfig, LiveLink, LiveMirror, LiveState, LiveTask,
    MirrorStatus, PartitionLag, RecordCounts, TaskError,
};

/// How many links of one Connect cluster are observed at once.
const LINK_READS: usize = 32;

/// The shortest time between the two reads of the source's end offsets that
/// tell `status` whether the source is being written.
const QUIET_SAMPLE: Duration = Duration::from_secs(1);

/// Reads the linkctl-managed MirrorMaker 2 links of every Kafka Connect
/// cluster the manifest declares (links no longer in the manifest must be
/// seen too, for `prune_links`). Every Connect cluster and every source is
/// read at once (a dead endpoint is waited for once, alongside the others),
/// and a failure stays local: a Connect cluster that cannot be read marks
/// its cluster unread, a link that cannot be read marks that link.
pub async fn read(
    manifest: &Manifest,
    scope: &Scope,
    detail: ReadDetail,
    kafka: &KafkaClients,
    clients: &super::clients::ConnectClients,
) -> Result<LiveState, BackendError> {
    let clusters = Clusters::of(manifest);
    let reader = Reader {
        manifest,
        clusters,
        kafka,
        scope,
        detail,
    };
    let connects = clusters
        .iter()
        .filter(|(_, def)| def.connect.is_some())
        .map(|(dest, def)| async move {
            let mut unreadable = Vec::new();
            let state = match clients.get(dest, def) {
                Ok(connect) => read_cluster(reader, dest, &connect, &mut unreadable).await,
                Err(e) => Err(e),
            };
            (dest, state, unreadable)
        });
    // The sources of MirrorMaker 2 links that declare mirrors: one metadata
    // request each, as MirrorMaker 2 would wait forever for a missing topic.
    let sources = scope
        .mirrored_sources(manifest, EngineName::Mirrormaker2)
        .into_iter()
        .map(|source| async move {
            let names = match clusters.get(source) {
                Ok(def) => kafka.get(source, def).partition_counts().await,
                Err(e) => Err(e),
            };
            (source, names)
        });
    let (connects, sources) = futures::join!(
        futures::future::join_all(connects),
        futures::future::join_all(sources)
    );
    let mut live = LiveState::default();
    for (dest, state, unreadable) in connects {
        match state {
            Ok(state) => {
                live.clusters.insert(dest.to_string(), state);
            }
            Err(e) => live.mark_unread(dest, e.message),
        }
        note_unreachable(&mut live, unreadable);
    }
    name_misattachments(&mut live, clusters, kafka).await;
    for (source, names) in sources {
        match names {
            Ok(names) => {
                live.clusters
                    .entry(source.to_string())
                    .or_default()
                    .topic_names = Some(names.into_keys().collect());
            }
            // `status` shows what it can; a plan cannot do without them.
            Err(e) if detail == ReadDetail::Status => note_unreachable(&mut live, vec![e]),
            Err(e) => live.mark_unread(source, e.message),
        }
    }
    Ok(live)
}

/// Where a Kafka Connect worker is attached to another Kafka cluster than
/// the one it is declared next to, the ids of the other declared clusters
/// (one metadata request each, best effort), so that the plan can name the
/// cluster the worker writes into.
async fn name_misattachments(live: &mut LiveState, clusters: Clusters<'_>, kafka: &KafkaClients) {
    let misattached = live.clusters.values().any(
        |c| matches!((&c.engine_attached_to, &c.kafka_cluster_id), (Some(a), Some(b)) if a != b),
    );
    if !misattached {
        return;
    }
    for (name, def) in clusters.iter() {
        if live
            .clusters
            .get(name)
            .is_some_and(|c| c.kafka_cluster_id.is_some())
        {
            continue;
        }
        if let Ok(id) = kafka.get(name, def).cluster_id().await {
            live.clusters
                .entry(name.to_string())
                .or_default()
                .kafka_cluster_id = Some(id);
        }
    }
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

/// What every read of one command shares.
#[derive(Clone, Copy)]
struct Reader<'a> {
    manifest: &'a Manifest,
    clusters: Clusters<'a>,
    kafka: &'a KafkaClients,
    scope: &'a Scope,
    detail: ReadDetail,
}

/// The source and checkpoint connectors of each linkctl link.
struct Connectors {
    source: Expanded,
    checkpoint: Option<Expanded>,
}

impl Connectors {
    fn source_config(&self) -> BTreeMap<String, String> {
        self.source
            .info
            .as_ref()
            .map(|i| i.config.clone())
            .unwrap_or_default()
    }
}

/// The linkctl links of one Connect cluster, by link name.
fn linkctl_links(
    mut all: BTreeMap<String, Expanded>,
    scope: &Scope,
) -> BTreeMap<String, Connectors> {
    let mut found = BTreeMap::new();
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
    found
}

/// The mirror topics that the manifest's MirrorMaker 2 links in scope
/// declare on `dest`, by link.
fn declared_mirrors<'m>(r: Reader<'m>, dest: &str) -> BTreeMap<&'m str, BTreeSet<String>> {
    r.manifest
        .links
        .iter()
        .filter(|(n, l)| {
            r.scope.includes(&n.value)
                && l.engine.value == EngineName::Mirrormaker2
                && l.destination.value == dest
        })
        .map(|(n, l)| {
            let names = l.mirrors.iter().map(|m| m.mirror_name(l)).collect();
            (n.value.as_str(), names)
        })
        .collect()
}

/// One Connect cluster and its destination. With `ReadDetail::Status`, a
/// Kafka cluster that cannot be read is not an error: its error goes to
/// `unreadable`, and what depends on it is shown as unknown.
async fn read_cluster(
    r: Reader<'_>,
    dest: &str,
    connect: &ConnectClient,
    unreadable: &mut Vec<BackendError>,
) -> Result<ClusterState, BackendError> {
    let worker = connect.worker().await?;
    let found = linkctl_links(connect.list_current().await?, r.scope);
    let declared = declared_mirrors(r, dest);
    let mut state = ClusterState {
        engine_attachment_unsaid: worker
            .kafka_cluster_id
            .is_none()
            .then(|| worker.version.clone().unwrap_or_else(|| "unknown".into())),
        engine_attached_to: worker.kafka_cluster_id,
        ..Default::default()
    };
    if found.is_empty() && declared.is_empty() {
        return Ok(state);
    }
    // The destination over the Kafka protocol: its id, which mirror topics
    // exist and their ids.
    let target = r.kafka.get(dest, r.clusters.get(dest)?);
    let target_topics = match destination(&target, &found, &declared).await {
        Ok(t) => Some(t),
        Err(e) if r.detail == ReadDetail::Status => {
            unreadable.push(e);
            None
        }
        Err(e) => return Err(e),
    };
    if let Some(t) = &target_topics {
        state.kafka_cluster_id = Some(t.cluster_id.clone());
        state.topic_names = Some(t.partitions.keys().cloned().collect());
    }
    // Links are observed concurrently, a few at a time: each reads its
    // connector's stored offsets and both clusters' offsets. For `status`
    // the source is then sampled a second time, once for every link: one
    // wait of at least a second after the last link's first sample, not
    // one per link.
    let topics = target_topics.as_ref();
    let reads: Vec<_> = found
        .iter()
        .map(|(link_name, c)| async move {
            let config = c.source_config();
            let back = read_back(&config);
            let mut link = map_link(link_name, &back, c, topics);
            link.remote_alias = config.get("source.cluster.alias").cloned();
            let read = match topics {
                Some(_) => observe_link(r, dest, connect, &config, &mut link).await,
                None => Ok(None),
            };
            (link, read)
        })
        .collect();
    let observed: Vec<(LiveLink, Result<Option<FirstLook>, BackendError>)> =
        futures::stream::iter(reads)
            .buffer_unordered(LINK_READS)
            .collect()
            .await;
    for (link, read) in second_looks(observed).await {
        if let Err(e) = read {
            if r.detail != ReadDetail::Status {
                // A plan cannot do without it: this link is unread.
                state.unread_links.insert(link.name.clone(), e.message);
                continue;
            }
            unreadable.push(e);
        }
        state.links.insert(link.name.clone(), link);
    }
    if let Some(t) = &target_topics {
        state.occupied = occupied(r, &target, t, &declared, &state).await?;
        if r.detail != ReadDetail::Status {
            resume_at(connect, &declared, &mut state).await;
        }
    }
    Ok(state)
}

/// For each existing link that declares a mirror over an occupied topic:
/// where its source connector would start copying it, from the
/// connector's stored offsets (one `GET /connectors/{name}/offsets` per
/// such link, a few at a time). A link whose offsets cannot be read is
/// unread: the plan says where each adopted mirror starts, and must not
/// guess.
async fn resume_at(
    connect: &ConnectClient,
    declared: &BTreeMap<&str, BTreeSet<String>>,
    state: &mut ClusterState,
) {
    let wanted: Vec<(String, Vec<String>)> = declared
        .iter()
        .filter(|(link, _)| state.links.contains_key(**link))
        .map(|(link, mirrors)| {
            let over: Vec<String> = mirrors
                .iter()
                .filter(|m| state.occupied.contains_key(*m))
                .cloned()
                .collect();
            (link.to_string(), over)
        })
        .filter(|(_, over)| !over.is_empty())
        .collect();
    let reads = wanted.into_iter().map(|(link, topics)| async move {
        let stored = connect.offsets(&source_connector(&link)).await;
        (link, topics, stored)
    });
    let read: Vec<_> = futures::stream::iter(reads)
        .buffer_unordered(LINK_READS)
        .collect()
        .await;
    for (link, topics, stored) in read {
        match stored {
            Ok(stored) => {
                let next = stored.map(|o| stored_next(&o)).unwrap_or_default();
                let per_topic = topics
                    .into_iter()
                    .map(|t| {
                        let parts = next
                            .iter()
                            .filter(|((topic, _), _)| *topic == t)
                            .filter_map(|((_, p), n)| u32::try_from(*p).ok().map(|p| (p, *n)))
                            .collect();
                        (t, parts)
                    })
                    .collect();
                state.resume_at.insert(link, per_topic);
            }
            Err(e) => {
                state.links.remove(&link);
                state.unread_links.insert(link, e.message);
            }
        }
    }
}

/// The destination as the read needs it.
struct Destination {
    cluster_id: String,
    partitions: BTreeMap<String, u32>,
    ids: BTreeMap<String, String>,
    /// `(topic, id)` every linkctl link of the Connect cluster recorded.
    recorded: BTreeSet<(String, String)>,
}

async fn destination(
    target: &std::sync::Arc<KafkaAdmin>,
    found: &BTreeMap<String, Connectors>,
    declared: &BTreeMap<&str, BTreeSet<String>>,
) -> Result<Destination, BackendError> {
    let partitions = target.partition_counts().await?;
    let cluster_id = target.cluster_id().await?;
    let mut mirrored: BTreeSet<String> = declared.values().flatten().cloned().collect();
    let mut recorded = BTreeSet::new();
    for c in found.values() {
        let lists = read_back(&c.source_config()).lists;
        mirrored.extend(lists.topics);
        recorded.extend(lists.ids);
    }
    let present: Vec<String> = mirrored
        .into_iter()
        .filter(|t| partitions.contains_key(t))
        .collect();
    let ids = target.topic_ids(&present).await?;
    Ok(Destination {
        cluster_id,
        partitions,
        ids,
        recorded,
    })
}

/// Records of each destination topic that a declared mirror would be
/// created over: one that exists and is no link's mirror.
async fn occupied(
    r: Reader<'_>,
    target: &std::sync::Arc<KafkaAdmin>,
    t: &Destination,
    declared: &BTreeMap<&str, BTreeSet<String>>,
    state: &ClusterState,
) -> Result<BTreeMap<String, Option<i64>>, BackendError> {
    let mirrors_here: BTreeSet<&String> = state
        .links
        .values()
        .flat_map(|l| l.mirrors.keys())
        .collect();
    let over: BTreeMap<String, u32> = declared
        .values()
        .flatten()
        .filter(|m| !mirrors_here.contains(m))
        // A topic a link mirrored into before (its id recorded), left out of
        // the topic list meanwhile: mirroring it again resumes where it stopped.
        .filter(|m| {
            t.ids
                .get(*m)
                .is_none_or(|id| !t.recorded.contains(&(m.to_string(), id.clone())))
        })
        .filter_map(|m| t.partitions.get(m).map(|n| (m.clone(), *n)))
        .collect();
    if over.is_empty() {
        return Ok(BTreeMap::new());
    }
    let counts = match target.records_held(&over).await {
        Ok(c) => c,
        Err(e) if r.detail == ReadDetail::Status => {
            tracing::debug!("records of occupied topics not read: {e}");
            BTreeMap::new()
        }
        Err(e) => return Err(e),
    };
    Ok(over
        .into_keys()
        .map(|t| {
            let n = counts.get(&t).copied();
            (t, n)
        })
        .collect())
}

/// What `status` read of a link before its second sample of the source.
struct FirstLook {
    readers: LinkReaders,
    topics: BTreeMap<String, u32>,
    observed: Observed,
    started: Instant,
}

/// Reads what needs offsets: records of mirrors whose destination topic
/// was replaced out of band, and for `status` every active mirror's lag
/// and whether its source is quiet. For a plan the mirrors are filled in
/// at once; for `status` what was read comes back, to be completed by the
/// shared second sample ([`second_looks`]).
async fn observe_link(
    r: Reader<'_>,
    dest: &str,
    connect: &ConnectClient,
    config: &BTreeMap<String, String>,
    link: &mut LiveLink,
) -> Result<Option<FirstLook>, BackendError> {
    let replaced: Vec<String> = link
        .mirrors
        .values()
        .filter(|m| m.replaced_out_of_band())
        .map(|m| m.source_topic.clone())
        .collect();
    let active: Vec<String> = link
        .mirrors
        .values()
        .filter(|m| !m.status.is_stopped() && m.status != MirrorStatus::Unknown)
        .map(|m| m.source_topic.clone())
        .collect();
    let wanted: Vec<&String> = if r.detail == ReadDetail::Status {
        active.iter().collect()
    } else {
        replaced.iter().collect()
    };
    if wanted.is_empty() {
        return Ok(None);
    }
    let readers = LinkReaders::new(config, dest, r.clusters, r.kafka)?;
    let counts = readers.source.partition_counts().await?;
    let topics: BTreeMap<String, u32> = wanted
        .into_iter()
        .filter_map(|t| counts.get(t).map(|n| (t.clone(), *n)))
        .collect();
    let started = Instant::now();
    let connector = source_connector(&link.name);
    if r.detail == ReadDetail::Status {
        let observed = readers
            .observe(&topics, Some((connect, &connector)))
            .await?;
        return Ok(Some(FirstLook {
            readers,
            topics,
            observed,
            started,
        }));
    }
    let observed = readers.observe(&topics, None).await?;
    fill_all(link, &topics, &observed, None);
    Ok(None)
}

/// Completes the links `status` observed: one wait until a second has
/// passed since the last link's first sample, then each link's source end
/// offsets again (a few links at a time), which tell whether the source
/// took records meanwhile.
async fn second_looks(
    observed: Vec<(LiveLink, Result<Option<FirstLook>, BackendError>)>,
) -> Vec<(LiveLink, Result<(), BackendError>)> {
    let last = observed
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok()?.as_ref().map(|f| f.started))
        .max();
    if let Some(last) = last {
        tokio::time::sleep(QUIET_SAMPLE.saturating_sub(last.elapsed())).await;
    }
    let seconds = observed.into_iter().map(|(mut link, read)| async move {
        let done = match read {
            Ok(Some(f)) => f.readers.source_ends(&f.topics).await.map(|later| {
                fill_all(&mut link, &f.topics, &f.observed, Some(&later));
            }),
            Ok(None) => Ok(()),
            Err(e) => Err(e),
        };
        (link, done)
    });
    futures::stream::iter(seconds)
        .buffer_unordered(LINK_READS)
        .collect()
        .await
}

/// Fills in every mirror of `link` whose source topic was read.
fn fill_all(
    link: &mut LiveLink,
    topics: &BTreeMap<String, u32>,
    observed: &Observed,
    later: Option<&BTreeMap<(String, i32), i64>>,
) {
    for m in link.mirrors.values_mut() {
        if let Some(n) = topics.get(&m.source_topic) {
            fill(m, *n, observed, later);
        }
    }
}

/// A mirror's lags, quietness and (when replaced out of band) record counts.
fn fill(
    m: &mut LiveMirror,
    partitions: u32,
    observed: &Observed,
    later: Option<&BTreeMap<(String, i32), i64>>,
) {
    let tps: Vec<(String, i32)> = (0..partitions as i32)
        .map(|p| (m.source_topic.clone(), p))
        .collect();
    if m.replaced_out_of_band() {
        let held = |tp: &(String, i32)| {
            let p = observed.position(tp);
            let dest_end = observed.dest_end.get(tp).copied().unwrap_or(0);
            (p.source_end - p.source_start, dest_end)
        };
        // The destination re-created by MirrorMaker 2 starts at offset 0.
        let (source, destination) = tps
            .iter()
            .map(held)
            .fold((0, 0), |(a, b), (c, d)| (a + c, b + d));
        m.records = Some(RecordCounts {
            source,
            destination,
        });
        m.lags = tps
            .iter()
            .map(|tp| {
                let (s, d) = held(tp);
                PartitionLag {
                    partition: tp.1 as u32,
                    lag: Some((s - d).max(0)),
                    last_source_fetch_offset: None,
                }
            })
            .collect();
    } else {
        m.lags = tps
            .iter()
            .map(|tp| PartitionLag {
                partition: tp.1 as u32,
                lag: observed.position(tp).lag(),
                last_source_fetch_offset: None,
            })
            .collect();
    }
    if let Some(later) = later {
        m.quiet = Some(
            tps.iter()
                .all(|tp| observed.source_end.get(tp) == later.get(tp)),
        );
    }
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
    target: Option<&Destination>,
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

    let lists = &back.lists;
    let mut mirrors = BTreeMap::new();
    let mirror = |topic: &String, status: MirrorStatus| LiveMirror {
        name: topic.clone(),
        source_topic: topic.clone(),
        partitions: target
            .and_then(|t| t.partitions.get(topic).copied())
            .unwrap_or(0),
        error: (status == MirrorStatus::Failed)
            .then(|| failure.clone())
            .flatten(),
        topic_id: target.and_then(|t| t.ids.get(topic).cloned()),
        recorded_topic_id: lists.ids.get(topic).cloned(),
        status,
        ..Default::default()
    };
    for topic in &lists.topics {
        let partitions = target.and_then(|t| t.partitions.get(topic).copied());
        let status = if target.is_none() {
            // The destination could not be read: whether the topic exists
            // there is not known.
            MirrorStatus::Unknown
        } else if failure.is_some() {
            MirrorStatus::Failed
        } else if state == "PAUSED" {
            MirrorStatus::LinkPaused
        } else if partitions.unwrap_or(0) == 0 || state != "ACTIVE" {
            MirrorStatus::PendingMirror
        } else {
            MirrorStatus::Active
        };
        mirrors.insert(topic.clone(), mirror(topic, status));
    }
    for topic in &lists.stopped {
        let mut m = mirror(topic, MirrorStatus::Stopped);
        // A stopped mirror is a normal topic: its id is not watched.
        m.recorded_topic_id = None;
        mirrors.insert(topic.clone(), m);
    }

    LiveLink {
        name: link_name.to_string(),
        engine: EngineName::Mirrormaker2,
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
