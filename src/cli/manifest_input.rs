//! Reading the manifest for any command: `-f FILE` (or `-` for stdin), a
//! directory (its `*.yaml` / `*.yml` files, sorted, not recursive) or
//! several `-f`, validation of the set as one manifest, and diagnostics on
//! stderr (each pointing into its own file).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use miette::{GraphicalReportHandler, GraphicalTheme};

use crate::backend::registry;
use crate::manifest::diagnostic::Report;
use crate::manifest::masking::mask;
use crate::manifest::secret_values::secret_values;
use crate::manifest::{load_validated, Manifest, Problem, SourceFile, Validated};
use crate::redact;

use super::pipe;
use super::{GlobalArgs, Output};

/// The code of a secret written in clear (its value is masked when drawn).
const SECRET_IN_CLEAR: &str = "linkctl::secret_in_clear";

/// Width diagnostics are drawn at when `COLUMNS` does not say otherwise.
const DEFAULT_WIDTH: usize = 100;

/// A validated manifest and the text it came from.
#[derive(Debug, Clone)]
pub struct ManifestInput {
    pub source: SourceFile,
    pub manifest: Manifest,
    /// Warnings (already shown on stderr by [`load`]).
    pub warnings: Vec<Problem>,
}

/// Reads and validates the manifest named by `-f`, showing every problem on
/// stderr. On any error, returns the exit code the command should end with (1).
pub fn load(global: &GlobalArgs, out: &Output) -> Result<ManifestInput, ExitCode> {
    let source = match read_sources(&global.manifest_paths()) {
        Ok(s) => s,
        Err(p) => {
            pipe::err(&render_problems(
                &[*p],
                &unnamed(&global.manifest_paths()),
                out,
            ));
            return Err(ExitCode::from(1));
        }
    };
    match validate_source(&source) {
        Ok(v) => {
            // Commands other than `validate` keep warnings to one line each:
            // they are shown on every run; `linkctl validate` draws them in full.
            pipe::err(&warning_lines(&v.warnings, &source));
            let mut manifest = v.manifest;
            if let Some(secs) = global.timeout {
                override_request_timeouts(&mut manifest, secs);
            }
            Ok(ManifestInput {
                source,
                manifest,
                warnings: v.warnings,
            })
        }
        Err(problems) => {
            pipe::err(&render_problems(&problems, &source, out));
            pipe::err_line(&summary(&source.name, &problems));
            Err(ExitCode::from(1))
        }
    }
}

/// `--timeout SECONDS`: every cluster's request timeout.
fn override_request_timeouts(manifest: &mut Manifest, secs: u64) {
    for c in manifest.clusters.values_mut() {
        let mut t = c.timeouts.take().unwrap_or_default();
        t.value.request_ms = Some(secs * 1000);
        c.timeouts = Some(t);
    }
}

/// Validates `source` against the process environment. Every value looked
/// up, and every secret the manifest holds in clear, is registered with the
/// redaction layer.
pub fn validate_source(source: &SourceFile) -> Result<Validated, Vec<Problem>> {
    let result = load_validated(source, &registry::models(), env_lookup);
    if let Ok(v) = &result {
        register_secrets(&v.manifest);
    }
    result
}

/// An environment variable, registered with the redaction layer: a value
/// from `${env:…}` is a secret.
pub fn env_lookup(name: &str) -> Option<String> {
    let value = std::env::var(name).ok();
    if let Some(v) = &value {
        redact::register(v);
    }
    value
}

/// Registers the secrets `manifest` holds in clear (credentials, sensitive configs).
pub fn register_secrets(manifest: &Manifest) {
    let found = secret_values(manifest);
    for v in &found.values {
        redact::register(v);
    }
    for (user, password) in &found.basic {
        redact::register_basic(user, password);
    }
    for user in &found.users {
        redact::spare(user);
    }
}

/// The name a path is shown under.
pub fn display_name(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

fn unnamed(paths: &[PathBuf]) -> SourceFile {
    SourceFile::new(set_name(paths), String::new())
}

/// What a set of `-f` paths is called: the one path, or the paths joined.
pub fn set_name(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| display_name(p)).collect();
    names.join(", ")
}

