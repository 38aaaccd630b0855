//! Retries with exponential backoff, only where a retry cannot duplicate an
//! effect: reads and idempotent writes retry directly; non-idempotent writes
//! re-read the state before trying again (see [`retry_write`]).

use std::future::Future;
use std::time::Duration;

use super::errors::ConfluentError;

/// How often and how patiently to retry 429 / 5xx / retriable Kafka errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    pub min_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// Like the Confluent Terraform provider: 4 retries, 1 s to 30 s.
    fn default() -> Self {
        Self {
            max_retries: 4,
            min_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Backoff before retry number `attempt` (0-based): min · 2^attempt, capped.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX);
        self.min_backoff
            .checked_mul(factor)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff)
    }
}

/// Runs a read or an idempotent write, retrying retriable failures.
pub async fn retry_idempotent<T, F, Fut>(
    policy: &RetryPolicy,
    mut op: F,
) -> Result<T, ConfluentError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ConfluentError>>,
{
    let mut attempt = 0;
    loop {
        match op().await {
            Err(e) if e.is_retriable() && attempt < policy.max_retries => {
                tracing::debug!(attempt, error = %e, "retrying");
                tokio::time::sleep(policy.backoff(attempt)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Runs a non-idempotent write. On a retriable failure the effect may or may
/// not have happened, so `already_applied` re-reads the state first: when it
/// says the effect is there, the write counts as done (`Ok(None)`); otherwise
/// the write is sent again.
pub async fn retry_write<T, F, Fut, C, CFut>(
    policy: &RetryPolicy,
    mut op: F,
    mut already_applied: C,
) -> Result<Option<T>, ConfluentError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ConfluentError>>,
    C: FnMut() -> CFut,
    CFut: Future<Output = Result<bool, ConfluentError>>,
{
    let mut attempt = 0;
    loop {
        match op().await {
            Ok(v) => return Ok(Some(v)),
            Err(e) if e.is_retriable() && attempt < policy.max_retries => {
                tracing::debug!(attempt, error = %e, "write failed; re-reading before a retry");
                tokio::time::sleep(policy.backoff(attempt)).await;
                attempt += 1;
                if already_applied().await? {
                    return Ok(None);
                }
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(0), Duration::from_secs(1));
        assert_eq!(p.backoff(1), Duration::from_secs(2));
        assert_eq!(p.backoff(4), Duration::from_secs(16));
        assert_eq!(p.backoff(5), Duration::from_secs(30));
        assert_eq!(p.backoff(60), Duration::from_secs(30));
    }
}
