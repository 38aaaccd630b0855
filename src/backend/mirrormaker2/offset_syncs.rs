//! MirrorMaker 2's offset syncs: which source offset its source task wrote
//! at which destination offset, per partition.
//!
//! The source task writes one record to `mm2-offset-syncs.<alias>.internal`
//! (partition 0, compacted) for the first record of a partition it copies,
//! after a gap in source offsets, when the destination offset goes
//! backwards (a re-created topic), every `offset.lag.max` records (100 by
//! default), and for the latest record at each offset commit. Between two
//! syncs, source records follow each other one for one. Checked on Kafka
//! 4.3.1 (`OffsetSync`, `OffsetSyncWriter`): the key is a protocol STRING
//! (int16 length, UTF-8 source topic) then an INT32 partition; the value is
//! two INT64s, the source offset then the destination offset, big-endian.
//!
//! By default the topic lives on the source cluster and is named after the
//! target alias (`offset-syncs.topic.location: source`); with `target` it
//! lives on the destination, named after the source alias.

use std::collections::BTreeMap;

use crate::backend::kafka::admin::RawRecord;

/// One sync: source offset `upstream` was written at destination offset `downstream`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sync {
    pub upstream: i64,
    pub downstream: i64,
}

/// Every sync of each `(source topic, partition)`, in the order they were
/// written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Syncs(BTreeMap<(String, i32), Vec<Sync>>);

impl Syncs {
    /// The latest sync of `tp`.
    pub fn latest(&self, tp: &(String, i32)) -> Option<Sync> {
        self.0.get(tp).and_then(|v| v.last().copied())
    }

    /// The destination offset at which a consumer that would read source
    /// offset `upstream` next resumes: the last sync written at or before
    /// that source offset, plus the records after it (one for one), but
    /// never past the next sync beyond `upstream` (a gap of source offsets,
    /// e.g. transaction markers, is what that sync marks). `None` when no
    /// sync is at or before it.
    pub fn translate(&self, tp: &(String, i32), upstream: i64) -> Option<i64> {
        let syncs = self.0.get(tp)?;
        let i = syncs.iter().rposition(|s| s.upstream <= upstream)?;
        let s = syncs[i];
        let at = s.downstream + (upstream - s.upstream);
        let bound = syncs[i + 1..]
            .iter()
            .find(|n| n.upstream > upstream)
            .map(|n| n.downstream);
        Some(bound.map_or(at, |b| at.min(b)))
    }

    /// The earliest sync of `tp`.
    pub fn first(&self, tp: &(String, i32)) -> Option<Sync> {
        self.0.get(tp).and_then(|v| v.first().copied())
    }

    #[cfg(test)]
    pub fn push(&mut self, tp: (String, i32), s: Sync) {
        self.0.entry(tp).or_default().push(s);
    }
}

/// Where the offset syncs of a source connector live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncsTopic {
    /// The manifest name (the alias) of the cluster that holds the topic.
    pub cluster: String,
    pub topic: String,
}

/// The offset syncs topic of a source connector, from its config.
pub fn syncs_topic(config: &BTreeMap<String, String>) -> Option<SyncsTopic> {
    let get = |k: &str| config.get(k).map(String::as_str);
    if get("emit.offset-syncs.enabled").is_some_and(|v| v.trim().eq_ignore_ascii_case("false")) {
        return None;
    }
    let source = get("source.cluster.alias")?;
    let target = get("target.cluster.alias")?;
    let sep = get("replication.policy.separator").unwrap_or(".");
    let on_target =
        get("offset-syncs.topic.location").is_some_and(|v| v.trim().eq_ignore_ascii_case("target"));
    let (cluster, named_after) = if on_target {
        (target, source)
    } else {
        (source, target)
    };
    Some(SyncsTopic {
        cluster: cluster.to_string(),
        topic: format!("mm2-offset-syncs{sep}{named_after}{sep}internal"),
    })
}

/// The key of one sync record: `(source topic, partition)`.
fn decode_key(b: &[u8]) -> Option<(String, i32)> {
    let len = usize::try_from(i16::from_be_bytes(b.get(0..2)?.try_into().ok()?)).ok()?;
    let topic = std::str::from_utf8(b.get(2..2 + len)?).ok()?;
    let partition = i32::from_be_bytes(b.get(2 + len..6 + len)?.try_into().ok()?);
    Some((topic.to_string(), partition))
}

