//! The cut-over rules, the same on every engine. Pure.
//!
//! `promoted` means caught up, then stopped: a promotion stops a mirror only
//! when every partition of the destination holds every record of the
//! source ([`Readiness::lag`] is 0) and the source took no record for the
//! settle window ([`Readiness::quiet`]); the consumer groups the offset-sync
//! filters cover get their offsets synced after the last record arrived and
//! before the mirror stops. Otherwise the promotion is refused with the lag,
//! and nothing is stopped. `failed_over` means stop now, whatever the lag:
//! its report says what it left behind (the recovery point).
//!
//! Engines observe ([`Readiness`]) and report ([`CutoverReport`]); this
//! module decides what the observations mean and says it in words.

use std::fmt::Write as _;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How a promotion waits before it stops a mirror (part of its payload).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Gate {
    /// How long the source's end offsets must stay still, in milliseconds.
    pub settle_ms: u64,
}

/// One partition of a mirror at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PartitionProgress {
    pub partition: u32,
    /// The source's end offset (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_end: Option<i64>,
    /// Records of the source the destination does not hold (`None`: not known).
    pub lag: Option<i64>,
}

/// What was observed of one mirror before its cut-over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Readiness {
    /// The id of the promote or failover action (empty outside a plan).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub action: String,
    /// The mirror topic.
    pub mirror: String,
    /// Total lag (`None`: some partition's is not known).
    pub lag: Option<i64>,
    pub partitions: Vec<PartitionProgress>,
    /// The source took no record during the settle window (`None`: not sampled).
    pub quiet: Option<bool>,
    /// The settle window the source was watched for, in milliseconds.
    pub settle_ms: u64,
}

impl Readiness {
    /// `partitions` as observed, totalled.
    pub fn new(
        mirror: impl Into<String>,
        partitions: Vec<PartitionProgress>,
        quiet: Option<bool>,
        settle_ms: u64,
    ) -> Self {
        let lag = partitions.iter().map(|p| p.lag).sum();
        Self {
            action: String::new(),
            mirror: mirror.into(),
            lag,
            partitions,
            quiet,
            settle_ms,
        }
    }

    /// Caught up and quiet: a promotion may stop the mirror.
    pub fn ready(&self) -> bool {
        self.lag == Some(0) && self.quiet == Some(true)
    }

    /// One line for a plan or a progress display: `lag 0, quiet for 5 s: ready`.
    pub fn summary(&self) -> String {
        let lag = match self.lag {
            Some(l) => format!("lag {l}"),
            None => "lag unknown".to_string(),
        };
        let secs = self.settle_ms as f64 / 1000.0;
        let quiet = match self.quiet {
            Some(true) => format!("no writes to the source for {secs} s"),
            Some(false) => format!("the source took records in the last {secs} s"),
            None => "source writes not sampled".to_string(),
        };
        let verdict = if self.ready() { "ready" } else { "not ready" };
        format!("{lag}, {quiet}: {verdict}")
    }

    /// Why a promotion of this mirror was refused after waiting `waited_s`
    /// seconds: which partitions are behind and by how much, whether the
    /// source is still being written, and what stops it at once.
    pub fn refusal(&self, waited_s: f64) -> String {
        let mut s = format!(
            "promotion of `{}` refused after {waited_s:.1} s: ",
            self.mirror
        );
        let behind: Vec<String> = self
            .partitions
            .iter()
            .filter_map(|p| match p.lag {
                Some(0) => None,
                Some(l) => Some(format!("partition {} is {l} behind", p.partition)),
                None => Some(format!("partition {}: lag unknown", p.partition)),
            })
            .collect();
        let mut reasons = Vec::new();
        if !behind.is_empty() {
            let total = how_many(self.lag);
            reasons.push(format!(
                "the destination lacks {total} record(s) of the source ({})",
                shorten(&behind, 8)
            ));
        }
        match self.quiet {
            Some(false) => reasons.push(format!(
                "the source is still being written (its end offsets moved within {} s)",
                self.settle_ms as f64 / 1000.0
            )),
            None => reasons.push("whether the source is still written is not known".into()),
            Some(true) => {}
        }
        s.push_str(&reasons.join("; and "));
        let _ = write!(
            s,
            ". Nothing was stopped: the mirror goes on. Stop the producers of the source (or declare `fence: true`), \
             then apply again; `state: failed_over` stops the mirror at once, whatever the lag."
        );
        s
    }
}

/// The first `n` of `items`, and how many more.
pub fn shorten(items: &[String], n: usize) -> String {
    if items.len() <= n {
        items.join(", ")
    } else {
        format!("{}, and {} more", items[..n].join(", "), items.len() - n)
    }
}

/// A number of records in words: the number, or "an unknown number of".
fn how_many(n: Option<i64>) -> String {
    n.map_or_else(|| "an unknown number of".to_string(), |n| n.to_string())
}

/// `partition:offset` per partition, `unknown` where the offset is not known.
fn by_partition<P: std::fmt::Display>(
    offsets: impl Iterator<Item = (P, Option<i64>)>,
    unknown: &str,
) -> Vec<String> {
    offsets
        .map(|(p, o)| match o {
            Some(o) => format!("{p}:{o}"),
            None => format!("{p}:{unknown}"),
        })
        .collect()
}

