//! Live links the manifest does not declare: reported as "not managed", or
//! deleted when the plan prunes links.
//!
//! Deleting a link whose mirrors still mirror is refused, unless a forced
//! delete is asked for: then its ACTIVE and PAUSED mirrors are failed over
//! first, and the deletes wait for them. Source sides are deleted before
//! destination sides (the reverse of creation).

use std::collections::{BTreeMap, BTreeSet};

use crate::manifest::Manifest;
use crate::plan::action::ActionKind;
use crate::plan::model::PlanOptions;
use crate::state::{LinkSide, LiveLink, LiveState};

use super::links::side_word;
use super::mirrors::mirror_action;
use super::{delete_link_object, link_target, object_side, Builder};

pub(super) fn plan_undeclared(
    b: &mut Builder,
    manifest: &Manifest,
    live: &LiveState,
    opts: &PlanOptions,
    clashing: &BTreeSet<&str>,
) {
    let clusters: BTreeSet<&str> = manifest.clusters.keys().map(|k| k.value.as_str()).collect();
    let mut by_name: BTreeMap<&str, Vec<(&str, &LiveLink)>> = BTreeMap::new();
    for (cluster, cs) in &live.clusters {
        if !clusters.contains(cluster.as_str()) {
            continue;
        }
        for (name, l) in &cs.links {
            if opts.in_scope(name) && !clashing.contains(name.as_str()) {
                by_name.entry(name).or_default().push((cluster, l));
            }
        }
    }
    for (name, objects) in by_name {
        if let Some(link) = manifest.link(name) {
            for (cluster, l) in objects {
                if cluster != link.source.value && cluster != link.destination.value {
                    b.unmanaged(
                        cluster,
                        name,
                        None,
                        format!(
                            "{} link object named like a manifest link, on a cluster that link does not use",
                            side_word(l.side)
                        ),
                    );
                }
            }
            continue;
        }
        if opts.prune_links {
            delete_link(b, name, &objects, opts.force_delete_links);
        } else {
            for (cluster, l) in objects {
                b.unmanaged(
                    cluster,
                    name,
                    None,
                    format!(
                        "link not in the manifest ({} side, {} mirror{})",
                        side_word(l.side),
                        l.mirrors.len(),
                        if l.mirrors.len() == 1 { "" } else { "s" }
                    ),
                );
            }
        }
    }
}

fn delete_link(b: &mut Builder, name: &str, objects: &[(&str, &LiveLink)], force: bool) {
    let mut live_mirrors = Vec::new();
    let mut cannot_fail_over = Vec::new();
    for (cluster, l) in objects {
        for m in l.mirrors.values() {
            if m.status.is_stopped() {
                continue;
            }
            live_mirrors.push(format!("{} ({})", m.name, m.status.as_str()));
            // Where deleting the link ends the mirroring (MirrorMaker 2's
            // connectors), there is nothing to fail over first.
            if !b.engines.of(l.engine).link_deletion_stops_mirrors() && !m.status.can_fail_over() {
                cannot_fail_over.push(format!("{cluster}/{} ({})", m.name, m.status.as_str()));
            }
        }
    }
    let target = link_target(objects.first().map_or("-", |(c, _)| c), name);
    if !live_mirrors.is_empty() && !force {
        b.error(
            target,
            format!(
                "cannot delete link `{name}`: {} mirror{} still mirroring: {}. Deleting the link now would leave {} read-only and broken. \
                 Promote or fail {} over first (declare the link again with `state: promoted` on each mirror and apply), \
                 or set `force_delete_links: true` next to `prune_links`, which fails them over first.",
                live_mirrors.len(),
                if live_mirrors.len() == 1 { " is" } else { "s are" },
                live_mirrors.join(", "),
                if live_mirrors.len() == 1 { "it" } else { "them" },
                if live_mirrors.len() == 1 { "it" } else { "them" },
            ),
        );
        return;
    }
    if !cannot_fail_over.is_empty() {
        b.error(
            target,
            format!(
                "cannot delete link `{name}`, even forced: mirrors {} are in a state from which linkctl does not fail a mirror over, so they cannot be failed over first",
                cannot_fail_over.join(", ")
            ),
        );
        return;
    }
    let mut deps = Vec::new();
    for (cluster, l) in objects {
        if b.engines.of(l.engine).link_deletion_stops_mirrors() {
            continue;
        }
        for m in l.mirrors.values().filter(|m| !m.status.is_stopped()) {
            let mut a = mirror_action(
                &b.engines,
                ActionKind::FailoverMirror,
                cluster,
                name,
                l.engine,
                &m.name,
                &[],
            );
            a.side = object_side(l);
            a.notes
                .push("failed over before the forced delete of its link".to_string());
            deps.push(b.push(a));
        }
    }
    let mut ordered: Vec<&(&str, &LiveLink)> = objects.iter().collect();
    ordered.sort_by_key(|(c, l)| (l.side != LinkSide::Source, *c));
    for (cluster, l) in ordered {
        let mut a = delete_link_object(cluster, name, l, &deps);
        a.notes.push(format!(
            "irreversible: deletes the {} link object on `{cluster}` (not in the manifest; links are pruned); \
             promoted and failed-over mirrors stay as normal topics",
            side_word(l.side)
        ));
        deps.push(b.push(a));
    }
}
