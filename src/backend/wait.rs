//! Waiting for an asynchronous change, for every engine: poll with
//! backoff and jitter (backon's schedule), never past the wait's timeout,
//! and give up at once, at a safe point, when the command is interrupted.

use std::time::{Duration, Instant};

use backon::{BackoffBuilder, ExponentialBuilder};
use tokio_util::sync::CancellationToken;

/// Poll intervals: `initial`, doubling (with jitter: up to twice as long)
/// up to `max`. A poll is one request per link whatever the number of
/// mirrors, so polling often is cheap, and a long interval is what makes
/// an apply end late: the default stays at a few seconds at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    pub initial: Duration,
    pub max: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(250),
            max: Duration::from_secs(2),
        }
    }
}

/// Why a wait stopped sleeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tick {
    /// Time to poll again.
    Poll,
    /// The timeout has passed.
    TimedOut,
    /// The command was interrupted: stop waiting.
    Interrupted,
}

/// The clock of one wait.
pub struct Ticker {
    started: Instant,
    timeout: Duration,
    delays: backon::ExponentialBackoff,
    max: Duration,
    cancel: CancellationToken,
}

impl Ticker {
    pub fn new(p: PollPolicy, timeout: Duration, cancel: &CancellationToken) -> Self {
        Self {
            started: Instant::now(),
            timeout,
            delays: ExponentialBuilder::default()
                .with_min_delay(p.initial)
                .with_max_delay(p.max.max(p.initial))
                .without_max_times()
                .with_jitter()
                .build(),
            max: p.max,
            cancel: cancel.clone(),
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// True once the command is interrupted.
    pub fn interrupted(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Sleeps until the next poll, never past the timeout; returns early
    /// when the command is interrupted.
    pub async fn tick(&mut self) -> Tick {
        if self.cancel.is_cancelled() {
            return Tick::Interrupted;
        }
        let left = self.timeout.saturating_sub(self.elapsed());
        if left.is_zero() {
            return Tick::TimedOut;
        }
        let next = self.delays.next().unwrap_or(self.max).min(left);
        tokio::select! {
            _ = tokio::time::sleep(next) => Tick::Poll,
            _ = self.cancel.cancelled() => Tick::Interrupted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_tick_ends_at_once_on_interrupt_and_at_the_timeout() {
        let cancel = CancellationToken::new();
        let p = PollPolicy {
            initial: Duration::from_secs(5),
            max: Duration::from_secs(5),
        };
        let mut t = Ticker::new(p, Duration::from_millis(50), &cancel);
        let started = Instant::now();
        assert_eq!(t.tick().await, Tick::Poll);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "never past the timeout"
        );
        assert_eq!(t.tick().await, Tick::TimedOut);

        let mut t = Ticker::new(p, Duration::from_secs(60), &cancel);
        let c = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            c.cancel();
        });
        let started = Instant::now();
        assert_eq!(t.tick().await, Tick::Interrupted);
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}
