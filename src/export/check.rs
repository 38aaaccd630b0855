//! An exported manifest checked before it is written: it must validate
//! and, planned against the live state it was made from, show no change.
//! Pure apart from the environment lookup the caller passes in.
//!
//! The placeholders of secrets (`${env:LINK_…}`) are usually unset at export
//! time: they validate as if set to the live value where the server returns
//! one in clear, and otherwise those keys are compared as "set, with no
//! fingerprint" (the plan cannot know the secret, so it warns and sends
//! nothing). Where the variable is set, its value is checked like any other.

use std::collections::{BTreeMap, BTreeSet};

use super::sections::secret_env_name;
use std::sync::Arc;

use crate::manifest::{load_validated, Problem, SourceFile};
use crate::plan::EngineModels;
use crate::plan::{plan, PlanOptions};
use crate::state::LiveState;

/// Why an export must not be written: every problem, in words, and the
/// links they are about (when planning found them: a link whose exported
/// form plans a change or an error cannot be expressed, and can be left
/// out; a manifest that does not validate names none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub problems: Vec<String>,
    /// Link name → the problems about it.
    pub links: BTreeMap<String, Vec<String>>,
}

impl Refused {
    fn invalid(problems: Vec<String>) -> Self {
        Self {
            problems,
            links: BTreeMap::new(),
        }
    }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the exported manifest would not reproduce the live state, so it is not written:\n  {}",
            self.problems.join("\n  ")
        )
    }
}

/// The link a plan note's target (`cluster/link[/mirror/name]`) is about.
fn target_link(target: &str) -> Option<&str> {
    target.split('/').nth(1).filter(|l| !l.is_empty())
}

/// Validates `text` and plans it against `live`: `Ok` holds the warnings
/// of `validate` (what `validate --strict` would refuse), in words.
/// `placeholders` are the secret variables the export introduced.
pub fn check(
    text: &str,
    live: &LiveState,
    placeholders: &[String],
    engines: &EngineModels,
    env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
) -> Result<Vec<String>, Refused> {
    let unset: BTreeSet<String> = placeholders
        .iter()
        .filter(|v| env(v).is_none())
        .cloned()
        .collect();
    // What the server returns in clear for a placeholder (never printed).
    let mut in_clear: BTreeMap<String, String> = BTreeMap::new();
    for cs in live.clusters.values() {
        for (link, l) in &cs.links {
            for (key, c) in &l.configs {
                let var = secret_env_name(link, key);
                if let (Some(v), true) = (&c.value, unset.contains(&var)) {
                    in_clear.insert(var, v.clone());
                }
            }
        }
    }
    let env = Arc::new(env);
    let lookup = {
        let unset = unset.clone();
        move |name: &str| {
            if unset.contains(name) {
                Some(
                    in_clear
                        .get(name)
                        .cloned()
                        .unwrap_or_else(|| format!("linkctl-export-check-{name}")),
                )
            } else {
                env(name)
            }
        }
    };
    let source = SourceFile::new("exported manifest", text);
    let validated = load_validated(&source, engines, lookup).map_err(|problems| {
        Refused::invalid(
            problems
                .iter()
                .filter(|p| p.is_error())
                .map(|p: &Problem| format!("invalid: {} ({})", p.message, p.code))
                .collect(),
        )
    })?;
    // Secrets whose placeholder is unset: their recorded fingerprints cannot
    // be compared with a value nobody has here.
    let mut live = live.clone();
    for (name, link) in &validated.manifest.links {
        for (key, v) in &link.config {
            let raw = v.value.text().raw();
            let var = raw.strip_prefix("${env:").and_then(|r| r.strip_suffix('}'));
            if !var.is_some_and(|v| unset.contains(v)) {
                continue;
            }
            for cs in live.clusters.values_mut() {
                if let Some(l) = cs.links.get_mut(&name.value) {
                    l.secret_fingerprints.remove(&key.value);
                }
            }
        }
    }
    let opts = PlanOptions {
        links: Vec::new(),
        prune_links: validated.manifest.prune_links,
        force_delete_links: validated.manifest.force_delete_links,
    };
    let p = plan(&validated.manifest, &live, &opts, engines);
    let mut refused = Refused::invalid(Vec::new());
    let mut add = |link: Option<&str>, problem: String| {
        if let Some(l) = link {
            refused
                .links
                .entry(l.to_string())
                .or_default()
                .push(problem.clone());
        }
        refused.problems.push(problem);
    };
    for n in &p.errors {
        add(
            target_link(&n.target),
            format!("planning it fails: {}: {}", n.target, n.message),
        );
    }
    for a in &p.actions {
        add(
            Some(&a.link),
            format!("planning it shows a change: {}", a.id),
        );
    }
    if !refused.problems.is_empty() {
        return Err(refused);
    }
    Ok(validated
        .warnings
        .iter()
        .map(|w| format!("{} ({})", w.message, w.code))
        .collect())
}
