//! Waiting for MirrorMaker 2 state: one polling loop on the shared ticker
//! (backoff with jitter), bounded by the apply's wait timeout, ending at once
//! on a failure or an interrupt.

use std::future::Future;
use std::time::Duration;

use crate::backend::wait::{PollPolicy, Tick, Ticker};
use crate::backend::{BackendError, ExecContext};

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
    let policy = PollPolicy {
        initial: Duration::from_millis(200),
        max: Duration::from_secs(2),
    };
    let mut ticker = Ticker::new(policy, ctx.wait_timeout, ctx.cancel);
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
