//! Writes that must not be repeated blindly (creates, bulk mirror actions),
//! retried with the shared policy ([`crate::backend::retry`]) only after the
//! state has been confirmed.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use backon::BackoffBuilder;

use super::errors::ConfluentError;
use crate::backend::retry::{retry, RetryPolicy};

/// Runs a non-idempotent write. After a transient failure the effect may or
/// may not have happened, so before each retry `confirm` re-reads the state:
/// when the effect is there, the write counts as done (`Ok(None)`);
/// otherwise the write is sent again. A 409 ("already exists") answer to a
/// retried write is the first attempt's effect showing: it counts as done
/// once `confirm` finds it, polled for up to `grace` (a new object may
/// answer 404 for a while); only if it never shows is the 409 an error.
pub async fn retry_write<T, F, Fut, C, CFut>(
    policy: &RetryPolicy,
    grace: Duration,
    op: F,
    confirm: C,
) -> Result<Option<T>, ConfluentError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, ConfluentError>>,
    C: Fn() -> CFut,
    CFut: Future<Output = Result<bool, ConfluentError>>,
{
    let attempt = AtomicU32::new(0);
    let (op, confirm, attempt) = (&op, &confirm, &attempt);
    retry(policy, || async move {
        let retried = attempt.fetch_add(1, Ordering::SeqCst) > 0;
        if retried && confirm().await? {
            tracing::debug!("a retried write found its effect already there");
            return Ok(None);
        }
        match op().await {
            Ok(v) => Ok(Some(v)),
            Err(e) if retried && e.is_conflict() => {
                if confirmed_within(policy, grace, confirm).await? {
                    Ok(None)
                } else {
                    Err(e)
                }
            }
            Err(e) => Err(e),
        }
    })
    .await
}

/// Polls `confirm` with the policy's backoff until it says yes or `grace`
/// has passed.
async fn confirmed_within<C, CFut>(
    policy: &RetryPolicy,
    grace: Duration,
    confirm: &C,
) -> Result<bool, ConfluentError>
where
    C: Fn() -> CFut,
    CFut: Future<Output = Result<bool, ConfluentError>>,
{
    let started = Instant::now();
    let mut delays = RetryPolicy {
        max_retries: u32::MAX,
        ..*policy
    }
    .backoff()
    .build();
    loop {
        if confirm().await? {
            return Ok(true);
        }
        let left = grace.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Ok(false);
        }
        let next = delays.next().unwrap_or(policy.max_backoff);
        tokio::time::sleep(next.min(left)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_retries: 3,
            min_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(5),
            budget: Duration::from_secs(5),
        }
    }

    fn http(status: u16) -> ConfluentError {
        ConfluentError::Http {
            method: "POST".into(),
            path: "/x".into(),
            status,
            error_code: None,
            message: None,
            retry_after: None,
        }
    }

    #[tokio::test]
    async fn a_conflict_on_a_retry_is_done_once_the_object_shows() {
        let sent = AtomicU32::new(0);
        let reads = AtomicU32::new(0);
        let r = retry_write(
            &policy(),
            Duration::from_secs(2),
            || async {
                // The first create times out (but happened); the retry sees it.
                if sent.fetch_add(1, Ordering::SeqCst) == 0 {
                    Err(http(504))
                } else {
                    Err(http(409))
                }
            },
            // Not visible on the first two reads (eventual consistency).
            || async { Ok(reads.fetch_add(1, Ordering::SeqCst) >= 2) },
        )
        .await;
        assert_eq!(r, Ok(None::<()>));
        assert_eq!(sent.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_conflict_on_the_first_attempt_is_an_error() {
        let r = retry_write(
            &policy(),
            Duration::from_millis(10),
            || async { Err::<(), _>(http(409)) },
            || async { Ok(true) },
        )
        .await;
        assert_eq!(r.unwrap_err().status(), Some(409));
    }

    #[tokio::test]
    async fn a_retry_that_finds_the_effect_sends_nothing_more() {
        let sent = AtomicU32::new(0);
        let r = retry_write(
            &policy(),
            Duration::from_millis(10),
            || async {
                sent.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(http(503))
            },
            || async { Ok(true) },
        )
        .await;
        assert_eq!(r, Ok(None));
        assert_eq!(sent.load(Ordering::SeqCst), 1);
    }
}
