//! `linkctl schema`: the JSON Schema of the manifest, or (`--events`) of one
//! line of `apply --format json`.

use std::process::ExitCode;

use super::pipe;
use crate::apply::events::events_schema_json;
use crate::manifest::Manifest;

/// Arguments of `linkctl schema`.
#[derive(Debug, Clone, clap::Args)]
pub struct SchemaArgs {
    /// The schema of one line of `apply --format json` instead of the manifest's.
    #[arg(long)]
    pub events: bool,
}

/// The manifest's JSON Schema, pretty-printed, with a final newline.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Manifest);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_else(|_| "{}".to_string());
    s.push('\n');
    s
}

pub fn run(args: &SchemaArgs) -> ExitCode {
    if args.events {
        pipe::out(&events_schema_json());
    } else {
        pipe::out(&schema_json());
    }
    ExitCode::SUCCESS
}
