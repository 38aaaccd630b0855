//! Executing a step on Kafka Connect: the connector writes its actions'
//! payloads describe, then one wait.
//!
//! - a link write (create, update configs): both connector configs, each
//!   written once, the mirror lists and `keep_live` keys taken from the live
//!   connector; then one wait until both connectors run;
//! - a mirror step (every ready create, promote, failover and delete of one
//!   link): [`super::mirror_step`];
//! - a re-copy of a mirror whose destination topic was deleted out of band:
//!   [`super::recopy`];
//! - fences: [`crate::backend::kafka::fence`];
//! - a link deletion: per connector stop, reset offsets, delete — each step
//!   tolerates a connector already stopped or gone, so it resumes from any
//!   point.

use std::collections::BTreeMap;
use std::time::Instant;

use super::connect_client::ConnectClient;
use super::mapping::{source_connector, WireConfig, CANONICAL_PREFIX};
use super::mirror_lists::MirrorLists;
use super::recopy::remirror;
use super::wait::{wait_gone, wait_running, wait_stopped, wait_tasks_configured};
use crate::backend::engine::payload_of;
use crate::backend::{ActionResult, BackendError, ExecContext, Outcome};
use crate::plan::cutover::CutoverReport;
use crate::plan::payload::Mm2Payload;
use crate::plan::payload::Payload;
use crate::plan::payload::WireValue;
use crate::plan::{Action, ActionKind};

fn payload(a: &Action) -> Result<&Mm2Payload, BackendError> {
    payload_of(a, |p| match p {
        Payload::Mirrormaker2(m) => Some(m),
        _ => None,
    })
}

/// The config to send, secrets resolved now.
fn resolve(
    config: &WireConfig,
    ctx: &ExecContext<'_>,
    cluster: &str,
) -> Result<BTreeMap<String, String>, BackendError> {
    config
        .iter()
        .map(|(k, v)| {
            let value = match v {
                WireValue::Plain(s) => s.clone(),
                WireValue::Secret(r) => ctx
                    .secrets
                    .resolve(r)
                    .map_err(|e| BackendError::new(cluster, e))?,
            };
            Ok((k.clone(), value))
        })
        .collect()
}

/// Runs a connector write holding one of the apply's `--parallelism`
/// permits: the links' steps run at once, their writes a few at a time
/// (each write makes the Connect group rebalance).
pub(super) async fn bounded<T>(
    ctx: &ExecContext<'_>,
    write: impl std::future::Future<Output = T>,
) -> T {
    let _permit = ctx.permits.acquire().await;
    write.await
}

/// Runs one step (actions of one cluster and link).
pub async fn run_step(
    step: &[&Action],
    ctx: &ExecContext<'_>,
    clients: &super::clients::ConnectClients,
) -> Vec<ActionResult> {
    let Some(first) = step.first() else {
        return Vec::new();
    };
    if first.kind.is_fence() {
        return crate::backend::kafka::fence::run_step(step, ctx).await;
    }
    let started = Instant::now();
    let connect = match ctx
        .clusters
        .get(&first.cluster)
        .and_then(|c| clients.get(&first.cluster, c))
    {
        Ok(c) => c,
        Err(e) => {
            return step
                .iter()
                .map(|_| ActionResult::Failed(e.clone()))
                .collect()
        }
    };
    // Link actions and re-copies are single-action steps.
    let single = match first.kind {
        ActionKind::CreateLink | ActionKind::UpdateLinkConfigs | ActionKind::DeleteLink => {
            link_action(&connect, first, ctx).await
        }
        ActionKind::RemirrorTopic => match payload(first) {
            Ok(Mm2Payload::Remirror { topic, .. }) => remirror(&connect, topic, first, ctx)
                .await
                .map(Outcome::from),
            Ok(other) => Err(BackendError::new(
                &first.cluster,
                format!("{} is not a re-copy ({other:?})", first.id),
            )),
            Err(e) => Err(e),
        },
        _ => return super::mirror_step::run(&connect, step, ctx).await,
    };
    let secs = started.elapsed().as_secs_f64();
    std::iter::once(match single {
        Ok(mut out) => {
            out.summary = format!("{} ({secs:.1} s)", out.summary);
            ActionResult::Done(out)
        }
        Err(e) => ActionResult::Failed(e),
    })
    .chain(std::iter::repeat_with(|| ActionResult::NotAttempted))
    .take(step.len())
    .collect()
}

