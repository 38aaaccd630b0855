//! One mirror step on Kafka Connect: every ready create, promotion,
//! failover and delete of one link in one write of its source connector
//! (the final mirror lists), then one wait.
//!
//! Before the write, per action, what may not go ahead is refused alone: a
//! create whose source topic does not exist (MirrorMaker 2 would wait for
//! it forever) or whose destination topic exists and is no mirror (unless
//! adopted); a promotion whose mirror did not catch up, or whose source
//! was still written, within the wait ([`super::cutover`]). After it:
//! promotions are verified (a promoted topic that lacks records goes back
//! into the list), failovers report what they left behind, new mirror
//! topics are waited for and their ids recorded (a second, annotation-only
//! write), deleted mirrors' topics are deleted. A created mirror for which
//! the connector still stored offsets (an earlier mirror of the same topic)
//! is copied from the source's start ([`super::recopy`]).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::connect_client::ConnectClient;
use super::cutover::{after_stop, gate, stopped_report, sync_groups, verify};
use super::mapping::source_connector;
use super::mirror_lists::MirrorLists;
use super::positions::LinkReaders;
use super::recopy::{restart_from_start, stored_of};
use super::wait::{wait_assigned, wait_running, wait_topics, SourceTopics};
use crate::backend::engine::payload_of;
use crate::backend::{ActionResult, BackendError, ExecContext};
use crate::plan::cutover::{CutoverReport, Readiness};
use crate::plan::payload::Mm2Payload;
use crate::plan::payload::Payload;
use crate::plan::Action;

/// What happens to one action of the step.
enum Fate {
    /// Not decided yet.
    Pending,
    /// Refused before anything was sent for it.
    Refused(BackendError),
    /// Goes ahead; a promotion carries its readiness and group report.
    Go(Option<(Readiness, Vec<crate::plan::cutover::GroupReport>)>),
}

fn payload(a: &Action) -> Result<&Mm2Payload, BackendError> {
    payload_of(a, |p| match p {
        Payload::Mirrormaker2(m) => Some(m),
        _ => None,
    })
}

/// Runs one mirror step; the results are aligned with `step`.
pub async fn run(
    connect: &ConnectClient,
    step: &[&Action],
    ctx: &ExecContext<'_>,
) -> Vec<ActionResult> {
    let started = Instant::now();
    match run_inner(connect, step, ctx, started).await {
        Ok(r) => r,
        Err(e) => step
            .iter()
            .map(|_| ActionResult::Failed(e.clone()))
            .collect(),
    }
}

