//! Human progress display: an indicatif spinner per running action on a TTY,
//! plain lines otherwise (CI logs). Spinners draw to the terminal
//! themselves, so what they show passes the redaction layer here; plain
//! lines go to a writer that does it (the CLI's).

use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use super::events::{ApplyEvent, EventSink};

enum Mode {
    Spinners {
        multi: MultiProgress,
        bars: HashMap<String, ProgressBar>,
    },
    Plain(Box<dyn Write + Send>),
}

pub struct HumanProgress {
    mode: Mutex<Mode>,
}

impl HumanProgress {
    /// Spinners on stderr (use when stderr is a terminal).
    pub fn spinners() -> Self {
        Self {
            mode: Mutex::new(Mode::Spinners {
                multi: MultiProgress::new(),
                bars: HashMap::new(),
            }),
        }
    }

    /// Plain lines to `out`.
    pub fn plain(out: Box<dyn Write + Send>) -> Self {
        Self {
            mode: Mutex::new(Mode::Plain(out)),
        }
    }

    /// Spinners when stderr is a terminal, plain lines on stderr otherwise.
    pub fn auto() -> Self {
        use std::io::IsTerminal;
        if std::io::stderr().is_terminal() {
            Self::spinners()
        } else {
            Self::plain(Box::new(std::io::stderr()))
        }
    }
}

fn line(e: &ApplyEvent) -> Option<String> {
    Some(match e {
        ApplyEvent::ActionStarted { id, .. } => format!("{id}: started"),
        ApplyEvent::Progress { id, message } => format!("{id}: {message}"),
        ApplyEvent::ActionDone { id, summary, .. } => format!("{id}: done: {summary}"),
        ApplyEvent::ActionFailed { id, error, .. } => format!("{id}: FAILED: {error}"),
        ApplyEvent::ActionNotAttempted { id } => format!("{id}: not attempted"),
        ApplyEvent::ActionSkipped { id, reason, .. } => {
            format!("{id}: not attempted: {reason}")
        }
        ApplyEvent::ActionInterrupted { id, message, .. } => {
            format!("{id}: INTERRUPTED: {message}")
        }
        ApplyEvent::Warning { message, .. } => format!("warning: {message}"),
        ApplyEvent::Error { message } => format!("error: {message}"),
        ApplyEvent::Summary { .. } | ApplyEvent::Plan { .. } | ApplyEvent::Converged => {
            return None
        }
    })
}

/// `e` with its messages through the redaction layer.
fn redacted(e: &ApplyEvent) -> ApplyEvent {
    let clean = |s: &String| crate::redact::output(s, false);
    let mut e = e.clone();
    match &mut e {
        ApplyEvent::Progress { message, .. }
        | ApplyEvent::ActionInterrupted { message, .. }
        | ApplyEvent::Warning { message, .. }
        | ApplyEvent::Error { message } => *message = clean(message),
        ApplyEvent::ActionDone { summary, .. } => *summary = clean(summary),
        ApplyEvent::ActionSkipped { reason, .. } => *reason = clean(reason),
        ApplyEvent::ActionFailed { error, .. } => *error = clean(error),
        _ => {}
    }
    e
}

impl EventSink for HumanProgress {
    fn emit(&self, e: &ApplyEvent) {
        let mut mode = match self.mode.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        match &mut *mode {
            Mode::Plain(out) => {
                if let Some(l) = line(e) {
                    let _ = writeln!(out, "{l}");
                }
            }
            Mode::Spinners { multi, bars } => match &redacted(e) {
                ApplyEvent::ActionStarted { id, .. } => {
                    let bar = multi.add(ProgressBar::new_spinner());
                    bar.set_style(
                        ProgressStyle::with_template("{spinner} {prefix} {wide_msg} {elapsed}")
                            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                    bar.set_prefix(id.clone());
                    bar.enable_steady_tick(Duration::from_millis(120));
                    bars.insert(id.clone(), bar);
                }
                ApplyEvent::Progress { id, message } => {
                    if let Some(b) = bars.get(id) {
                        b.set_message(message.clone());
                    }
                }
                ApplyEvent::ActionDone { id, summary, .. } => {
                    if let Some(b) = bars.remove(id) {
                        b.finish_with_message(format!("done: {summary}"));
                    }
                }
                ApplyEvent::ActionFailed { id, error, .. } => {
                    if let Some(b) = bars.remove(id) {
                        b.abandon_with_message(format!("FAILED: {error}"));
                    }
                }
                ApplyEvent::ActionNotAttempted { id } => {
                    if let Some(b) = bars.remove(id) {
                        b.abandon_with_message("not attempted".to_string());
                    }
                }
                ApplyEvent::ActionSkipped { id, reason, .. } => {
                    let _ = multi.println(format!("{id}: not attempted: {reason}"));
                }
                ApplyEvent::ActionInterrupted { id, message, .. } => {
                    if let Some(b) = bars.remove(id) {
                        b.abandon_with_message(format!("INTERRUPTED: {message}"));
                    }
                }
                ApplyEvent::Warning { message, .. } => {
                    let _ = multi.println(format!("warning: {message}"));
                }
                ApplyEvent::Error { message } => {
                    let _ = multi.println(format!("error: {message}"));
                }
                ApplyEvent::Summary { .. } | ApplyEvent::Plan { .. } | ApplyEvent::Converged => {}
            },
        }
    }
}
