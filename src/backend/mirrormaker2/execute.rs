//! Executing a step on Kafka Connect: the connector writes its actions'
//! payloads describe, then one wait.
//!
//! - a link write (create, update configs): both connector configs, each
//!   written once, the mirror lists and `keep_live` keys taken from the live
//!   connector; then one wait until both connectors run;
//! - a mirror step (every ready create, promote, failover and delete of one
//!   link): one write of the source connector with the final mirror lists,
//!   one wait for the connectors, one wait for all new topics (one metadata
//!   request per round), and one request deleting the deleted mirrors' topics;
//! - a link deletion: per connector stop, reset offsets, delete — each step
//!   tolerates a connector already stopped or gone, so it resumes from any
//!   point.

use std::collections::BTreeMap;
use std::time::Instant;

use super::connect_client::ConnectClient;
use super::mapping::{
    mirror_lists, read_back, source_connector, WireConfig, CANONICAL_PREFIX, MIRROR_LIST_KEYS,
};
use super::payload::Mm2Payload;
use super::wait::{
    wait_assigned, wait_gone, wait_running, wait_stopped, wait_tasks_configured, wait_topics,
    SourceTopics,
};
use crate::backend::engine::payload_of;
use crate::backend::{ActionResult, BackendError, ExecContext, Payload};
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

/// Runs one step (actions of one cluster and link).
pub async fn run_step(step: &[&Action], ctx: &ExecContext<'_>) -> Vec<ActionResult> {
    let Some(first) = step.first() else {
        return Vec::new();
    };
    let started = Instant::now();
    let connect = match ctx
        .clusters
        .get(&first.cluster)
        .and_then(|c| ConnectClient::for_cluster(&first.cluster, c))
    {
        Ok(c) => c,
        Err(e) => {
            return step
                .iter()
                .map(|_| ActionResult::Failed(e.clone()))
                .collect()
        }
    };
    let r = match first.kind {
        ActionKind::CreateLink | ActionKind::UpdateLinkConfigs | ActionKind::DeleteLink => {
            // Link actions are single-action steps.
            link_action(&connect, first, ctx).await.map(|s| vec![Ok(s)])
        }
        _ => mirror_step(&connect, step, ctx).await,
    };
    let secs = started.elapsed().as_secs_f64();
    match r {
        Ok(results) => results
            .into_iter()
            .map(|r| match r {
                Ok(s) => ActionResult::done(format!("{s} ({secs:.1} s)")),
                Err(e) => ActionResult::Failed(e),
            })
            .chain(std::iter::repeat_with(|| ActionResult::NotAttempted))
            .take(step.len())
            .collect(),
        Err(e) => step
            .iter()
            .map(|_| ActionResult::Failed(e.clone()))
            .collect(),
    }
}

async fn link_action(
    connect: &ConnectClient,
    a: &Action,
    ctx: &ExecContext<'_>,
) -> Result<String, BackendError> {
    match payload(a)? {
        Mm2Payload::WriteConnectors {
            connectors,
            keep_live,
        } => {
            let written = write_connectors(connect, a, connectors, keep_live, ctx).await?;
            for (name, config) in &written {
                wait_tasks_configured(connect, name, config, a, ctx).await?;
            }
            wait_running(connect, a, ctx).await?;
            Ok(format!("connectors of {} RUNNING", a.link))
        }
        Mm2Payload::DeleteConnectors { connectors } => {
            // Deleting a connector keeps its stored offsets, and a connector
            // re-created under the same name would resume from them: stop,
            // reset the offsets, then delete. Deleting the connectors also
            // ends the mirroring of every topic of the link.
            for c in connectors {
                connect.stop(c).await?;
                wait_stopped(connect, c, a, ctx).await?;
                connect.reset_offsets(c).await?;
                connect.delete(c).await?;
            }
            wait_gone(connect, connectors, a, ctx).await?;
            Ok(format!("connectors of {} deleted", a.link))
        }
        other => Err(BackendError::new(
            &a.cluster,
            format!("internal: {} is not a link action ({other:?})", a.id),
        )),
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
async fn write_connectors(
    connect: &ConnectClient,
    a: &Action,
    connectors: &[super::payload::ConnectorConfig],
    keep_live: &[String],
    ctx: &ExecContext<'_>,
) -> Result<Vec<(String, BTreeMap<String, String>)>, BackendError> {
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
            let back = live.as_ref().map(read_back).unwrap_or_default();
            config.extend(mirror_lists(&back.topics, &back.stopped));
        }
        connect.put_config(&c.name, &config).await?;
        written.push((c.name.clone(), config));
    }
    Ok(written)
}

/// Per action of a step: its summary, or why it alone failed.
type StepResults = Vec<Result<String, BackendError>>;

