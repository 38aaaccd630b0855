//! Promotions and failovers on MirrorMaker 2, whose mirror topics are
//! writable all along and whose "stop" is only a topic leaving the source
//! connector's `topics`: whatever the destination lacks then, it lacks for
//! good. So, before a promoted topic leaves the list ([`gate`]):
//!
//! 1. the source's end offsets must stay still for the settle window and
//!    the destination's must not move either (nothing in flight), and the
//!    destination must hold every record of the source
//!    ([`super::positions`]), within the wait timeout;
//! 2. the offsets of every consumer group the link's filters cover are
//!    translated through the offset syncs and committed on the destination
//!    ([`sync_groups`]): the last record has arrived, and the group's
//!    consumers resume there, at or before the record the source group
//!    would read next (duplicates, never skips).
//!
//! After the write ([`verify`]), Kafka Connect has stopped the task that
//! copied the topic, which commits its offsets: a promoted topic that turns
//! out to lack records (the source was written after the check) goes back
//! into the list, where MirrorMaker 2 resumes from its stored offset, and
//! its promotion is refused. A failover stops at once and reports what the
//! destination lacked then ([`stopped_report`]).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use super::connect_client::ConnectClient;
use super::mapping::DEFAULT_GROUP_EXCLUDES;
use super::positions::{LinkReaders, Observed, Tp};
use crate::backend::gate::Watch;
use crate::backend::{BackendError, ExecContext};
use crate::manifest::{filters_cover, Filter};
use crate::plan::cutover::{
    CutoverReport, GroupPartition, GroupReport, PartitionProgress, Readiness,
};
use crate::plan::Action;

/// The partitions of `topic` in `counts` (name → partition count).
fn tps(topic: &str, counts: &BTreeMap<String, u32>) -> Vec<Tp> {
    let n = counts.get(topic).copied().unwrap_or(0) as i32;
    (0..n).map(|p| (topic.to_string(), p)).collect()
}

/// Every partition of `topic` as `observed` saw it.
fn progress(
    topic: &str,
    counts: &BTreeMap<String, u32>,
    observed: &Observed,
) -> Vec<PartitionProgress> {
    tps(topic, counts)
        .iter()
        .map(|tp| {
            let p = observed.position(tp);
            PartitionProgress {
                partition: tp.1 as u32,
                source_end: Some(p.source_end),
                lag: p.lag(),
            }
        })
        .collect()
}

/// Whether `key` stayed put between two reads, for every partition of `topic`.
fn still(
    topic: &str,
    counts: &BTreeMap<String, u32>,
    a: &BTreeMap<Tp, i64>,
    b: &BTreeMap<Tp, i64>,
) -> bool {
    tps(topic, counts).iter().all(|tp| a.get(tp) == b.get(tp))
}

/// Readiness of `topic` between two observations a settle window apart:
/// quiet when neither side's end offsets moved.
pub fn readiness(
    topic: &str,
    counts: &BTreeMap<String, u32>,
    before: &Observed,
    after: &Observed,
    settle_ms: u64,
) -> Readiness {
    let quiet = still(topic, counts, &before.source_end, &after.source_end)
        && still(topic, counts, &before.dest_end, &after.dest_end);
    Readiness::new(
        topic,
        progress(topic, counts, after),
        Some(quiet),
        settle_ms,
    )
}

/// What the gate found per promoted topic: ready, or not ready when the
/// wait ran out (with the last observation).
pub struct Gated {
    pub ready: BTreeMap<String, Readiness>,
    pub not_ready: BTreeMap<String, Readiness>,
    /// The last observation (source ends, syncs) of the ready topics.
    pub observed: Observed,
    pub waited: Duration,
}

/// The promoted topics of one link as the gate watches them: their
/// positions (a few requests per link, whatever the number of topics), and
/// the last observation of each.
struct Positions<'a> {
    readers: &'a LinkReaders,
    topics: &'a BTreeMap<String, u32>,
    stored_of: (&'a ConnectClient, &'a str),
    cluster: &'a str,
    observed: Observed,
}

