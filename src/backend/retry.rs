//! One retry policy for every engine (backon): exponential backoff with
//! jitter, a server's `Retry-After` honoured, bounded by a number of retries
//! and by a total time budget. Only failures that say a retry may help are
//! retried, and only operations that cannot duplicate an effect are retried
//! blindly (reads, idempotent writes); other writes confirm their state
//! first (`confluent::retry::retry_write`).
//!
//! [`retry_within`] bounds the whole wait for one endpoint, retries
//! included, by the endpoint's request timeout (`--timeout`, `timeouts:`),
//! and says what it waits for while it waits ([`super::waiting`]).

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use tokio::time::Instant;

use super::waiting::{self, Notice};

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
    /// A few words for the waiting line (`connection refused`, `HTTP 503`);
    /// `None`: the error's own words.
    fn waiting_reason(&self) -> Option<String> {
        None
    }
}

/// One wait for an endpoint: what it is, for the waiting line (`reading
/// europe (Confluent REST)`), and how long it may last in all, retries
/// included (the endpoint's request timeout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    pub what: String,
    pub limit: Duration,
}

/// How often the waiting line is refreshed while an attempt is unanswered.
const NOTICE_EVERY: Duration = Duration::from_secs(1);

/// Runs `fut`, reporting every [`NOTICE_EVERY`] that it is still unanswered.
async fn watched<F: Future>(
    what: &str,
    deadline: Instant,
    retry: u32,
    reason: Option<String>,
    reported: &AtomicBool,
    fut: F,
) -> F::Output {
    tokio::pin!(fut);
    let mut tick = tokio::time::interval_at(Instant::now() + NOTICE_EVERY, NOTICE_EVERY);
    loop {
        tokio::select! {
            r = &mut fut => return r,
            _ = tick.tick() => {
                reported.store(true, Ordering::SeqCst);
                let waited = reason.as_deref().map_or("no answer yet".to_string(), |r| format!("{r}; no answer yet"));
                waiting::notice(&Notice {
                    what: what.to_string(),
                    reason: waited,
                    retry,
                    left: deadline.saturating_duration_since(Instant::now()),
                });
            }
        }
    }
}

/// [`retry`] within `bound`: the attempts and the backoffs between them
/// end by the bound's deadline. An attempt still running then ends with
/// `timed_out()`; a backoff that would end past it is not slept (the last
/// failure is returned). While an attempt goes unanswered for a second, or
/// between retries, a [`waiting`] notice says what is waited for.
pub async fn retry_within<T, E, F, Fut>(
    policy: &RetryPolicy,
    bound: &Bound,
    mut op: F,
    timed_out: impl Fn() -> E,
) -> Result<T, E>
where
    E: Transient + std::fmt::Display,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let deadline = Instant::now() + bound.limit;
    let budget = policy.budget;
    let retries = AtomicU32::new(0);
    let last: Mutex<Option<String>> = Mutex::new(None);
    let reported = AtomicBool::new(false);
    let (retries, last, reported, timed_out) = (&retries, &last, &reported, &timed_out);
    let what = bound.what.as_str();
    let attempt = || {
        let fut = op();
        let reason = last.lock().ok().and_then(|g| g.clone());
        async move {
            let n = retries.load(Ordering::SeqCst);
            let run = watched(what, deadline, n, reason, reported, fut);
            match tokio::time::timeout_at(deadline, run).await {
                Ok(r) => r,
                Err(_) => Err(timed_out()),
            }
        }
    };
    let result = attempt
        .retry(policy.backoff())
        .when(|e: &E| e.is_transient())
        .adjust(move |e: &E, planned: Option<Duration>| {
            let planned = planned?;
            let wait = match e.retry_after() {
                Some(asked) => asked.max(planned).min(budget),
                None => planned,
            };
            (Instant::now() + wait < deadline).then_some(wait)
        })
        .notify(|e: &E, after: Duration| {
            let n = retries.fetch_add(1, Ordering::SeqCst) + 1;
            let reason = e.waiting_reason().unwrap_or_else(|| e.to_string());
            tracing::debug!(error = %e, wait_ms = after.as_millis() as u64, "retrying");
            if let Ok(mut g) = last.lock() {
                *g = Some(reason.clone());
            }
            reported.store(true, Ordering::SeqCst);
            waiting::notice(&Notice {
                what: what.to_string(),
                reason,
                retry: n,
                left: deadline.saturating_duration_since(Instant::now()),
            });
        })
        .await;
    if reported.load(Ordering::SeqCst) {
        waiting::done(what);
    }
    result
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

    fn bound(limit: Duration) -> Bound {
        Bound {
            what: "reading europe (test)".into(),
            limit,
        }
    }

    #[tokio::test]
    async fn retries_stop_at_the_bound() {
        // Transient failures every 50 ms of backoff would go on for 4
        // retries; a bound of 120 ms leaves room for fewer.
        let n = AtomicU32::new(0);
        let p = RetryPolicy {
            max_retries: 20,
            min_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(50),
            budget: Duration::from_secs(60),
        };
        let started = std::time::Instant::now();
        let r: Result<(), Fail> = retry_within(
            &p,
            &bound(Duration::from_millis(120)),
            || async {
                n.fetch_add(1, Ordering::SeqCst);
                Err(Fail {
                    transient: true,
                    after: None,
                })
            },
            || Fail {
                transient: false,
                after: None,
            },
        )
        .await;
        assert!(r.is_err());
        let attempts = n.load(Ordering::SeqCst);
        assert!((2..=4).contains(&attempts), "{attempts} attempts");
        // Margin for a busy machine: the bound is 120 ms.
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[tokio::test]
    async fn an_attempt_that_never_answers_ends_at_the_bound() {
        let r: Result<(), Fail> = retry_within(
            &policy(),
            &bound(Duration::from_millis(100)),
            std::future::pending,
            || Fail {
                transient: false,
                after: Some(Duration::from_secs(9)),
            },
        )
        .await;
        // The error is the bound's own (`timed_out`).
        assert_eq!(r.err().and_then(|e| e.after), Some(Duration::from_secs(9)));
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
