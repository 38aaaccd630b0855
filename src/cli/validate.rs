//! `linkctl validate`: check a manifest without touching any cluster.

use std::process::ExitCode;

use owo_colors::OwoColorize;
use serde::Serialize;

use crate::manifest::{Manifest, Problem, Severity, SourceFile};

use super::manifest_input::{
    display_name, plural, read_source, render_problems, summary, validate_source,
};
use super::pipe;
use super::{Format, GlobalArgs, Output};

/// Options of `linkctl validate`.
#[derive(Debug, Clone, clap::Args)]
pub struct ValidateArgs {
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    pub strict: bool,
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
    line: Option<usize>,
    column: Option<usize>,
    help: Option<String>,
}

pub fn run(global: &GlobalArgs, args: &ValidateArgs, out: &Output) -> ExitCode {
    let (source, result) = match read_source(&global.file) {
        Ok(source) => {
            let result = validate_source(&source);
            (source, result)
        }
        Err(p) => (
            SourceFile::new(display_name(&global.file), String::new()),
            Err(vec![*p]),
        ),
    };
    let (problems, manifest) = match result {
        Ok(v) => (v.warnings, Some(v.manifest)),
        Err(p) => (p, None),
    };
    let valid = manifest.is_some() && (problems.is_empty() || !args.strict);
    match out.format {
        Format::Json => print_json(valid, &problems, &source),
        Format::Text => {
            pipe::err(&render_problems(&problems, &source, out));
            match (&manifest, valid) {
                (Some(m), true) => {
                    let line = format!("✓ {} is valid: {}", source.name, counts(m));
                    if out.color {
                        pipe::out_line(&line.green().to_string());
                    } else {
                        pipe::out_line(&line);
                    }
                }
                (Some(_), false) => pipe::err_line(&format!(
                    "✗ {}: {} (failing because of --strict)",
                    source.name,
                    plural(problems.len(), "warning")
                )),
                (None, _) => pipe::err_line(&summary(&source.name, &problems)),
            }
        }
    }
    if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn print_json(valid: bool, problems: &[Problem], source: &SourceFile) {
    let report = JsonReport {
        valid,
        problems: problems
            .iter()
            .map(|p| {
                let lc = p.line_col(&source.text);
                JsonProblem {
                    severity: p.severity,
                    code: p.code,
                    message: p.message.clone(),
                    line: lc.map(|(l, _)| l),
                    column: lc.map(|(_, c)| c),
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

/// `2 clusters, 1 link, 1 mirror`.
pub fn counts(m: &Manifest) -> String {
    let mirrors: usize = m.links.values().map(|l| l.mirrors.len()).sum();
    format!(
        "{}, {}, {}",
        plural(m.clusters.len(), "cluster"),
        plural(m.links.len(), "link"),
        plural(mirrors, "mirror")
    )
}
