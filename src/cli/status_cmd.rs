//! `linkctl status`: links, tasks, mirrors, lag, mirror topic configs and
//! (with `--groups`) consumer group offsets on both sides.

use std::process::ExitCode;

use super::live::{runtime, Backends};
use super::manifest_input;
use super::pipe;
use super::{Format, GlobalArgs, Output};
use crate::backend::kafka::groups::observe_groups;
use crate::backend::Scope;
use crate::status::{build, render_text};

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
        let (live, topics_error) = backends.read(&input.manifest, &scope).await?;
        // Group offsets need the Kafka protocol (everything else of a
        // Confluent link comes over REST): when it cannot be reached, the
        // report says so and shows the rest.
        let (groups, groups_error) = if args.groups {
            match observe_groups(&input.manifest, &args.links, &backends.engines.kafka).await {
                Ok(g) => (Some(g), None),
                Err(e) => (None, Some(e)),
            }
        } else {
            (None, None)
        };
        let mut report = build(&input.manifest, &live, &args.links, groups.as_ref());
        if let Some(e) = groups_error {
            report.warnings.push(format!(
                "group offsets are not shown (linkctl reads them over the Kafka protocol): {e}"
            ));
        }
        if let Some(e) = topics_error {
            report.warnings.push(format!(
                "topic details (partitions, configs) are not shown: {e}"
            ));
        }
        Ok::<_, crate::backend::BackendError>(report)
    });
    match result {
        Ok(report) => {
            match out.format {
                Format::Json => match serde_json::to_string_pretty(&report) {
                    Ok(s) => pipe::out_line(&s),
                    Err(e) => {
                        pipe::err_line(&format!("error: cannot render the status: {e}"));
                        return ExitCode::from(1);
                    }
                },
                Format::Text => pipe::out(&render_text(&report, out.color)),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            pipe::err_line(&format!("error: {e}"));
            ExitCode::from(1)
        }
    }
}
