//! Sends each action to the executor of its link's engine.

use super::{BackendError, BoxFuture, ExecContext, Executor, Outcome};
use crate::manifest::Engine;
use crate::plan::Action;

/// An [`Executor`] that routes by `action.engine`.
pub struct EngineRouter {
    pub confluent: Box<dyn Executor>,
    pub mirrormaker2: Box<dyn Executor>,
}

impl EngineRouter {
    fn for_engine(&self, engine: Engine) -> &dyn Executor {
        match engine {
            Engine::Confluent => self.confluent.as_ref(),
            Engine::Mirrormaker2 => self.mirrormaker2.as_ref(),
        }
    }
}

impl Executor for EngineRouter {
    fn execute<'a>(
        &'a self,
        action: &'a Action,
        ctx: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Result<Outcome, BackendError>> {
        self.for_engine(action.engine).execute(action, ctx)
    }

    /// A batch goes whole to its engine when every action shares one engine
    /// (the applier batches actions of one link); otherwise one by one.
    fn execute_batch<'a>(
        &'a self,
        actions: &'a [&'a Action],
        ctx: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Vec<Option<Result<Outcome, BackendError>>>> {
        match actions.first() {
            Some(first) if actions.iter().all(|a| a.engine == first.engine) => {
                self.for_engine(first.engine).execute_batch(actions, ctx)
            }
            _ => Box::pin(async move {
                let mut out = Vec::new();
                let mut failed = false;
                for a in actions {
                    if failed {
                        out.push(None);
                        continue;
                    }
                    let r = self.execute(a, ctx).await;
                    failed = r.is_err();
                    out.push(Some(r));
                }
                out
            }),
        }
    }
}
