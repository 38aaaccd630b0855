//! The command line: argument parsing, output settings, exit codes.
//!
//! Each command lives in its own module; this one only wires them together.

pub mod apply_cmd;
pub mod export_cmd;
pub mod interrupts;
pub mod live;
pub mod manifest_input;
pub mod output;
pub mod pipe;
pub mod plan_cmd;
pub mod planning;
pub mod schema;
pub mod status_cmd;
pub mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

pub use output::Output;

/// linkctl — declarative Kafka cross-cluster replication (Cluster Linking, MirrorMaker 2).
#[derive(Debug, Parser)]
#[command(name = "linkctl", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command shares.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Manifest file (`-` reads standard input).
    #[arg(
        short = 'f',
        long = "file",
        global = true,
        default_value = "linkctl.yaml",
        env = "LINKCTL_FILE"
    )]
    pub file: PathBuf,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Never colour output (also honoured: NO_COLOR; output is plain when not a TTY).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// More logging on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Longest wait for one request to any cluster's endpoints (Kafka, REST,
    /// Kafka Connect), overriding every cluster's `timeouts.request_ms`.
    #[arg(long, global = true, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
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
    /// Write a manifest that reproduces the live links and mirrors of the manifest's clusters.
    Export(export_cmd::ExportArgs),
    /// Print shell completions.
    Completions {
        /// Shell to generate completions for.
        shell: clap_complete::Shell,
    },
}

/// Parses the command line, runs the command and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Output::new(&cli.global);
    out.init_tracing(cli.global.verbose);
    match &cli.command {
        Command::Validate(args) => validate::run(&cli.global, args, &out),
        Command::Schema(args) => schema::run(args),
        Command::Status(args) => status_cmd::run(&cli.global, args, &out),
        Command::Plan(args) => plan_cmd::run(args, &cli.global, &out),
        Command::Apply(args) => apply_cmd::run(&cli.global, args, &out),
        Command::Export(args) => export_cmd::run(&cli.global, args, &out),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut cmd, "linkctl", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
    }
}