/// Every mirror change of the step in one source connector write. A mirror
/// whose source topic does not exist is refused before anything is written
/// (MirrorMaker 2 would wait for it forever); the others go ahead.
async fn mirror_step(
    connect: &ConnectClient,
    step: &[&Action],
    ctx: &ExecContext<'_>,
) -> Result<StepResults, BackendError> {
    let Some(first) = step.first() else {
        return Ok(Vec::new());
    };
    let dest = first.cluster.as_str();
    let mut changes = Vec::new();
    for a in step {
        changes.push(payload(a)?);
    }
    let connector = source_connector(&first.link);
    let live = connect.config(&connector).await?;
    let only_deletes = changes
        .iter()
        .all(|c| matches!(c, Mm2Payload::DeleteMirrorTopic { .. }));
    let Some(live) = live else {
        if only_deletes {
            // No connector mirrors anything: only the topics are left.
            let topics = deleted_topics(&changes);
            delete_topics(dest, &topics, ctx).await?;
            return Ok(topics
                .iter()
                .map(|t| Ok(format!("topic {t} deleted")))
                .collect());
        }
        return Err(BackendError::new(
            dest,
            format!("connector {connector} does not exist; apply the link first"),
        ));
    };
    let missing = missing_sources(&live, &changes, ctx).await?;
    let back = read_back(&live);
    let (mut topics, mut stopped) = (back.topics.clone(), back.stopped.clone());
    let mut started: Vec<String> = Vec::new();
    let mut results = Vec::new();
    for c in &changes {
        match c {
            Mm2Payload::StartMirror { topic, .. } if missing.contains(topic) => {
                results.push(Err(BackendError::new(
                    dest,
                    format!(
                        "source topic {topic} does not exist on {}; MirrorMaker 2 cannot mirror it (nothing was written for it)",
                        live.get("source.cluster.alias").map(String::as_str).unwrap_or("the source")
                    ),
                )));
            }
            Mm2Payload::StartMirror { topic, .. } => {
                stopped.retain(|s| s != topic);
                if !topics.contains(topic) {
                    topics.push(topic.clone());
                }
                started.push(topic.clone());
                results.push(Ok(format!("{topic} is mirrored")));
            }
            Mm2Payload::StopMirror { topic, .. } => {
                topics.retain(|s| s != topic);
                if !stopped.contains(topic) {
                    stopped.push(topic.clone());
                }
                results.push(Ok(format!(
                    "{topic} is no longer mirrored and stays writable"
                )));
            }
            Mm2Payload::DeleteMirrorTopic { topic, .. } => {
                topics.retain(|s| s != topic);
                stopped.retain(|s| s != topic);
                results.push(Ok(format!("topic {topic} deleted")));
            }
            other => {
                return Err(BackendError::new(
                    dest,
                    format!("internal: not a mirror change: {other:?}"),
                ))
            }
        }
    }
    topics.sort();
    stopped.sort();
    let source = SourceTopics::of(&live, ctx);
    if (topics.as_slice(), stopped.as_slice()) != (back.topics.as_slice(), back.stopped.as_slice())
    {
        let mut config = live.clone();
        for k in MIRROR_LIST_KEYS {
            config.remove(*k);
        }
        config.extend(mirror_lists(&topics, &stopped));
        ctx.progress.update(
            &first.id,
            &format!(
                "writing {connector}: {} mirrored, {} stopped",
                topics.len(),
                stopped.len()
            ),
        );
        connect.put_config(&connector, &config).await?;
        let stopped_now: Vec<String> = back
            .topics
            .iter()
            .filter(|t| !topics.contains(t))
            .cloned()
            .collect();
        wait_assigned(
            connect,
            &connector,
            &started,
            &stopped_now,
            &source,
            first,
            ctx,
        )
        .await?;
        wait_running(connect, first, ctx).await?;
    }
    if !started.is_empty() {
        wait_topics(dest, &source, &started, first, ctx).await?;
    }
    delete_topics(dest, &deleted_topics(&changes), ctx).await?;
    Ok(results)
}

/// The topics the step starts mirroring that do not exist on the source
/// cluster: one metadata request to it.
async fn missing_sources(
    live: &BTreeMap<String, String>,
    changes: &[&Mm2Payload],
    ctx: &ExecContext<'_>,
) -> Result<Vec<String>, BackendError> {
    let wanted: Vec<&String> = changes
        .iter()
        .filter_map(|c| match c {
            Mm2Payload::StartMirror { topic, .. } => Some(topic),
            _ => None,
        })
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let alias = live
        .get("source.cluster.alias")
        .map(String::as_str)
        .unwrap_or_default();
    let source = ctx.kafka.get(alias, ctx.clusters.get(alias)?);
    let present = source.partition_counts().await?;
    Ok(wanted
        .into_iter()
        .filter(|t| !present.contains_key(*t))
        .cloned()
        .collect())
}

fn deleted_topics(changes: &[&Mm2Payload]) -> Vec<String> {
    changes
        .iter()
        .filter_map(|c| match c {
            Mm2Payload::DeleteMirrorTopic { topic, .. } => Some(topic.clone()),
            _ => None,
        })
        .collect()
}

async fn delete_topics(
    dest: &str,
    topics: &[String],
    ctx: &ExecContext<'_>,
) -> Result<(), BackendError> {
    if topics.is_empty() {
        return Ok(());
    }
    let admin = ctx.kafka.get(dest, ctx.clusters.get(dest)?);
    admin.delete_topics(topics).await
}