impl Watch for Positions<'_> {
    type Observation = Observed;
    type Error = BackendError;

    async fn observe(&mut self, waiting: &BTreeSet<String>) -> Result<Observed, BackendError> {
        let watched: BTreeMap<String, u32> = self
            .topics
            .iter()
            .filter(|(t, _)| waiting.contains(*t))
            .map(|(t, n)| (t.clone(), *n))
            .collect();
        let seen = self.readers.observe(&watched, Some(self.stored_of)).await?;
        merge(&mut self.observed, &seen);
        Ok(seen)
    }

    fn readiness(
        &self,
        topic: &str,
        before: &Observed,
        after: &Observed,
        settle_ms: u64,
    ) -> Readiness {
        readiness(topic, self.topics, before, after, settle_ms)
    }

    fn interrupted(&self, what: &str) -> BackendError {
        BackendError::interrupted(self.cluster, what)
    }
}

/// Watches `topics` (name → source partitions) until each is caught up and
/// quiet for `settle`, or the wait timeout runs out: one observation per
/// settle window for all of them (a few requests per link, whatever the
/// number of topics).
pub async fn gate(
    readers: &LinkReaders,
    topics: &BTreeMap<String, u32>,
    settle: Duration,
    stored_of: (&ConnectClient, &str),
    a: &Action,
    ctx: &ExecContext<'_>,
) -> Result<Gated, BackendError> {
    let mut watch = Positions {
        readers,
        topics,
        stored_of,
        cluster: &a.cluster,
        observed: Observed::default(),
    };
    let names = topics.keys().cloned().collect();
    let g = crate::backend::gate::gate(&mut watch, names, settle, a, ctx).await?;
    Ok(Gated {
        ready: g.ready,
        not_ready: g.not_ready,
        observed: watch.observed,
        waited: g.waited,
    })
}

/// `into` updated with what `from` read (the later observation wins).
fn merge(into: &mut Observed, from: &Observed) {
    into.source_start.extend(from.source_start.clone());
    into.source_end.extend(from.source_end.clone());
    into.dest_end.extend(from.dest_end.clone());
    into.stored.extend(from.stored.clone());
    if from.syncs.is_some() {
        into.syncs = from.syncs.clone();
    }
}

/// True for groups MirrorMaker 2 never syncs (its default `groups.exclude`,
/// which linkctl keeps: `console-consumer-.*`, `connect-.*`, `__.*`).
fn excluded_by_default(group: &str) -> bool {
    DEFAULT_GROUP_EXCLUDES
        .iter()
        .filter_map(|re| re.strip_suffix(".*"))
        .any(|prefix| group.starts_with(prefix))
}

