//! The MirrorMaker 2 engine: a link is a pair of MirrorMaker 2 connectors on
//! the destination's Kafka Connect cluster (see `mapping` for the details).
//!
//! - [`model`]: the pure half (validation in [`limits`], payloads in
//!   [`payload`] from the desired connector configs of [`spec`] and
//!   [`mapping`]);
//! - [`connect_client`]: the Kafka Connect REST client; [`read`]: live
//!   state; [`execute`] (+ [`wait`]): steps.

pub mod clients;
pub mod connect_client;
pub mod connect_snapshot;
pub mod cutover;
pub mod execute;
pub mod limits;
pub mod mapping;
pub mod mirror_lists;
pub mod mirror_step;
pub mod model;
pub mod offset_syncs;
pub mod payload;
pub mod positions;
pub mod read;
pub mod recopy;
pub mod spec;
pub mod wait;

use crate::backend::engine::{Engine, ReadDetail};
use crate::backend::kafka::KafkaClients;
use crate::backend::{ActionResult, BackendError, BoxFuture, ExecContext, Scope, Validation};
use crate::manifest::Manifest;
use crate::plan::cutover::Readiness;
use crate::plan::Action;
use crate::plan::EngineModel;
use crate::state::LiveState;

/// The MirrorMaker 2 engine of one command, with its Kafka Connect clients.
#[derive(Debug, Default)]
pub struct Mm2Backend {
    connect: clients::ConnectClients,
}

impl Engine for Mm2Backend {
    fn model(&self) -> &'static dyn EngineModel {
        &model::Mm2Model
    }

    fn read<'a>(
        &'a self,
        manifest: &'a Manifest,
        scope: &'a Scope,
        detail: ReadDetail,
        kafka: &'a KafkaClients,
    ) -> BoxFuture<'a, Result<LiveState, BackendError>> {
        Box::pin(read::read(manifest, scope, detail, kafka, &self.connect))
    }

    fn execute_step<'a>(
        &'a self,
        step: &'a [&'a Action],
        ctx: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Vec<ActionResult>> {
        Box::pin(execute::run_step(step, ctx, &self.connect))
    }

    fn health<'a>(
        &'a self,
        cluster: &'a str,
        link: &'a str,
        ctx: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Result<Vec<String>, BackendError>> {
        Box::pin(async move {
            let connect = self.connect.get(cluster, ctx.clusters.get(cluster)?)?;
            read::link_health(&connect, link).await
        })
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
            let connect = self
                .connect
                .get(&first.cluster, ctx.clusters.get(&first.cluster)?)?;
            cutover::observe(&connect, actions, ctx).await
        })
    }

    /// Kafka Connect has no validate-only write for a connector config that
    /// linkctl uses; nothing is asked.
    fn server_validate<'a>(
        &'a self,
        _action: &'a Action,
        _ctx: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Result<Validation, BackendError>> {
        Box::pin(async { Ok(Validation::NotApplicable) })
    }
}
