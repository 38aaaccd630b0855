//! The command line: argument parsing, output settings, exit codes.
//!
//! Each command lives in its own module; this one only wires them together.

pub mod apply_cmd;
pub mod apply_lock;
pub mod confirm;
pub mod export_cmd;
pub mod interrupts;
pub mod live;
pub mod man;
pub mod manifest_input;
pub mod out_path;
pub mod output;
pub mod pipe;
pub mod plan_cmd;
pub mod planning;
pub mod schema;
pub mod show_cmd;
pub mod status_cmd;
pub mod validate;
pub mod views;
pub mod waiting_line;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

pub use output::Output;

/// `0.1.0 (commit 1a2b3c4d5e6f)`: the crate version and the git commit it
/// was built from (see `build.rs`).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("LINKCTL_GIT_COMMIT"),
    ")"
);

/// linkctl — declarative Kafka cross-cluster replication (Cluster Linking, MirrorMaker 2).
#[derive(Debug, Parser)]
#[command(name = "linkctl", version = VERSION, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command shares.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Manifest file, or a directory of them (every `*.yaml` / `*.yml` in
    /// it, sorted, not recursive); repeat for several. `-` reads standard
    /// input. The files form one manifest: a cluster declared in one is
    /// usable from all. Default: `linkctl.yaml`, or for `apply PLAN` and
    /// `show PLAN` the files the plan was made from.
    #[arg(
        short = 'f',
        long = "file",
        global = true,
        env = "LINKCTL_FILE",
        action = clap::ArgAction::Append
    )]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Never colour output (also honoured: NO_COLOR; output is plain when not a TTY).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// More logging on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Longest wait for any cluster's endpoint (Kafka, REST, Kafka Connect),
    /// retries included, overriding every cluster's `timeouts.request_ms`:
    /// a dead or frozen endpoint ends the command about this long after
    /// linkctl first needed it.
    #[arg(long, global = true, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: Option<u64>,
}

/// The manifest file when neither `-f` nor a saved plan names one.
pub const DEFAULT_MANIFEST: &str = "linkctl.yaml";

impl GlobalArgs {
    /// The manifest paths: `-f`, else [`DEFAULT_MANIFEST`].
    pub fn manifest_paths(&self) -> Vec<PathBuf> {
        if self.files.is_empty() {
            vec![PathBuf::from(DEFAULT_MANIFEST)]
        } else {
            self.files.clone()
        }
    }

    /// These options, reading `recorded` (a saved plan's manifest files)
    /// when no `-f` was given. Standard input (`-`) is never read again:
    /// a plan made from it needs `-f`.
    pub fn or_files(&self, recorded: &[String]) -> GlobalArgs {
        let mut g = self.clone();
        if g.files.is_empty() && !recorded.iter().any(|f| f == "-") {
            g.files = recorded.iter().map(PathBuf::from).collect();
        }
        g
    }
}

/// Output formats; each command's view has one implementation per format
/// (see [`views`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: aligned, coloured on a terminal.
    Text,
    /// For machines: versioned JSON (apply: one event per line).
    Json,
    /// For pull-request comments (plans under 60,000 characters).
    Markdown,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the manifest (syntax, references, engine limits, secrets) without contacting any cluster.
    Validate(validate::ValidateArgs),
    /// Print the JSON Schema of the manifest (or, with --events, of apply's JSON events).
    Schema(schema::SchemaArgs),
    /// Show links, tasks, mirror topics, lag and (with --groups) consumer group offsets.
    Status(status_cmd::StatusArgs),
    /// Show what apply would change: diff the manifest against live state.
    Plan(plan_cmd::PlanArgs),
    /// Execute the plan (or a saved plan file) and wait until the clusters match the manifest.
    Apply(apply_cmd::ApplyArgs),
    /// Render a saved plan again (without contacting any cluster): when and
    /// against which clusters it was made, and whether the manifest still matches.
    Show(show_cmd::ShowArgs),
    /// Write a manifest that reproduces the live links and mirrors of the manifest's clusters.
    Export(export_cmd::ExportArgs),
    /// Remove a stale apply lock (left by an apply that was killed) by its
    /// ID, as `apply` and `plan` name it. Only when that apply is gone.
    ForceUnlock(ForceUnlockArgs),
    /// Print shell completions (see the README for where to install them).
    Completions {
        /// Shell to generate completions for.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command to a directory.
    Man(man::ManArgs),
}

/// Exit code of a usage error (an unknown or malformed argument), as
/// Terraform's: 1, never 2, which `plan --detailed-exitcode` means "changes
/// pending".
pub const USAGE_ERROR: u8 = 1;

/// Prints what the argument parser said: `--help` and `--version` on
/// stdout (exit 0), a usage error on stderr (exit [`USAGE_ERROR`]).
fn usage_error(e: &clap::Error) -> ExitCode {
    let _ = e.print();
    if e.use_stderr() {
        ExitCode::from(USAGE_ERROR)
    } else {
        ExitCode::SUCCESS
    }
}

/// Arguments of `linkctl force-unlock`.
#[derive(Debug, Clone, clap::Args)]
pub struct ForceUnlockArgs {
    /// The lock ID (12 hex digits).
    pub id: String,
}

/// Runs `linkctl force-unlock ID` on the manifest's clusters.
fn force_unlock(global: &GlobalArgs, args: &ForceUnlockArgs, out: &Output) -> ExitCode {
    let input = match manifest_input::load(global, out) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let rt = match live::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            pipe::err_line(&format!("error: cannot start the async runtime: {e}"));
            return ExitCode::from(1);
        }
    };
    let backends = live::Backends::new();
    match rt.block_on(apply_lock::force_unlock(
        &backends,
        &input.manifest,
        &args.id,
    )) {
        Ok(lines) => {
            for l in lines {
                pipe::err_line(&l);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            pipe::err_line(&format!("error: {e}"));
            ExitCode::from(1)
        }
    }
}

/// Parses the command line, runs the command and returns the process exit code.
pub fn main() -> ExitCode {
    // A panic's message may quote a value: it goes through the redaction layer too.
    std::panic::set_hook(Box::new(|info| {
        pipe::err_line(&format!("linkctl: internal error: {info}"));
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    let out = Output::new(&cli.global);
    out.init_tracing(cli.global.verbose);
    crate::backend::waiting::install(Box::new(waiting_line::WaitingLine::new(out.stderr_tty)));
    match &cli.command {
        Command::Validate(args) => validate::run(&cli.global, args, &out),
        Command::Schema(args) => schema::run(args),
        Command::Status(args) => status_cmd::run(&cli.global, args, &out),
        Command::Plan(args) => plan_cmd::run(args, &cli.global, &out),
        Command::Apply(args) => apply_cmd::run(&cli.global, args, &out),
        Command::Show(args) => show_cmd::run(&cli.global, args, &out),
        Command::Export(args) => export_cmd::run(&cli.global, args, &out),
        Command::ForceUnlock(args) => force_unlock(&cli.global, args, &out),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut cmd, "linkctl", &mut pipe::Stdout::default());
            ExitCode::SUCCESS
        }
        Command::Man(args) => man::run(args),
    }
}
