//! The view of `linkctl apply`: the plan, progress while it runs (spinners
//! or plain lines on stderr; JSON events on stdout), the final report and
//! what to do next.

use crate::apply::{ApplyEvent, EventSink, HumanProgress, JsonLines};
use crate::plan::render::{render_json_value, render_text};
use crate::plan::Plan;

use super::super::apply_cmd::ApplyRun;
use super::super::{pipe, Format, Output};
use super::{fenced, plan_comment};

const INTERRUPTED: &str = "Interrupted: nothing new was started. Run `linkctl apply` again: it plans from the live state and converges.";
const FAILED: &str = "Fix the cause of the failure and run `linkctl apply` again: it plans from the live state and converges.";
const CONVERGED: &str = "Live state matches the manifest.";

/// What `apply` reports.
pub trait ApplyView {
    /// The plan about to be applied.
    fn plan(&self, plan: &Plan);
    /// Where the apply engine's events go while it runs.
    fn events(&self) -> &dyn EventSink;
    /// The plan has nothing to do.
    fn no_changes(&self);
    /// The outcome: what was done, failed, not attempted; link health.
    fn report(&self, run: &ApplyRun);
    /// Stopped by an interrupt (after the report).
    fn interrupted(&self);
    /// An action failed (after the report).
    fn failed(&self);
    /// Applied, and the live state now matches the manifest.
    fn converged(&self);
    /// Applied, but `remaining` actions are still to do.
    fn still_differs(&self, remaining: usize);
    /// The manifest is invalid (its diagnostics are already on stderr).
    fn manifest_invalid(&self);
    /// A failure outside the apply engine: nothing (more) was changed.
    fn error(&self, message: &str);
}

/// The view for `out`'s format.
pub fn new(out: &Output) -> Box<dyn ApplyView> {
    match out.format {
        Format::Text => Box::new(ApplyText {
            color: out.color,
            progress: progress(out),
        }),
        Format::Json => Box::new(ApplyJson {
            lines: JsonLines::new(pipe::Stdout::default()),
        }),
        Format::Markdown => Box::new(ApplyMarkdown {
            progress: progress(out),
        }),
    }
}

/// Spinners when stderr is a terminal, plain lines on stderr otherwise.
fn progress(out: &Output) -> HumanProgress {
    if out.stderr_tty {
        HumanProgress::spinners()
    } else {
        HumanProgress::plain(Box::new(pipe::Stderr::default()))
    }
}

/// The final report for people: each action, link health warnings, then
/// the verdict (last, where a long list does not scroll it away).
pub fn report_text(run: &ApplyRun) -> String {
    let mut s = run.report.render_actions();
    for h in &run.health {
        s.push_str(&format!("  warning {h}\n"));
    }
    s + &run.report.verdict()
}

fn still_differs_message(remaining: usize) -> String {
    format!(
        "after apply, the live state still differs from the manifest ({remaining} action(s) remain); run `linkctl plan` to see them"
    )
}

fn error_line(message: &str) {
    pipe::err_line(&format!("error: {message}"));
}

/// The text plan, progress on stderr, the report on stdout.
pub struct ApplyText {
    color: bool,
    progress: HumanProgress,
}

impl ApplyView for ApplyText {
    fn plan(&self, plan: &Plan) {
        pipe::out(&render_text(plan, self.color));
    }
    fn events(&self) -> &dyn EventSink {
        &self.progress
    }
    fn no_changes(&self) {}
    fn report(&self, run: &ApplyRun) {
        pipe::out(&report_text(run));
    }
    fn interrupted(&self) {
        pipe::out_line(INTERRUPTED);
    }
    fn failed(&self) {
        pipe::out_line(FAILED);
    }
    fn converged(&self) {
        pipe::out_line(CONVERGED);
    }
    fn still_differs(&self, remaining: usize) {
        pipe::err_line(&format!("warning: {}", still_differs_message(remaining)));
    }
    fn manifest_invalid(&self) {}
    fn error(&self, message: &str) {
        error_line(message);
    }
}

/// Only JSON lines on stdout, one event per line, whatever the outcome
/// (see [`crate::apply::events`]); messages for people on stderr.
pub struct ApplyJson {
    lines: JsonLines<pipe::Stdout>,
}

impl ApplyView for ApplyJson {
    fn plan(&self, plan: &Plan) {
        self.lines.emit(&ApplyEvent::Plan {
            plan: render_json_value(plan),
        });
    }
    fn events(&self) -> &dyn EventSink {
        &self.lines
    }
    fn no_changes(&self) {
        self.lines.emit(&ApplyEvent::Summary {
            done: 0,
            failed: 0,
            interrupted: 0,
            not_attempted: 0,
            blocked: 0,
            elapsed_ms: 0,
        });
    }
    // The engine's events carried the outcome.
    fn report(&self, _run: &ApplyRun) {}
    fn interrupted(&self) {
        self.lines.emit(&ApplyEvent::Warning {
            message: INTERRUPTED.to_string(),
            remaining_actions: None,
        });
    }
    fn failed(&self) {}
    fn converged(&self) {
        self.lines.emit(&ApplyEvent::Converged);
    }
    fn still_differs(&self, remaining: usize) {
        let message = still_differs_message(remaining);
        pipe::err_line(&format!("warning: {message}"));
        self.lines.emit(&ApplyEvent::Warning {
            message,
            remaining_actions: Some(remaining),
        });
    }
    fn manifest_invalid(&self) {
        self.lines.emit(&ApplyEvent::Error {
            message: "the manifest is not valid (diagnostics on stderr); nothing was changed"
                .into(),
        });
    }
    fn error(&self, message: &str) {
        self.lines.emit(&ApplyEvent::Error {
            message: message.to_string(),
        });
        error_line(message);
    }
}

/// A comment for the merged pull request: the Markdown plan, then the
/// report in a fenced block; progress on stderr.
pub struct ApplyMarkdown {
    progress: HumanProgress,
}

impl ApplyView for ApplyMarkdown {
    fn plan(&self, plan: &Plan) {
        plan_comment(plan, "see the apply job's log");
    }
    fn events(&self) -> &dyn EventSink {
        &self.progress
    }
    fn no_changes(&self) {}
    fn report(&self, run: &ApplyRun) {
        pipe::out(&format!("\n#### Apply\n\n{}", fenced(&report_text(run))));
    }
    fn interrupted(&self) {
        pipe::out(&format!("\n{INTERRUPTED}\n"));
    }
    fn failed(&self) {
        pipe::out(&format!("\n{FAILED}\n"));
    }
    fn converged(&self) {
        pipe::out(&format!("\n{CONVERGED}\n"));
    }
    fn still_differs(&self, remaining: usize) {
        let message = still_differs_message(remaining);
        pipe::err_line(&format!("warning: {message}"));
        pipe::out(&format!("\n**Warning:** {message}\n"));
    }
    fn manifest_invalid(&self) {}
    fn error(&self, message: &str) {
        error_line(message);
    }
}
