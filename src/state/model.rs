//! The normalised model of live state, the same shape whatever engine read it.
//!
//! Keyed by the manifest's cluster names. A link lives on the cluster that owns
//! the link object (the destination for destination-initiated links; both
//! sides for source-initiated and bidirectional links).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::manifest::EngineName;

/// Everything linkctl observed, per cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveState {
    /// Live-state format version (bumped on incompatible changes).
    #[serde(default = "state_version")]
    pub format_version: u32,
    pub clusters: BTreeMap<String, ClusterState>,
}

pub const STATE_FORMAT_VERSION: u32 = 1;

impl Default for LiveState {
    /// An empty state of the current format version.
    fn default() -> Self {
        Self {
            format_version: STATE_FORMAT_VERSION,
            clusters: BTreeMap::new(),
        }
    }
}

fn state_version() -> u32 {
    STATE_FORMAT_VERSION
}

impl LiveState {
    /// Why `cluster`'s links could not be read, when they could not.
    pub fn cluster_unread(&self, cluster: &str) -> Option<&str> {
        self.clusters.get(cluster).and_then(|c| c.unread.as_deref())
    }

    /// Why the link object `link` on `cluster` (or the whole cluster)
    /// could not be read, when it could not.
    pub fn link_unread(&self, cluster: &str, link: &str) -> Option<&str> {
        let c = self.clusters.get(cluster)?;
        c.unread
            .as_deref()
            .or_else(|| c.unread_links.get(link).map(String::as_str))
    }

    /// Records that `cluster` could not be read (the first reason stays).
    pub fn mark_unread(&mut self, cluster: &str, why: impl Into<String>) {
        let c = self.clusters.entry(cluster.to_string()).or_default();
        if c.unread.is_none() {
            c.unread = Some(why.into());
        }
    }

    /// True when something could not be read.
    pub fn has_unread(&self) -> bool {
        self.clusters
            .values()
            .any(|c| c.unread.is_some() || !c.unread_links.is_empty())
    }
}

/// One cluster as observed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterState {
    /// The id the endpoint reports (Confluent REST `cluster_id` or Kafka cluster id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<String>,
    /// Link objects owned by this cluster, by link name.
    #[serde(default)]
    pub links: BTreeMap<String, LiveLink>,
    /// Topics (name → partitions and configs), when they were read.
    #[serde(default)]
    pub topics: BTreeMap<String, LiveTopic>,
    /// Every topic name the cluster has, when read (for plans: a mirror of a
    /// source topic that does not exist is refused). `None`: not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_names: Option<std::collections::BTreeSet<String>>,
    /// Why the cluster could not be read over the Kafka protocol, when it
    /// could not (`status` then shows what depends on it as unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreachable: Option<String>,
    /// Link objects of another engine with the name of a link in `links`
    /// (one cluster, two engines, one name): kept, so that the plan can
    /// report the clash instead of acting on either.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clashes: Vec<LiveLink>,
    /// An engine read this cluster's topics (partitions, configs) over its
    /// own API, so they are not read again over the Kafka protocol.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub topics_read: bool,
    /// The Kafka cluster the engine endpoint of this cluster writes into
    /// (Kafka Connect's `kafka_cluster_id`: a MirrorMaker 2 source
    /// connector produces through its worker, into that cluster), when read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_attached_to: Option<String>,
    /// This cluster's Kafka cluster id read over the Kafka protocol, when
    /// read (to compare with [`Self::engine_attached_to`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kafka_cluster_id: Option<String>,
    /// The engine endpoint of this cluster answered without saying which
    /// Kafka cluster it writes into (a Kafka Connect worker whose `GET /`
    /// has no `kafka_cluster_id`: older workers): the version it reported,
    /// or `unknown`. The plan then warns that the attachment is unchecked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_attachment_unsaid: Option<String>,
    /// Topics of this cluster that are no link's mirror but that a declared
    /// mirror would be created over, with how many records each holds
    /// (`None`: not known).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub occupied: BTreeMap<String, Option<i64>>,
    /// Where an existing link would start copying the topics of
    /// [`Self::occupied`] it declares: by link (whose source connector
    /// exists), then topic, the next source offset per partition from the
    /// connector's stored offsets (empty: none stored, so it starts at the
    /// source's first offset). A link or topic absent: not read.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resume_at: BTreeMap<String, BTreeMap<String, BTreeMap<u32, i64>>>,
    /// Producer fences on this cluster, when read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fences: Option<FenceState>,
    /// Why this cluster's links could not be read (an engine's endpoint,
    /// or a read its plans need, failed): what is on it is not known, so
    /// nothing that uses it is planned, exported or shown as read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread: Option<String>,
    /// Link objects found on this cluster that could not be read, with why
    /// (the rest of the cluster was read).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unread_links: BTreeMap<String, String>,
}

/// The producer fences of a cluster: `DENY Write` ACLs for every principal
/// on literal topics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FenceState {
    /// The cluster has an authorizer (without one, no fence can exist).
    pub authorizer: bool,
    /// The fenced topics.
    #[serde(default, skip_serializing_if = "std::collections::BTreeSet::is_empty")]
    pub topics: std::collections::BTreeSet<String>,
}

