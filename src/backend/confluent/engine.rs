//! [`Engine`] for Confluent Cluster Linking.

use std::collections::BTreeSet;

use super::model::ConfluentModel;
use super::read::{health_problems, TopicReads};
use super::ConfluentBackend;
use crate::backend::engine::{Engine, ReadDetail};
use crate::backend::kafka::topics_reader::wanted_topics;
use crate::backend::kafka::KafkaClients;
use crate::backend::{
    ActionResult, BackendError, BoxFuture, Clusters, ExecContext, Scope, Validation,
};
use crate::manifest::Manifest;
use crate::plan::cutover::Readiness;
use crate::plan::Action;
use crate::plan::EngineModel;
use crate::state::LiveState;

impl Engine for ConfluentBackend {
    fn model(&self) -> &'static dyn EngineModel {
        &ConfluentModel
    }

    fn read<'a>(
        &'a self,
        manifest: &'a Manifest,
        scope: &'a Scope,
        detail: ReadDetail,
        _kafka: &'a KafkaClients,
    ) -> BoxFuture<'a, Result<LiveState, BackendError>> {
        // The sources of Confluent links that declare mirrors.
        let names: BTreeSet<String> = scope
            .mirrored_sources(manifest, crate::manifest::EngineName::Confluent)
            .into_iter()
            .map(str::to_string)
            .collect();
        // For `status`: topics over REST, so that the Kafka protocol is
        // needed only for group offsets.
        let details = match detail {
            ReadDetail::Status => wanted_topics(manifest, scope),
            ReadDetail::Plan => Default::default(),
        };
        let topics = TopicReads { names, details };
        Box::pin(async move {
            self.read_clusters(Clusters::of(manifest), scope, detail, &topics)
                .await
        })
    }

    fn execute_step<'a>(
        &'a self,
        step: &'a [&'a Action],
        ctx: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Vec<ActionResult>> {
        Box::pin(self.run_step(step, ctx))
    }

    fn health<'a>(
        &'a self,
        cluster: &'a str,
        link: &'a str,
        ctx: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Result<Vec<String>, BackendError>> {
        Box::pin(async move {
            let l = self.read_link_health(ctx.clusters, cluster, link).await?;
            Ok(health_problems(&l))
        })
    }

    fn server_validate<'a>(
        &'a self,
        action: &'a Action,
        ctx: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Result<Validation, BackendError>> {
        Box::pin(self.server_validate_action(action, ctx))
    }

    fn readiness<'a>(
        &'a self,
        actions: &'a [&'a Action],
        ctx: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Result<Vec<Readiness>, BackendError>> {
        Box::pin(async move {
            let Some(first) = actions.first() else {
                return Ok(Vec::new());
            };
            let client = self
                .client(ctx.clusters, &first.cluster)
                .map_err(|e| e.into_backend(&first.cluster))?;
            super::cutover::observe(&client, &first.link, actions, ctx)
                .await
                .map_err(|e| e.into_backend(&first.cluster))
        })
    }
}
