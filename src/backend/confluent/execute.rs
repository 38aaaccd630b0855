//! Executing a step: the requests its actions' payloads describe, then one
//! wait for the whole step.
//!
//! - link actions (create, update configs, delete) run one at a time;
//! - mirror creates of a link are sent with bounded parallelism (the apply's
//!   `--parallelism` permits; Confluent has no bulk create), then one wait
//!   polls the link's mirror list until every new mirror is ACTIVE;
//! - mirror topic deletes likewise, with one wait until none is listed;
//! - pause, resume, promote and failover are one bulk request per link and
//!   verb ([`super::bulk`]).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use reqwest::Method;
use serde_json::json;

use super::client::ClusterClient;
use super::configs::write_record;
use super::errors::ConfluentError;
use super::retry::retry_write;
use super::wait::{
    wait_gone, wait_link_visible, wait_mirrors, wait_mirrors_gone, Goal, MirrorWait, WaitCtx,
};
use super::ConfluentBackend;
use crate::backend::engine::payload_of;
use crate::backend::{ActionResult, BackendError, ExecContext, Outcome};
use crate::plan::payload::ConfluentPayload;
use crate::plan::payload::Payload;
use crate::plan::payload::WireValue;
use crate::plan::{Action, ActionKind};
use crate::state::MirrorStatus;

/// The Confluent payload of `a`.
pub(super) fn payload(a: &Action) -> Result<&ConfluentPayload, BackendError> {
    payload_of(a, |p| match p {
        Payload::Confluent(c) => Some(c),
        _ => None,
    })
}

/// The value to send: plain, or the secret resolved now.
pub(super) fn resolve(v: &WireValue, ctx: &ExecContext<'_>) -> Result<String, ConfluentError> {
    match v {
        WireValue::Plain(s) => Ok(s.clone()),
        WireValue::Secret(r) => ctx.secrets.resolve(r).map_err(ConfluentError::Manifest),
    }
}

fn internal(e: impl std::fmt::Display) -> ConfluentError {
    ConfluentError::Manifest(format!("internal: {e}"))
}

/// Sends one request per action with `send`, at most as many at once as
/// the apply's permits allow (per object: Confluent has no bulk form for
/// mirror creates or topic deletes). Each action fails or succeeds on its
/// own: a failed create among 100 leaves 99 sent. Nothing new is sent after
/// the command is interrupted (a request in flight is a safe point: it
/// completes), nor, with `--fail-fast`, after the first failure: those
/// actions are `None` (not attempted).
async fn send_each<'a, F, Fut>(
    step: &'a [&'a Action],
    ctx: &ExecContext<'_>,
    send: F,
) -> Vec<Option<Result<String, ConfluentError>>>
where
    F: Fn(&'a Action) -> Fut,
    Fut: std::future::Future<Output = Result<String, ConfluentError>>,
{
    let stop = AtomicBool::new(false);
    let stop = &stop;
    let send = &send;
    let sends = step.iter().map(|a| async move {
        let Ok(_permit) = ctx.permits.acquire().await else {
            return None;
        };
        if stop.load(Ordering::SeqCst) || ctx.cancel.is_cancelled() {
            return None;
        }
        let r = send(a).await;
        if r.is_err() && ctx.fail_fast {
            stop.store(true, Ordering::SeqCst);
        }
        Some(r)
    });
    futures::future::join_all(sends).await
}

/// Per action: not attempted, failed to send, or (sent) what `after`
/// makes of the wait that followed (a failed wait fails every sent action).
fn step_results<W>(
    step: &[&Action],
    sent: Vec<Option<Result<String, ConfluentError>>>,
    waited: &Result<W, ConfluentError>,
    after: impl Fn(&Action, &str, &W) -> ActionResult,
) -> Vec<ActionResult> {
    step.iter()
        .zip(sent)
        .map(|(a, r)| match (r, waited) {
            (None, _) => ActionResult::NotAttempted,
            (Some(Err(e)), _) => ActionResult::Failed(e.into_backend(&a.cluster)),
            (Some(Ok(_)), Err(e)) => ActionResult::Failed(e.clone().into_backend(&a.cluster)),
            (Some(Ok(name)), Ok(w)) => after(a, &name, w),
        })
        .collect()
}

/// The names `send_each` succeeded with.
fn sent_names(sent: &[Option<Result<String, ConfluentError>>]) -> Vec<String> {
    sent.iter()
        .filter_map(|r| r.as_ref().and_then(|r| r.as_ref().ok()).cloned())
        .collect()
}

/// Every action of `step` failed with `e`.
pub(super) fn failed_with(step: &[&Action], e: &ConfluentError) -> Vec<ActionResult> {
    step.iter()
        .map(|a| ActionResult::Failed(e.clone().into_backend(&a.cluster)))
        .collect()
}

/// Every action of `step` failed with `e`.
pub(super) fn all_failed(step: &[&Action], e: &BackendError) -> Vec<ActionResult> {
    step.iter()
        .map(|_| ActionResult::Failed(e.clone()))
        .collect()
}

/// One step on one cluster: its client, its actions (the first one names
/// the link and the progress line), and the executor's context.
pub(super) struct Step<'a> {
    pub client: &'a ClusterClient,
    pub first: &'a Action,
    pub actions: &'a [&'a Action],
    pub ctx: &'a ExecContext<'a>,
}