/// The final offset sync of the ready topics: per group with committed
/// offsets on them, its translated offsets committed on the destination
/// (never moving the destination group back), and what each group's
/// consumers will find there. `Err` per topic: the sync could not be
/// written, so the topic must not stop.
pub async fn sync_groups(
    readers: &LinkReaders,
    topics: &BTreeMap<String, u32>,
    filters: &[Filter],
    observed: &Observed,
) -> Result<BTreeMap<String, Result<Vec<GroupReport>, String>>, BackendError> {
    let mut out: BTreeMap<String, Result<Vec<GroupReport>, String>> =
        topics.keys().map(|t| (t.clone(), Ok(Vec::new()))).collect();
    if topics.is_empty() {
        return Ok(out);
    }
    // The destination's first offsets: where a group resumes whose source
    // position no offset sync reaches (one read per link).
    let dest_start = readers.dest.start_offsets(topics).await?;
    for group in readers.source.groups().await? {
        let committed = readers.source.committed_offsets(&group, topics).await?;
        if committed.is_empty() {
            continue;
        }
        let covered = filters_cover(filters, &group) && !excluded_by_default(&group);
        let on_dest = if covered {
            readers.dest.committed_offsets(&group, topics).await?
        } else {
            BTreeMap::new()
        };
        let mut commit = BTreeMap::new();
        let mut reports = Vec::new();
        let mut untranslated = Vec::new();
        for topic in topics.keys() {
            let mine: Vec<(&Tp, &i64)> =
                committed.iter().filter(|(tp, _)| tp.0 == *topic).collect();
            if mine.is_empty() {
                continue;
            }
            let mut report = GroupReport {
                group: group.clone(),
                topic: topic.clone(),
                synced: covered,
                note: None,
                partitions: Vec::new(),
            };
            if !covered {
                report.note = Some(if filters_cover(filters, &group) {
                    "MirrorMaker 2 never syncs console-consumer-*, connect-* and __* groups".into()
                } else if filters.is_empty() {
                    "the link does not sync consumer offsets".into()
                } else {
                    "the offset-sync filters exclude it".into()
                });
                reports.push(report);
                continue;
            }
            for (tp, &source) in mine {
                let r = resume_point(observed, &dest_start, tp, source, on_dest.get(tp).copied());
                let Some(resume) = r else {
                    untranslated.push(topic.clone());
                    report.partitions.push(GroupPartition {
                        partition: tp.1,
                        source,
                        destination: on_dest.get(tp).copied(),
                        may_read_again: None,
                    });
                    continue;
                };
                if let Some(c) = resume.commit {
                    commit.insert(tp.clone(), c);
                }
                if let Some(n) = resume.note {
                    report.note = Some(n);
                }
                report.partitions.push(resume.partition);
            }
            reports.push(report);
        }
        for t in untranslated {
            out.insert(
                t,
                Err(format!(
                    "the offsets of group `{group}` cannot be translated: MirrorMaker 2's offset syncs could not be read \
                     (linkctl needs Read on the `mm2-offset-syncs.*` topic, and the syncs must not be switched off)"
                )),
            );
        }
        if let Err(e) = readers.dest.commit_group_offsets(&group, &commit).await {
            let why = format!(
                "the final offset sync of group `{group}` could not be written on the destination ({}): consumers of the group \
                 must not run on the destination before the cut-over; stop them, or exclude the group from `consumer_offset_sync`",
                e.message
            );
            for r in &reports {
                out.insert(r.topic.clone(), Err(why.clone()));
            }
            continue;
        }
        for r in reports {
            if let Some(Ok(v)) = out.get_mut(&r.topic) {
                v.push(r);
            }
        }
    }
    Ok(out)
}

/// Where a group resumes on the destination, as [`resume_point`] decides.
struct Resume {
    partition: GroupPartition,
    /// The offset to commit on the destination (`None`: leave it).
    commit: Option<i64>,
    note: Option<String>,
}

/// Where a group whose committed source offset is `source` resumes on the
/// destination, from the observation taken once the topic caught up:
/// through the offset syncs (the last sync at or before `source`, never
/// past the next one), or, when no sync reaches back that far (the syncs
/// topic is compacted, or nothing was mirrored yet), at the destination's
/// first offset: at or before the record the group would read next, never
/// past it. A destination offset the group already committed further on is
/// left as it is (the destination group is never moved back), with a note.
/// `may_read_again` is what its consumers read on the destination beyond the
/// records the source group had not consumed yet: `(dest end − resume) −
/// (source end − source)`. `None`: the offset syncs could not be read.
fn resume_point(
    observed: &Observed,
    dest_start: &BTreeMap<Tp, i64>,
    tp: &Tp,
    source: i64,
    existing: Option<i64>,
) -> Option<Resume> {
    let syncs = observed.syncs.as_ref()?;
    let dest_end = observed.dest_end.get(tp).copied().unwrap_or(0);
    let first = dest_start.get(tp).copied().unwrap_or(0);
    let (translated, fallback) = match syncs.translate(tp, source) {
        Some(d) => (d.min(dest_end), false),
        None => (first.min(dest_end), true),
    };
    let resume = existing.map_or(translated, |x| x.max(translated));
    let mut note = None;
    if resume > translated {
        note = Some(format!(
            "its committed offset on the destination is already past the translated one on partition {}; left as it is",
            tp.1
        ));
    } else if fallback && source > 0 {
        note = Some(format!(
            "no offset sync reaches back to its position on partition {}: its consumers start at the destination's first offset",
            tp.1
        ));
    }
    let source_end = observed.source_end.get(tp).copied().unwrap_or(source);
    let unread = (source_end - source).max(0);
    Some(Resume {
        partition: GroupPartition {
            partition: tp.1,
            source,
            destination: Some(resume),
            may_read_again: Some(((dest_end - resume) - unread).max(0)),
        },
        commit: (Some(resume) != existing).then_some(translated),
        note,
    })
}

