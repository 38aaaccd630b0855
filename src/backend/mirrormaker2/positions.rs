//! How far MirrorMaker 2's copy of each source partition has got, from
//! observations that are current.
//!
//! The connector's stored offsets (`GET /connectors/{c}/offsets`) are exact
//! but old: Kafka Connect commits them every `offset.flush.interval.ms`
//! (60 s by default) and when a task stops. The latest offset sync says
//! which source offset was written at which destination offset; the
//! destination's end offset says how many records were written after it,
//! and between two syncs source records follow one for one. So the next
//! source offset the destination lacks is the larger of
//! - stored offset + 1, and
//! - sync upstream + (destination end − sync downstream), when the sync is
//!   of the destination topic as it is now (its downstream offset is below
//!   the destination's end);
//!
//! and, when neither is available, the source's start when the destination
//! partition is empty (nothing copied yet), else `None` (not known). The lag
//! of a partition is the source end minus that (never below 0). A source
//! partition without records has nothing to copy.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::connect_client::{ConnectClient, ConnectorOffsets};
use super::offset_syncs::{collect, syncs_topic, Syncs};
use crate::backend::kafka::{KafkaAdmin, KafkaClients};
use crate::backend::{BackendError, Clusters};

/// How old a read of the offset syncs another link started may be and
/// still serve.
const SHARED_SYNCS: std::time::Duration = std::time::Duration::from_millis(500);

/// `(topic, partition)`.
pub type Tp = (String, i32);

/// Where one source partition's copy stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub source_start: i64,
    pub source_end: i64,
    /// The next source offset the destination does not hold (`None`: not known).
    pub replicated: Option<i64>,
}

impl Position {
    /// Records of the source the destination does not hold yet.
    pub fn lag(&self) -> Option<i64> {
        self.replicated.map(|r| (self.source_end - r).max(0))
    }
}

/// What was read for a set of source topics of one link.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    pub source_start: BTreeMap<Tp, i64>,
    pub source_end: BTreeMap<Tp, i64>,
    pub dest_end: BTreeMap<Tp, i64>,
    /// `None`: the offset syncs could not be read (or are switched off).
    pub syncs: Option<Syncs>,
    /// Next source offset per partition, from the connector's stored offsets.
    pub stored: BTreeMap<Tp, i64>,
}

impl Observed {
    /// The position of `tp` (identity replication: the destination topic has
    /// the source topic's name).
    pub fn position(&self, tp: &Tp) -> Position {
        let source_start = self.source_start.get(tp).copied().unwrap_or(0);
        let source_end = self.source_end.get(tp).copied().unwrap_or(0);
        let stored = self.stored.get(tp).copied();
        let from_sync = self.synced_position(tp);
        let dest_empty = self.dest_end.get(tp).copied().unwrap_or(0) == 0;
        let replicated = match (stored, from_sync) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
        // Nothing to copy.
        .or((source_end <= source_start).then_some(source_end))
        // No offset stored, no sync, and an empty destination partition:
        // nothing was copied yet (MirrorMaker 2 starts at the earliest).
        .or(dest_empty.then_some(source_start));
        Position {
            source_start,
            source_end,
            replicated,
        }
    }

    /// The position the latest offset sync and the destination's end tell.
    fn synced_position(&self, tp: &Tp) -> Option<i64> {
        self.syncs
            .as_ref()
            .and_then(|s| s.latest(tp))
            .and_then(|s| {
                let end = self.dest_end.get(tp).copied()?;
                (s.downstream < end).then(|| s.upstream + (end - s.downstream))
            })
    }

    /// Whether the connector's stored offsets cannot change the lag of
    /// `tp`: the partition never held a record (nothing was copied, so
    /// nothing is stored), or the offset syncs already show every record
    /// copied (the position is the larger of the two).
    pub fn lag_known_without_stored(&self, tp: &Tp) -> bool {
        let source_end = self.source_end.get(tp).copied().unwrap_or(0);
        source_end == 0 || self.synced_position(tp).is_some_and(|r| r >= source_end)
    }
}