impl ConfluentBackend {
    pub(super) fn wait_ctx<'a>(&self, ctx: &'a ExecContext<'a>, action_id: &'a str) -> WaitCtx<'a> {
        WaitCtx {
            poll: self.options.poll,
            timeout: ctx.wait_timeout,
            not_found_grace: self.options.not_found_grace,
            progress: ctx.progress,
            action_id,
            cancel: ctx.cancel,
        }
    }

    /// One wait until every mirror of `names` (on the step's link) reaches
    /// `goal`; nothing to wait for when `names` is empty.
    pub(super) async fn wait_step_mirrors(
        &self,
        s: &Step<'_>,
        names: &[String],
        goal: &Goal<'_>,
    ) -> Result<BTreeMap<String, MirrorWait>, ConfluentError> {
        if names.is_empty() {
            return Ok(BTreeMap::new());
        }
        let w = self.wait_ctx(s.ctx, &s.first.id);
        wait_mirrors(s.client, &s.first.link, names, goal, &w).await
    }

    /// Runs one step (actions of one cluster and link).
    pub async fn run_step(&self, step: &[&Action], ctx: &ExecContext<'_>) -> Vec<ActionResult> {
        let Some(first) = step.first() else {
            return Vec::new();
        };
        if first.kind.is_fence() {
            // A fence is a Kafka ACL on the source cluster, not a REST call.
            return crate::backend::kafka::fence::run_step(step, ctx).await;
        }
        let client = match self.client(ctx.clusters, &first.cluster) {
            Ok(c) => c,
            Err(e) => return all_failed(step, &e.into_backend(&first.cluster)),
        };
        let s = Step {
            client: &client,
            first,
            actions: step,
            ctx,
        };
        match first.kind {
            ActionKind::CreateMirror => self.create_mirrors(&s).await,
            ActionKind::DeleteMirrorTopic => self.delete_topics(&s).await,
            k if k.is_bulk() => self.mirror_action(&s).await,
            _ => {
                // Link actions: one by one (a step holds one), stopping at
                // the first failure.
                let mut out = Vec::with_capacity(step.len());
                for a in step {
                    match self.run_link_action(&client, a, ctx).await {
                        Ok(o) => out.push(ActionResult::Done(o)),
                        Err(e) => {
                            out.push(ActionResult::Failed(e.into_backend(&a.cluster)));
                            break;
                        }
                    }
                }
                out.resize_with(step.len(), || ActionResult::NotAttempted);
                out
            }
        }
    }

    async fn run_link_action(
        &self,
        client: &ClusterClient,
        a: &Action,
        ctx: &ExecContext<'_>,
    ) -> Result<Outcome, ConfluentError> {
        let p = payload(a).map_err(|e| ConfluentError::Manifest(e.message))?;
        match p {
            ConfluentPayload::CreateLink { .. } => self.create_link(client, a, p, ctx).await,
            ConfluentPayload::AlterConfigs { link_name, .. } => {
                let w = self.wait_ctx(ctx, &a.id);
                let (n, _, warning) = self.alter_configs(client, p, ctx, Some(&w)).await?;
                ctx.progress
                    .update(&a.id, &format!("{n} config(s) altered"));
                Ok(Outcome {
                    summary: format!("{n} config(s) of link {link_name} on {} updated", a.cluster),
                    cutover: None,
                    left_behind: Vec::new(),
                    warnings: warning.into_iter().collect(),
                })
            }
            ConfluentPayload::DeleteLink { link_name } => {
                match client
                    .write_idempotent(Method::DELETE, &["links", link_name], &[], None)
                    .await
                {
                    Ok(_) => {}
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e.link_in_use(link_name)),
                }
                let waited = wait_gone(
                    client,
                    &["links", link_name],
                    &format!("link {link_name}"),
                    &self.wait_ctx(ctx, &a.id),
                )
                .await?;
                Ok(Outcome {
                    summary: format!(
                        "link {link_name} deleted from {} ({:.1} s)",
                        a.cluster,
                        waited.as_secs_f64()
                    ),
                    cutover: None,
                    left_behind: Vec::new(),
                    warnings: Vec::new(),
                })
            }
            other => Err(ConfluentError::Manifest(format!(
                "internal: {} is not a link action ({other:?})",
                a.id
            ))),
        }
    }

    /// The JSON body of a `CreateLink` payload, secrets resolved (never logged).
    pub(super) fn create_link_body(
        p: &ConfluentPayload,
        ctx: &ExecContext<'_>,
    ) -> Result<serde_json::Value, ConfluentError> {
        let ConfluentPayload::CreateLink {
            source_cluster_id,
            destination_cluster_id,
            remote_cluster_id,
            configs,
            ..
        } = p
        else {
            return Err(internal("not a create-link payload"));
        };
        let mut body = serde_json::Map::new();
        for (field, id) in [
            ("source_cluster_id", source_cluster_id),
            ("destination_cluster_id", destination_cluster_id),
            ("remote_cluster_id", remote_cluster_id),
        ] {
            if let Some(id) = id {
                body.insert(field.into(), json!(id));
            }
        }
        let mut list = Vec::new();
        for c in configs {
            list.push(json!({"name": c.name, "value": resolve(&c.value, ctx)?}));
        }
        body.insert("configs".into(), serde_json::Value::Array(list));
        Ok(serde_json::Value::Object(body))
    }

    async fn create_link(
        &self,
        client: &ClusterClient,
        a: &Action,
        p: &ConfluentPayload,
        ctx: &ExecContext<'_>,
    ) -> Result<Outcome, ConfluentError> {
        let ConfluentPayload::CreateLink {
            link_name,
            fingerprints,
            ..
        } = p
        else {
            return Err(internal("not a create-link payload"));
        };
        let body = Self::create_link_body(p, ctx)?;
        let started = Instant::now();
        let query = [("link_name", link_name.as_str())];
        let link_path = ["links", link_name.as_str()];
        retry_write(
            &client.retry,
            self.options.not_found_grace,
            || client.write_once(Method::POST, &["links"], &query, Some(&body)),
            || exists(client, &link_path),
        )
        .await?;
        let w = self.wait_ctx(ctx, &a.id);
        let (link, _) = wait_link_visible(client, link_name, &w).await?;
        let mut warnings = Vec::new();
        if !fingerprints.is_empty() {
            let written: Vec<&str> = fingerprints.keys().map(String::as_str).collect();
            warnings.extend(write_record(client, link_name, fingerprints, &written, &w).await?);
        }
        Ok(Outcome {
            warnings,
            summary: format!(
                "link {link_name} created on {} ({}) in {:.1} s",
                a.cluster,
                link.link_state.as_deref().unwrap_or("state unknown"),
                started.elapsed().as_secs_f64()
            ),
            cutover: None,
            left_behind: Vec::new(),
        })
    }

    /// Mirror creates of one link: POSTs with bounded parallelism, then one
    /// shared wait until every created mirror is ACTIVE.
    async fn create_mirrors(&self, s: &Step<'_>) -> Vec<ActionResult> {
        let (client, first, step, ctx) = (s.client, s.first, s.actions, s.ctx);
        let sent = send_each(step, ctx, |a| self.create_one_mirror(client, a)).await;
        let created = sent_names(&sent);
        ctx.progress.update(
            &first.id,
            &format!("{} mirror(s) created on link {}", created.len(), first.link),
        );
        let goal = Goal {
            reach: &[MirrorStatus::Active],
            word: "created",
            tolerate: &[],
        };
        let waited = self.wait_step_mirrors(s, &created, &goal).await;
        step_results(step, sent, &waited, |a, name, map| {
            reached(a, name, map.get(name), "created")
        })
    }

    /// One mirror create; returns the mirror's name.
    async fn create_one_mirror(
        &self,
        client: &ClusterClient,
        a: &Action,
    ) -> Result<String, ConfluentError> {
        let p = payload(a).map_err(|e| ConfluentError::Manifest(e.message))?;
        let ConfluentPayload::CreateMirror {
            link_name,
            source_topic_name,
            mirror_topic_name,
        } = p
        else {
            return Err(internal(format!("{} is not a mirror create", a.id)));
        };
        let name = mirror_topic_name
            .clone()
            .unwrap_or_else(|| source_topic_name.clone());
        let mut body = json!({"source_topic_name": source_topic_name});
        if let Some(m) = mirror_topic_name {
            body["mirror_topic_name"] = json!(m);
        }
        let create_path = ["links", link_name.as_str(), "mirrors"];
        let mirror_path = ["links", link_name.as_str(), "mirrors", name.as_str()];
        retry_write(
            &client.retry,
            self.options.not_found_grace,
            || client.write_once(Method::POST, &create_path, &[], Some(&body)),
            || exists(client, &mirror_path),
        )
        .await?;
        Ok(name)
    }

    /// Mirror topic deletes of one link: DELETEs with bounded parallelism,
    /// then one wait until the link lists none of them.
    async fn delete_topics(&self, s: &Step<'_>) -> Vec<ActionResult> {
        let (client, first, step, ctx) = (s.client, s.first, s.actions, s.ctx);
        let sent = send_each(step, ctx, |a| delete_one_topic(client, a)).await;
        let deleted = sent_names(&sent);
        let waited = wait_mirrors_gone(
            client,
            &first.link,
            &deleted,
            &self.wait_ctx(ctx, &first.id),
        )
        .await;
        step_results(step, sent, &waited, |a, name, (took, left)| {
            if left.iter().any(|l| l == name) {
                ActionResult::Failed(
                    ConfluentError::WaitTimeout {
                        what: format!("mirror topic {name} (deleted)"),
                        status: "listed".into(),
                        waited: *took,
                        timeout: ctx.wait_timeout,
                    }
                    .into_backend(&a.cluster),
                )
            } else {
                ActionResult::done(format!(
                    "mirror topic {name} deleted ({:.1} s)",
                    took.as_secs_f64()
                ))
            }
        })
    }
}

