//! The view of `linkctl validate`: every problem with its file, line and
//! column, and the verdict.

use owo_colors::OwoColorize;
use serde::Serialize;

use crate::manifest::{Problem, Severity, SourceFile};

use super::super::manifest_input::{plural, render_problems, summary};
use super::super::{pipe, Format, Output};
use super::fenced;

/// What `validate` concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No error (and no warning under `--strict`): what the manifest holds.
    Valid(String),
    /// Only warnings, but `--strict`.
    FailedStrict,
    /// At least one error.
    Invalid,
}

/// What `validate` reports.
pub trait ValidateView {
    /// The problems found in `source` (sorted) and the verdict.
    fn report(&self, source: &SourceFile, problems: &[Problem], verdict: &Verdict);
}

/// The view for `out`'s format.
pub fn new(out: &Output) -> Box<dyn ValidateView> {
    match out.format {
        Format::Text => Box::new(ValidateText { out: *out }),
        Format::Json => Box::new(ValidateJson),
        Format::Markdown => Box::new(ValidateMarkdown { out: *out }),
    }
}

/// One line for the verdict (`✓ linkctl.yaml is valid: …`).
fn verdict_line(source: &SourceFile, problems: &[Problem], verdict: &Verdict) -> String {
    match verdict {
        Verdict::Valid(counts) => format!("✓ {} is valid: {counts}", source.name),
        Verdict::FailedStrict => format!(
            "✗ {}: {} (failing because of --strict)",
            source.name,
            plural(problems.len(), "warning")
        ),
        Verdict::Invalid => summary(&source.name, problems),
    }
}

/// Diagnostics drawn on stderr; the verdict on stdout when valid, on stderr
/// otherwise.
pub struct ValidateText {
    out: Output,
}

impl ValidateView for ValidateText {
    fn report(&self, source: &SourceFile, problems: &[Problem], verdict: &Verdict) {
        pipe::err(&render_problems(problems, source, &self.out));
        let line = verdict_line(source, problems, verdict);
        match verdict {
            Verdict::Valid(_) if self.out.color => pipe::out_line(&line.green().to_string()),
            Verdict::Valid(_) => pipe::out_line(&line),
            _ => pipe::err_line(&line),
        }
    }
}

#[derive(Serialize)]
struct JsonReport {
    valid: bool,
    problems: Vec<JsonProblem>,
}

#[derive(Serialize)]
struct JsonProblem {
    severity: Severity,
    code: &'static str,
    message: String,
    /// The manifest file the problem is in (several with `-f DIR`).
    file: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    help: Option<String>,
}

/// `{"valid": bool, "problems": [...]}` on stdout.
pub struct ValidateJson;

impl ValidateView for ValidateJson {
    fn report(&self, source: &SourceFile, problems: &[Problem], verdict: &Verdict) {
        let report = JsonReport {
            valid: matches!(verdict, Verdict::Valid(_)),
            problems: problems
                .iter()
                .map(|p| {
                    let place = p.place(source);
                    JsonProblem {
                        severity: p.severity,
                        code: p.code,
                        message: p.message.clone(),
                        file: place.as_ref().map(|l| l.file.clone()),
                        line: place.as_ref().map(|l| l.line),
                        column: place.as_ref().map(|l| l.column),
                        help: p.help.clone(),
                    }
                })
                .collect(),
        };
        match serde_json::to_string_pretty(&report) {
            Ok(s) => pipe::out_line(&s),
            Err(e) => pipe::err_line(&format!("cannot serialise the report: {e}")),
        }
    }
}

/// A comment: the verdict, then the drawn diagnostics in a fenced block.
pub struct ValidateMarkdown {
    out: Output,
}

impl ValidateView for ValidateMarkdown {
    fn report(&self, source: &SourceFile, problems: &[Problem], verdict: &Verdict) {
        let mut s = format!(
            "### linkctl validate\n\n**{}**\n",
            verdict_line(source, problems, verdict)
        );
        if !problems.is_empty() {
            let plain = Output {
                stderr_color: false,
                ..self.out
            };
            s.push('\n');
            s.push_str(&fenced(&render_problems(problems, source, &plain)));
        }
        pipe::out(&s);
    }
}
