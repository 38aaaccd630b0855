//! `linkctl export`: write a manifest that reproduces the live links and
//! mirrors of the manifest's clusters (see [`crate::export`]).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::backend::Scope;
use crate::export::{export, to_yaml};

use super::live::{runtime, Backends};
use super::pipe;
use super::{manifest_input, GlobalArgs, Output};

/// Schema reference used when the input manifest has no modeline.
const DEFAULT_SCHEMA: &str = "linkctl.schema.json";

/// Arguments of `linkctl export`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// Write the manifest to FILE instead of standard output.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// `$schema` of the modeline (default: the input manifest's, else
    /// `linkctl.schema.json`, as written by `linkctl schema`).
    #[arg(long, value_name = "URL")]
    pub schema: Option<String>,
}

/// The `$schema` of a `# yaml-language-server:` modeline in `text`.
fn modeline_schema(text: &str) -> Option<String> {
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| l.split_once("$schema=").map(|(_, s)| s.trim().to_string()))
        .filter(|s| !s.is_empty())
}

/// Runs `export`; returns the exit code.
pub fn run(global: &GlobalArgs, args: &ExportArgs, out: &Output) -> ExitCode {
    let input = match manifest_input::load(global, out) {
        Ok(i) => i,
        Err(code) => return code,
    };
    // Every link on the declared clusters, declared or not.
    let mut reading = input.manifest.clone();
    reading.prune_links = true;
    let live = match runtime() {
        Ok(rt) => rt
            .block_on(Backends::new().read_links(&reading, &Scope::default()))
            .map_err(|e| format!("cannot read live state: {e}")),
        Err(e) => Err(format!("cannot start the async runtime: {e}")),
    };
    let live = match live {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let exported = export(&input.manifest, &live);
    let schema = args
        .schema
        .clone()
        .or_else(|| modeline_schema(&input.source.text))
        .unwrap_or_else(|| DEFAULT_SCHEMA.to_string());
    let text = match to_yaml(&exported, &schema) {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    for n in &exported.notes {
        pipe::err_line(&format!("note: {n}"));
    }
    match &args.out {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                return fail(&format!("cannot write `{}`: {e}", path.display()));
            }
            pipe::err_line(&format!(
                "Exported {} link(s) to {}.",
                exported.manifest.links.len(),
                path.display()
            ));
        }
        None => pipe::out(&text),
    }
    ExitCode::SUCCESS
}

fn fail(message: &str) -> ExitCode {
    pipe::err_line(&format!("error: {message}"));
    ExitCode::from(1)
}

#[cfg(test)]
mod tests {
    use super::modeline_schema;

    #[test]
    fn modeline_is_found_in_the_leading_comments() {
        assert_eq!(
            modeline_schema("# yaml-language-server: $schema=../s.json\nversion: 1\n").as_deref(),
            Some("../s.json")
        );
        assert_eq!(modeline_schema("version: 1\n# $schema=x\n"), None);
    }
}