/// The side of a link a link object is on (Confluent `link.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LinkSide {
    Destination,
    Source,
    Bidirectional,
}

/// `connection.mode` of a link object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConnectionMode {
    Outbound,
    Inbound,
}

/// One link object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveLink {
    pub name: String,
    /// The engine that runs the link (readers set it; older snapshots without
    /// it are Confluent links).
    #[serde(default)]
    pub engine: EngineName,
    /// Stable link id (`cluster_link_id`), when the engine has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_id: Option<String>,
    pub side: LinkSide,
    pub connection_mode: ConnectionMode,
    /// Cluster ids named by the link object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_cluster_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_cluster_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_cluster_id: Option<String>,
    /// The manifest name of the other cluster, where the engine records one
    /// (MirrorMaker 2's `source.cluster.alias`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_alias: Option<String>,
    /// Engine-reported state (`ACTIVE`, `FAILED`, `PAUSED`, … or an engine's own word).
    pub state: String,
    /// Link error code (`NO_ERROR` or absent when healthy) and message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// Link tasks (offset sync, ACL sync, …), when read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<LiveTask>,
    /// Every config the engine reports, defaults included.
    #[serde(default)]
    pub configs: BTreeMap<String, LiveConfig>,
    /// Fingerprints of sensitive values linkctl last wrote (see `plan::secrets`),
    /// by config key. Empty when unknown.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub secret_fingerprints: BTreeMap<String, String>,
    /// Mirror topics of this link object, by mirror topic name.
    #[serde(default)]
    pub mirrors: BTreeMap<String, LiveMirror>,
}

impl LiveLink {
    /// A healthy destination link object `name` (outbound, `ACTIVE`) with
    /// nothing else known: what tests and builders start from.
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_string(),
            engine: EngineName::default(),
            link_id: None,
            side: LinkSide::Destination,
            connection_mode: ConnectionMode::Outbound,
            source_cluster_id: None,
            destination_cluster_id: None,
            remote_cluster_id: None,
            remote_alias: None,
            state: "ACTIVE".into(),
            error: None,
            error_message: None,
            tasks: Vec::new(),
            configs: BTreeMap::new(),
            secret_fingerprints: BTreeMap::new(),
            mirrors: BTreeMap::new(),
        }
    }
}

/// A link task and its errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveTask {
    pub name: String,
    pub state: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<TaskError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskError {
    pub code: String,
    pub message: String,
}

/// One link config as the engine reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveConfig {
    /// The value; `None` for sensitive or unset keys.
    pub value: Option<String>,
    /// What the server's row says (`is_default` or `default`); `None` when
    /// the row has no such flag. Whether a user set the value is decided by
    /// [`crate::plan::user_set`], not by this flag alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
    #[serde(default)]
    pub is_read_only: bool,
    #[serde(default)]
    pub is_sensitive: bool,
    /// Kafka config source (`DYNAMIC_CLUSTER_LINK_CONFIG`, `DEFAULT_CONFIG`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl LiveConfig {
    /// A row that says only its value and default flag (not read-only, not
    /// sensitive, no source).
    pub fn plain(value: Option<&str>, is_default: Option<bool>) -> Self {
        Self {
            value: value.map(str::to_string),
            is_default,
            is_read_only: false,
            is_sensitive: false,
            source: None,
        }
    }
}

/// Mirror topic status: every value of the published specs and SDKs
/// (`MirrorTopicStatus` of the Cloud spec, `UNKNOWN` of the Platform SDK);
/// any other word is kept as `Other`. What the planner does with each is
/// in `plan::diff::mirrors` and docs/states.md.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MirrorStatus {
    Active,
    Paused,
    PendingMirror,
    PendingStopped,
    PendingSynchronize,
    Stopped,
    Failed,
    LinkFailed,
    LinkPaused,
    SourceUnavailable,
    PendingSetupForRestore,
    PendingRestore,
    /// linkctl could not read what the status is (the cluster it lives on
    /// was unreachable); its partitions and lag are not known either. Some
    /// SDKs also name it.
    #[default]
    Unknown,
    #[serde(untagged)]
    Other(String),
}

/// Every named status with its word (the order of the specs).
const MIRROR_WORDS: &[(MirrorStatus, &str)] = &[
    (MirrorStatus::Active, "ACTIVE"),
    (MirrorStatus::Paused, "PAUSED"),
    (MirrorStatus::PendingMirror, "PENDING_MIRROR"),
    (MirrorStatus::PendingStopped, "PENDING_STOPPED"),
    (MirrorStatus::PendingSynchronize, "PENDING_SYNCHRONIZE"),
    (MirrorStatus::Stopped, "STOPPED"),
    (MirrorStatus::Failed, "FAILED"),
    (MirrorStatus::LinkFailed, "LINK_FAILED"),
    (MirrorStatus::LinkPaused, "LINK_PAUSED"),
    (MirrorStatus::SourceUnavailable, "SOURCE_UNAVAILABLE"),
    (
        MirrorStatus::PendingSetupForRestore,
        "PENDING_SETUP_FOR_RESTORE",
    ),
    (MirrorStatus::PendingRestore, "PENDING_RESTORE"),
    (MirrorStatus::Unknown, "UNKNOWN"),
];

