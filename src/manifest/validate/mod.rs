//! Semantic validation of a manifest: pure, and reports every problem at once.
//!
//! [`load_validated`] is the one entry point commands use: parse (syntax and
//! shape errors), interpolate `${env:…}`, then run every check below. Each
//! check module covers one topic and only pushes [`Problem`]s.

mod cleartext_auth;
mod combinations;
mod config_values;
mod cutover;
mod filters;
pub mod intervals;
mod mirrors;
mod references;
mod same_cluster;
mod secrets;
pub mod suggest;
mod syntax;
mod timeouts;
mod tls_off;
mod topic_names;
mod unknown_keys;
pub mod urls;

use std::rc::Rc;

use super::diagnostic::{self, Problem};
use super::engine_rules::{EngineRules, EngineTable};
use super::load::{parse_part, SourceFile};
use super::located::ByteSpan;
use super::merge::merge;
use super::model::Manifest;

pub use syntax::from_parse_error;
pub use topic_names::{topic_name_problem, MAX_TOPIC_NAME_LEN};

/// A manifest without errors, with the warnings found while checking it.
#[derive(Debug, Clone)]
pub struct Validated {
    pub manifest: Manifest,
    /// Warnings, sorted by position in the file.
    pub warnings: Vec<Problem>,
}

/// Parses and validates `source` (one file, or a set of files merged into
/// one manifest, see [`crate::manifest::merge`]). `engines` adds each
/// engine's checks; `env` resolves `${env:NAME}`.
///
/// `Err` holds every problem found (errors and warnings, sorted by position)
/// when at least one is an error.
pub fn load_validated<E: ?Sized + EngineRules>(
    source: &SourceFile,
    engines: &EngineTable<E>,
    env: impl Fn(&str) -> Option<String> + 'static,
) -> Result<Validated, Vec<Problem>> {
    let env = Rc::new(env);
    let mut problems = Vec::new();
    let mut fragments = Vec::new();
    let mut interpolation = Vec::new();
    for (i, part) in source.parts.iter().enumerate() {
        let env = env.clone();
        match parse_part(source, i, move |n| env(n)) {
            Ok(p) => {
                fragments.push(p.manifest);
                interpolation.extend(p.interpolation);
            }
            Err(e) => problems.extend(parse_problems(&e, source.part_text(part), part.start)),
        }
    }
    if !problems.is_empty() {
        diagnostic::sort(&mut problems);
        diagnostic::widen_empty_spans(&mut problems, &source.text);
        return Err(problems);
    }
    let Some((manifest, duplicates)) = merge(fragments) else {
        return Err(vec![Problem::error(
            "linkctl::no_manifest",
            format!("{} holds no manifest file", source.name),
        )
        .help(
            "a directory given with `-f` must hold `*.yaml` or `*.yml` files",
        )]);
    };
    let mut problems = secrets::interpolation(&interpolation);
    problems.extend(duplicates);
    problems.extend(validate(&manifest, engines));
    diagnostic::sort(&mut problems);
    diagnostic::widen_empty_spans(&mut problems, &source.text);
    if problems.iter().any(Problem::is_error) {
        Err(problems)
    } else {
        Ok(Validated {
            manifest,
            warnings: problems,
        })
    }
}

/// The problems of one file that does not parse (`text` starts at `base`
/// in the set): the parser's, and with an unknown key every other one.
fn parse_problems(e: &serde_saphyr::Error, text: &str, base: usize) -> Vec<Problem> {
    let first = from_parse_error(e, text);
    let mut problems = Vec::new();
    if syntax::is_unknown_key(e) {
        let reported = first.primary.as_ref().map(|l| l.span);
        problems.extend(
            unknown_keys::find(text)
                .into_iter()
                .filter(|p| !same_place(p, reported)),
        );
    }
    problems.push(first);
    for p in &mut problems {
        p.shift(base);
    }
    problems
}

/// Whether `p` points at (or into) `span`: the key serde already reported.
fn same_place(p: &Problem, span: Option<ByteSpan>) -> bool {
    match (p.primary.as_ref(), span) {
        (Some(l), Some(s)) => {
            let (a, b) = (l.span, s);
            a.offset == b.offset
                || (a.offset < b.offset + b.len.max(1) && b.offset < a.offset + a.len.max(1))
        }
        _ => false,
    }
}

