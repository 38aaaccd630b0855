//! `linkctl plan`: diff the manifest against live state and print the plan.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::manifest::load::{parse, SourceFile};
use crate::manifest::text::InterpolationProblemKind;
use crate::plan::render::{render_json, render_text};
use crate::plan::saved::SavedPlan;
use crate::plan::{plan, PlanOptions};
use crate::state::file as state_file;

use super::{Format, GlobalArgs, Output};

/// Arguments of `linkctl plan`.
#[derive(Debug, Clone, clap::Args)]
pub struct PlanArgs {
    /// Live-state snapshot (JSON) to plan against, offline. Required for now:
    /// reading live clusters directly is not wired in yet.
    #[arg(long, value_name = "FILE", required = true)]
    pub state: PathBuf,
    /// Save the plan, with fingerprints of the manifest and live state, to FILE
    /// (`apply FILE` refuses it once either has changed).
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit code 0 when there are no changes, 1 on error, 2 when there are changes.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Restrict the plan to this link (repeatable).
    #[arg(long = "link", value_name = "NAME")]
    pub links: Vec<String>,
}

fn read_manifest(global: &GlobalArgs) -> Result<SourceFile, String> {
    if global.file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read the manifest from standard input: {e}"))?;
        return Ok(SourceFile::new("<stdin>", text));
    }
    let text = std::fs::read_to_string(&global.file)
        .map_err(|e| format!("cannot read manifest `{}`: {e}", global.file.display()))?;
    Ok(SourceFile::new(global.file.display().to_string(), text))
}

/// Runs `plan`; returns the exit code.
pub fn run(args: &PlanArgs, global: &GlobalArgs, out: &Output) -> ExitCode {
    let source = match read_manifest(global) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let parsed = match parse(&source, |name| std::env::var(name).ok()) {
        Ok(p) => p,
        Err(err) => {
            let report = serde_saphyr::miette::to_miette_report(&err, &source.text, &source.name);
            eprintln!("{report:?}");
            return ExitCode::from(1);
        }
    };
    if !parsed.interpolation.is_empty() {
        for p in &parsed.interpolation {
            match &p.kind {
                InterpolationProblemKind::Unset { name } => {
                    eprintln!(
                        "error: environment variable `{name}` is not set (used as ${{env:{name}}})"
                    )
                }
                InterpolationProblemKind::Malformed { reference } => {
                    eprintln!("error: malformed reference `{reference}`; write ${{env:NAME}}")
                }
            }
        }
        return ExitCode::from(1);
    }
    let live = match state_file::load(&args.state) {
        Ok(l) => l,
        Err(e) => return fail(&e.to_string()),
    };
    let opts = PlanOptions {
        links: args.links.clone(),
        ..PlanOptions::default()
    };
    let the_plan = plan(&parsed.manifest, &live, &opts);
    let rendered = match out.format {
        Format::Text => render_text(&the_plan, out.color),
        Format::Json => render_json(&the_plan),
    };
    print!("{rendered}");
    if let Some(path) = &args.out {
        let saved = SavedPlan::new(the_plan.clone(), &parsed.manifest, &opts);
        if let Err(e) = std::fs::write(path, saved.to_json()) {
            return fail(&format!(
                "cannot write the plan to `{}`: {e}",
                path.display()
            ));
        }
        if out.format == Format::Text {
            println!("Saved the plan to {}.", path.display());
        }
    }
    if the_plan.has_errors() {
        ExitCode::from(1)
    } else if args.detailed_exitcode && the_plan.has_changes() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(1)
}
