//! `linkctl apply`: confirmation rules, running the apply engine with the
//! right display (spinners, plain lines or JSON events), the post-apply link
//! health check, the final report and the exit code.
//!
//! The actions come from `plan(manifest, live)`, or from a saved plan file,
//! which is refused when the manifest or the live state moved since.
//!
//! What it prints is the apply view's ([`super::views::apply`]): with
//! `--format json`, stdout carries only JSON lines, one event per line,
//! whatever the outcome (see [`crate::apply::events`]); messages for people
//! still go to stderr.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::apply::{
    apply, ApplyEnv, ApplyEvent, ApplyOptions, ApplyReport, EventSink, ManifestSecrets, OneOff,
};
use crate::backend::lock::HeldLocks;
use crate::backend::registry;
use crate::backend::Clusters;
use crate::manifest::Manifest;
use crate::plan::saved::{SavedPlan, StalePlan};
use crate::plan::saved_check::differences;
use crate::plan::{plan, Action, ActionKind, Plan, PlanOptions};

use super::apply_lock::{self, LockArgs};
use super::confirm;
use super::live::{runtime, Backends};
use super::manifest_input;
use super::planning::{
    check_link_names, live_state, observe_readiness, plan_options, report_unread,
};
use super::show_cmd::read_saved;
use super::{interrupts, views, GlobalArgs, Output};

/// Arguments of `linkctl apply`.
#[derive(Debug, Clone, clap::Args)]
pub struct ApplyArgs {
    /// A plan saved with `plan -o FILE`; without it, apply plans first.
    pub plan: Option<PathBuf>,
    /// Apply without asking for confirmation (required without a terminal).
    #[arg(long)]
    pub auto_approve: bool,
    /// Longest wait for one asynchronous change (seconds).
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    pub wait_timeout: u64,
    /// Most object writes in flight at once (mirror creates and topic
    /// deletes, which have no bulk form), across all links.
    #[arg(long, default_value_t = 10, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub parallelism: u16,
    /// Restrict the apply to this link (repeatable; not with a saved plan).
    #[arg(long = "link", value_name = "NAME")]
    pub links: Vec<String>,
    /// Stop at the first failure: nothing new starts (without it, only the
    /// actions that depend on a failed one are left out).
    #[arg(long)]
    pub fail_fast: bool,
    #[command(flatten)]
    pub lock: LockArgs,
}

/// Whether an apply may go ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    Approved,
    Refused(String),
}

/// The confirmation rule: `--auto-approve` goes ahead; without it a terminal
/// is asked (through `ask`); without a terminal the apply is refused.
pub fn approval(auto_approve: bool, stdin_tty: bool, ask: impl FnOnce() -> bool) -> Approval {
    if auto_approve {
        return Approval::Approved;
    }
    if !stdin_tty {
        return Approval::Refused(
            "refusing to apply without confirmation: standard input is not a terminal; pass --auto-approve".into(),
        );
    }
    if ask() {
        Approval::Approved
    } else {
        Approval::Refused("apply cancelled".into())
    }
}

/// Asks on stderr whether to apply `actions` and reads the answer from
/// stdin (see [`confirm`] for the rule: the exact word `yes` when any of
/// them cannot be undone).
pub fn ask_on_terminal(actions: &[Action]) -> bool {
    confirm::ask(
        actions,
        &mut std::io::stdin().lock(),
        &mut std::io::stderr(),
    )
}

/// The outcome of an apply run.
pub struct ApplyRun {
    pub report: ApplyReport,
    /// Link health problems found after the apply (tasks in error, link errors).
    pub health: Vec<String>,
}

/// Runs `actions` and the post-apply health check. Events go to `events`
/// (JSON lines on stdout for `--format json`, a display on stderr otherwise).
/// Executors get the manifest's clusters (how to reach them) and its secrets
/// (to resolve the plan's references), never its links.
pub async fn run_apply(
    manifest: &Manifest,
    actions: &[Action],
    backends: &Backends,
    events: &dyn EventSink,
    opts: &ApplyOptions,
    cancel: &CancellationToken,
) -> ApplyRun {
    let secrets = ManifestSecrets::new(manifest);
    let env = ApplyEnv {
        clusters: Clusters::of(manifest),
        secrets: &secrets,
        kafka: &backends.engines.kafka,
        cancel,
    };
    let report = apply(actions, &backends.engines, env, events, opts).await;
    let parts = OneOff::new(manifest);
    let ctx = parts.ctx(&backends.engines.kafka, opts.wait_timeout);
    let mut health = Vec::new();
    let mut checked: Vec<(&str, &str)> = Vec::new();
    for a in actions {
        let touched = matches!(
            a.kind,
            ActionKind::CreateLink | ActionKind::UpdateLinkConfigs
        );
        let done = report.done.iter().any(|d| d.id == a.id);
        let key = (a.cluster.as_str(), a.link.as_str());
        if !touched || !done || checked.contains(&key) || report.was_interrupted {
            continue;
        }
        checked.push(key);
        let engine = backends.engines.get(a.engine);
        match engine.health(&a.cluster, &a.link, &ctx).await {
            Ok(p) => health.extend(p),
            Err(e) => health.push(format!("could not read the health of link {}: {e}", a.link)),
        }
    }
    for h in &health {
        events.emit(&ApplyEvent::Warning {
            message: h.clone(),
            remaining_actions: None,
        });
    }
    ApplyRun { report, health }
}