/// Every semantic check over a parsed manifest (unsorted), with those of
/// `engines`.
pub fn validate<E: ?Sized + EngineRules>(m: &Manifest, engines: &EngineTable<E>) -> Vec<Problem> {
    let mut out = Vec::new();
    references::check(m, &mut out);
    same_cluster::check(m, &mut out);
    mirrors::check(m, &mut out);
    intervals::check(m, &mut out);
    config_values::check(m, &mut out);
    filters::check(m, &mut out);
    combinations::check(m, &mut out);
    cutover::check(m, &mut out);
    // What each link's engine needs, limits and cannot express.
    for (name, link) in &m.links {
        engines
            .of(link.engine.value)
            .check_link(name, link, m, &mut out);
    }
    for engine in engines.all() {
        if engines.needed_by(m, *engine) {
            engine.check_manifest(m, &mut out);
        }
    }
    secrets::check(m, &mut out);
    timeouts::check(m, &mut out);
    urls::check(m, &mut out);
    tls_off::check(m, &mut out);
    cleartext_auth::check(m, &mut out);
    out
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use crate::manifest::model::{Cluster, EngineName, Link};
    use crate::manifest::Located;

    /// An engine without checks of its own: the manifest's checks are
    /// tested here, each engine's where it is implemented (with
    /// [`problems_with`] and the real engines).
    struct NoRules;

    impl EngineRules for NoRules {
        fn name(&self) -> &'static str {
            "any"
        }
        fn check_link(&self, _: &Located<String>, _: &Link, _: &Manifest, _: &mut Vec<Problem>) {}
        fn reads_cluster(&self, _: &Cluster) -> bool {
            false
        }
    }

    fn no_rules(_: EngineName) -> &'static dyn EngineRules {
        &NoRules
    }

    const NO_ENGINE_RULES: EngineTable<dyn EngineRules> = EngineTable::new(no_rules, &[&NoRules]);

    /// Problems of a manifest text with the checks of `engines` (panics on
    /// syntax errors: checks are tested here).
    pub fn problems_with<E: ?Sized + EngineRules>(
        yaml: &str,
        engines: &EngineTable<E>,
    ) -> Vec<Problem> {
        let src = SourceFile::new("t.yaml", yaml);
        match load_validated(&src, engines, |n| {
            (n == "SET").then(|| "s3cr3t-value".to_string())
        }) {
            Ok(v) => v.warnings,
            Err(p) => p,
        }
    }

    pub fn codes_with<E: ?Sized + EngineRules>(
        yaml: &str,
        engines: &EngineTable<E>,
    ) -> Vec<&'static str> {
        problems_with(yaml, engines)
            .iter()
            .map(|p| p.code)
            .collect()
    }

    /// Problems of a manifest text, without any engine's own checks.
    pub fn problems(yaml: &str) -> Vec<Problem> {
        problems_with(yaml, &NO_ENGINE_RULES)
    }

    pub fn codes(yaml: &str) -> Vec<&'static str> {
        problems(yaml).iter().map(|p| p.code).collect()
    }

    pub const CLUSTERS: &str = "version: 1
clusters:
  us:
    bootstrap: 127.0.0.1:19092
    rest: http://127.0.0.1:18090/kafka
  europe:
    bootstrap: 127.0.0.1:29092
    rest: http://127.0.0.1:28090/kafka
    connect: http://127.0.0.1:28083
";

    /// A manifest with the two clusters above and `link` (indented under `links:`).
    pub fn with_link(link: &str) -> String {
        format!("{CLUSTERS}links:\n  demo-link:\n{link}")
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;

    #[test]
    fn a_clean_manifest_has_no_problem() {
        let y = with_link(
            "    source: us\n    destination: europe\n    mirrors:\n      - topic: demo\n",
        );
        assert_eq!(codes(&y), Vec::<&str>::new());
    }

    #[test]
    fn all_problems_are_reported_at_once() {
        let y = with_link(
            "    source: usa\n    destination: europe\n    prefix: waytoolongprefix.\n    mirrors:\n      - topic: demo\n      - topic: demo\n",
        );
        let c = codes(&y);
        // (`prefix_too_long` is an engine's check: see `backend::registry`.)
        for want in ["linkctl::unknown_cluster", "linkctl::duplicate_mirror"] {
            assert!(c.contains(&want), "{want} missing from {c:?}");
        }
    }
}
