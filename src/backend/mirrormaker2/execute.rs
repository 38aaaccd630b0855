//! Executing plan actions on MirrorMaker 2 connectors, and waiting for them.

use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions};
use rdkafka::client::DefaultClientContext;

use super::connect_client::ConnectClient;
use super::mapping::{
    checkpoint_config, checkpoint_connector, read_back, source_config, source_connector,
    MappingError,
};
use super::spec::{cluster, fingerprint, link, link_spec};
use crate::backend::kafka::client_config::client_config;
use crate::backend::kafka::KafkaAdmin;
use crate::backend::{BackendError, BoxFuture, ExecContext, Executor, Outcome};
use crate::manifest::Manifest;
use crate::plan::{Action, ActionKind};

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
    let summary = match action.kind {
        ActionKind::CreateLink | ActionKind::UpdateLinkConfigs => {
            let (topics, stopped) = current_topics(&t, name).await?;
            write_link(&t, name, topics, stopped).await?;
            wait_running(&t, name, ctx, &action.id).await?;
            format!("connectors of {name} RUNNING")
        }
        ActionKind::CreateMirror => {
            let mirror = mirror_name(action)?;
            let (mut topics, mut stopped) = current_topics(&t, name).await?;
            stopped.retain(|s| s != &mirror);
            if !topics.contains(&mirror) {
                topics.push(mirror.clone());
                topics.sort();
            }
            write_link(&t, name, topics, stopped).await?;
            wait_running(&t, name, ctx, &action.id).await?;
            wait_topic(&t, &mirror, ctx, &action.id).await?;
            format!("{mirror} is mirrored")
        }
        ActionKind::PromoteMirror | ActionKind::FailoverMirror => {
            let mirror = mirror_name(action)?;
            let (mut topics, mut stopped) = current_topics(&t, name).await?;
            topics.retain(|x| x != &mirror);
            if !stopped.contains(&mirror) {
                stopped.push(mirror.clone());
                stopped.sort();
            }
            write_link(&t, name, topics, stopped).await?;
            wait_running(&t, name, ctx, &action.id).await?;
            format!("{mirror} is no longer mirrored and stays writable")
        }
        ActionKind::DeleteMirrorTopic => {
            let mirror = mirror_name(action)?;
            if t.connect.config(&source_connector(name)).await?.is_some() {
                let (mut topics, mut stopped) = current_topics(&t, name).await?;
                topics.retain(|x| x != &mirror);
                stopped.retain(|x| x != &mirror);
                write_link(&t, name, topics, stopped).await?;
            }
            delete_topic(&t, &mirror).await?;
            format!("topic {mirror} deleted")
        }
        ActionKind::DeleteLink => {
            // Deleting a connector keeps its stored offsets, and a connector
            // re-created under the same name would resume from them: stop,
            // reset the offsets, then delete.
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
async fn current_topics(
    t: &Target<'_>,
    link: &str,
) -> Result<(Vec<String>, Vec<String>), BackendError> {
    Ok(match t.connect.config(&source_connector(link)).await? {
        Some(cfg) => {
            let back = read_back(&cfg);
            (back.topics, back.stopped)
        }
        None => (Vec::new(), Vec::new()),
    })
}

async fn write_link(
    t: &Target<'_>,
    name: &str,
    topics: Vec<String>,
    stopped: Vec<String>,
) -> Result<(), BackendError> {
    if link(t.manifest, name).is_none() {
        return Err(BackendError::new(
            &t.dest,
            format!("link {name} is not in the manifest"),
        ));
    }
    let spec = link_spec(t.manifest, name, topics, stopped)?;
    let fp = |k: &str, v: &str| fingerprint(t.manifest, name, k, v);
    let src = source_config(&spec, &fp).map_err(mapping_err(&t.dest))?;
    let cp = checkpoint_config(&spec).map_err(mapping_err(&t.dest))?;
    t.connect.put_config(&source_connector(name), &src).await?;
    t.connect
        .put_config(&checkpoint_connector(name), &cp)
        .await?;
    Ok(())
}

fn backoff(d: Duration) -> Duration {
    (d * 2).min(Duration::from_secs(2))
}

async fn wait_running(
    t: &Target<'_>,
    name: &str,
    ctx: &ExecContext<'_>,
    id: &str,
) -> Result<(), BackendError> {
    let deadline = Instant::now() + ctx.wait_timeout;
    let mut delay = Duration::from_millis(200);
    loop {
        let mut all = true;
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
                        all = false;
                        ctx.progress.update(
                            id,
                            &format!("waiting for {c} (connector {})", s.connector.state),
                        );
                    }
                }
                None => {
                    all = false;
                    ctx.progress
                        .update(id, &format!("waiting for {c} to appear"));
                }
            }
        }
        if all {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(BackendError::new(
                &t.dest,
                format!(
                    "timed out after {:?} waiting for the connectors of {name} to run",
                    ctx.wait_timeout
                ),
            ));
        }
        tokio::time::sleep(delay).await;
        delay = backoff(delay);
    }
}

async fn wait_topic(
    t: &Target<'_>,
    topic: &str,
    ctx: &ExecContext<'_>,
    id: &str,
) -> Result<(), BackendError> {
    let admin = KafkaAdmin::new(&t.dest, cluster(t.manifest, &t.dest)?);
    let deadline = Instant::now() + ctx.wait_timeout;
    let mut delay = Duration::from_millis(200);
    loop {
        if admin.partition_counts().await?.contains_key(topic) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(BackendError::new(
                &t.dest,
                format!(
                    "timed out after {:?} waiting for mirror topic {topic} to appear",
                    ctx.wait_timeout
                ),
            ));
        }
        ctx.progress
            .update(id, &format!("waiting for topic {topic} on {}", t.dest));
        tokio::time::sleep(delay).await;
        delay = backoff(delay);
    }
}

async fn wait_stopped(
    t: &Target<'_>,
    connector: &str,
    ctx: &ExecContext<'_>,
    id: &str,
) -> Result<(), BackendError> {
    let deadline = Instant::now() + ctx.wait_timeout;
    let mut delay = Duration::from_millis(200);
    loop {
        match t.connect.status(connector).await? {
            None => return Ok(()),
            Some(s) if s.connector.state == "STOPPED" => return Ok(()),
            Some(s) => ctx.progress.update(
                id,
                &format!("waiting for {connector} to stop ({})", s.connector.state),
            ),
        }
        if Instant::now() >= deadline {
            return Err(BackendError::new(
                &t.dest,
                format!("timed out waiting for connector {connector} to stop"),
            ));
        }
        tokio::time::sleep(delay).await;
        delay = backoff(delay);
    }
}

async fn wait_gone(
    t: &Target<'_>,
    name: &str,
    ctx: &ExecContext<'_>,
    id: &str,
) -> Result<(), BackendError> {
    let deadline = Instant::now() + ctx.wait_timeout;
    let mut delay = Duration::from_millis(200);
    loop {
        let mut gone = true;
        for c in [source_connector(name), checkpoint_connector(name)] {
            if t.connect.status(&c).await?.is_some() {
                gone = false;
            }
        }
        if gone {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(BackendError::new(
                &t.dest,
                format!("timed out waiting for the connectors of {name} to go"),
            ));
        }
        ctx.progress
            .update(id, "waiting for the connectors to be removed");
        tokio::time::sleep(delay).await;
        delay = backoff(delay);
    }
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
