//! `linkctl status`: links, tasks, mirrors, lag, mirror topic configs and
//! (with `--groups`) consumer group offsets on both sides. A link or
//! cluster that cannot be read is shown with why, the rest as read, and the
//! exit status is then 1.

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
    let scope = Scope {
        links: args.links.clone(),
    };
    let result = rt.block_on(async {
        let backends = Backends::new();
        let live = backends.read(&input.manifest, &scope).await?;
        let (groups, group_problems) = if args.groups {
            let (g, p) =
                observe_groups(&input.manifest, &args.links, &backends.engines.kafka).await;
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
        Ok::<_, crate::backend::BackendError>(report)
    });
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
