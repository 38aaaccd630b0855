//! What `linkctl show` says about a saved plan besides the plan: when it was
//! made, against which clusters, its scope, and whether the manifest on
//! disk is still the one it was made from. Text lines, Markdown lines and
//! a JSON object; the plan itself is rendered by the plan's renderers.

use serde_json::{json, Value};

use crate::plan::saved::{ManifestCheck, SavedPlan};

/// `europe (id eu-cluster, bootstrap host:9092), us (…)`.
fn clusters(saved: &SavedPlan, code: impl Fn(&str) -> String) -> String {
    let all: Vec<String> = saved
        .clusters
        .iter()
        .map(|(name, c)| match &c.cluster_id {
            Some(id) => format!("{name} (id {}, bootstrap {})", code(id), code(&c.bootstrap)),
            None => format!("{name} (bootstrap {})", code(&c.bootstrap)),
        })
        .collect();
    if all.is_empty() {
        "none".to_string()
    } else {
        all.join(", ")
    }
}

fn scope(saved: &SavedPlan) -> String {
    if saved.links.is_empty() {
        "every link of the manifest".to_string()
    } else {
        format!("links {}", saved.links.join(", "))
    }
}

fn manifest(check: &ManifestCheck) -> String {
    match check {
        ManifestCheck::Matches(name) => format!("{name} matches the plan's manifest fingerprint"),
        ManifestCheck::MatchesAsWritten(name, unset) => format!(
            "{name} matches the plan's manifest as written (secrets not compared: {} not set here)",
            unset
                .iter()
                .map(|v| format!("${{env:{v}}}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ManifestCheck::Changed(name) => {
            format!("{name} changed since the plan was made: `linkctl apply` will refuse this plan")
        }
        ManifestCheck::PayloadsDiffer(name, what) => format!(
            "{name} matches, but this file is not what the planner makes from it ({what}): it was edited after it was made, and `linkctl apply` will refuse it"
        ),
        ManifestCheck::NotChecked(why) => format!("not checked: {why}"),
    }
}

/// The lines printed above the text plan (ends with a blank line).
pub fn text_header(saved: &SavedPlan, path: &str, check: &ManifestCheck) -> String {
    format!(
        "Saved plan {path}\n  made:      {}\n  clusters:  {}\n  scope:     {}\n  manifest:  {}\n\n",
        saved.created_at,
        clusters(saved, str::to_string),
        scope(saved),
        manifest(check)
    )
}

/// The lines shown under the Markdown plan's title.
pub fn markdown_preamble(saved: &SavedPlan, path: &str, check: &ManifestCheck) -> Vec<String> {
    let code = |s: &str| format!("`{}`", s.replace('`', "'"));
    vec![
        format!("Saved plan {} made {}", code(path), saved.created_at),
        format!("against {}", clusters(saved, code)),
        format!("scope: {}", scope(saved)),
        format!("manifest: {}", manifest(check)),
    ]
}

/// The `saved_plan` member `show --format json` adds to the JSON plan.
pub fn json_object(saved: &SavedPlan, path: &str, check: &ManifestCheck) -> Value {
    let (status, detail) = match check {
        ManifestCheck::Matches(name) => ("matches", name.clone()),
        ManifestCheck::MatchesAsWritten(name, _) => ("matches_as_written", name.clone()),
        ManifestCheck::Changed(name) => ("changed", name.clone()),
        ManifestCheck::PayloadsDiffer(_, what) => ("payloads_differ", what.clone()),
        ManifestCheck::NotChecked(why) => ("not_checked", why.clone()),
    };
    json!({
        "path": path,
        "saved_plan_version": saved.saved_plan_version,
        "created_at": saved.created_at,
        "manifest_files": saved.manifest_files,
        "clusters": saved.clusters,
        "links": saved.links,
        "prune_links": saved.prune_links,
        "force_delete_links": saved.force_delete_links,
        "manifest_fingerprint": saved.manifest_fingerprint,
        "written_fingerprint": saved.written_fingerprint,
        "manifest": { "status": status, "detail": detail },
    })
}
