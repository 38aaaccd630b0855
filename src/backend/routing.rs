//! Sends each action to the executor of its link's engine.

use super::{BackendError, BoxFuture, ExecContext, Executor, Outcome};
use crate::manifest::Engine;
use crate::plan::Action;

/// An [`Executor`] that routes by `action.engine`.
pub struct EngineRouter {
    pub confluent: Box<dyn Executor>,
    pub mirrormaker2: Box<dyn Executor>,
}

impl Executor for EngineRouter {
    fn execute<'a>(
        &'a self,
        action: &'a Action,
        ctx: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Result<Outcome, BackendError>> {
        match action.engine {
            Engine::Confluent => self.confluent.execute(action, ctx),
            Engine::Mirrormaker2 => self.mirrormaker2.execute(action, ctx),
        }
    }
}