async fn run_inner(
    connect: &ConnectClient,
    step: &[&Action],
    ctx: &ExecContext<'_>,
    started: Instant,
) -> Result<Vec<ActionResult>, BackendError> {
    let Some(first) = step.first() else {
        return Ok(Vec::new());
    };
    let dest = first.cluster.as_str();
    let changes = step
        .iter()
        .map(|a| payload(a))
        .collect::<Result<Vec<_>, _>>()?;
    let connector = source_connector(&first.link);
    let Some(live) = connect.config(&connector).await? else {
        return no_connector(step, &changes, &connector, ctx).await;
    };
    let readers = LinkReaders::new(&live, dest, ctx.clusters, ctx.kafka)?;
    let source_counts = readers.source.partition_counts().await?;
    let dest_counts = readers.dest.partition_counts().await?;
    let back = MirrorLists::of(&live);
    let mut fates: Vec<Fate> = step.iter().map(|_| Fate::Pending).collect();
    // Destination topics this link mirrored into before (same id): a new
    // mirror of them resumes where it stopped.
    let resumable = resumable(&readers, &back, &changes, &dest_counts).await?;

    // Existing destination topics a create would merge into: their records.
    let over: BTreeMap<String, u32> = changes
        .iter()
        .filter_map(|c| match c {
            Mm2Payload::StartMirror {
                topic,
                adopt: false,
                ..
            } if !back.topics.contains(topic) && !resumable.contains(topic) => {
                dest_counts.get(topic).map(|n| (topic.clone(), *n))
            }
            _ => None,
        })
        .collect();
    let held = readers.dest.records_held(&over).await?;

    // Creates that cannot go ahead.
    for (i, c) in changes.iter().enumerate() {
        if let Mm2Payload::StartMirror { topic, adopt, .. } = c {
            if !source_counts.contains_key(topic) {
                fates[i] = Fate::Refused(BackendError::new(
                    dest,
                    format!(
                        "source topic {topic} does not exist on {}; MirrorMaker 2 cannot mirror it (nothing was written for it)",
                        readers.source.name()
                    ),
                ));
            } else if let Some(n) = held.get(topic).filter(|n| **n > 0 && !adopt) {
                fates[i] = Fate::Refused(BackendError::new(
                    dest,
                    format!(
                        "topic {topic} exists on {dest} with {n} record(s) and is no mirror (it was written after the plan was made); \
                         nothing was written for it: declare `adopt: true` on the mirror to mirror into it anyway"
                    ),
                ));
            }
        }
    }

    // Promotions: caught up and quiet, then the final offset sync.
    let promoted: BTreeMap<String, u32> = changes
        .iter()
        .filter_map(|c| match c {
            Mm2Payload::StopMirror {
                topic,
                gate: Some(_),
                ..
            } if back.topics.contains(topic) => {
                source_counts.get(topic).map(|n| (topic.clone(), *n))
            }
            _ => None,
        })
        .collect();
    let settle = changes
        .iter()
        .filter_map(|c| match c {
            Mm2Payload::StopMirror { gate: Some(g), .. } => Some(g.settle_ms),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    if !promoted.is_empty() {
        let gated = match gate(
            &readers,
            &promoted,
            Duration::from_millis(settle),
            (connect, &connector),
            first,
            ctx,
        )
        .await
        {
            Ok(g) => g,
            // Interrupted while the promoted mirrors were catching up:
            // nothing of the step was sent yet (its one connector write
            // comes after the gate), so nothing was stopped.
            Err(e) if e.interrupted => {
                return Ok(step.iter().map(|_| ActionResult::NotAttempted).collect())
            }
            Err(e) => return Err(e),
        };
        let filters = changes
            .iter()
            .find_map(|c| match c {
                Mm2Payload::StopMirror {
                    gate: Some(_),
                    groups,
                    ..
                } => Some(groups.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let ready_counts: BTreeMap<String, u32> = promoted
            .iter()
            .filter(|(t, _)| gated.ready.contains_key(*t))
            .map(|(t, n)| (t.clone(), *n))
            .collect();
        let mut groups = sync_groups(&readers, &ready_counts, &filters, &gated.observed).await?;
        for (i, c) in changes.iter().enumerate() {
            let Mm2Payload::StopMirror {
                topic,
                gate: Some(_),
                ..
            } = c
            else {
                continue;
            };
            if let Some(r) = gated.not_ready.get(topic) {
                fates[i] = Fate::Refused(BackendError::new(
                    dest,
                    r.refusal(gated.waited.as_secs_f64()),
                ));
            } else if let Some(r) = gated.ready.get(topic) {
                fates[i] = match groups.remove(topic) {
                    Some(Err(why)) => Fate::Refused(BackendError::new(
                        dest,
                        format!("promotion of `{topic}` refused: {why}. Nothing was stopped."),
                    )),
                    Some(Ok(g)) => Fate::Go(Some((r.clone(), g))),
                    None => Fate::Go(Some((r.clone(), Vec::new()))),
                };
            }
        }
    }

    // The new lists.
    let mut lists = back.clone();
    let mut starting = Vec::new();
    let mut stopping = Vec::new();
    let mut deleting = Vec::new();
    for (i, c) in changes.iter().enumerate() {
        if matches!(fates[i], Fate::Refused(_)) {
            continue;
        }
        match c {
            Mm2Payload::StartMirror { topic, .. } => {
                lists.start(topic);
                starting.push(topic.clone());
            }
            Mm2Payload::StopMirror { topic, .. } => {
                if back.topics.contains(topic) {
                    stopping.push(topic.clone());
                }
                lists.stop(topic);
            }
            Mm2Payload::DeleteMirrorTopic { topic, .. } => {
                lists.forget(topic);
                deleting.push(topic.clone());
            }
            other => {
                return Err(BackendError::new(
                    dest,
                    format!("{} is not a mirror change ({other:?})", first.id),
                ))
            }
        }
        if matches!(fates[i], Fate::Pending) {
            fates[i] = Fate::Go(None);
        }
    }
    let lists = lists.sorted();
    let source = SourceTopics::of(&live, ctx);
    // Topics of earlier mirrors the connector still holds offsets for: a
    // new mirror of them must start at the source's beginning.
    let fresh: Vec<String> = starting
        .iter()
        .filter(|t| !back.topics.contains(t) && !dest_counts.contains_key(*t))
        .cloned()
        .collect();
    let forget = if fresh.is_empty() {
        None
    } else {
        stored_of(connect, &connector, &fresh).await?
    };
    let stopped_at = Instant::now();
    if lists != back.clone().sorted() || forget.is_some() {
        let mut config = live.clone();
        lists.apply_to(&mut config);
        ctx.progress.update(
            &first.id,
            &format!(
                "writing {connector}: {} mirrored, {} stopped",
                lists.topics.len(),
                lists.stopped.len()
            ),
        );
        match &forget {
            Some(body) => {
                restart_from_start(connect, &connector, &config, Some(body), &[], first, ctx)
                    .await?
            }
            None => {
                super::execute::bounded(ctx, connect.put_config(&connector, &config)).await?;
                wait_assigned(
                    connect, &connector, &starting, &stopping, &source, first, ctx,
                )
                .await?;
                wait_running(connect, first, ctx).await?;
            }
        }
    }

    // What the stopped topics left behind, and promotions that lack records.
    let stopped_counts: BTreeMap<String, u32> = stopping
        .iter()
        .filter_map(|t| source_counts.get(t).map(|n| (t.clone(), *n)))
        .collect();
    let after = after_stop(&readers, &stopped_counts, (connect, &connector), ctx).await?;
    let promotions: BTreeMap<String, Readiness> = changes
        .iter()
        .zip(&fates)
        .filter_map(|(c, f)| match (c, f) {
            (Mm2Payload::StopMirror { topic, .. }, Fate::Go(Some((r, _)))) => {
                Some((topic.clone(), r.clone()))
            }
            _ => None,
        })
        .collect();
    let behind = verify(&promotions, &stopped_counts, &after);
    if !behind.is_empty() {
        let mut again = lists.clone();
        for t in behind.keys() {
            again.start(t);
        }
        let mut config = live.clone();
        again.sorted().apply_to(&mut config);
        super::execute::bounded(ctx, connect.put_config(&connector, &config)).await?;
        let resumed: Vec<String> = behind.keys().cloned().collect();
        wait_assigned(connect, &connector, &resumed, &[], &source, first, ctx).await?;
        for (i, c) in changes.iter().enumerate() {
            if let Mm2Payload::StopMirror { topic, .. } = c {
                if let Some(r) = behind.get(topic) {
                    fates[i] = Fate::Refused(BackendError::new(
                        dest,
                        format!(
                            "{} (records arrived after the check; the topic is mirrored again from where it stopped)",
                            r.refusal(stopped_at.elapsed().as_secs_f64())
                        ),
                    ));
                }
            }
        }
    }

    // New mirror topics: wait for them, then record their ids.
    if !starting.is_empty() {
        wait_topics(dest, &source, &starting, first, ctx).await?;
        let ids = readers.dest.topic_ids(&starting).await?;
        let mut with_ids = lists.clone();
        with_ids.ids.extend(ids);
        if with_ids != lists {
            let mut config = connect
                .config(&connector)
                .await?
                .unwrap_or_else(|| live.clone());
            with_ids.apply_to(&mut config);
            super::execute::bounded(ctx, connect.put_config(&connector, &config)).await?;
            wait_running(connect, first, ctx).await?;
        }
    }
    if !deleting.is_empty() {
        readers.dest.delete_topics(&deleting).await?;
    }

    let secs = started.elapsed().as_secs_f64();
    Ok(changes
        .iter()
        .zip(fates)
        .map(|(c, fate)| match fate {
            Fate::Refused(e) => ActionResult::Failed(e),
            Fate::Pending => ActionResult::NotAttempted,
            Fate::Go(promotion) => result(
                c,
                promotion,
                &stopped_counts,
                &after,
                forget.is_some(),
                secs,
            ),
        })
        .collect())
}

/// The started topics whose destination topic exists with the id this link
/// recorded for it (one `DescribeTopics`, only when there are such topics).
async fn resumable(
    readers: &LinkReaders,
    back: &MirrorLists,
    changes: &[&Mm2Payload],
    dest_counts: &BTreeMap<String, u32>,
) -> Result<Vec<String>, BackendError> {
    let candidates: Vec<String> = changes
        .iter()
        .filter_map(|c| match c {
            Mm2Payload::StartMirror { topic, .. }
                if dest_counts.contains_key(topic) && back.ids.contains_key(topic) =>
            {
                Some(topic.clone())
            }
            _ => None,
        })
        .collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let ids = readers.dest.topic_ids(&candidates).await?;
    Ok(candidates
        .into_iter()
        .filter(|t| ids.get(t).is_some_and(|id| back.ids.get(t) == Some(id)))
        .collect())
}

/// The result of an action that went ahead.
fn result(
    c: &Mm2Payload,
    promotion: Option<(Readiness, Vec<crate::plan::cutover::GroupReport>)>,
    stopped_counts: &BTreeMap<String, u32>,
    after: &super::positions::Observed,
    recopied: bool,
    secs: f64,
) -> ActionResult {
    match c {
        Mm2Payload::StartMirror { topic, .. } => ActionResult::done(format!(
            "{topic} is mirrored{} ({secs:.1} s)",
            if recopied {
                " from the start of its source (the connector's offsets of an earlier mirror of it were forgotten)"
            } else {
                ""
            }
        )),
        Mm2Payload::StopMirror { topic, .. } if !stopped_counts.contains_key(topic) => {
            ActionResult::done(format!("{topic} was no longer mirrored ({secs:.1} s)"))
        }
        Mm2Payload::StopMirror { topic, .. } => {
            let mut report: CutoverReport = stopped_report(topic, stopped_counts, after);
            match promotion {
                Some((_, groups)) => {
                    report.groups = groups;
                    ActionResult::cut_over(
                        format!(
                            "{topic} caught up ({} record(s) on the destination match the source) and stopped; it stays writable ({secs:.1} s)",
                            report.partitions.iter().filter_map(|p| p.source_end).sum::<i64>()
                        ),
                        report,
                    )
                }
                None => ActionResult::cut_over(
                    format!(
                        "{topic} failed over and stays writable: {} ({secs:.1} s)",
                        report.recovery_point()
                    ),
                    report,
                ),
            }
        }
        Mm2Payload::DeleteMirrorTopic { topic, .. } => {
            ActionResult::done(format!("topic {topic} deleted ({secs:.1} s)"))
        }
        _ => ActionResult::NotAttempted,
    }
}

/// A step whose link has no source connector: only deletes can go ahead
/// (nothing mirrors anything; only the topics are left).
async fn no_connector(
    step: &[&Action],
    changes: &[&Mm2Payload],
    connector: &str,
    ctx: &ExecContext<'_>,
) -> Result<Vec<ActionResult>, BackendError> {
    let dest = step.first().map(|a| a.cluster.as_str()).unwrap_or_default();
    let deletes: Vec<String> = changes
        .iter()
        .filter_map(|c| match c {
            Mm2Payload::DeleteMirrorTopic { topic, .. } => Some(topic.clone()),
            _ => None,
        })
        .collect();
    if deletes.len() != changes.len() {
        return Err(BackendError::new(
            dest,
            format!("connector {connector} does not exist; apply the link first"),
        ));
    }
    let admin = ctx.kafka.get(dest, ctx.clusters.get(dest)?);
    admin.delete_topics(&deletes).await?;
    Ok(deletes
        .iter()
        .map(|t| ActionResult::done(format!("topic {t} deleted")))
        .collect())
}
