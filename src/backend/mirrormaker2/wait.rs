//! Waiting for MirrorMaker 2 state: one polling loop with backoff, bounded by
//! the apply's wait timeout, ending at once on a failure.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::backend::{BackendError, ExecContext};

/// What one poll found.
pub enum Poll {
    /// The target state is reached.
    Done,
    /// Not yet: the progress line to show.
    Waiting(String),
}

/// Polls `probe` with backoff (200 ms doubling to 2 s) until it reports
/// `Done`, fails, or the wait timeout runs out.
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
    let deadline = Instant::now() + ctx.wait_timeout;
    let mut delay = Duration::from_millis(200);
    loop {
        match probe().await? {
            Poll::Done => return Ok(()),
            Poll::Waiting(line) => ctx.progress.update(action_id, &line),
        }
        if Instant::now() >= deadline {
            return Err(BackendError::new(
                cluster,
                format!("timed out after {:?} waiting for {what}", ctx.wait_timeout),
            ));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}
