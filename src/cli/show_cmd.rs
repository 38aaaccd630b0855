//! `linkctl show PLANFILE`: a saved plan rendered again, without contacting
//! any cluster (the CI job that comments on a pull request is not the job
//! that planned), with when and against which clusters it was made and
//! whether the manifest on disk (`-f`) still matches it.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;

use crate::backend::registry;
use crate::manifest::{load_validated, Problem};
use crate::plan::saved::{ManifestCheck, SavedPlan};
use crate::plan::saved_check::payload_differences;

use super::manifest_input::{env_lookup, read_sources, register_secrets};
use super::{pipe, views, GlobalArgs, Output};

/// Arguments of `linkctl show`.
#[derive(Debug, Clone, clap::Args)]
pub struct ShowArgs {
    /// A plan saved with `linkctl plan -o FILE`.
    pub plan: PathBuf,
}

/// Runs `show`; returns the exit code.
/// Reads a saved plan file; the error says which file and why.
pub fn read_saved(path: &Path) -> Result<SavedPlan, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the saved plan `{shown}`: {e}"))?;
    SavedPlan::from_json(&text).map_err(|e| format!("`{shown}`: {e}"))
}

pub fn run(global: &GlobalArgs, args: &ShowArgs, out: &Output) -> ExitCode {
    let path = args.plan.display().to_string();
    let saved = match read_saved(&args.plan) {
        Ok(s) => s,
        Err(e) => {
            pipe::err_line(&format!("error: {e}"));
            return ExitCode::from(1);
        }
    };
    // Without `-f`, the manifest the plan was made from.
    let global = &global.or_files(&saved.manifest_files);
    let check = manifest_check(global, &saved);
    views::show::new(out).show(&saved, &path, &check);
    if let ManifestCheck::PayloadsDiffer(..) = check {
        pipe::err_line(&format!(
            "error: `{path}` is not the plan linkctl makes from its manifest: do not apply it"
        ));
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

/// Compares the plan with the manifest named by `-f`, quietly: a manifest
/// that cannot be read or validated here is "not checked", with the reason.
/// `${env:…}` variables that are not set (a job that only renders plans has
/// no cluster secrets) read as empty, and only the manifest as written is
/// compared.
fn manifest_check(global: &GlobalArgs, saved: &SavedPlan) -> ManifestCheck {
    let source = match read_sources(&global.manifest_paths()) {
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
    let result = load_validated(&source, &registry::models(), env);
    let unset: Vec<String> = unset.borrow().iter().cloned().collect();
    match result {
        Ok(v) => {
            register_secrets(&v.manifest);
            let check = saved.check_manifest(&v.manifest, &source.name, &unset);
            if matches!(check, ManifestCheck::Changed(_)) {
                return check;
            }
            // What is shown must be what `apply` sends.
            match payload_differences(saved, &v.manifest, unset.is_empty(), &registry::models()) {
                Some(what) => ManifestCheck::PayloadsDiffer(source.name.clone(), what),
                None => check,
            }
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
