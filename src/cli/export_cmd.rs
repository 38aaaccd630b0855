//! `linkctl export`: write a manifest that reproduces the live links and
//! mirrors of the manifest's clusters (see [`crate::export`]).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::backend::Scope;
use crate::export::split::split;
use crate::export::{export, to_yaml, Export};

use super::live::{runtime, Backends};
use super::manifest_input::read_sources;
use super::pipe;
use super::{manifest_input, GlobalArgs, Output};

/// Schema reference used when the input manifest has no modeline.
const DEFAULT_SCHEMA: &str = "linkctl.schema.json";

/// Arguments of `linkctl export`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// Write the manifest to FILE instead of standard output.
    #[arg(
        short = 'o',
        long = "out",
        value_name = "FILE",
        conflicts_with = "split"
    )]
    pub out: Option<PathBuf>,
    /// Write the manifest as files in DIR (created if needed; it must hold
    /// no manifest file yet): `clusters.yaml` and one `link-<name>.yaml` per
    /// link, read back with `-f DIR`.
    #[arg(long, value_name = "DIR")]
    pub split: Option<PathBuf>,
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
        .or_else(|| {
            let first = input.source.parts.first()?;
            modeline_schema(input.source.part_text(first))
        })
        .unwrap_or_else(|| DEFAULT_SCHEMA.to_string());
    for n in &exported.notes {
        pipe::err_line(&format!("note: {n}"));
    }
    let links = exported.manifest.links.len();
    let written = match (&args.split, &args.out) {
        (Some(dir), _) => write_split(dir, &exported, &schema).map(|n| {
            format!(
                "Exported {} link(s) to {} ({n} files).",
                links,
                dir.display()
            )
        }),
        (None, Some(path)) => to_yaml(&exported, &schema)
            .and_then(|text| {
                std::fs::write(path, text)
                    .map_err(|e| format!("cannot write `{}`: {e}", path.display()))
            })
            .map(|()| format!("Exported {links} link(s) to {}.", path.display())),
        (None, None) => to_yaml(&exported, &schema).map(|text| {
            pipe::out(&text);
            String::new()
        }),
    };
    match written {
        Ok(message) => {
            if !message.is_empty() {
                pipe::err_line(&message);
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

/// Writes the export as files in `dir`; returns how many.
fn write_split(dir: &Path, exported: &Export, schema: &str) -> Result<usize, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    if read_sources(&[dir.to_path_buf()]).is_ok() {
        return Err(format!(
            "`{}` already holds manifest files: export into an empty directory",
            dir.display()
        ));
    }
    let files = split(exported);
    for (name, part) in &files {
        let path = dir.join(name);
        let text = to_yaml(part, schema)?;
        std::fs::write(&path, text)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    Ok(files.len())
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
