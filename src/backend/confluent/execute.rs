//! The [`Executor`]: every plan action as REST calls, each followed by a wait
//! until it has really taken effect.

use std::collections::BTreeMap;
use std::time::Instant;

use reqwest::Method;
use serde_json::json;

use super::client::ClusterClient;
use super::errors::ConfluentError;
use super::objects::{link_object, IdField};
use super::retry::retry_write;
use super::wait::{wait_gone, wait_link_visible, wait_mirrors, WaitCtx};
use super::wire::{
    AlterConfigEntry, AlterConfigsRequest, ConfigEntry, CreateLinkRequest, CreateMirrorRequest,
};
use super::ConfluentBackend;
use crate::backend::{BackendError, BoxFuture, ExecContext, Executor, Outcome};
use crate::manifest::Manifest;
use crate::plan::{Action, ActionKind, ChangeOp, Value};
use crate::state::MirrorStatus;

type Results = Vec<Option<Result<Outcome, BackendError>>>;

impl Executor for ConfluentBackend {
    fn execute<'a>(
        &'a self,
        action: &'a Action,
        ctx: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Result<Outcome, BackendError>> {
        Box::pin(async move {
            let r = match action.kind {
                k if k.is_bulk() => self
                    .mirror_action(&[action], ctx)
                    .await
                    .map(|mut v| v.remove(0)),
                _ => self.run_single(action, ctx).await.map(Ok),
            };
            match r {
                Ok(inner) => inner,
                Err(e) => Err(e.into_backend(&action.cluster)),
            }
        })
    }

    fn execute_batch<'a>(
        &'a self,
        actions: &'a [&'a Action],
        ctx: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Results> {
        Box::pin(async move {
            // Groups (cluster, link, kind) of bulk actions, in order of first appearance.
            let mut groups: Vec<Vec<usize>> = Vec::new();
            let mut keys: BTreeMap<(String, String, ActionKind), usize> = BTreeMap::new();
            for (i, a) in actions.iter().enumerate() {
                if a.kind.is_bulk() {
                    let key = (a.cluster.clone(), a.link.clone(), a.kind);
                    if let Some(g) = keys.get(&key) {
                        groups[*g].push(i);
                        continue;
                    }
                    keys.insert(key, groups.len());
                }
                groups.push(vec![i]);
            }
            let mut out: Results = actions.iter().map(|_| None).collect();
            for g in groups {
                let members: Vec<&Action> = g.iter().map(|i| actions[*i]).collect();
                let results: Vec<Result<Outcome, BackendError>> = if members[0].kind.is_bulk() {
                    match self.mirror_action(&members, ctx).await {
                        Ok(v) => v,
                        Err(e) => members
                            .iter()
                            .map(|a| Err(e.clone().into_backend(&a.cluster)))
                            .collect(),
                    }
                } else {
                    vec![self
                        .run_single(members[0], ctx)
                        .await
                        .map_err(|e| e.into_backend(&members[0].cluster))]
                };
                let failed = results.iter().any(|r| r.is_err());
                for (i, r) in g.iter().zip(results) {
                    out[*i] = Some(r);
                }
                if failed {
                    break;
                }
            }
            out
        })
    }
}

pub(super) fn mirror_of(a: &Action) -> Result<&str, ConfluentError> {
    a.mirror
        .as_deref()
        .ok_or_else(|| ConfluentError::Manifest(format!("action {} names no mirror", a.id)))
}

