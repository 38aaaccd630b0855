//! The waiting line: what linkctl waits for while an endpoint is slow or
//! retried ([`crate::backend::waiting`]). On a terminal, one live line on
//! stderr, redrawn in place and erased when the wait ends
//! (`reading europe (Confluent REST): connection refused, retry 2, 4 s left`);
//! elsewhere (CI logs), the same words on a line of their own each time
//! they change (not each second).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::backend::waiting::{Notice, Reporter};

use super::pipe;

/// Set while the apply's spinners own the terminal: the live line would
/// garble them, so it is not drawn then (the spinners show progress).
static HELD: AtomicBool = AtomicBool::new(false);

/// Holds the live line back (`true`) or lets it be drawn again.
pub fn hold(held: bool) {
    HELD.store(held, Ordering::SeqCst);
}

pub struct WaitingLine {
    tty: bool,
    /// The last notice written, without its countdown (non-terminal:
    /// nothing is written again until it changes); on a terminal, whether
    /// a line is drawn.
    last: Mutex<Option<String>>,
}

impl WaitingLine {
    pub fn new(tty: bool) -> Self {
        Self {
            tty,
            last: Mutex::new(None),
        }
    }

    fn last(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        match self.last.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }
}

impl Reporter for WaitingLine {
    fn notice(&self, n: &Notice) {
        let mut last = self.last();
        if self.tty {
            if !HELD.load(Ordering::SeqCst) {
                pipe::err_live(&n.to_string());
                *last = Some(n.what.clone());
            }
            return;
        }
        let key = format!("{}: {} ({})", n.what, n.reason, n.retry);
        if last.as_deref() != Some(key.as_str()) {
            pipe::err_line(&n.to_string());
            *last = Some(key);
        }
    }

    fn done(&self, _what: &str) {
        let mut last = self.last();
        if self.tty && last.is_some() {
            pipe::err_live_clear();
        }
        *last = None;
    }
}