/// Where one consumer group's consumers resume on the destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GroupPartition {
    pub partition: i32,
    /// The group's committed offset on the source.
    pub source: i64,
    /// Its committed offset on the destination after the sync (where its
    /// consumers resume); `None`: none.
    pub destination: Option<i64>,
    /// Records the group's consumers may read again on the destination
    /// (translation lands at or before the source position: duplicates,
    /// never skips).
    pub may_read_again: Option<i64>,
}

/// One consumer group at a cut-over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GroupReport {
    pub group: String,
    pub topic: String,
    /// The offset-sync filters cover it and its offsets were synced.
    pub synced: bool,
    /// Why it was not synced, when it was not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partitions: Vec<GroupPartition>,
}

impl GroupReport {
    /// Total records the group may read again (`None`: not known).
    pub fn may_read_again(&self) -> Option<i64> {
        self.partitions.iter().map(|p| p.may_read_again).sum()
    }

    /// One line: `group g: synced, resumes at 0:120 1:80, may read 0 records again`.
    pub fn line(&self) -> String {
        if !self.synced {
            return format!(
                "group {} on {}: not synced ({})",
                self.group,
                self.topic,
                self.note
                    .as_deref()
                    .unwrap_or("the offset-sync filters exclude it")
            );
        }
        let at = by_partition(
            self.partitions.iter().map(|p| (p.partition, p.destination)),
            "-",
        );
        let again = how_many(self.may_read_again());
        format!(
            "group {} on {}: synced, consumers resume at {} and may read {again} record(s) again",
            self.group,
            self.topic,
            shorten(&at, 12)
        )
    }
}

/// What a promotion or failover did, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CutoverReport {
    /// The mirror topic.
    pub mirror: String,
    /// Per partition: the source's end offset the engine saw when the mirror
    /// stopped, and what the destination lacked then (a failover's
    /// recovery point; 0 everywhere after a promotion).
    pub partitions: Vec<PartitionProgress>,
    /// Records of the source not mirrored when the mirror stopped (`None`: not known).
    pub not_mirrored: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupReport>,
}

impl CutoverReport {
    pub fn new(mirror: impl Into<String>, partitions: Vec<PartitionProgress>) -> Self {
        let not_mirrored = partitions.iter().map(|p| p.lag).sum();
        Self {
            mirror: mirror.into(),
            partitions,
            not_mirrored,
            groups: Vec::new(),
        }
    }

    /// The report's lines for people: the recovery point (when something
    /// was left behind, or always for a failover) and one line per group.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![self.recovery_point()];
        out.extend(self.groups.iter().map(GroupReport::line));
        out
    }

    /// The recovery point in words: `3000 record(s) not mirrored; source
    /// end offsets 0:1000, 1:1000, 2:1000`.
    pub fn recovery_point(&self) -> String {
        let ends = by_partition(
            self.partitions.iter().map(|p| (p.partition, p.source_end)),
            "?",
        );
        let left = match self.not_mirrored {
            Some(0) => "every record mirrored".to_string(),
            Some(n) => format!("{n} record(s) not mirrored"),
            None => "an unknown number of records not mirrored".to_string(),
        };
        format!("{left}; source end offsets {}", shorten(&ends, 12))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(partition: u32, lag: Option<i64>) -> PartitionProgress {
        PartitionProgress {
            partition,
            source_end: Some(100),
            lag,
        }
    }

    #[test]
    fn ready_means_caught_up_and_quiet() {
        let r = Readiness::new("demo", vec![p(0, Some(0)), p(1, Some(0))], Some(true), 5000);
        assert!(r.ready());
        assert_eq!(r.summary(), "lag 0, no writes to the source for 5 s: ready");
        assert!(!Readiness::new("demo", vec![p(0, Some(0))], Some(false), 5000).ready());
        assert!(!Readiness::new("demo", vec![p(0, None)], Some(true), 5000).ready());
        assert!(!Readiness::new("demo", vec![p(0, Some(3))], Some(true), 5000).ready());
    }

    #[test]
    fn a_refusal_names_the_partitions_behind_the_writes_and_the_way_out() {
        let r = Readiness::new(
            "demo",
            vec![p(0, Some(0)), p(1, Some(40)), p(2, None)],
            Some(false),
            5000,
        );
        let m = r.refusal(30.0);
        assert!(m.contains("partition 1 is 40 behind"), "{m}");
        assert!(m.contains("partition 2: lag unknown"), "{m}");
        assert!(!m.contains("partition 0"), "{m}");
        assert!(m.contains("still being written"), "{m}");
        assert!(m.contains("failed_over"), "{m}");
        assert!(m.contains("Nothing was stopped"), "{m}");
    }

    #[test]
    fn a_failover_report_totals_what_it_left_behind() {
        let r = CutoverReport::new("demo", vec![p(0, Some(10)), p(1, Some(5))]);
        assert_eq!(r.not_mirrored, Some(15));
        assert_eq!(
            r.recovery_point(),
            "15 record(s) not mirrored; source end offsets 0:100, 1:100"
        );
    }
}