/// Whether `path` names a manifest file of a directory.
fn is_manifest_file(path: &Path) -> bool {
    path.is_file() && path.extension().is_some_and(|e| e == "yaml" || e == "yml")
}

/// The files `path` stands for: itself, or a directory's manifest files
/// sorted by name.
fn expand(path: &Path) -> Result<Vec<PathBuf>, Box<Problem>> {
    if path.as_os_str() == "-" || !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let name = display_name(path);
    let entries = std::fs::read_dir(path).map_err(|e| {
        Box::new(
            Problem::error("linkctl::read_failed", format!("cannot read {name}: {e}"))
                .help("check the path and its permissions"),
        )
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| is_manifest_file(p))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Box::new(
            Problem::error(
                "linkctl::no_manifest",
                format!("{name} holds no manifest file"),
            )
            .help("a directory given with `-f` must hold `*.yaml` or `*.yml` files (subdirectories are not read)"),
        ));
    }
    Ok(files)
}

/// Reads every manifest file `paths` name (`-f`, repeatable: files,
/// directories, `-` for stdin) as one source. A path named twice is read
/// once. A failure is a located-nowhere problem.
pub fn read_sources(paths: &[PathBuf]) -> Result<SourceFile, Box<Problem>> {
    let mut files: Vec<PathBuf> = Vec::new();
    for p in paths {
        for f in expand(p)? {
            if !files.contains(&f) {
                files.push(f);
            }
        }
    }
    let mut sources = files
        .iter()
        .map(|f| read_source(f))
        .collect::<Result<Vec<_>, _>>()?;
    if sources.len() == 1 && paths.len() == 1 && !paths[0].is_dir() {
        return Ok(sources.remove(0));
    }
    Ok(SourceFile::join(set_name(paths), &sources))
}

/// Reads the manifest text (`-` is stdin). A failure is a located-nowhere problem.
pub fn read_source(path: &Path) -> Result<SourceFile, Box<Problem>> {
    let name = display_name(path);
    let mut bytes = Vec::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(path).map(|b| bytes = b)
    };
    if let Err(e) = read {
        let help = if e.kind() == std::io::ErrorKind::NotFound {
            "pass the manifest with `-f FILE` (default `linkctl.yaml`; `-` reads stdin)"
        } else {
            "check the path and its permissions"
        };
        return Err(Box::new(
            Problem::error("linkctl::read_failed", format!("cannot read {name}: {e}")).help(help),
        ));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(name, text)),
        Err(e) => Err(Box::new(
            Problem::error(
                "linkctl::not_utf8",
                format!(
                    "{name} is not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            )
            .help("save the manifest as UTF-8"),
        )),
    }
}

/// Renders problems with miette (colour only when `out` allows it on stderr).
pub fn render_problems(problems: &[Problem], source: &SourceFile, out: &Output) -> String {
    let theme = if out.stderr_color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|w| *w >= 40)
        .unwrap_or(DEFAULT_WIDTH);
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false);
    let source = &masked(problems, source);
    let mut s = String::new();
    for p in problems {
        let report = Report::new(p.clone(), source);
        if handler.render_report(&mut s, &report).is_err() {
            s.push_str(&format!("{}: {}\n", p.code, p.message));
        }
        s.push('\n');
    }
    s
}

/// `source` with its secrets masked ([`crate::manifest::masking`]: the
/// values of secret keys, passwords inside values, credentials in URLs;
/// and every value flagged as a secret written in clear), same byte length
/// and same lines, so every span still points where it did: a diagnostic
/// draws the lines around it, and must not print the secret, whichever
/// phase of validation stopped. What was masked is registered with the
/// redaction layer, so a message quoting it is filtered too.
fn masked(problems: &[Problem], source: &SourceFile) -> SourceFile {
    let (text, found) = mask(&source.text);
    for v in &found {
        redact::register(v);
    }
    let mut bytes = text.into_bytes();
    for p in problems.iter().filter(|p| p.code == SECRET_IN_CLEAR) {
        let Some(label) = &p.primary else { continue };
        let (start, end) = (label.span.offset, label.span.offset + label.span.len);
        let Some(value) = source.text.get(start..end) else {
            continue;
        };
        let inner = value.trim_matches(|c| c == '"' || c == '\'');
        let skip = value.find(inner).unwrap_or(0);
        for b in &mut bytes[start + skip..start + skip + inner.len()] {
            if !matches!(*b, b'\n' | b'\r') {
                *b = b'*';
            }
        }
    }
    source.with_text(String::from_utf8(bytes).unwrap_or_else(|_| "*".repeat(source.text.len())))
}

