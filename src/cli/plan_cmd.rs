//! `linkctl plan`: diff the manifest against live state and print the plan.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::apply::OneOff;
use crate::backend::registry;
use crate::backend::Validation;
use crate::manifest::Manifest;
use crate::plan::saved::SavedPlan;
use crate::plan::{plan, Action, ActionKind, Note};
use crate::state::file as state_file;

use super::apply_lock;
use super::live::{runtime, Backends};
use super::manifest_input;
use super::pipe;
use super::planning::{
    check_link_names, live_state, observe_readiness, plan_options, report_unread,
};
use super::{views, GlobalArgs, Output};

/// Arguments of `linkctl plan`.
#[derive(Debug, Clone, clap::Args)]
pub struct PlanArgs {
    /// Plan against a live-state snapshot (JSON, see `--save-state`) instead of
    /// reading the clusters: offline planning.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Also write the live state that was read to FILE (a snapshot for `--state`).
    #[arg(long, value_name = "FILE")]
    pub save_state: Option<PathBuf>,
    /// Save the plan, with fingerprints of the manifest and live state, to FILE
    /// (`apply FILE` refuses it once either has changed).
    #[arg(short = 'o', long = "out", value_name = "FILE", value_parser = super::out_path::plan_file)]
    pub out: Option<PathBuf>,
    /// Exit code 0 when there are no changes, 1 on error, 2 when there are changes.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// After planning, ask each Confluent server to validate every create-link
    /// and link-config change (`validate_only=true`; nothing is changed) and
    /// report refusals as plan errors (exit code 1).
    #[arg(long)]
    pub server_validate: bool,
    /// Restrict the plan to this link (repeatable).
    #[arg(long = "link", value_name = "NAME")]
    pub links: Vec<String>,
    /// Treat the plan's warnings as errors (exit code 1), as `validate --strict` does.
    #[arg(long)]
    pub strict: bool,
}

/// Runs `plan`; returns the exit code.
pub fn run(args: &PlanArgs, global: &GlobalArgs, out: &Output) -> ExitCode {
    let input = match manifest_input::load(global, out) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let manifest = &input.manifest;
    if let Err(e) = check_link_names(manifest, &args.links) {
        return fail(&e);
    }
    let opts = plan_options(manifest, &args.links);
    let backends = Backends::new();
    let live = match runtime() {
        Ok(rt) => rt.block_on(live_state(
            &backends,
            manifest,
            &opts,
            args.state.as_deref(),
        )),
        Err(e) => Err(format!("cannot start the async runtime: {e}")),
    };
    let live = match live {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    report_unread(&live);
    if let Some(path) = &args.save_state {
        // A snapshot keeps no secret value (see `state::secrets`).
        if let Err(e) = state_file::save(path, &live.without_secrets()) {
            return fail(&e.to_string());
        }
    }
    let mut the_plan = plan(manifest, &live, &opts, &registry::models());
    if args.state.is_none() && !the_plan.has_errors() {
        if let Ok(rt) = runtime() {
            rt.block_on(observe_readiness(&backends, manifest, &mut the_plan));
            // A held apply lock, said but never taken.
            let clusters = apply_lock::written(&the_plan)
                .into_iter()
                .chain(apply_lock::expected(manifest, &opts))
                .collect();
            for w in rt.block_on(apply_lock::held_warnings(&backends, manifest, &clusters)) {
                pipe::err_line(&format!("warning: {w}"));
            }
        }
    }
    if args.server_validate {
        let checked = runtime()
            .map_err(|e| format!("cannot start the async runtime: {e}"))
            .map(|rt| rt.block_on(server_validate(&backends, manifest, &the_plan.actions)));
        match checked {
            Ok((errors, warnings)) => {
                the_plan.errors.extend(errors);
                the_plan.warnings.extend(warnings);
            }
            Err(e) => return fail(&e),
        }
    }
    if args.strict {
        the_plan.warnings_as_errors();
    }
    let view = views::plan::new(out, args.out.as_deref());
    view.plan(&the_plan);
    if let Some(path) = &args.out {
        let files = global
            .manifest_paths()
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let saved =
            SavedPlan::new(the_plan.clone(), manifest, &opts, &live, &now()).made_from(files);
        if let Err(e) = crate::files::write_private(path, &saved.to_json()) {
            return fail(&format!(
                "cannot write the plan to `{}`: {e}",
                path.display()
            ));
        }
        view.saved(path);
    }
    if the_plan.has_errors() {
        ExitCode::from(1)
    } else if args.detailed_exitcode && the_plan.has_changes() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// Asks each action's engine whether the server would accept it
/// (Confluent: every create-link and config change, `validate_only=true`);
/// every refusal becomes a plan error naming the action, in the server's
/// words; a change the server cannot validate (no batch config endpoint,
/// where `apply` falls back to per-key writes) becomes a warning.
async fn server_validate(
    backends: &Backends,
    manifest: &Manifest,
    actions: &[Action],
) -> (Vec<Note>, Vec<Note>) {
    let parts = OneOff::new(manifest);
    let ctx = parts.ctx(&backends.engines.kafka, std::time::Duration::from_secs(30));
    let (mut errors, mut warnings) = (Vec::new(), Vec::new());
    for a in actions {
        if !matches!(
            a.kind,
            ActionKind::CreateLink | ActionKind::UpdateLinkConfigs
        ) {
            continue;
        }
        let engine = backends.engines.get(a.engine);
        match engine.server_validate(a, &ctx).await {
            Err(e) => errors.push(Note {
                target: a.id.clone(),
                message: format!("the server refuses this change (validate_only): {e}"),
            }),
            Ok(Validation::Unavailable(why)) => warnings.push(Note {
                target: a.id.clone(),
                message: format!("not validated by the server: {why}"),
            }),
            Ok(_) => {}
        }
    }
    (errors, warnings)
}

/// Now, as saved plans record it (RFC 3339, UTC, whole seconds).
fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

fn fail(message: &str) -> ExitCode {
    pipe::err_line(&format!("error: {message}"));
    ExitCode::from(1)
}