async fn link_action(
    connect: &ConnectClient,
    a: &Action,
    ctx: &ExecContext<'_>,
) -> Result<Outcome, BackendError> {
    match payload(a)? {
        Mm2Payload::WriteConnectors {
            connectors,
            keep_live,
        } => {
            let written = write_connectors(connect, a, connectors, keep_live, ctx).await?;
            // Only a connector that existed before can have tasks that still
            // run its earlier settings: a new one's tasks are made from what
            // was written, and its wait is the one for RUNNING below.
            for (name, config, _) in written.iter().filter(|(_, _, existed)| *existed) {
                wait_tasks_configured(connect, name, config, a, ctx).await?;
            }
            wait_running(connect, a, ctx).await?;
            Ok(format!("connectors of {} RUNNING", a.link).into())
        }
        Mm2Payload::DeleteConnectors { connectors } => {
            // Deleting a connector keeps its stored offsets, and a connector
            // re-created under the same name would resume from them: stop,
            // reset the offsets, then delete. Deleting the connectors also
            // ends the mirroring of every topic of the link: what they leave
            // behind is read once the source connector stopped (and so
            // committed its offsets), before its offsets are reset.
            let source = source_connector(&a.link);
            let live = connect.config(&source).await?;
            // Both connectors go through each stage together (stopped,
            // offsets reset, deleted): a link costs three rounds, not six.
            use futures::future::try_join_all as each;
            let all = connectors.iter();
            each(all.clone().map(|c| bounded(ctx, connect.stop(c)))).await?;
            each(all.clone().map(|c| wait_stopped(connect, c, a, ctx))).await?;
            let left = match (&live, connectors.contains(&source)) {
                (Some(live), true) => left_behind(connect, live, a, ctx).await,
                _ => (String::new(), Vec::new()),
            };
            each(all.clone().map(|c| bounded(ctx, connect.reset_offsets(c)))).await?;
            each(all.map(|c| bounded(ctx, connect.delete(c)))).await?;
            wait_gone(connect, connectors, a, ctx).await?;
            Ok(Outcome {
                summary: format!("connectors of {} deleted{}", a.link, left.0),
                left_behind: left.1,
                ..Outcome::default()
            })
        }
        other => Err(BackendError::new(
            &a.cluster,
            format!("internal: {} is not a link action ({other:?})", a.id),
        )),
    }
}

/// What the link's mirrors that were still mirroring left behind when its
/// source connector stopped (`; mirroring of demo ended: 12 record(s) not
/// mirrored; source end offsets 0:100`), or nothing when none was, and
/// per mirror that lost records its report (per partition, for JSON); a
/// read that fails says so rather than failing the deletion.
async fn left_behind(
    connect: &ConnectClient,
    live: &BTreeMap<String, String>,
    a: &Action,
    ctx: &ExecContext<'_>,
) -> (String, Vec<CutoverReport>) {
    let lists = MirrorLists::of(live);
    if lists.topics.is_empty() {
        return (String::new(), Vec::new());
    }
    let connector = source_connector(&a.link);
    let read = async {
        let readers =
            super::positions::LinkReaders::new(live, &a.cluster, ctx.clusters, ctx.kafka)?;
        let counts = readers.source.partition_counts().await?;
        let topics: BTreeMap<String, u32> = lists
            .topics
            .iter()
            .filter_map(|t| counts.get(t).map(|n| (t.clone(), *n)))
            .collect();
        let observed = readers
            .observe(&topics, Some((connect, &connector)))
            .await?;
        // Mirrors that lost nothing are counted; the others named, each
        // with what it left behind.
        let mut complete = 0;
        let mut lines = Vec::new();
        let mut reports = Vec::new();
        for t in topics.keys() {
            let r = super::cutover::stopped_report(t, &topics, &observed);
            if r.not_mirrored == Some(0) {
                complete += 1;
            } else {
                lines.push(format!("mirroring of {t} ended: {}", r.recovery_point()));
                reports.push(r);
            }
        }
        if complete > 0 {
            lines.insert(
                0,
                format!(
                    "{complete} of {} mirror(s) ended with every record mirrored",
                    topics.len()
                ),
            );
        }
        Ok::<_, BackendError>((lines, reports))
    };
    match read.await {
        Ok((lines, reports)) => (format!("; {}", lines.join("; ")), reports),
        Err(e) => (
            format!(
                "; the mirroring of {} ended, what it left behind could not be read ({e})",
                lists.topics.join(", ")
            ),
            Vec::new(),
        ),
    }
}

/// Copies from a live connector config what belongs to canonical key `k`
/// (its annotation and its native key, at top level or `source.cluster.*`).
fn keep(new: &mut BTreeMap<String, String>, live: &BTreeMap<String, String>, k: &str) {
    for key in [
        format!("{CANONICAL_PREFIX}{k}"),
        k.to_string(),
        format!("source.cluster.{k}"),
    ] {
        if let Some(v) = live.get(&key) {
            new.insert(key, v.clone());
        }
    }
}

/// Writes each connector's config once (in payload order: the checkpoint
/// connector first, so a write that fails halfway leaves a link the next
/// plan still updates). The source connector keeps its live mirror lists.
/// Each written config comes back with whether its connector existed before.
async fn write_connectors(
    connect: &ConnectClient,
    a: &Action,
    connectors: &[crate::plan::payload::mirrormaker2::ConnectorConfig],
    keep_live: &[String],
    ctx: &ExecContext<'_>,
) -> Result<Vec<(String, BTreeMap<String, String>, bool)>, BackendError> {
    let mut written = Vec::new();
    for c in connectors {
        let mut config = resolve(&c.config, ctx, &a.cluster)?;
        let live = connect.config(&c.name).await?;
        if let Some(live) = &live {
            for k in keep_live {
                keep(&mut config, live, k);
            }
        }
        if c.name == source_connector(&a.link) {
            let lists = live.as_ref().map(MirrorLists::of).unwrap_or_default();
            config.extend(lists.settings());
        }
        bounded(ctx, connect.put_config(&c.name, &config)).await?;
        written.push((c.name.clone(), config, live.is_some()));
    }
    Ok(written)
}