impl ConfluentBackend {
    pub(super) fn wait_ctx<'a>(&self, ctx: &'a ExecContext<'a>, action: &'a Action) -> WaitCtx<'a> {
        WaitCtx {
            poll: self.options.poll,
            timeout: ctx.wait_timeout,
            not_found_grace: self.options.not_found_grace,
            progress: ctx.progress,
            action_id: &action.id,
        }
    }

    async fn run_single(
        &self,
        a: &Action,
        ctx: &ExecContext<'_>,
    ) -> Result<Outcome, ConfluentError> {
        let client = self.client(ctx.manifest, &a.cluster)?;
        match a.kind {
            ActionKind::CreateLink => self.create_link(&client, a, ctx).await,
            ActionKind::UpdateLinkConfigs => self.update_configs(&client, a, ctx).await,
            ActionKind::DeleteLink => self.delete_link(&client, a, ctx).await,
            ActionKind::CreateMirror => self.create_mirror(&client, a, ctx).await,
            ActionKind::DeleteMirrorTopic => self.delete_mirror_topic(&client, a, ctx).await,
            _ => Err(ConfluentError::Manifest(format!(
                "internal: {} is a bulk action",
                a.id
            ))),
        }
    }

    /// The `CreateLinkRequestData` of a create-link action, secrets included
    /// (re-read from the manifest; never logged).
    pub(super) async fn create_link_body(
        &self,
        manifest: &Manifest,
        a: &Action,
    ) -> Result<serde_json::Value, ConfluentError> {
        let obj = link_object(manifest, &a.link, a.side)?;
        if obj.cluster != a.cluster {
            return Err(ConfluentError::Manifest(format!(
                "action {} targets cluster {} but the {:?} object of link {} lives on {}",
                a.id, a.cluster, a.side, a.link, obj.cluster
            )));
        }
        let remote_id = self
            .remote_cluster_id(manifest, &obj.remote_cluster)
            .await?;
        let (mut src, mut dst, mut rem) = (None, None, None);
        match obj.id_field {
            IdField::Source => src = Some(remote_id),
            IdField::Destination => dst = Some(remote_id),
            IdField::Remote => rem = Some(remote_id),
        }
        let body = CreateLinkRequest {
            source_cluster_id: src,
            destination_cluster_id: dst,
            remote_cluster_id: rem,
            configs: obj
                .configs
                .iter()
                .map(|(k, v)| ConfigEntry {
                    name: k.clone(),
                    value: Some(v.value.expose().to_string()),
                })
                .collect(),
        };
        serde_json::to_value(&body).map_err(|e| ConfluentError::Manifest(format!("internal: {e}")))
    }

    /// The `configs:alter` entries of an update action; sensitive values are
    /// re-read from the manifest.
    pub(super) fn alter_entries(
        manifest: &Manifest,
        a: &Action,
    ) -> Result<Vec<AlterConfigEntry>, ConfluentError> {
        let mut entries = Vec::new();
        let mut desired = None;
        for ch in &a.changes {
            let (value, operation) = match (ch.op, &ch.after) {
                (ChangeOp::Reset, _) => (None, "DELETE"),
                (ChangeOp::Set, Some(Value::Plain(v))) => (Some(v.clone()), "SET"),
                (ChangeOp::Set, Some(Value::Sensitive)) => {
                    if desired.is_none() {
                        desired = Some(link_object(manifest, &a.link, a.side)?.configs);
                    }
                    let v = desired
                        .as_ref()
                        .and_then(|d| d.get(&ch.key))
                        .ok_or_else(|| {
                            ConfluentError::Manifest(format!(
                                "the sensitive value of {} for link {} is not in the manifest",
                                ch.key, a.link
                            ))
                        })?;
                    (Some(v.value.expose().to_string()), "SET")
                }
                (ChangeOp::Set, None) => {
                    return Err(ConfluentError::Manifest(format!(
                        "action {} sets {} to nothing",
                        a.id, ch.key
                    )))
                }
            };
            entries.push(AlterConfigEntry {
                name: ch.key.clone(),
                value,
                operation,
            });
        }
        Ok(entries)
    }

    async fn create_link(
        &self,
        client: &ClusterClient,
        a: &Action,
        ctx: &ExecContext<'_>,
    ) -> Result<Outcome, ConfluentError> {
        let body = self.create_link_body(ctx.manifest, a).await?;
        let started = Instant::now();
        let query = [("link_name", a.link.as_str())];
        let link_path = ["links", a.link.as_str()];
        retry_write(
            &client.retry,
            || client.write_once(Method::POST, &["links"], &query, Some(&body)),
            || exists(client, &link_path),
        )
        .await?;
        let (link, _) = wait_link_visible(client, &a.link, &self.wait_ctx(ctx, a)).await?;
        Ok(Outcome {
            summary: format!(
                "link {} created on {} ({}) in {:.1} s",
                a.link,
                a.cluster,
                link.link_state.as_deref().unwrap_or("state unknown"),
                started.elapsed().as_secs_f64()
            ),
        })
    }

    async fn remote_cluster_id(
        &self,
        manifest: &Manifest,
        remote: &str,
    ) -> Result<String, ConfluentError> {
        let cluster = manifest
            .cluster(remote)
            .ok_or_else(|| ConfluentError::Manifest(format!("unknown cluster {remote}")))?;
        if let Some(id) = &cluster.cluster_id {
            return Ok(id.value.clone());
        }
        if cluster.rest.is_none() {
            return Err(ConfluentError::Manifest(format!(
                "cluster {remote} needs `cluster_id` or `rest` so that its id can be named in the link"
            )));
        }
        let c = self.client(manifest, remote)?;
        Ok(c.cluster_id().await?.to_string())
    }

    async fn update_configs(
        &self,
        client: &ClusterClient,
        a: &Action,
        ctx: &ExecContext<'_>,
    ) -> Result<Outcome, ConfluentError> {
        let entries = Self::alter_entries(ctx.manifest, a)?;
        let body = serde_json::to_value(AlterConfigsRequest {
            data: entries.clone(),
        })
        .map_err(|e| ConfluentError::Manifest(format!("internal: {e}")))?;
        let batch = client
            .write_idempotent(
                Method::PUT,
                &["links", &a.link, "configs:alter"],
                &[],
                Some(&body),
            )
            .await;
        let mode = match batch {
            Ok(_) => "batch",
            Err(e) if matches!(e.status(), Some(404) | Some(405)) => {
                tracing::debug!(link = %a.link, "configs:alter refused; falling back to per-key calls");
                for en in &entries {
                    match &en.value {
                        Some(v) if en.operation == "SET" => {
                            let b = json!({ "value": v });
                            client
                                .write_idempotent(
                                    Method::PUT,
                                    &["links", &a.link, "configs", &en.name],
                                    &[],
                                    Some(&b),
                                )
                                .await?;
                        }
                        _ => {
                            client
                                .write_idempotent(
                                    Method::DELETE,
                                    &["links", &a.link, "configs", &en.name],
                                    &[],
                                    None,
                                )
                                .await?;
                        }
                    }
                }
                "per-key"
            }
            Err(e) => return Err(e),
        };
        ctx.progress.update(
            &a.id,
            &format!("{} configs altered ({mode})", entries.len()),
        );
        Ok(Outcome {
            summary: format!(
                "{} config(s) of link {} on {} updated",
                entries.len(),
                a.link,
                a.cluster
            ),
        })
    }

    async fn delete_link(
        &self,
        client: &ClusterClient,
        a: &Action,
        ctx: &ExecContext<'_>,
    ) -> Result<Outcome, ConfluentError> {
        match client
            .write_idempotent(Method::DELETE, &["links", &a.link], &[], None)
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
        let waited = wait_gone(
            client,
            &["links", &a.link],
            &format!("link {}", a.link),
            &self.wait_ctx(ctx, a),
        )
        .await?;
        Ok(Outcome {
            summary: format!(
                "link {} deleted from {} ({:.1} s)",
                a.link,
                a.cluster,
                waited.as_secs_f64()
            ),
        })
    }

    async fn create_mirror(
        &self,
        client: &ClusterClient,
        a: &Action,
        ctx: &ExecContext<'_>,
    ) -> Result<Outcome, ConfluentError> {
        let mirror = mirror_of(a)?;
        let source = a.source_topic.as_deref().unwrap_or(mirror);
        let body = CreateMirrorRequest {
            source_topic_name: source.to_string(),
            mirror_topic_name: (mirror != source).then(|| mirror.to_string()),
        };
        let body = serde_json::to_value(&body)
            .map_err(|e| ConfluentError::Manifest(format!("internal: {e}")))?;
        let create_path = ["links", a.link.as_str(), "mirrors"];
        let mirror_path = ["links", a.link.as_str(), "mirrors", mirror];
        retry_write(
            &client.retry,
            || client.write_once(Method::POST, &create_path, &[], Some(&body)),
            || exists(client, &mirror_path),
        )
        .await?;
        let reached = wait_mirrors(
            client,
            &a.link,
            &[mirror.to_string()],
            &[MirrorStatus::Active],
            &self.wait_ctx(ctx, a),
        )
        .await?;
        let secs = reached
            .values()
            .next()
            .map(|(_, d)| d.as_secs_f64())
            .unwrap_or(0.0);
        Ok(Outcome {
            summary: format!("mirror {mirror} is ACTIVE after {secs:.1} s"),
        })
    }

    async fn delete_mirror_topic(
        &self,
        client: &ClusterClient,
        a: &Action,
        ctx: &ExecContext<'_>,
    ) -> Result<Outcome, ConfluentError> {
        let mirror = mirror_of(a)?;
        match client
            .write_idempotent(Method::DELETE, &["topics", mirror], &[], None)
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
        let waited = wait_gone(
            client,
            &["links", &a.link, "mirrors", mirror],
            &format!("mirror topic {mirror}"),
            &self.wait_ctx(ctx, a),
        )
        .await?;
        Ok(Outcome {
            summary: format!(
                "mirror topic {mirror} deleted ({:.1} s)",
                waited.as_secs_f64()
            ),
        })
    }
}

async fn exists(client: &ClusterClient, segments: &[&str]) -> Result<bool, ConfluentError> {
    match client.get::<serde_json::Value>(segments, &[]).await {
        Ok(_) => Ok(true),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e),
    }
}
