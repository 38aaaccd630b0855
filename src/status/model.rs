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
    /// Clusters and links that could not be read at all, with why: the
    /// rest of the report stands, and `status` exits 1.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkStatus {
    pub name: String,
    pub engine: String,
    pub source: String,
    pub destination: String,
    /// Engine state, `ABSENT` when the link does not exist yet, or
    /// `UNREADABLE` when it could not be read (`error` says why).
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
    /// `null` when the status is `UNKNOWN`, or a partition's lag is not known.
    pub total_lag: Option<i64>,
    pub lags: Vec<PartitionLag>,
    /// The source took no record while status read it (`null`: not sampled).
    pub quiet: Option<bool>,
    /// Ready for a promotion: lag 0 and the source quiet (`null`: not known).
    pub ready: Option<bool>,
    /// Why the mirror is broken (its destination topic was deleted out of
    /// band, and the records mirrored before are gone), when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broken: Option<String>,
    /// Since when the mirror is in its status (epoch ms), when the engine says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_time_ms: Option<i64>,
    /// The same instant, RFC 3339 in UTC (e.g. `2022-09-11T06:38:24Z`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_since: Option<String>,
    /// The source topic has a producer fence (`DENY Write` for every
    /// principal); `null` when the source's ACLs were not read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_fenced: Option<bool>,
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

/// `ms` since the Unix epoch as RFC 3339 in UTC, whole seconds; `None` for
/// a time before the epoch.
pub fn utc_time(ms: i64) -> Option<String> {
    let ms = u64::try_from(ms).ok()?;
    let t = std::time::UNIX_EPOCH.checked_add(std::time::Duration::from_millis(ms))?;
    Some(humantime::format_rfc3339_seconds(t).to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn state_times_read_as_utc() {
        // A recorded Cloud mirror's `state_time_ms`.
        assert_eq!(
            super::utc_time(1_662_878_304_410).as_deref(),
            Some("2022-09-11T06:38:24Z")
        );
        assert_eq!(super::utc_time(-1), None);
    }
}
