//! `linkctl man`: the man page, generated from the command line definition
//! by `clap_mangen` (so it never drifts from `--help`).

use std::path::PathBuf;
use std::process::ExitCode;

use super::{pipe, Cli};

/// Arguments of `linkctl man`.
#[derive(Debug, Clone, clap::Args)]
pub struct ManArgs {
    /// Write `linkctl.1` and one page per command (`linkctl-plan.1`, …) to
    /// DIR instead of printing `linkctl.1`.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

pub fn run(args: &ManArgs) -> ExitCode {
    let cmd = <Cli as clap::CommandFactory>::command();
    let written = match &args.out_dir {
        Some(dir) => std::fs::create_dir_all(dir)
            .and_then(|()| clap_mangen::generate_to(cmd, dir))
            .map_err(|e| format!("cannot write the man pages to `{}`: {e}", dir.display())),
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut page)
                .map_err(|e| format!("cannot render the man page: {e}"))
                .map(|()| pipe::out(&String::from_utf8_lossy(&page)))
        }
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            pipe::err_line(&format!("error: {e}"));
            ExitCode::from(1)
        }
    }
}