/// The plan to apply (the saved one when still fresh and still the plan
/// the planner makes, or a new one) and the options it was made with (its
/// scope, for the check after applying).
async fn plan_to_apply(
    args: &ApplyArgs,
    saved: Option<SavedPlan>,
    manifest: &Manifest,
    backends: &Backends,
) -> Result<(Plan, PlanOptions), String> {
    match (&args.plan, saved) {
        (Some(path), Some(saved)) => {
            if !args.links.is_empty() {
                return Err(
                    "--link cannot be combined with a saved plan (it has its own scope)".into(),
                );
            }
            let opts = saved.options();
            let live = live_state(backends, manifest, &opts, None).await?;
            report_unread(&live);
            let refuse = |e: StalePlan| format!("refusing to apply `{}`: {e}", path.display());
            saved.check_fresh(manifest, &live).map_err(refuse)?;
            // Fresh: the plan made now must be the saved one, payloads included.
            if let Some(d) = differences(
                &saved.plan,
                &plan(manifest, &live, &opts, &registry::models()),
            ) {
                return Err(refuse(StalePlan::Edited(d)));
            }
            Ok((saved.plan, opts))
        }
        _ => {
            let opts = plan_options(manifest, &args.links);
            let live = live_state(backends, manifest, &opts, None).await?;
            report_unread(&live);
            Ok((plan(manifest, &live, &opts, &registry::models()), opts))
        }
    }
}

/// Runs `linkctl apply`: takes the apply lock of the clusters it writes
/// (before reading them: the plan is made, or a saved plan checked, under
/// the lock), applies, and releases the lock.
pub fn run(global: &GlobalArgs, args: &ApplyArgs, out: &Output) -> ExitCode {
    let view = views::apply::new(out);
    let fail = |message: &str| {
        view.error(message);
        ExitCode::from(1)
    };
    let saved = match &args.plan {
        Some(path) => match read_saved(path) {
            Ok(s) => Some(s),
            Err(e) => return fail(&e),
        },
        None => None,
    };
    // Without `-f`, a saved plan is applied with the manifest it was made from.
    let global = &global.or_files(saved.as_ref().map_or(&[], |s| &s.manifest_files));
    let input = match manifest_input::load(global, out) {
        Ok(i) => i,
        Err(code) => {
            view.manifest_invalid();
            return code;
        }
    };
    let manifest = &input.manifest;
    if let Err(e) = check_link_names(manifest, &args.links) {
        return fail(&e);
    }
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    let backends = Backends::new();
    let cancel = CancellationToken::new();
    let open = Arc::new(AtomicUsize::new(0));
    // From here on, Ctrl-C stops at a safe point (and the locks are released).
    let watching = {
        let _in_runtime = rt.enter();
        interrupts::watch(cancel.clone(), open.clone())
    };
    if let Err(e) = watching {
        return fail(&format!(
            "cannot watch for Ctrl-C: {e}; nothing was changed"
        ));
    }
    let lock_opts = apply_lock::options(&args.lock);
    let mut held = HeldLocks::new(lock_opts.lease);
    let me = apply_lock::me();
    // The clusters to lock before reading: the saved plan's, or the
    // destinations of the links in scope; a plan that writes more takes
    // those too (all again, in order, then reads again).
    let mut want = match &saved {
        Some(s) => apply_lock::written(&s.plan),
        None => apply_lock::expected(manifest, &plan_options(manifest, &args.links)),
    };
    let planned = loop {
        if !args.lock.no_lock {
            let taken = rt.block_on(apply_lock::take(
                &backends, manifest, &want, &mut held, &me, &lock_opts, &cancel,
            ));
            if let Err(e) = taken {
                if cancel.is_cancelled() {
                    view.interrupted();
                    return ExitCode::from(interrupts::INTERRUPTED);
                }
                return fail(&format!("{e}; nothing was changed"));
            }
            for seen in &held.waited_for {
                super::pipe::err_line(&format!(
                    "waited for the apply lock of cluster `{}` ({})",
                    seen.cluster,
                    seen.holder
                        .as_ref()
                        .map_or("held by another apply".to_string(), |h| format!(
                            "held by {}@{}, pid {}, lock ID {}",
                            h.user, h.host, h.pid, h.id
                        ))
                ));
            }
        }
        let planned = rt.block_on(plan_to_apply(args, saved.clone(), manifest, &backends));
        if let Ok((p, _)) = &planned {
            let more = apply_lock::missing(p, &held);
            if !args.lock.no_lock && !more.is_empty() && saved.is_none() {
                want = held.clusters().into_iter().chain(more).collect();
                let left = rt.block_on(held.release());
                for l in left {
                    super::pipe::err_line(&format!("warning: {l}"));
                }
                held = HeldLocks::new(lock_opts.lease);
                continue;
            }
        }
        break planned;
    };
    let code = match planned {
        Ok((the_plan, scope)) => apply_planned(
            args, manifest, &rt, &backends, &*view, the_plan, &scope, &cancel, open, &held,
            out.stdin_tty,
        ),
        Err(e) if !held.waited_for.is_empty() && args.plan.is_some() => fail(&format!(
            "{e} (linkctl waited for the apply lock while another apply held it: the live state moved meanwhile; make a new plan)"
        )),
        Err(e) => fail(&e),
    };
    for l in rt.block_on(held.release()) {
        super::pipe::err_line(&format!("warning: {l}"));
    }
    code
}

