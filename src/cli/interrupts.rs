//! Ctrl-C (SIGINT) and SIGTERM during `apply`: the first one cancels the
//! apply's token (no new step starts; running steps stop at their next safe
//! point and the usual report follows, exit status 130); a second one exits
//! at once with a one-line report.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::apply::{ApplyEvent, EventSink};

/// The exit status of an interrupted command (128 + SIGINT).
pub const INTERRUPTED: u8 = 130;

/// Counts the actions that started and are not closed yet, for the
/// one-line report of a second interrupt.
pub struct Open<'a> {
    inner: &'a dyn EventSink,
    open: Arc<AtomicUsize>,
}

impl<'a> Open<'a> {
    pub fn new(inner: &'a dyn EventSink, open: Arc<AtomicUsize>) -> Self {
        Self { inner, open }
    }
}

impl EventSink for Open<'_> {
    fn emit(&self, event: &ApplyEvent) {
        match event {
            ApplyEvent::ActionStarted { .. } => {
                self.open.fetch_add(1, Ordering::SeqCst);
            }
            ApplyEvent::ActionDone { .. }
            | ApplyEvent::ActionFailed { .. }
            | ApplyEvent::ActionInterrupted { .. }
            | ApplyEvent::ActionNotAttempted { .. } => {
                let _ = self
                    .open
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
            }
            _ => {}
        }
        self.inner.emit(event);
    }
}

/// The next SIGINT or SIGTERM, by name.
async fn next_signal(#[cfg(unix)] term: &mut tokio::signal::unix::Signal) -> &'static str {
    #[cfg(unix)]
    {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => "Ctrl-C",
            _ = term.recv() => "SIGTERM",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// For a command that runs until it is stopped (`status --watch`): a token
/// cancelled at the first SIGINT or SIGTERM (the handlers are installed
/// now, so a signal that arrives between two waits is not lost).
pub fn stop_token() -> std::io::Result<CancellationToken> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let stop = CancellationToken::new();
    let cancel = stop.clone();
    tokio::spawn(async move {
        next_signal(
            #[cfg(unix)]
            &mut term,
        )
        .await;
        cancel.cancel();
    });
    Ok(stop)
}

/// Installs the handlers (from now on Ctrl-C no longer kills the process at
/// once) and watches for interrupts in the background.
pub fn watch(cancel: CancellationToken, open: Arc<AtomicUsize>) -> std::io::Result<()> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::spawn(async move {
        let first = next_signal(
            #[cfg(unix)]
            &mut term,
        )
        .await;
        cancel.cancel();
        super::pipe::err_line(&format!(
            "\nlinkctl: {first} received: finishing the running steps at a safe point and starting nothing new (press Ctrl-C again to exit at once)"
        ));
        let second = next_signal(
            #[cfg(unix)]
            &mut term,
        )
        .await;
        super::pipe::err_line(&format!(
            "linkctl: {second} received again: exiting now with {} action(s) still running; what they sent may or may not have taken effect — run `linkctl apply` again to converge",
            open.load(Ordering::SeqCst)
        ));
        std::process::exit(i32::from(INTERRUPTED));
    });
    Ok(())
}
