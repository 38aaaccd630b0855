//! `linkctl export`: write a manifest that reproduces the live links and
//! mirrors of the manifest's clusters (see [`crate::export`]).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::backend::registry;
use crate::backend::Scope;
use crate::export::split::split;
use crate::export::{check::check, export, to_yaml, Export};
use crate::files::write_private;

use super::live::{runtime, Backends};
use super::manifest_input::{env_lookup, read_sources};
use super::pipe;
use super::{manifest_input, Format, GlobalArgs, Output};

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
        conflicts_with = "split",
        value_parser = super::out_path::export_file
    )]
    pub out: Option<PathBuf>,
    /// Write the manifest as files in DIR (created if needed; it must hold
    /// no manifest file yet): `clusters.yaml` and one `link-<name>.yaml` per
    /// link, read back with `-f DIR`.
    #[arg(long, value_name = "DIR")]
    pub split: Option<PathBuf>,
    /// `$schema` of the modeline (default: the input manifest's, made
    /// relative to the written file, else `linkctl.schema.json`, as written
    /// by `linkctl schema`; either only when that file exists next to the
    /// written one, else no modeline).
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

/// Why export refuses `--format`: it writes a YAML manifest, in no other format.
pub fn unwritable_format(format: Format) -> Option<String> {
    let name = match format {
        Format::Text => return None,
        Format::Json => "json",
        Format::Markdown => "markdown",
    };
    Some(format!(
        "export writes a YAML manifest and cannot write `--format {name}`; leave `--format` out"
    ))
}

/// Runs `export`; returns the exit code.
pub fn run(global: &GlobalArgs, args: &ExportArgs, out: &Output) -> ExitCode {
    if let Some(why) = unwritable_format(out.format) {
        return fail(&why);
    }
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
    let mut exported = export(&input.manifest, &live, &registry::models());
    // Where the manifest is written: its modeline's schema path is made
    // relative to that file's folder.
    let target: Option<PathBuf> = match (&args.split, &args.out) {
        (Some(dir), _) => Some(dir.join(crate::export::split::CLUSTERS_FILE)),
        (None, out) => out.clone(),
    };
    let schema = args.schema.clone().unwrap_or_else(|| {
        input
            .source
            .parts
            .first()
            .and_then(|first| {
                let s = modeline_schema(input.source.part_text(first))?;
                Some(rebase_schema(&s, Path::new(&first.name), target.as_deref()))
            })
            .or_else(|| Some(DEFAULT_SCHEMA.to_string()))
            .filter(|s| schema_exists(s, target.as_deref()))
            .unwrap_or_default()
    });
    // Never write a manifest that `validate` rejects or that plans changes:
    // a link whose exported form does not plan back to "no change" cannot be
    // expressed, and is left out with a note; the rest is checked again.
    let (text, warnings) = loop {
        let text = match to_yaml(&exported, &schema) {
            Ok(t) => t,
            Err(e) => return fail(&e),
        };
        match check(
            &text,
            &live,
            &exported.secret_env,
            &registry::models(),
            env_lookup,
        ) {
            Ok(warnings) => break (text, warnings),
            Err(refused)
                if refused
                    .links
                    .keys()
                    .any(|l| exported.manifest.link(l).is_some()) =>
            {
                for (link, problems) in &refused.links {
                    exported.leave_out(link, problems);
                }
            }
            Err(refused) => return fail(&refused.to_string()),
        }
    };
    for n in &exported.notes {
        pipe::err_line(&format!("note: {n}"));
    }
    // Written all the same: it reproduces the live state.
    for w in warnings {
        pipe::err_line(&format!(
            "note: `validate --strict` refuses the export: {w}"
        ));
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
        (None, Some(path)) => write_private(path, &text)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))
            .map(|()| format!("Exported {links} link(s) to {}.", path.display())),
        (None, None) => {
            pipe::out(&text);
            Ok(String::new())
        }
    };
    match written {
        // What could not be read is left out (the notes say why): the rest
        // is written, and the command still fails.
        Ok(message) if live.has_unread() => {
            if !message.is_empty() {
                pipe::err_line(&message);
            }
            fail("some links could not be read and are left out (see the notes above)")
        }
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
        write_private(&path, &text)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    Ok(files.len())
}

/// A relative `$schema` of the input manifest (relative to the input's
/// folder) made relative to the folder of the written file (the current
/// folder for standard output). URLs and absolute paths stay as they are.
fn rebase_schema(schema: &str, input: &Path, out: Option<&Path>) -> String {
    let as_path = Path::new(schema);
    if schema.contains("://") || as_path.is_absolute() || input.as_os_str() == "-" {
        return schema.to_string();
    }
    let Ok(cwd) = std::env::current_dir() else {
        return schema.to_string();
    };
    let folder = |p: &Path| cwd.join(p.parent().unwrap_or(Path::new("")));
    let target = clean(&folder(input).join(as_path));
    let from = clean(&out.map_or(cwd.clone(), folder));
    pathdiff::diff_paths(&target, &from)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_else(|| schema.to_string())
}

/// Whether the modeline's `schema` can be opened from the written file
/// `out` (standard output: the current folder): a URL is taken on trust, a
/// path must name an existing file.
fn schema_exists(schema: &str, out: Option<&Path>) -> bool {
    if schema.contains("://") {
        return true;
    }
    let folder = out.and_then(Path::parent).unwrap_or(Path::new(""));
    folder.join(schema).is_file()
}

/// `path` with `.` and `..` resolved lexically.
fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn fail(message: &str) -> ExitCode {
    pipe::err_line(&format!("error: {message}"));
    ExitCode::from(1)
}

#[cfg(test)]
mod tests {
    use super::{modeline_schema, rebase_schema, schema_exists};
    use std::path::Path;

    #[test]
    fn a_relative_schema_follows_the_written_file() {
        let s = "../../schema/linkctl.schema.json";
        let input = Path::new("examples/seed/01-link.yaml");
        assert_eq!(
            rebase_schema(s, input, Some(Path::new("examples/seed/out.yaml"))),
            s
        );
        assert_eq!(
            rebase_schema(s, input, Some(Path::new("out.yaml"))),
            "schema/linkctl.schema.json"
        );
        assert_eq!(
            rebase_schema(s, input, Some(Path::new("a/b/out.yaml"))),
            "../../schema/linkctl.schema.json"
        );
        assert_eq!(rebase_schema(s, input, None), "schema/linkctl.schema.json");
        let url = "https://example.com/linkctl.schema.json";
        assert_eq!(rebase_schema(url, input, Some(Path::new("x/y.yaml"))), url);
    }

    #[test]
    fn the_modeline_names_only_a_schema_that_exists() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("out.yaml");
        assert!(!schema_exists("linkctl.schema.json", Some(&out)));
        std::fs::write(dir.path().join("linkctl.schema.json"), "{}").expect("write");
        assert!(schema_exists("linkctl.schema.json", Some(&out)));
        assert!(!schema_exists("../linkctl.schema.json", Some(&out)));
        assert!(schema_exists("https://example.com/s.json", Some(&out)));
    }

    #[test]
    fn modeline_is_found_in_the_leading_comments() {
        assert_eq!(
            modeline_schema("# yaml-language-server: $schema=../s.json\nversion: 1\n").as_deref(),
            Some("../s.json")
        );
        assert_eq!(modeline_schema("version: 1\n# $schema=x\n"), None);
    }
}
