//! What the command is waiting for, as it waits: while a request to an
//! endpoint goes unanswered for more than a second, or is retried, the
//! backends say so through one process-wide [`Reporter`] (the CLI draws a
//! live line on a terminal, or writes a line per change elsewhere):
//! `reading europe (Confluent REST): connection refused, retry 2, 4 s left`.
//!
//! Without a reporter (library use, tests), notices go to the debug log only.

use std::sync::OnceLock;
use std::time::Duration;

/// One moment of a wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// What is waited for: `reading europe (Confluent REST)`.
    pub what: String,
    /// Why there is no answer yet: the last attempt's failure, or
    /// `no answer yet`.
    pub reason: String,
    /// Retries made so far (0: the first attempt is still running).
    pub retry: u32,
    /// Time left before the wait gives up.
    pub left: Duration,
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.what, self.reason)?;
        if self.retry > 0 {
            write!(f, ", retry {}", self.retry)?;
        }
        // Whole seconds, rounded up: "0 s left" only once it is over.
        let left = self.left.as_millis().div_ceil(1000);
        write!(f, ", {left} s left")
    }
}

/// Where notices go.
pub trait Reporter: Send + Sync {
    /// The wait goes on: show `notice` (replacing the previous one).
    fn notice(&self, notice: &Notice);
    /// The wait `what` is over (answered, or given up).
    fn done(&self, what: &str);
}

static REPORTER: OnceLock<Box<dyn Reporter>> = OnceLock::new();

/// Installs the process's reporter (once; later calls are ignored).
pub fn install(reporter: Box<dyn Reporter>) {
    let _ = REPORTER.set(reporter);
}

/// Reports a moment of a wait.
pub fn notice(n: &Notice) {
    tracing::debug!(what = %n.what, reason = %n.reason, retry = n.retry, left_ms = n.left.as_millis() as u64, "waiting");
    if let Some(r) = REPORTER.get() {
        r.notice(n);
    }
}

/// Reports the end of a wait that was reported.
pub fn done(what: &str) {
    if let Some(r) = REPORTER.get() {
        r.done(what);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_reads_as_one_line() {
        let n = Notice {
            what: "reading europe (Confluent REST)".into(),
            reason: "connection refused".into(),
            retry: 2,
            left: Duration::from_millis(3200),
        };
        assert_eq!(
            n.to_string(),
            "reading europe (Confluent REST): connection refused, retry 2, 4 s left"
        );
        let first = Notice {
            retry: 0,
            reason: "no answer yet".into(),
            left: Duration::from_secs(1),
            ..n
        };
        assert_eq!(
            first.to_string(),
            "reading europe (Confluent REST): no answer yet, 1 s left"
        );
    }
}