/// The next source offset per partition, from a connector's stored offsets
/// (MirrorMaker 2 stores the last offset it copied).
pub fn stored_next(stored: &ConnectorOffsets) -> BTreeMap<Tp, i64> {
    let mut next = BTreeMap::new();
    for o in &stored.offsets {
        let topic = o.partition.get("topic").and_then(|v| v.as_str());
        let partition = o
            .partition
            .get("partition")
            .and_then(|v| v.as_i64())
            .and_then(|p| i32::try_from(p).ok());
        let offset = o.offset.get("offset").and_then(|v| v.as_i64());
        if let (Some(t), Some(p), Some(off)) = (topic, partition, offset) {
            next.insert((t.to_string(), p), off + 1);
        }
    }
    next
}

/// The clients one link's observations go through.
pub struct LinkReaders {
    pub source: Arc<KafkaAdmin>,
    pub dest: Arc<KafkaAdmin>,
    /// The cluster holding the offset syncs, and the topic's name.
    pub syncs: Option<(Arc<KafkaAdmin>, String)>,
}

impl LinkReaders {
    /// The readers of the link whose source connector has `config`, with
    /// destination `dest`.
    pub fn new(
        config: &BTreeMap<String, String>,
        dest: &str,
        clusters: Clusters<'_>,
        kafka: &KafkaClients,
    ) -> Result<Self, BackendError> {
        let alias = config
            .get("source.cluster.alias")
            .map(String::as_str)
            .unwrap_or_default();
        let source = kafka.get(alias, clusters.get(alias)?);
        let dest_admin = kafka.get(dest, clusters.get(dest)?);
        let syncs = match syncs_topic(config) {
            Some(t) => Some((kafka.get(&t.cluster, clusters.get(&t.cluster)?), t.topic)),
            None => None,
        };
        Ok(Self {
            source,
            dest: dest_admin,
            syncs,
        })
    }

    /// The source's end offsets of `topics` (name → source partitions).
    pub async fn source_ends(
        &self,
        topics: &BTreeMap<String, u32>,
    ) -> Result<BTreeMap<Tp, i64>, BackendError> {
        self.source.end_offsets(topics).await
    }

    /// Everything [`Observed`] holds for `topics` (name → source partition
    /// count): start and end offsets on both sides (one `ListOffsets` per
    /// broker each), the offset syncs (one read of the syncs topic; when
    /// that fails the estimate does without them) and, when `connect` is
    /// given and some partition's lag depends on them, the connector's
    /// stored offsets (one request; see [`Observed::lag_known_without_stored`]).
    pub async fn observe(
        &self,
        topics: &BTreeMap<String, u32>,
        stored_of: Option<(&ConnectClient, &str)>,
    ) -> Result<Observed, BackendError> {
        if topics.is_empty() {
            return Ok(Observed::default());
        }
        let started = std::time::Instant::now();
        let dest_topics = self.dest.partition_counts().await?;
        let on_dest: BTreeMap<String, u32> = topics
            .keys()
            .filter_map(|t| dest_topics.get(t).map(|n| (t.clone(), *n)))
            .collect();
        let (source_start, source_end, dest_end) = futures::try_join!(
            self.source.start_offsets(topics),
            self.source.end_offsets(topics),
            self.dest.end_offsets(&on_dest),
        )?;
        tracing::debug!("end offsets read in {:?}", started.elapsed());
        let syncs = match &self.syncs {
            // Every link of the same source and destination reads the same
            // syncs partition: links observed together share one read. An
            // older sync only makes a position look earlier (MirrorMaker 2
            // copies no more records than the source offsets it covers), so
            // a shared read never shows more copied than was.
            Some((admin, topic)) => match admin.read_partition_shared(topic, 0, SHARED_SYNCS).await
            {
                Ok(records) => Some(collect(records.as_deref().unwrap_or_default(), &|t| {
                    topics.contains_key(t)
                })),
                Err(e) => {
                    tracing::debug!("offset syncs not read: {e}");
                    None
                }
            },
            None => None,
        };
        let mut observed = Observed {
            source_start,
            source_end,
            dest_end,
            syncs,
            stored: BTreeMap::new(),
        };
        let offsets_read = started.elapsed();
        // Kafka Connect answers offset requests one at a time, each by
        // reading its offsets topic: they are asked only where a lag
        // depends on them.
        let needed = topics
            .iter()
            .flat_map(|(t, n)| (0..*n as i32).map(move |p| (t.clone(), p)))
            .any(|tp| !observed.lag_known_without_stored(&tp));
        if let (Some((connect, name)), true) = (stored_of, needed) {
            if let Some(o) = connect.offsets(name).await? {
                observed.stored = stored_next(&o);
            }
        }
        tracing::debug!(
            "observed {} topic(s): offsets and syncs in {:?}, all in {:?}",
            topics.len(),
            offsets_read,
            started.elapsed()
        );
        Ok(observed)
    }
}

