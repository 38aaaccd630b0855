//! What `plan` and `apply` share: plan options from the manifest and flags,
//! and the live state (read from the clusters, or from a snapshot file).

use std::path::Path;

use super::live::Backends;
use crate::apply::OneOff;
use crate::backend::Scope;
use crate::manifest::validate::suggest;
use crate::manifest::Manifest;
use crate::plan::{Action, ActionKind, Note, Plan, PlanOptions};
use crate::state::{file as state_file, LiveState};

/// Every `--link` name must be a link the manifest declares: a typo would
/// otherwise plan (or show) nothing and pass. The error names each unknown
/// name, with the closest declared one when it looks like a typo.
pub fn check_link_names(manifest: &Manifest, links: &[String]) -> Result<(), String> {
    let declared: Vec<&str> = manifest.links.keys().map(|k| k.value.as_str()).collect();
    let unknown: Vec<String> = links
        .iter()
        .filter(|l| !declared.contains(&l.as_str()))
        .map(|l| {
            let hint = match suggest::closest(l, declared.iter().copied()) {
                Some(near) => format!("; did you mean `{near}`?"),
                None => String::new(),
            };
            format!("--link `{l}`: the manifest declares no link of that name{hint}")
        })
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let known = if declared.is_empty() {
        "the manifest declares no link".to_string()
    } else {
        format!("declared links: {}", suggest::list(&declared))
    };
    Err(format!("{} ({known})", unknown.join("; ")))
}

/// Says on stderr what could not be read (the plan also carries it as an
/// error on everything that uses it): one line per cluster or link.
pub fn report_unread(live: &LiveState) {
    for line in unread_lines(live) {
        super::pipe::err_line(&format!("error: {line}"));
    }
}

/// What could not be read, one line each.
pub fn unread_lines(live: &LiveState) -> Vec<String> {
    let mut out = Vec::new();
    for (cluster, cs) in &live.clusters {
        if let Some(why) = &cs.unread {
            out.push(format!("cluster `{cluster}` could not be read: {why}"));
        }
        for (link, why) in &cs.unread_links {
            out.push(format!(
                "link `{link}` on `{cluster}` could not be read: {why}"
            ));
        }
    }
    out
}

/// Plan options: the `--link` scope and the manifest's `prune_links` and
/// `force_delete_links`.
pub fn plan_options(manifest: &Manifest, links: &[String]) -> PlanOptions {
    PlanOptions {
        links: links.to_vec(),
        prune_links: manifest.prune_links,
        force_delete_links: manifest.force_delete_links,
    }
}

/// Live state from `snapshot` when given, else read from every cluster.
pub async fn live_state(
    backends: &Backends,
    manifest: &Manifest,
    opts: &PlanOptions,
    snapshot: Option<&Path>,
) -> Result<LiveState, String> {
    match snapshot {
        Some(path) => state_file::load(path).map_err(|e| e.to_string()),
        None => backends
            .read_links(
                manifest,
                &Scope {
                    links: opts.links.clone(),
                },
            )
            .await
            .map_err(|e| format!("cannot read live state: {e}")),
    }
}

/// Adds to `plan` what a person deciding on its promotions and failovers
/// should see (each mirror's lag, whether its source is quiet), read from
/// the clusters: one observation per link, all links at once. A link whose
/// mirrors cannot be observed gets a warning instead.
pub async fn observe_readiness(backends: &Backends, manifest: &Manifest, plan: &mut Plan) {
    let mut by_link: std::collections::BTreeMap<(String, String), Vec<&Action>> =
        std::collections::BTreeMap::new();
    for a in plan.actions.iter().filter(|a| {
        matches!(
            a.kind,
            ActionKind::PromoteMirror | ActionKind::FailoverMirror
        )
    }) {
        by_link
            .entry((a.cluster.clone(), a.link.clone()))
            .or_default()
            .push(a);
    }
    if by_link.is_empty() {
        return;
    }
    let parts = OneOff::new(manifest);
    let ctx = parts.ctx(&backends.engines.kafka, std::time::Duration::from_secs(30));
    let ctx = &ctx;
    let reads = by_link
        .into_iter()
        .map(|((cluster, link), actions)| async move {
            let engine = backends.engines.get(actions[0].engine);
            let r = engine.readiness(&actions, ctx).await;
            (cluster, link, r)
        });
    let mut warnings = Vec::new();
    let mut found = Vec::new();
    for (cluster, link, r) in futures::future::join_all(reads).await {
        match r {
            Ok(rs) => found.extend(rs),
            Err(e) => warnings.push(Note {
                target: format!("{cluster}/{link}"),
                message: format!(
                    "the lag of the mirrors to promote or fail over could not be read: {e}"
                ),
            }),
        }
    }
    plan.readiness.extend(found);
    plan.warnings.extend(warnings);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        let yaml = "version: 1\nclusters:\n  us: { bootstrap: a:1 }\n  europe: { bootstrap: b:1 }\nlinks:\n  demo-link: { source: us, destination: europe }\n  other: { source: us, destination: europe }\n";
        let src = crate::manifest::SourceFile::new("t.yaml", yaml);
        crate::manifest::load::parse(&src, |_| None)
            .expect("parses")
            .manifest
    }

    #[test]
    fn unknown_link_names_are_errors_with_a_suggestion() {
        let m = manifest();
        assert_eq!(check_link_names(&m, &["demo-link".into()]), Ok(()));
        assert_eq!(
            check_link_names(&m, &["demolink".into()]),
            Err("--link `demolink`: the manifest declares no link of that name; did you mean `demo-link`? (declared links: `demo-link` and `other`)".into())
        );
        let e = check_link_names(&m, &["zzz".into(), "othr".into()]).unwrap_err();
        assert!(
            e.starts_with(
                "--link `zzz`: the manifest declares no link of that name; --link `othr`"
            ),
            "{e}"
        );
        assert!(e.contains("did you mean `other`?"), "{e}");
    }
}
