//! One manifest from the files of a set (`-f DIR`, repeated `-f`).
//!
//! Each file is a manifest of its own shape (`version`, and any of
//! `clusters`, `links` and the top-level settings). The set is their union:
//! a cluster declared in one file is usable from every file; a cluster or a
//! link declared in two files is an error that points at both. Top-level
//! settings (`prune_links`, `force_delete_links`) apply to the whole set
//! when any file turns them on. Mirrors belong to their link, so a mirror
//! can only be declared twice within one link (one file); two links of
//! different files that make the same mirror topic are caught by the mirror
//! checks, which point at both. Pure.

use std::collections::BTreeMap;

use super::diagnostic::Problem;
use super::located::Located;
use super::model::{Manifest, MANIFEST_VERSION};

/// The union of `fragments` (in file order) and a problem for every name
/// declared twice. `None` when there is no fragment.
pub fn merge(fragments: Vec<Manifest>) -> Option<(Manifest, Vec<Problem>)> {
    let mut problems = Vec::new();
    let mut fragments = fragments.into_iter();
    let mut merged = fragments.next()?;
    for f in fragments {
        // A file of another version is reported (once) by the version check.
        if merged.version.value == MANIFEST_VERSION && f.version.value != MANIFEST_VERSION {
            merged.version = f.version;
        }
        union(&mut merged.clusters, f.clusters, "cluster", &mut problems);
        union(&mut merged.links, f.links, "link", &mut problems);
        merged.prune_links |= f.prune_links;
        merged.force_delete_links |= f.force_delete_links;
    }
    Some((merged, problems))
}

/// Adds `from` to `into`; a name already there stays as first declared and
/// the second declaration is a problem pointing at both.
fn union<T>(
    into: &mut BTreeMap<Located<String>, T>,
    from: BTreeMap<Located<String>, T>,
    what: &str,
    problems: &mut Vec<Problem>,
) {
    for (name, value) in from {
        match into.get_key_value(name.value.as_str()) {
            Some((first, _)) => problems.push(
                Problem::error(
                    "linkctl::duplicate_definition",
                    format!("{what} `{}` is declared in two files", name.value),
                )
                .at(name.span, "declared again here")
                .also(first.span, "first declared here")
                .help(format!(
                    "declare each {what} once in the set of manifest files: remove one of \
                     the two, or rename it"
                )),
            ),
            None => {
                into.insert(name, value);
            }
        }
    }
}