/// The observation of topics that just stopped mirroring, once it is final:
/// Kafka Connect hands out the new task configs before the old task has
/// finished stopping (and committed its offsets and its last offset sync),
/// so this reads until the destination's end offsets stand still between
/// two reads and every partition's position is known, for at most
/// [`SETTLE_AFTER_STOP`] (then it returns what it has: a position still not
/// known is reported as such).
pub async fn after_stop(
    readers: &LinkReaders,
    topics: &BTreeMap<String, u32>,
    stored_of: (&ConnectClient, &str),
    ctx: &ExecContext<'_>,
) -> Result<Observed, BackendError> {
    let started = Instant::now();
    let mut prev = readers.observe(topics, Some(stored_of)).await?;
    loop {
        if topics.is_empty() || started.elapsed() >= SETTLE_AFTER_STOP {
            return Ok(prev);
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = ctx.cancel.cancelled() => return Ok(prev),
        }
        let cur = readers.observe(topics, Some(stored_of)).await?;
        let known = topics
            .keys()
            .flat_map(|t| tps(t, topics))
            .all(|tp| cur.position(&tp).replicated.is_some());
        if cur.dest_end == prev.dest_end && known {
            return Ok(cur);
        }
        prev = cur;
    }
}

/// The longest wait for the stopped task's last writes and commits.
const SETTLE_AFTER_STOP: Duration = Duration::from_secs(20);

/// What a stopped topic left behind: the source's end offsets now and the
/// destination's final position (the stopped task committed its offsets).
pub fn stopped_report(
    topic: &str,
    counts: &BTreeMap<String, u32>,
    observed: &Observed,
) -> CutoverReport {
    CutoverReport::new(topic, progress(topic, counts, observed))
}

/// The promoted topics whose final position lacks records of the source as
/// it is now, with their readiness for the refusal.
pub fn verify(
    promoted: &BTreeMap<String, Readiness>,
    counts: &BTreeMap<String, u32>,
    after: &Observed,
) -> BTreeMap<String, Readiness> {
    promoted
        .iter()
        .filter_map(|(t, r)| {
            let now = progress(t, counts, after);
            let behind = now.iter().any(|p| p.lag != Some(0));
            behind.then(|| {
                (
                    t.clone(),
                    Readiness::new(t.as_str(), now, Some(false), r.settle_ms),
                )
            })
        })
        .collect()
}