/// One mirror topic delete; returns the topic's name (already gone counts).
async fn delete_one_topic(client: &ClusterClient, a: &Action) -> Result<String, ConfluentError> {
    let p = payload(a).map_err(|e| ConfluentError::Manifest(e.message))?;
    let ConfluentPayload::DeleteTopic { topic_name } = p else {
        return Err(internal(format!("{} is not a topic delete", a.id)));
    };
    match client
        .write_idempotent(Method::DELETE, &["topics", topic_name], &[], None)
        .await
    {
        Ok(_) => Ok(topic_name.clone()),
        Err(e) if e.is_not_found() => Ok(topic_name.clone()),
        Err(e) => Err(e),
    }
}

/// The result of an action whose mirror was waited for.
pub(super) fn reached(
    a: &Action,
    name: &str,
    wait: Option<&MirrorWait>,
    word: &str,
) -> ActionResult {
    match wait {
        Some(MirrorWait::Reached {
            status,
            after,
            warning,
        }) => ActionResult::done(format!(
            "mirror {name} {word}: {} after {:.1} s{}",
            status.as_str(),
            after.as_secs_f64(),
            warning
                .as_deref()
                .map(|w| format!(" (the server still reports a state-transition error: {w})"))
                .unwrap_or_default()
        )),
        Some(MirrorWait::Failed(e)) => ActionResult::Failed(e.clone().into_backend(&a.cluster)),
        None => ActionResult::Failed(BackendError::new(
            &a.cluster,
            format!("internal: mirror {name} was not waited for"),
        )),
    }
}

pub(super) async fn exists(
    client: &ClusterClient,
    segments: &[&str],
) -> Result<bool, ConfluentError> {
    match client.get::<serde_json::Value>(segments, &[]).await {
        Ok(_) => Ok(true),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e),
    }
}
