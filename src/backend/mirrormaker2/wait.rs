//! Waiting for MirrorMaker 2 state: one polling loop on the shared ticker
//! (backoff with jitter), bounded by the apply's wait timeout, ending at once
//! on a failure, an outcome that can no longer change, or an interrupt; and
//! each thing an executor waits for (tasks configured, topics assigned,
//! connectors running, stopped or gone, mirror topics present).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use super::connect_client::{ConnectClient, TaskInfo, TasksRead};
use crate::backend::kafka::KafkaAdmin;
use crate::backend::wait::{PollPolicy, Tick, Ticker};
use crate::backend::{BackendError, ExecContext};
use crate::plan::Action;

use super::connect_snapshot::SHARED_ROUND;

/// What one poll found.
pub enum Poll {
    /// The target state is reached.
    Done,
    /// Not yet: the progress line to show.
    Waiting(String),
}

/// Polls `probe` with backoff and jitter until it reports `Done`, fails,
/// the wait timeout runs out, or the command is interrupted.
pub async fn poll_until<F, Fut>(
    ctx: &ExecContext<'_>,
    cluster: &str,
    action_id: &str,
    what: &str,
    mut probe: F,
) -> Result<(), BackendError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll, BackendError>>,
{
    let mut ticker = Ticker::new(PollPolicy::default(), ctx.wait_timeout, ctx.cancel);
    loop {
        // A probe only reads: it is abandoned at once on an interrupt (a
        // frozen worker must not hold the command until its timeout).
        let polled = tokio::select! {
            r = probe() => r?,
            _ = ctx.cancel.cancelled() => return Err(BackendError::interrupted(cluster, what)),
        };
        match polled {
            Poll::Done => return Ok(()),
            Poll::Waiting(line) => ctx.progress.update(action_id, &line),
        }
        match ticker.tick().await {
            Tick::Poll => {}
            Tick::TimedOut => {
                return Err(BackendError::new(
                    cluster,
                    format!("timed out after {:?} waiting for {what}", ctx.wait_timeout),
                ))
            }
            Tick::Interrupted => return Err(BackendError::interrupted(cluster, what)),
        }
    }
}

/// Polls the tasks of `connector` (one `GET /connectors/{c}/tasks` per
/// round; a round Connect refuses while it rebalances waits on) with `check` until it
/// reports `Done`: a wait for them "to take the new {change}".
async fn poll_tasks<F, Fut>(
    connect: &ConnectClient,
    connector: &str,
    change: &str,
    a: &Action,
    ctx: &ExecContext<'_>,
    check: F,
) -> Result<(), BackendError>
where
    F: Fn(Vec<TaskInfo>) -> Fut,
    Fut: Future<Output = Result<Poll, BackendError>>,
{
    let what = format!("the tasks of {connector} to take the new {change}");
    let check = &check;
    poll_until(ctx, &a.cluster, &a.id, &what, || async move {
        match connect.tasks_polled(connector).await? {
            TasksRead::Tasks(tasks) => check(tasks.unwrap_or_default()).await,
            TasksRead::Rebalancing => Ok(Poll::Waiting(format!(
                "waiting for {connector}'s tasks: Kafka Connect is rebalancing"
            ))),
        }
    })
    .await
}

/// Waits until every task of `connector` runs with the config just written
/// (Connect copies a MirrorMaker 2 connector's config into each task's; a
/// stale value means the task still runs the old settings): one
/// `GET /connectors/{c}/tasks` per round. A connector with no task (nothing
/// to mirror, no group to sync) has nothing left running the old settings.
pub(super) async fn wait_tasks_configured(
    connect: &ConnectClient,
    connector: &str,
    written: &BTreeMap<String, String>,
    a: &Action,
    ctx: &ExecContext<'_>,
) -> Result<(), BackendError> {
    poll_tasks(connect, connector, "settings", a, ctx, |tasks| async move {
        let stale = tasks
            .iter()
            .filter(|t| written.iter().any(|(k, v)| t.config.get(k) != Some(v)))
            .count();
        Ok(if stale == 0 {
            Poll::Done
        } else {
            Poll::Waiting(format!(
                "waiting for {connector}: {stale} of {} task(s) still run the previous settings",
                tasks.len()
            ))
        })
    })
    .await
}