fn decode_value(b: &[u8]) -> Option<Sync> {
    Some(Sync {
        upstream: i64::from_be_bytes(b.get(0..8)?.try_into().ok()?),
        downstream: i64::from_be_bytes(b.get(8..16)?.try_into().ok()?),
    })
}

/// The syncs of `records` (in offset order) of the `wanted` source topics.
/// Records that do not decode are skipped (another writer's, or a future
/// format).
pub fn collect(records: &[RawRecord], wanted: &dyn Fn(&str) -> bool) -> Syncs {
    let mut out = Syncs::default();
    for (k, v) in records {
        let (Some(k), Some(v)) = (k, v) else { continue };
        let (Some(key), Some(sync)) = (decode_key(k), decode_value(v)) else {
            continue;
        };
        if wanted(&key.0) {
            out.0.entry(key).or_default().push(sync);
        }
    }
    out
}

#[cfg(test)]
pub(crate) fn encode(topic: &str, partition: i32, sync: Sync) -> RawRecord {
    let mut k = (topic.len() as i16).to_be_bytes().to_vec();
    k.extend_from_slice(topic.as_bytes());
    k.extend_from_slice(&partition.to_be_bytes());
    let mut v = sync.upstream.to_be_bytes().to_vec();
    v.extend_from_slice(&sync.downstream.to_be_bytes());
    (Some(k), Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_topic_follows_the_location_setting() {
        let base = [
            ("source.cluster.alias", "us"),
            ("target.cluster.alias", "europe"),
        ];
        for (setting, expected) in [
            (None, Some(("us", "mm2-offset-syncs.europe.internal"))),
            (
                Some(("offset-syncs.topic.location", "target")),
                Some(("europe", "mm2-offset-syncs.us.internal")),
            ),
            (Some(("emit.offset-syncs.enabled", "false")), None),
        ] {
            let mut c = base.to_vec();
            c.extend(setting);
            assert_eq!(
                syncs_topic(&config(&c)),
                expected.map(|(cluster, topic)| SyncsTopic {
                    cluster: cluster.into(),
                    topic: topic.into()
                }),
                "{setting:?}"
            );
        }
    }

    #[test]
    fn the_latest_sync_of_each_partition_wins_and_junk_is_skipped() {
        let s = |u, d| Sync {
            upstream: u,
            downstream: d,
        };
        let records = vec![
            encode("demo", 0, s(0, 0)),
            encode("demo", 1, s(0, 0)),
            (Some(vec![0, 9]), Some(vec![1, 2, 3])),
            (None, None),
            encode("demo", 0, s(100, 100)),
            encode("other", 0, s(7, 7)),
        ];
        let got = collect(&records, &|t| t == "demo");
        let tp = |p| ("demo".to_string(), p);
        assert_eq!(got.latest(&tp(0)), Some(s(100, 100)));
        assert_eq!(got.latest(&tp(1)), Some(s(0, 0)));
        assert_eq!(got.latest(&("other".to_string(), 0)), None);
    }

    #[test]
    fn translation_uses_the_last_sync_at_or_before_the_offset() {
        let s = |u, d| Sync {
            upstream: u,
            downstream: d,
        };
        let tp = ("demo".to_string(), 0);
        let mut syncs = Syncs::default();
        // Records 0..100 at 0..100; a gap of 5 upstream offsets (transaction
        // markers); then a restart that copied 150.. again from 300.
        for x in [s(0, 0), s(100, 100), s(105, 101), s(150, 300)] {
            syncs.push(tp.clone(), x);
        }
        assert_eq!(syncs.translate(&tp, 50), Some(50));
        // 101..104 are no records: the next one, 105, is at 101.
        assert_eq!(syncs.translate(&tp, 101), Some(101));
        assert_eq!(syncs.translate(&tp, 104), Some(101));
        assert_eq!(syncs.translate(&tp, 120), Some(116));
        // Past the restart: the later copy, never a skip.
        assert_eq!(syncs.translate(&tp, 160), Some(310));
        assert_eq!(syncs.translate(&("x".to_string(), 0), 5), None);
    }
}
