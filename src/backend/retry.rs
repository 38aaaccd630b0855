//! One retry policy for every engine (backon): exponential backoff with
//! jitter, a server's `Retry-After` honoured, bounded by a number of retries
//! and by a total time budget. Only failures that say a retry may help are
//! retried, and only operations that cannot duplicate an effect are retried
//! blindly (reads, idempotent writes); other writes confirm their state
//! first (`confluent::retry::retry_write`).

use std::future::Future;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff (then doubling, with jitter).
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    /// Longest total time spent sleeping between attempts.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    /// Like the Confluent Terraform provider: 4 retries, 1 s to 30 s.
    fn default() -> Self {
        Self {
            max_retries: 4,
            min_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            budget: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// The backoff schedule.
    pub fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(self.min_backoff)
            .with_max_delay(self.max_backoff.max(self.min_backoff))
            .with_max_times(self.max_retries as usize)
            .with_total_delay(Some(self.budget))
            .with_jitter()
    }
}

/// What a failure says about retrying it.
pub trait Transient {
    /// A retry may succeed (rate limited, a server error, a broken connection).
    fn is_transient(&self) -> bool;
    /// How long the server asked to wait (`Retry-After`).
    fn retry_after(&self) -> Option<Duration> {
        None
    }
}

/// Runs `op`, which must be safe to repeat, retrying transient failures.
/// A `Retry-After` longer than the planned backoff is waited for (never
/// longer than the policy's whole budget).
pub async fn retry<T, E, F, Fut>(policy: &RetryPolicy, op: F) -> Result<T, E>
where
    E: Transient + std::fmt::Display,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let budget = policy.budget;
    op.retry(policy.backoff())
        .when(|e: &E| e.is_transient())
        .adjust(move |e: &E, planned: Option<Duration>| {
            let planned = planned?;
            Some(match e.retry_after() {
                Some(asked) => asked.max(planned).min(budget),
                None => planned,
            })
        })
        .notify(|e: &E, after: Duration| {
            tracing::debug!(error = %e, wait_ms = after.as_millis() as u64, "retrying");
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[derive(Debug)]
    struct Fail {
        transient: bool,
        after: Option<Duration>,
    }
    impl std::fmt::Display for Fail {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "fail")
        }
    }
    impl Transient for Fail {
        fn is_transient(&self) -> bool {
            self.transient
        }
        fn retry_after(&self) -> Option<Duration> {
            self.after
        }
    }

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_retries: 3,
            min_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(400),
            budget: Duration::from_secs(5),
        }
    }

    /// How many attempts `retry` makes of a call that always fails, with a
    /// transient or a permanent error.
    async fn attempts_of_failing_call(transient: bool) -> u32 {
        let n = AtomicU32::new(0);
        let r: Result<(), Fail> = retry(&policy(), || async {
            n.fetch_add(1, Ordering::SeqCst);
            Err(Fail {
                transient,
                after: None,
            })
        })
        .await;
        assert!(r.is_err());
        n.load(Ordering::SeqCst)
    }

    #[tokio::test]
    async fn transient_failures_are_retried_up_to_the_limit() {
        assert_eq!(attempts_of_failing_call(true).await, 4);
    }

    #[tokio::test]
    async fn permanent_failures_are_not_retried() {
        assert_eq!(attempts_of_failing_call(false).await, 1);
    }

    #[tokio::test]
    async fn retry_after_is_honoured() {
        let n = AtomicU32::new(0);
        let started = std::time::Instant::now();
        let r: Result<u32, Fail> = retry(&policy(), || async {
            if n.fetch_add(1, Ordering::SeqCst) == 0 {
                Err(Fail {
                    transient: true,
                    after: Some(Duration::from_millis(300)),
                })
            } else {
                Ok(7)
            }
        })
        .await;
        assert_eq!(r.ok(), Some(7));
        assert!(started.elapsed() >= Duration::from_millis(300));
    }
}
