//! What `linkctl status` reports (serialised as is for `--format json`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::state::{LiveTask, PartitionLag};

pub const STATUS_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusReport {
    pub format_version: u32,
    pub links: Vec<LinkStatus>,
    /// What could not be read (e.g. a cluster unreachable over the Kafka
    /// protocol); the rest of the report stands.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkStatus {
    pub name: String,
    pub engine: String,
    pub source: String,
    pub destination: String,
    /// Engine state, or `ABSENT` when the link does not exist yet.
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub tasks: Vec<LiveTask>,
    pub mirrors: Vec<MirrorRow>,
    /// Consumer groups covered by the offset-sync filters (with `--groups`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<GroupRow>>,
    /// Human notes (e.g. what the engine does not enforce).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MirrorRow {
    pub name: String,
    pub source_topic: String,
    pub status: String,
    /// Whether the destination refuses writes (Cluster Linking mirrors that are
    /// not stopped); MirrorMaker 2 never enforces it.
    pub read_only: bool,
    /// `null` when the status is `UNKNOWN` (the destination was unreadable).
    pub partitions: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_partitions: Option<u32>,
    /// `null` when the status is `UNKNOWN`.
    pub total_lag: Option<i64>,
    pub lags: Vec<PartitionLag>,
    /// Non-default topic configs of the mirror topic on the destination.
    pub configs: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Committed offsets of one group on one partition, both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupRow {
    pub group: String,
    pub topic: String,
    pub partition: i32,
    /// Whether the link's offset-sync filters cover this group.
    pub synced: bool,
    pub source: Option<i64>,
    pub destination: Option<i64>,
    /// `source - destination` when both are known.
    pub difference: Option<i64>,
}
