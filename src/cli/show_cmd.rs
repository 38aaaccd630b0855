//! `linkctl show PLANFILE`: a saved plan rendered again, without contacting
//! any cluster (the CI job that comments on a pull request is not the job
//! that planned), with when and against which clusters it was made and
//! whether the manifest on disk (`-f`) still matches it.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;

use crate::manifest::{load_validated, Problem};
use crate::plan::saved::{ManifestCheck, SavedPlan};

use super::manifest_input::{env_lookup, read_sources, register_secrets};
use super::{pipe, views, GlobalArgs, Output};

/// Arguments of `linkctl show`.
#[derive(Debug, Clone, clap::Args)]
pub struct ShowArgs {
    /// A plan saved with `linkctl plan -o FILE`.
    pub plan: PathBuf,
}

/// Runs `show`; returns the exit code.
pub fn run(global: &GlobalArgs, args: &ShowArgs, out: &Output) -> ExitCode {
    let path = args.plan.display().to_string();
    let saved = std::fs::read_to_string(&args.plan)
        .map_err(|e| format!("cannot read the saved plan `{path}`: {e}"))
        .and_then(|text| SavedPlan::from_json(&text).map_err(|e| format!("`{path}`: {e}")));
    let saved = match saved {
        Ok(s) => s,
        Err(e) => {
            pipe::err_line(&format!("error: {e}"));
            return ExitCode::from(1);
        }
    };
    views::show::new(out).show(&saved, &path, &manifest_check(global, &saved));
    ExitCode::SUCCESS
}

/// Compares the plan with the manifest named by `-f`, quietly: a manifest
/// that cannot be read or validated here is "not checked", with the reason.
/// `${env:…}` variables that are not set (a job that only renders plans has
/// no cluster secrets) read as empty, and only the manifest as written is
/// compared.
fn manifest_check(global: &GlobalArgs, saved: &SavedPlan) -> ManifestCheck {
    let source = match read_sources(&global.files) {
        Ok(s) => s,
        Err(p) => return ManifestCheck::NotChecked(p.message),
    };
    let unset = Rc::new(RefCell::new(BTreeSet::new()));
    let seen = unset.clone();
    let env = move |name: &str| {
        env_lookup(name).or_else(|| {
            seen.borrow_mut().insert(name.to_string());
            Some(String::new())
        })
    };
    let result = load_validated(&source, env);
    let unset: Vec<String> = unset.borrow().iter().cloned().collect();
    match result {
        Ok(v) => {
            register_secrets(&v.manifest);
            saved.check_manifest(&v.manifest, &source.name, &unset)
        }
        Err(problems) => {
            let first = problems
                .iter()
                .find(|p| p.is_error())
                .map(|p: &Problem| p.message.clone())
                .unwrap_or_default();
            ManifestCheck::NotChecked(format!(
                "{} cannot be read here ({first}; `linkctl validate` shows every problem)",
                source.name
            ))
        }
    }
}