/// Shows, confirms and applies `the_plan`, then checks the live state.
#[allow(clippy::too_many_arguments)]
fn apply_planned(
    args: &ApplyArgs,
    manifest: &Manifest,
    rt: &tokio::runtime::Runtime,
    backends: &Backends,
    view: &dyn views::apply::ApplyView,
    mut the_plan: Plan,
    scope: &PlanOptions,
    cancel: &CancellationToken,
    open: Arc<AtomicUsize>,
    held: &HeldLocks,
    stdin_tty: bool,
) -> ExitCode {
    let fail = |message: &str| {
        view.error(message);
        ExitCode::from(1)
    };
    let out_tty = stdin_tty;
    if !args.auto_approve && out_tty && !the_plan.has_errors() {
        // The person about to answer sees each promotion's lag now.
        rt.block_on(observe_readiness(backends, manifest, &mut the_plan));
    }
    view.plan(&the_plan);
    if the_plan.has_errors() {
        return fail("the plan has errors: nothing was changed");
    }
    if !the_plan.has_changes() {
        view.no_changes();
        return ExitCode::SUCCESS;
    }
    let approved = approval(args.auto_approve, out_tty, || {
        ask_on_terminal(&the_plan.actions)
    });
    if let Approval::Refused(why) = approved {
        return fail(&format!("{why}; nothing was changed"));
    }
    let opts = ApplyOptions {
        wait_timeout: Duration::from_secs(args.wait_timeout),
        parallelism: usize::from(args.parallelism),
        fail_fast: args.fail_fast,
    };
    let events = interrupts::Open::new(view.events(), open);
    let run = rt.block_on(run_apply(
        manifest,
        &the_plan.actions,
        backends,
        &events,
        &opts,
        cancel,
    ));
    view.report(&run);
    if let Some(lost) = held.lost() {
        return fail(&lost);
    }
    if run.report.was_interrupted {
        view.interrupted();
        return ExitCode::from(interrupts::INTERRUPTED);
    }
    if !run.report.is_success() {
        view.failed();
        return ExitCode::from(1);
    }
    // Applied: the live state must now match the manifest, within the
    // plan's own scope (a saved plan's `--link` scope included).
    let check = rt.block_on(async {
        let live = live_state(backends, manifest, scope, None).await?;
        Ok::<_, String>(plan(manifest, &live, scope, &registry::models()))
    });
    match check {
        Ok(after) if after.has_changes() => {
            view.still_differs(after.actions.len());
            ExitCode::from(1)
        }
        Ok(_) => {
            view.converged();
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!(
            "applied, but could not re-read the live state: {e}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approval_rules() {
        assert_eq!(
            approval(true, false, || panic!("not asked")),
            Approval::Approved
        );
        assert!(
            matches!(approval(false, false, || panic!("not asked")), Approval::Refused(m) if m.contains("--auto-approve"))
        );
        assert_eq!(approval(false, true, || true), Approval::Approved);
        assert_eq!(
            approval(false, true, || false),
            Approval::Refused("apply cancelled".into())
        );
    }
}
