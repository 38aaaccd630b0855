//! `linkctl status`: links, tasks, mirrors, lag, mirror topic configs and
//! (with `--groups`) consumer group offsets on both sides. A link or
//! cluster that cannot be read is shown with why, the rest as read, and the
//! exit status is then 1. `--watch [SECONDS]` reads and shows it again
//! every SECONDS until Ctrl-C: in place on a terminal, a new block each
//! time otherwise.

use std::process::ExitCode;

use super::live::{runtime, Backends};
use super::manifest_input;
use super::pipe;
use super::{views, GlobalArgs, Output};
use crate::backend::kafka::groups::observe_groups;
use crate::backend::registry;
use crate::backend::Scope;
use crate::status::build;

/// Arguments of `linkctl status`.
#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// Restrict to these links (repeatable).
    #[arg(long = "link", value_name = "NAME")]
    pub links: Vec<String>,
    /// Also show committed offsets of consumer groups, source and destination side by side.
    #[arg(long)]
    pub groups: bool,
    /// Show it again every SECONDS (2 when no value is given) until Ctrl-C:
    /// in place on a terminal, a new block each time otherwise (one JSON
    /// document per refresh with `--format json`). Exit status: that of the
    /// last refresh.
    #[arg(long, value_name = "SECONDS", num_args = 0..=1, default_missing_value = "2")]
    pub watch: Option<f64>,
}

/// The status as read now, or why it could not be read.
async fn read_report(
    input: &manifest_input::ManifestInput,
    args: &StatusArgs,
    backends: &Backends,
) -> Result<crate::status::StatusReport, crate::backend::BackendError> {
    let scope = Scope {
        links: args.links.clone(),
    };
    let live = backends.read(&input.manifest, &scope).await?;
    let (groups, group_problems) = if args.groups {
        let (g, p) = observe_groups(&input.manifest, &args.links, &backends.engines.kafka).await;
        (Some(g), p)
    } else {
        (None, Vec::new())
    };
    let mut report = build(
        &input.manifest,
        &live,
        &args.links,
        groups.as_ref(),
        &registry::models(),
    );
    report.warnings.extend(group_problems);
    Ok(report)
}

/// Shows one reading; its exit status.
fn show(
    result: Result<crate::status::StatusReport, crate::backend::BackendError>,
    out: &Output,
) -> ExitCode {
    match result {
        Ok(report) => match views::status::new(out).report(&report) {
            // What could not be read is shown; the command still fails.
            Ok(()) if !report.unreadable.is_empty() => {
                for u in &report.unreadable {
                    pipe::err_line(&format!("error: {u}"));
                }
                ExitCode::from(1)
            }
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                pipe::err_line(&format!("error: cannot render the status: {e}"));
                ExitCode::from(1)
            }
        },
        Err(e) => {
            pipe::err_line(&format!("error: {e}"));
            ExitCode::from(1)
        }
    }
}

/// `--watch`: reads and shows the status every `every` until Ctrl-C (or
/// SIGTERM); a reading in progress is abandoned at once.
async fn watch(
    input: &manifest_input::ManifestInput,
    args: &StatusArgs,
    out: &Output,
    every: std::time::Duration,
) -> ExitCode {
    use std::io::IsTerminal;
    let in_place = std::io::stdout().is_terminal() && out.format == super::Format::Text;
    let stop = match super::interrupts::stop_token() {
        Ok(t) => t,
        Err(e) => {
            pipe::err_line(&format!("error: cannot watch for Ctrl-C: {e}"));
            return ExitCode::from(1);
        }
    };
    let backends = Backends::new();
    let mut code = ExitCode::SUCCESS;
    for refresh in 1u64.. {
        let reading = tokio::select! {
            r = read_report(input, args, &backends) => r,
            _ = stop.cancelled() => break,
        };
        if out.format == super::Format::Text {
            if in_place {
                // Home, clear the screen: the new reading replaces the old.
                pipe::out("\x1b[H\x1b[2J");
            } else if refresh > 1 {
                pipe::out_line("");
            }
            pipe::out_line(&format!(
                "status, refresh {refresh}, every {} (Ctrl-C to stop)",
                humantime::format_duration(every)
            ));
        }
        code = show(reading, out);
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.cancelled() => break,
        }
    }
    code
}

pub fn run(global: &GlobalArgs, args: &StatusArgs, out: &Output) -> ExitCode {
    let input = match manifest_input::load(global, out) {
        Ok(i) => i,
        Err(code) => return code,
    };
    if let Err(e) = super::planning::check_link_names(&input.manifest, &args.links) {
        pipe::err_line(&format!("error: {e}"));
        return ExitCode::from(1);
    }
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            pipe::err_line(&format!("error: cannot start the async runtime: {e}"));
            return ExitCode::from(1);
        }
    };
    if let Some(secs) = args.watch {
        let every = match std::time::Duration::try_from_secs_f64(secs) {
            Ok(d) if d >= std::time::Duration::from_millis(100) => d,
            _ => {
                pipe::err_line(&format!(
                    "error: `--watch {secs}`: the interval must be at least 0.1 seconds"
                ));
                return ExitCode::from(1);
            }
        };
        return rt.block_on(watch(&input, args, out, every));
    }
    let result = rt.block_on(async { read_report(&input, args, &Backends::new()).await });
    show(result, out)
}
