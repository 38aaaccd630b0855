//! Executing plan actions on MirrorMaker 2 connectors, and waiting for them.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions};
use rdkafka::client::DefaultClientContext;

use super::connect_client::ConnectClient;
use super::mapping::{
    checkpoint_config, checkpoint_connector, is_translated, read_back, source_config,
    source_connector, MappingError, CANONICAL_PREFIX,
};
use super::spec::{cluster, link, link_spec};
use super::wait::{poll_until, Poll};
use crate::backend::kafka::client_config::client_config;
use crate::backend::kafka::KafkaAdmin;
use crate::backend::{BackendError, BoxFuture, ExecContext, Executor, Outcome};
use crate::manifest::Manifest;
use crate::plan::{Action, ActionKind, ChangeOp};

/// Executes actions of `engine: mirrormaker2` links.
pub struct Mm2Executor;

impl Executor for Mm2Executor {
    fn execute<'a>(
        &'a self,
        action: &'a Action,
        ctx: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Result<Outcome, BackendError>> {
        Box::pin(execute(action, ctx))
    }
}

fn mapping_err(cluster: &str) -> impl Fn(MappingError) -> BackendError + '_ {
    move |e| BackendError::new(cluster, e.0)
}

struct Target<'a> {
    connect: ConnectClient,
    dest: String,
    manifest: &'a Manifest,
}

/// The mirror lists of a link: active topics and stopped (promoted) ones.
struct Mirrors {
    topics: Vec<String>,
    stopped: Vec<String>,
}

async fn execute(action: &Action, ctx: &ExecContext<'_>) -> Result<Outcome, BackendError> {
    let manifest = ctx.manifest;
    let dest = action.cluster.clone();
    let connect = ConnectClient::for_cluster(&dest, cluster(manifest, &dest)?)?;
    let t = Target {
        connect,
        dest,
        manifest,
    };
    let started = Instant::now();
    let name = &action.link;
    let resets: Vec<String> = action
        .changes
        .iter()
        .filter(|c| c.op == ChangeOp::Reset)
        .map(|c| c.key.clone())
        .collect();
    let summary = match action.kind {
        ActionKind::CreateLink | ActionKind::UpdateLinkConfigs => {
            let m = current_mirrors(&t, name).await?;
            write_link(&t, name, m, &resets).await?;
            wait_running(&t, name, ctx, &action.id).await?;
            format!("connectors of {name} RUNNING")
        }
        ActionKind::CreateMirror => {
            let mirror = mirror_name(action)?;
            let mut m = current_mirrors(&t, name).await?;
            m.stopped.retain(|s| s != &mirror);
            if !m.topics.contains(&mirror) {
                m.topics.push(mirror.clone());
                m.topics.sort();
            }
            write_link(&t, name, m, &resets).await?;
            wait_running(&t, name, ctx, &action.id).await?;
            wait_topic(&t, &mirror, ctx, &action.id).await?;
            format!("{mirror} is mirrored")
        }
        ActionKind::PromoteMirror | ActionKind::FailoverMirror => {
            let mirror = mirror_name(action)?;
            let mut m = current_mirrors(&t, name).await?;
            m.topics.retain(|x| x != &mirror);
            if !m.stopped.contains(&mirror) {
                m.stopped.push(mirror.clone());
                m.stopped.sort();
            }
            write_link(&t, name, m, &resets).await?;
            wait_running(&t, name, ctx, &action.id).await?;
            format!("{mirror} is no longer mirrored and stays writable")
        }
        ActionKind::DeleteMirrorTopic => {
            let mirror = mirror_name(action)?;
            if t.connect.config(&source_connector(name)).await?.is_some() {
                let mut m = current_mirrors(&t, name).await?;
                m.topics.retain(|x| x != &mirror);
                m.stopped.retain(|x| x != &mirror);
                write_link(&t, name, m, &resets).await?;
            }
            delete_topic(&t, &mirror).await?;
            format!("topic {mirror} deleted")
        }
        ActionKind::DeleteLink => {
            // Deleting a connector keeps its stored offsets, and a connector
            // re-created under the same name would resume from them: stop,
            // reset the offsets, then delete. Deleting the connectors also
            // ends the mirroring of every topic of the link.
            for c in [checkpoint_connector(name), source_connector(name)] {
                t.connect.stop(&c).await?;
                wait_stopped(&t, &c, ctx, &action.id).await?;
                t.connect.reset_offsets(&c).await?;
                t.connect.delete(&c).await?;
            }
            wait_gone(&t, name, ctx, &action.id).await?;
            format!("connectors of {name} deleted")
        }
        ActionKind::PauseMirror | ActionKind::ResumeMirror => {
            return Err(BackendError::new(
                &t.dest,
                "MirrorMaker 2 cannot pause or resume a single topic",
            ))
        }
    };
    Ok(Outcome {
        summary: format!("{summary} ({:.1} s)", started.elapsed().as_secs_f64()),
    })
}

fn mirror_name(action: &Action) -> Result<String, BackendError> {
    action
        .mirror
        .clone()
        .ok_or_else(|| BackendError::new(&action.cluster, "mirror action without a mirror name"))
}

/// The active and stopped mirror lists as the connector has them now.
async fn current_mirrors(t: &Target<'_>, link: &str) -> Result<Mirrors, BackendError> {
    Ok(match t.connect.config(&source_connector(link)).await? {
        Some(cfg) => {
            let back = read_back(&cfg);
            Mirrors {
                topics: back.topics,
                stopped: back.stopped,
            }
        }
        None => Mirrors {
            topics: Vec::new(),
            stopped: Vec::new(),
        },
    })
}