impl MirrorStatus {
    /// Parses an engine's status word; unknown words are kept.
    pub fn parse(s: &str) -> Self {
        MIRROR_WORDS
            .iter()
            .find(|(_, w)| *w == s)
            .map(|(st, _)| st.clone())
            .unwrap_or_else(|| Self::Other(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        match self {
            Self::Other(s) => s,
            named => MIRROR_WORDS
                .iter()
                .find(|(st, _)| st == named)
                .map_or("UNKNOWN", |(_, w)| w),
        }
    }
    /// Every status the specs and SDKs name.
    pub fn known() -> impl Iterator<Item = MirrorStatus> {
        MIRROR_WORDS.iter().map(|(s, _)| s.clone())
    }
    /// Promoted and failed-over mirrors both read back as STOPPED (terminal).
    pub fn is_stopped(&self) -> bool {
        matches!(self, Self::Stopped | Self::PendingStopped)
    }
    /// States from which a failover is planned: the mirror mirrors, or its
    /// link or source is down (the disaster a failover is for: it stops the
    /// mirror at once, whatever the lag).
    pub fn can_fail_over(&self) -> bool {
        matches!(
            self,
            Self::Active
                | Self::Paused
                | Self::LinkFailed
                | Self::LinkPaused
                | Self::SourceUnavailable
        )
    }
}

/// How the planner and `status` read a link's state word (`link_state` of
/// the Cloud spec, the words seen in Confluent's data, or an engine's own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkCondition {
    /// `ACTIVE`, `AVAILABLE`: working.
    Healthy,
    /// `PAUSED`: the whole link is paused (`cluster.link.paused`).
    Paused,
    /// `FAILED`, `UNAVAILABLE`: not replicating.
    Down,
    /// `UNKNOWN`, no `link_state` at all, or another word: not said.
    Unsaid,
}

/// The state word linkctl records when a server reports no `link_state`.
pub const LINK_STATE_NOT_REPORTED: &str = "NOT_REPORTED";

impl LinkCondition {
    pub fn of(state: &str) -> Self {
        match state {
            "ACTIVE" | "AVAILABLE" => Self::Healthy,
            "PAUSED" => Self::Paused,
            "FAILED" | "UNAVAILABLE" => Self::Down,
            _ => Self::Unsaid,
        }
    }
}

/// One mirror topic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LiveMirror {
    pub name: String,
    pub source_topic: String,
    pub status: MirrorStatus,
    #[serde(default)]
    pub partitions: u32,
    /// Lag per partition (with `status`; empty when not read).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lags: Vec<PartitionLag>,
    /// `mirror_topic_error` (absent or `NO_ERROR` when healthy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transition_errors: Vec<TaskError>,
    /// Since when the mirror is in its status (epoch ms), when the engine says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_time_ms: Option<i64>,
    /// The id of the destination topic now, when read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_id: Option<String>,
    /// The id of the destination topic when linkctl started mirroring into
    /// it, where the engine records one (MirrorMaker 2). Another id now (or
    /// no topic) means the topic was deleted out of band: what was mirrored
    /// before is gone, and the engine does not copy it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_topic_id: Option<String>,
    /// Records on each side, read when the destination topic is not the
    /// one linkctl mirrored into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records: Option<RecordCounts>,
    /// The source did not take a record while status sampled its end
    /// offsets (`None`: not sampled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet: Option<bool>,
}

impl LiveMirror {
    /// True when the destination topic is no longer the one linkctl
    /// mirrored into (deleted, or deleted and created again).
    pub fn replaced_out_of_band(&self) -> bool {
        match (&self.recorded_topic_id, &self.topic_id) {
            (Some(was), Some(now)) => was != now,
            (Some(_), None) => !self.status.is_stopped() && self.status != MirrorStatus::Unknown,
            _ => false,
        }
    }

    /// Total lag, when every partition's is known.
    pub fn total_lag(&self) -> Option<i64> {
        self.lags.iter().map(|l| l.lag).sum()
    }
}

/// How many records a source topic and its mirror hold (end − start,
/// summed over partitions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCounts {
    pub source: i64,
    pub destination: i64,
}

impl RecordCounts {
    /// Records of the source the destination lacks (0 when it has as many).
    pub fn missing(&self) -> i64 {
        (self.source - self.destination).max(0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartitionLag {
    pub partition: u32,
    /// Records of the source the destination does not hold yet; `None`
    /// (`null`) when not known.
    pub lag: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_source_fetch_offset: Option<i64>,
}

/// A topic as read over the Kafka protocol.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LiveTopic {
    pub partitions: u32,
    /// Non-default topic configs.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub configs: BTreeMap<String, String>,
}
