//! An engine that runs nothing: it records the steps it is given, fails the
//! actions it is told to fail (with `--fail-fast`, it does not attempt the
//! rest of that step),
//! and reports every remaining action of a step as interrupted once the
//! command's token is cancelled — for tests of the apply engine itself.

use std::collections::BTreeSet;
use std::sync::Mutex;

use linkctl::backend::kafka::KafkaClients;
use linkctl::backend::{
    registry, ActionResult, BackendError, BoxFuture, Engine, ExecContext, ReadDetail, Scope,
    Validation,
};
use linkctl::manifest::{EngineName, Manifest};
use linkctl::plan::{Action, EngineModel, EngineModels};
use linkctl::state::LiveState;

pub struct Fake {
    pub fail: BTreeSet<String>,
    pub steps: Mutex<Vec<Vec<String>>>,
    /// How long each step takes (on tokio's clock, which a test may pause).
    pub delay: std::time::Duration,
}

impl Fake {
    pub fn new(fail: &[&str]) -> Self {
        Self {
            fail: fail.iter().map(|s| s.to_string()).collect(),
            steps: Mutex::new(Vec::new()),
            delay: std::time::Duration::ZERO,
        }
    }

    /// Every action id it was given, in order.
    pub fn seen(&self) -> Vec<String> {
        match self.steps.lock() {
            Ok(g) => g.iter().flatten().cloned().collect(),
            Err(p) => p.into_inner().iter().flatten().cloned().collect(),
        }
    }
}

impl Engine for Fake {
    fn model(&self) -> &'static dyn EngineModel {
        registry::model(EngineName::Confluent)
    }
    fn read<'a>(
        &'a self,
        _: &'a Manifest,
        _: &'a Scope,
        _: ReadDetail,
        _: &'a KafkaClients,
    ) -> BoxFuture<'a, Result<LiveState, BackendError>> {
        Box::pin(async { Ok(LiveState::default()) })
    }
    fn execute_step<'a>(
        &'a self,
        step: &'a [&'a Action],
        ctx: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Vec<ActionResult>> {
        Box::pin(async move {
            tokio::task::yield_now().await;
            if !self.delay.is_zero() {
                for a in step {
                    ctx.progress.update(&a.id, "waiting for the server");
                }
                tokio::time::sleep(self.delay).await;
            }
            let mut out = Vec::new();
            let mut ids = Vec::new();
            let mut failed = false;
            for a in step {
                if failed {
                    out.push(ActionResult::NotAttempted);
                    continue;
                }
                ids.push(a.id.clone());
                ctx.progress.update(&a.id, "working");
                if ctx.cancel.is_cancelled() {
                    out.push(ActionResult::Failed(BackendError::interrupted(
                        &a.cluster, &a.id,
                    )));
                } else if self.fail.contains(&a.id) {
                    failed = ctx.fail_fast;
                    out.push(ActionResult::Failed(BackendError::new(
                        &a.cluster,
                        "HTTP 500: boom from the server",
                    )));
                } else {
                    out.push(ActionResult::done(format!("{} ok", a.id)));
                }
            }
            if let Ok(mut g) = self.steps.lock() {
                g.push(ids);
            }
            out
        })
    }
    fn health<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Result<Vec<String>, BackendError>> {
        Box::pin(async { Ok(vec![]) })
    }
    fn server_validate<'a>(
        &'a self,
        _: &'a Action,
        _: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Result<Validation, BackendError>> {
        Box::pin(async { Ok(Validation::NotApplicable) })
    }
    fn readiness<'a>(
        &'a self,
        _: &'a [&'a Action],
        _: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Result<Vec<linkctl::plan::cutover::Readiness>, BackendError>> {
        Box::pin(async { Ok(vec![]) })
    }
}

/// Runs every Confluent action on one engine; knows no other engine.
pub struct Only<'a>(pub &'a dyn Engine);

impl linkctl::apply::EngineSet for Only<'_> {
    fn engine(&self, name: EngineName) -> Option<&dyn Engine> {
        (name == EngineName::Confluent).then_some(self.0)
    }

    fn models(&self) -> EngineModels {
        registry::models()
    }
}