#[cfg(test)]
mod tests {
    use super::super::offset_syncs::Sync;
    use super::*;

    fn tp() -> Tp {
        ("demo".to_string(), 0)
    }

    fn observed(
        end: i64,
        dest_end: Option<i64>,
        sync: Option<(i64, i64)>,
        stored: Option<i64>,
    ) -> Observed {
        let mut o = Observed::default();
        o.source_end.insert(tp(), end);
        if let Some(d) = dest_end {
            o.dest_end.insert(tp(), d);
        }
        o.syncs = sync.map(|(u, d)| {
            let mut s = Syncs::default();
            s.push(
                tp(),
                Sync {
                    upstream: u,
                    downstream: d,
                },
            );
            s
        });
        if let Some(n) = stored {
            o.stored.insert(tp(), n);
        }
        o
    }

    /// Where `lag_known_without_stored` says the stored offsets need not be
    /// read, reading them changes no lag.
    #[test]
    fn stored_offsets_are_needed_only_where_they_can_change_a_lag() {
        let cases = [
            // (source end, dest end, sync, stored, known without stored)
            (0, None, None, None, true),
            (1000, Some(1000), Some((900, 900)), Some(400), true),
            (1000, Some(1000), Some((900, 900)), Some(1000), true),
            // The sync shows 100 records missing; the stored offsets may
            // know better (control records of transactions are not copied).
            (1000, Some(900), Some((800, 800)), Some(1000), false),
            // No sync: only the stored offsets tell.
            (1000, Some(1000), None, Some(1000), false),
            (1000, Some(0), None, Some(500), false),
        ];
        for (end, dest, sync, stored, known) in cases {
            let with = observed(end, dest, sync, stored);
            let without = observed(end, dest, sync, None);
            assert_eq!(
                without.lag_known_without_stored(&tp()),
                known,
                "{end} {dest:?} {sync:?} {stored:?}"
            );
            if known {
                assert_eq!(with.position(&tp()).lag(), without.position(&tp()).lag());
            } else {
                assert_ne!(with.position(&tp()).lag(), without.position(&tp()).lag());
            }
        }
    }

    #[test]
    fn a_sync_and_the_destination_end_show_what_stale_stored_offsets_do_not() {
        // 1,000 records copied; Connect last committed at 400; a sync at 900.
        let o = observed(1000, Some(1000), Some((900, 900)), Some(400));
        assert_eq!(o.position(&tp()).lag(), Some(0));
        // Copied 950 of 1,000.
        let o = observed(1000, Some(950), Some((900, 900)), Some(400));
        assert_eq!(o.position(&tp()).lag(), Some(50));
    }

    #[test]
    fn a_sync_of_an_earlier_destination_topic_is_ignored() {
        // The destination was re-created and is empty: the sync (100 at 99)
        // is of the old topic; the stored offset says 100 were copied.
        let o = observed(100, Some(0), Some((99, 99)), Some(100));
        assert_eq!(o.position(&tp()).lag(), Some(0));
        // Without the stored offset: the empty destination lacks them all.
        let o = observed(100, Some(0), Some((99, 99)), None);
        assert_eq!(o.position(&tp()).lag(), Some(100));
    }

    #[test]
    fn without_anything_to_copy_the_lag_is_zero_and_otherwise_unknown() {
        assert_eq!(observed(0, None, None, None).position(&tp()).lag(), Some(0));
        assert_eq!(
            observed(10, Some(3), None, None).position(&tp()).lag(),
            None
        );
        assert_eq!(
            observed(10, Some(3), None, Some(7)).position(&tp()).lag(),
            Some(3)
        );
        // Nothing copied yet: everything is behind.
        assert_eq!(
            observed(10, Some(0), None, None).position(&tp()).lag(),
            Some(10)
        );
    }
}
