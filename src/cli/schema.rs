//! `linkctl schema`: the JSON Schema of the manifest.

use super::pipe;
use std::process::ExitCode;

use crate::manifest::Manifest;

/// The manifest's JSON Schema, pretty-printed, with a final newline.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Manifest);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_else(|_| "{}".to_string());
    s.push('\n');
    s
}

pub fn run() -> ExitCode {
    pipe::out(&schema_json());
    ExitCode::SUCCESS
}