pub(super) async fn wait_running(
    connect: &ConnectClient,
    a: &Action,
    ctx: &ExecContext<'_>,
) -> Result<(), BackendError> {
    let what = format!("the connectors of {} to run", a.link);
    let names = [
        super::mapping::source_connector(&a.link),
        super::mapping::checkpoint_connector(&a.link),
    ];
    let names = &names;
    let since = Instant::now();
    poll_until(ctx, &a.cluster, &a.id, &what, || async move {
        // One status list per round for every link waiting on this Connect
        // cluster; a connector missing or UNASSIGNED for a moment (a
        // rebalance) is waited for, not a failure.
        let all = connect.statuses(since, SHARED_ROUND).await?;
        for c in names {
            match all.get(c.as_str()) {
                Some(s) => {
                    if let Some(f) = s.failure() {
                        return Err(BackendError::new(
                            &a.cluster,
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

/// The source cluster of a source connector, to tell during a wait whether a
/// started topic still exists there: once it is gone its mirror can never
/// appear, and the wait ends at once instead of at the wait timeout.
pub(super) struct SourceTopics {
    name: String,
    client: Option<Arc<KafkaAdmin>>,
}

impl SourceTopics {
    pub(super) fn of(live: &BTreeMap<String, String>, ctx: &ExecContext<'_>) -> Self {
        let name = live
            .get("source.cluster.alias")
            .cloned()
            .unwrap_or_default();
        let client = match ctx.clusters.get(&name) {
            Ok(c) => Some(ctx.kafka.get(&name, c)),
            Err(_) => None,
        };
        Self { name, client }
    }

    /// An error naming the first of `waiting_for` that no longer exists on
    /// the source (one metadata request).
    async fn check(&self, dest: &str, waiting_for: &[&String]) -> Result<(), BackendError> {
        let Some(client) = self.client.as_ref().filter(|_| !waiting_for.is_empty()) else {
            return Ok(());
        };
        let present = client.partition_counts().await?;
        match waiting_for.iter().find(|t| !present.contains_key(**t)) {
            None => Ok(()),
            Some(gone) => Err(BackendError::new(
                dest,
                format!(
                    "source topic {gone} no longer exists on {}: its mirror cannot appear on {dest}",
                    self.name
                ),
            )),
        }
    }
}

/// Waits until Connect has handed the new mirror lists to the source
/// connector's tasks: no task replicates a topic that stopped mirroring, and
/// every started topic that exists on the source is assigned (one
/// `GET /connectors/{c}/tasks` per round). Only then has a promoted topic
/// really stopped receiving records.
pub(super) async fn wait_assigned(
    connect: &ConnectClient,
    connector: &str,
    started: &[String],
    stopped: &[String],
    source: &SourceTopics,
    a: &Action,
    ctx: &ExecContext<'_>,
) -> Result<(), BackendError> {
    poll_tasks(connect, connector, "topic list", a, ctx, |tasks| async move {
        let assigned: std::collections::BTreeSet<String> = tasks
            .iter()
            .flat_map(|t| super::mapping::assigned_topics(&t.config))
            .collect();
        let lingering = stopped.iter().filter(|t| assigned.contains(*t)).count();
        let unassigned: Vec<&String> = started.iter().filter(|t| !assigned.contains(*t)).collect();
        if lingering == 0 && unassigned.is_empty() {
            return Ok(Poll::Done);
        }
        // Outcomes that can no longer change end the wait now rather than at
        // the wait timeout (a few more reads per round, per link, only while
        // waiting): a FAILED connector never hands out the new lists, and a
        // source topic deleted meanwhile is never assigned.
        if let Some(f) = connect.status(connector).await?.as_ref().and_then(|s| s.failure()) {
            return Err(BackendError::new(
                &a.cluster,
                format!("connector {connector} FAILED: {f}; its tasks cannot take the new topic list"),
            ));
        }
        source.check(&a.cluster, &unassigned).await?;
        Ok(Poll::Waiting(format!(
            "waiting for {connector}'s tasks: {lingering} stopped topic(s) still assigned, {} new topic(s) not yet",
            unassigned.len()
        )))
    })
    .await
}

/// Waits until every topic of `topics` exists on `dest`: one metadata
/// request per round, whatever the number of topics (and, while some are
/// missing, one to the source: a source topic deleted meanwhile ends it).
pub(super) async fn wait_topics(
    dest: &str,
    source: &SourceTopics,
    topics: &[String],
    a: &Action,
    ctx: &ExecContext<'_>,
) -> Result<(), BackendError> {
    let admin = ctx.kafka.get(dest, ctx.clusters.get(dest)?);
    let what = format!("{} mirror topic(s) to appear on {dest}", topics.len());
    let admin = &admin;
    poll_until(ctx, dest, &a.id, &what, || async move {
        let present = admin.partition_counts().await?;
        let missing: Vec<&String> = topics
            .iter()
            .filter(|t| !present.contains_key(*t))
            .collect();
        source.check(dest, &missing).await?;
        Ok(match missing.first() {
            None => Poll::Done,
            Some(first) => Poll::Waiting(format!(
                "waiting for {} of {} mirror topic(s) on {dest} (e.g. {first})",
                missing.len(),
                topics.len()
            )),
        })
    })
    .await
}

pub(super) async fn wait_stopped(
    connect: &ConnectClient,
    connector: &str,
    a: &Action,
    ctx: &ExecContext<'_>,
) -> Result<(), BackendError> {
    let what = format!("connector {connector} to stop");
    let since = Instant::now();
    poll_until(ctx, &a.cluster, &a.id, &what, || async move {
        Ok(
            match connect.statuses(since, SHARED_ROUND).await?.get(connector) {
                None => Poll::Done,
                Some(s) if s.connector.state == "STOPPED" => Poll::Done,
                Some(s) => Poll::Waiting(format!(
                    "waiting for {connector} to stop ({})",
                    s.connector.state
                )),
            },
        )
    })
    .await
}

pub(super) async fn wait_gone(
    connect: &ConnectClient,
    connectors: &[String],
    a: &Action,
    ctx: &ExecContext<'_>,
) -> Result<(), BackendError> {
    let what = format!("the connectors of {} to go", a.link);
    let since = Instant::now();
    poll_until(ctx, &a.cluster, &a.id, &what, || async move {
        let all = connect.statuses(since, SHARED_ROUND).await?;
        for c in connectors {
            if all.contains_key(c.as_str()) {
                return Ok(Poll::Waiting(format!("waiting for {c} to be removed")));
            }
        }
        Ok(Poll::Done)
    })
    .await
}