/// Readiness of the mirrors `actions` (promotions and failovers of one
/// link) stop: one observation, and for promotions a second one a settle
/// window later.
pub async fn observe(
    connect: &ConnectClient,
    actions: &[&Action],
    ctx: &ExecContext<'_>,
) -> Result<Vec<Readiness>, BackendError> {
    let Some(first) = actions.first() else {
        return Ok(Vec::new());
    };
    let connector = super::mapping::source_connector(&first.link);
    let Some(live) = connect.config(&connector).await? else {
        return Ok(Vec::new());
    };
    let readers = LinkReaders::new(&live, &first.cluster, ctx.clusters, ctx.kafka)?;
    let counts = readers.source.partition_counts().await?;
    let stops: Vec<_> = actions
        .iter()
        .filter_map(|a| match &a.payload {
            Some(crate::plan::payload::Payload::Mirrormaker2(
                crate::plan::payload::Mm2Payload::StopMirror { topic, gate, .. },
            )) => Some((*a, topic.clone(), *gate)),
            _ => None,
        })
        .collect();
    let topics: BTreeMap<String, u32> = stops
        .iter()
        .filter_map(|(_, t, _)| counts.get(t).map(|n| (t.clone(), *n)))
        .collect();
    let mut watch = Positions {
        readers: &readers,
        topics: &topics,
        stored_of: (connect, &connector),
        cluster: &first.cluster,
        observed: Observed::default(),
    };
    crate::backend::gate::observe(&mut watch, stops, ctx).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirror_maker_default_excludes_are_never_synced() {
        assert!(excluded_by_default("console-consumer-123"));
        assert!(excluded_by_default("connect-mm2"));
        assert!(excluded_by_default("__internal"));
        assert!(!excluded_by_default("my-consumer-group"));
    }

    #[test]
    fn a_topic_is_quiet_when_neither_side_moved() {
        let counts: BTreeMap<String, u32> = [("demo".to_string(), 1)].into_iter().collect();
        let tp = ("demo".to_string(), 0);
        let mut a = Observed::default();
        a.source_end.insert(tp.clone(), 10);
        a.dest_end.insert(tp.clone(), 10);
        a.stored.insert(tp.clone(), 10);
        let b = a.clone();
        let r = readiness("demo", &counts, &a, &b, 5000);
        assert!(r.ready(), "{r:?}");
        let mut moved = a.clone();
        moved.dest_end.insert(tp.clone(), 11);
        assert!(!readiness("demo", &counts, &a, &moved, 5000).ready());
        let mut written = a.clone();
        written.source_end.insert(tp, 12);
        let r = readiness("demo", &counts, &a, &written, 5000);
        assert_eq!((r.quiet, r.lag), (Some(false), Some(2)));
    }

    /// A caught-up partition of 100 source records, `dest_end` on the
    /// destination, with offset syncs `syncs` (upstream, downstream).
    fn caught_up(dest_end: i64, syncs: &[(i64, i64)]) -> (Observed, Tp) {
        let tp = ("demo".to_string(), 0);
        let mut o = Observed::default();
        o.source_end.insert(tp.clone(), 100);
        o.dest_end.insert(tp.clone(), dest_end);
        let mut s = super::super::offset_syncs::Syncs::default();
        for &(upstream, downstream) in syncs {
            s.push(
                tp.clone(),
                super::super::offset_syncs::Sync {
                    upstream,
                    downstream,
                },
            );
        }
        o.syncs = Some(s);
        (o, tp)
    }

    #[test]
    fn an_exact_translation_reads_nothing_again() {
        let (o, tp) = caught_up(100, &[(0, 0), (50, 50)]);
        let r = resume_point(&o, &BTreeMap::new(), &tp, 60, None).expect("syncs were read");
        assert_eq!(r.partition.destination, Some(60));
        assert_eq!(r.partition.may_read_again, Some(0));
        assert_eq!(r.commit, Some(60));
    }

    #[test]
    fn duplicates_on_the_destination_are_read_again_never_skipped() {
        // 20 records were copied twice (a task restarted) between the two
        // syncs: record 50 of the source is record 70 of the destination.
        let (o, tp) = caught_up(120, &[(0, 0), (50, 70)]);
        let r = resume_point(&o, &BTreeMap::new(), &tp, 40, None).expect("syncs were read");
        // Translated from the sync at 0: offset 40 of the destination, at or
        // before the true position; its consumers read 80 records where the
        // source group had 60 left.
        assert_eq!(r.partition.destination, Some(40));
        assert_eq!(r.partition.may_read_again, Some(20));
    }

    #[test]
    fn no_sync_at_or_before_the_position_starts_at_the_destinations_first_offset() {
        // A compacted syncs topic keeps only the latest sync: resuming at its
        // downstream offset would skip records 30..90 of the group.
        let (o, tp) = caught_up(100, &[(90, 90)]);
        let start: BTreeMap<Tp, i64> = [(tp.clone(), 5)].into_iter().collect();
        let r = resume_point(&o, &start, &tp, 30, None).expect("syncs were read");
        assert_eq!(r.partition.destination, Some(5));
        assert_eq!(r.partition.may_read_again, Some(25));
        assert!(r
            .note
            .is_some_and(|n| n.contains("no offset sync reaches back")));
    }

    #[test]
    fn a_destination_group_further_on_is_left_with_a_note() {
        let (o, tp) = caught_up(100, &[(0, 0)]);
        let r = resume_point(&o, &BTreeMap::new(), &tp, 40, Some(70)).expect("syncs were read");
        assert_eq!((r.partition.destination, r.commit), (Some(70), None));
        assert!(r.note.is_some_and(|n| n.contains("already past")));
    }

    #[test]
    fn unreadable_syncs_translate_nothing() {
        let (mut o, tp) = caught_up(100, &[(0, 0)]);
        o.syncs = None;
        assert!(resume_point(&o, &BTreeMap::new(), &tp, 40, None).is_none());
    }
}
