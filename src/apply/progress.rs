//! Human progress display. On a terminal: one overall bar (done/total,
//! failures, rate, an estimate of what is left) and the few actions running
//! longest, with what their executors last said; failures and warnings
//! printed above it as they happen. Otherwise (CI logs): a line per event,
//! and every few seconds a line for the apply as a whole (`apply: 120/300
//! done, 0 failed, 4.1 s elapsed, 29.3/s, ~6 s left; running longest: …`).
//! The bar draws to the terminal itself, so what it shows passes the
//! redaction layer here; plain lines go to a writer that does it (the CLI's).

use std::io::Write;
use std::sync::Mutex;
use std::time::Instant;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use super::events::{ApplyEvent, EventSink};
use super::tally::{Tally, SLOWEST};

enum Mode {
    Bar(Box<Bar>),
    Plain(Box<dyn Write + Send>),
}

/// The terminal display: one overall bar (done/total, failures, rate, an
/// estimate) and a line for each of the few actions running longest.
struct Bar {
    multi: MultiProgress,
    overall: ProgressBar,
    slots: Vec<ProgressBar>,
    /// Known once the apply says how many actions it has.
    tally: Option<Tally>,
    started: Instant,
}

impl Bar {
    fn new() -> Self {
        let multi = MultiProgress::new();
        let overall = multi.add(ProgressBar::new(0));
        overall.set_style(
            ProgressStyle::with_template("{bar:30} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let slots = (0..SLOWEST)
            .map(|_| {
                let b = multi.add(ProgressBar::new_spinner());
                b.set_style(
                    ProgressStyle::with_template("  {wide_msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                b
            })
            .collect();
        Self {
            multi,
            overall,
            slots,
            tally: None,
            started: Instant::now(),
        }
    }

    fn show(&mut self, e: &ApplyEvent) {
        match e {
            ApplyEvent::ApplyProgress(o) if self.tally.is_none() => {
                self.tally = Some(Tally::new(o.total));
            }
            ApplyEvent::ActionFailed { id, error, .. } => {
                let _ = self.multi.println(format!("{id}: FAILED: {error}"));
            }
            ApplyEvent::ActionSkipped { id, reason, .. } => {
                let _ = self.multi.println(format!("{id}: not attempted: {reason}"));
            }
            ApplyEvent::ActionInterrupted { id, message, .. } => {
                let _ = self.multi.println(format!("{id}: INTERRUPTED: {message}"));
            }
            ApplyEvent::Warning { message, .. } => {
                let _ = self.multi.println(format!("warning: {message}"));
            }
            ApplyEvent::Error { message } => {
                let _ = self.multi.println(format!("error: {message}"));
            }
            _ => {}
        }
        let at = self.started.elapsed();
        let Some(tally) = &mut self.tally else {
            return;
        };
        tally.observe(e, at);
        let o = tally.overall(at);
        self.overall.set_length(o.total as u64);
        self.overall.set_position(o.closed() as u64);
        self.overall.set_message(o.line());
        for (i, slot) in self.slots.iter().enumerate() {
            slot.set_message(o.slowest.get(i).map_or_else(String::new, |r| {
                let since = format!("{:.0} s", r.running_ms as f64 / 1000.0);
                match &r.message {
                    Some(m) => format!("{} ({since}): {m}", r.id),
                    None => format!("{} ({since})", r.id),
                }
            }));
        }
        if matches!(e, ApplyEvent::Summary { .. }) {
            for slot in &self.slots {
                slot.finish_and_clear();
            }
            self.overall.finish();
        }
    }
}

pub struct HumanProgress {
    mode: Mutex<Mode>,
}

impl HumanProgress {
    /// The overall bar on stderr (use when stderr is a terminal).
    pub fn spinners() -> Self {
        Self {
            mode: Mutex::new(Mode::Bar(Box::new(Bar::new()))),
        }
    }

    /// Plain lines to `out`.
    pub fn plain(out: Box<dyn Write + Send>) -> Self {
        Self {
            mode: Mutex::new(Mode::Plain(out)),
        }
    }

    /// The bar when stderr is a terminal, plain lines on stderr otherwise.
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
        ApplyEvent::ApplyProgress(o) => match o.slowest_line() {
            Some(slow) => format!("apply: {}; {slow}", o.line()),
            None => format!("apply: {}", o.line()),
        },
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
        ApplyEvent::ApplyProgress(o) => {
            for r in &mut o.slowest {
                r.message = r.message.as_ref().map(clean);
            }
        }
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
            Mode::Bar(bar) => bar.show(&redacted(e)),
        }
    }
}