/// `warning: <message> (file:line:col; linkctl validate shows details)`, one a line;
/// the same warning about several links once, with the list of links.
pub fn warning_lines(problems: &[Problem], source: &SourceFile) -> String {
    let mut s = String::new();
    let mut said: Vec<(&'static str, String)> = Vec::new();
    for p in problems {
        let place = p
            .place(source)
            .map(|l| format!("{}:{}:{}", l.file, l.line, l.column))
            .unwrap_or_else(|| source.name.clone());
        let message = match &p.link {
            Some(link) => {
                let shape = link_shape(&p.message, link);
                if said.iter().any(|(c, m)| *c == p.code && *m == shape) {
                    continue;
                }
                let links: Vec<&str> = problems
                    .iter()
                    .filter(|q| q.code == p.code)
                    .filter_map(|q| q.link.as_deref().map(|l| (l, link_shape(&q.message, l))))
                    .filter(|(_, m)| *m == shape)
                    .map(|(l, _)| l)
                    .collect();
                said.push((p.code, shape.clone()));
                if links.len() > 1 {
                    many_links(&shape, &links)
                } else {
                    p.message.clone()
                }
            }
            None => p.message.clone(),
        };
        s.push_str(&format!(
            "warning: {message} ({place}; `linkctl validate` shows details)\n"
        ));
    }
    s
}

/// The message with the link's name taken out.
fn link_shape(message: &str, link: &str) -> String {
    message.replacen(&format!("link `{link}`"), "link `{}`", 1)
}

/// How many links of a list are named before `and N more`.
const LINKS_NAMED: usize = 5;

/// `links `a`, `b` and 3 more use …` from `link `{}` uses …`.
fn many_links(shape: &str, links: &[&str]) -> String {
    let mut named: Vec<String> = links
        .iter()
        .take(LINKS_NAMED)
        .map(|l| format!("`{l}`"))
        .collect();
    let rest = links.len().saturating_sub(LINKS_NAMED);
    let list = if rest > 0 {
        format!("{} and {rest} more", named.join(", "))
    } else {
        let last = named.pop().unwrap_or_default();
        format!("{} and {last}", named.join(", "))
    };
    let n = links.len();
    if shape.contains("link `{}` uses ") {
        shape.replacen("link `{}` uses ", &format!("{n} links ({list}) use "), 1)
    } else {
        shape.replacen("link `{}`", &format!("{n} links ({list})"), 1)
    }
}

/// `✗ linkctl.yaml is invalid: 2 errors, 1 warning`.
pub fn summary(name: &str, problems: &[Problem]) -> String {
    let errors = problems.iter().filter(|p| p.is_error()).count();
    let warnings = problems.len() - errors;
    let mut s = format!("✗ {name} is invalid: {}", plural(errors, "error"));
    if warnings > 0 {
        s.push_str(&format!(", {}", plural(warnings, "warning")));
    }
    s
}

/// `1 link`, `2 links`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod warning_tests {
    use super::many_links;

    #[test]
    fn one_warning_names_every_link_it_concerns() {
        assert_eq!(
            many_links("link `{}` uses MirrorMaker 2: x", &["a", "b"]),
            "2 links (`a` and `b`) use MirrorMaker 2: x"
        );
        let names: Vec<String> = (0..7).map(|i| format!("l{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(
            many_links("no tasks on link `{}`", &names),
            "no tasks on 7 links (`l0`, `l1`, `l2`, `l3`, `l4` and 2 more)"
        );
    }
}