/// Copies, from a live connector config, what belongs to canonical key `k`
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

/// Writes both connector configs from the manifest. Live keys the manifest
/// no longer declares are kept unless this action resets them: the plan
/// leaves unmanaged keys alone, so the engine must too. The checkpoint
/// connector is written first: the link is read from the source connector,
/// so a write that fails halfway leaves a link the next plan still updates.
async fn write_link(
    t: &Target<'_>,
    name: &str,
    m: Mirrors,
    resets: &[String],
) -> Result<(), BackendError> {
    if link(t.manifest, name).is_none() {
        return Err(BackendError::new(
            &t.dest,
            format!("link {name} is not in the manifest"),
        ));
    }
    let spec = link_spec(t.manifest, name, m.topics, m.stopped)?;
    let mut src = source_config(&spec).map_err(mapping_err(&t.dest))?;
    let mut cp = checkpoint_config(&spec).map_err(mapping_err(&t.dest))?;
    if let Some(live_src) = t.connect.config(&source_connector(name)).await? {
        let live_cp = t
            .connect
            .config(&checkpoint_connector(name))
            .await?
            .unwrap_or_default();
        for k in read_back(&live_src).canonical.keys() {
            if spec.canonical.contains_key(k) || resets.contains(k) || is_translated(k) {
                continue;
            }
            keep(&mut src, &live_src, k);
            keep(&mut cp, &live_cp, k);
        }
    }
    t.connect
        .put_config(&checkpoint_connector(name), &cp)
        .await?;
    t.connect.put_config(&source_connector(name), &src).await?;
    Ok(())
}

async fn wait_running(
    t: &Target<'_>,
    name: &str,
    ctx: &ExecContext<'_>,
    id: &str,
) -> Result<(), BackendError> {
    let what = format!("the connectors of {name} to run");
    poll_until(ctx, &t.dest, id, &what, || async move {
        for c in [source_connector(name), checkpoint_connector(name)] {
            match t.connect.status(&c).await? {
                Some(s) => {
                    if let Some(f) = s.failure() {
                        return Err(BackendError::new(
                            &t.dest,
                            format!("connector {c} FAILED: {f}"),
                        ));
                    }
                    if !s.is_running() {
                        return Ok(Poll::Waiting(format!(
                            "waiting for {c} (connector {})",
                            s.connector.state
                        )));
                    }
                }
                None => return Ok(Poll::Waiting(format!("waiting for {c} to appear"))),
            }
        }
        Ok(Poll::Done)
    })
    .await
}

async fn wait_topic(
    t: &Target<'_>,
    topic: &str,
    ctx: &ExecContext<'_>,
    id: &str,
) -> Result<(), BackendError> {
    let admin = KafkaAdmin::new(&t.dest, cluster(t.manifest, &t.dest)?);
    let what = format!("mirror topic {topic} to appear");
    let admin = &admin;
    poll_until(ctx, &t.dest, id, &what, || async move {
        Ok(if admin.partition_counts().await?.contains_key(topic) {
            Poll::Done
        } else {
            Poll::Waiting(format!("waiting for topic {topic} on {}", t.dest))
        })
    })
    .await
}

async fn wait_stopped(
    t: &Target<'_>,
    connector: &str,
    ctx: &ExecContext<'_>,
    id: &str,
) -> Result<(), BackendError> {
    let what = format!("connector {connector} to stop");
    poll_until(ctx, &t.dest, id, &what, || async move {
        Ok(match t.connect.status(connector).await? {
            None => Poll::Done,
            Some(s) if s.connector.state == "STOPPED" => Poll::Done,
            Some(s) => Poll::Waiting(format!(
                "waiting for {connector} to stop ({})",
                s.connector.state
            )),
        })
    })
    .await
}

async fn wait_gone(
    t: &Target<'_>,
    name: &str,
    ctx: &ExecContext<'_>,
    id: &str,
) -> Result<(), BackendError> {
    let what = format!("the connectors of {name} to go");
    poll_until(ctx, &t.dest, id, &what, || async move {
        for c in [source_connector(name), checkpoint_connector(name)] {
            if t.connect.status(&c).await?.is_some() {
                return Ok(Poll::Waiting(format!("waiting for {c} to be removed")));
            }
        }
        Ok(Poll::Done)
    })
    .await
}

async fn delete_topic(t: &Target<'_>, topic: &str) -> Result<(), BackendError> {
    let def = cluster(t.manifest, &t.dest)?;
    let admin: AdminClient<DefaultClientContext> = client_config(def).create().map_err(|e| {
        BackendError::new(&t.dest, format!("cannot create a Kafka admin client: {e}"))
    })?;
    let opts = AdminOptions::new().request_timeout(Some(Duration::from_secs(30)));
    let res = admin
        .delete_topics(&[topic], &opts)
        .await
        .map_err(|e| BackendError::new(&t.dest, format!("cannot delete topic {topic}: {e}")))?;
    for r in res {
        if let Err((name, code)) = r {
            if code != rdkafka::types::RDKafkaErrorCode::UnknownTopicOrPartition {
                return Err(BackendError::new(
                    &t.dest,
                    format!("cannot delete topic {name}: {code}"),
                ));
            }
        }
    }
    Ok(())
}
