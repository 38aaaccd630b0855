//! `plan()`: desired manifest + live state → ordered [`Plan`]. Pure.
//!
//! - [`links`]: per manifest link, its objects: create, immutable checks, replace;
//! - [`configs`]: link config updates and resets;
//! - [`mirrors`]: the mirror state machine;
//! - [`read_only`]: new links that set a key their server holds read-only;
//! - [`undeclared`]: live links outside the manifest (reported, or deleted with prune).

mod configs;

pub use configs::DYNAMIC_SOURCE;
mod links;
mod mirrors;
pub use mirrors::{transition, Step};
mod read_only;
mod undeclared;

use crate::manifest::{EngineName, Manifest};
use crate::state::{fingerprint, LinkSide, LiveLink, LiveState};

use super::action::{Action, ActionKind, ObjectSide, PLAN_FORMAT_VERSION};
use super::engine_model::{EngineModels, PlanContext};
use super::model::{Note, Plan, PlanOptions, Summary, Unmanaged};
use super::order::topological_order;

/// Computes the plan that takes `live` to what `manifest` declares, with
/// the pure half of each engine from `engines`.
///
/// No I/O, no clock, no randomness: the same inputs give the same plan.
pub fn plan(
    manifest: &Manifest,
    live: &LiveState,
    opts: &PlanOptions,
    engines: &EngineModels,
) -> Plan {
    let mut b = Builder::new(*engines);
    let clashing = clashes(&mut b, manifest, live, opts);
    let unread = unread(&mut b, manifest, live, opts);
    for (name, link) in &manifest.links {
        let skip = clashing.contains(name.value.as_str()) || unread.contains(name.value.as_str());
        if opts.in_scope(&name.value) && !skip {
            links::plan_link(&mut b, &name.value, link, manifest, live);
        }
    }
    undeclared::plan_undeclared(&mut b, manifest, live, opts, &clashing);
    b.attach_payloads(manifest, live);
    let actions = topological_order(b.actions);
    b.unmanaged.sort();
    Plan {
        format_version: PLAN_FORMAT_VERSION,
        live_fingerprint: fingerprint::fingerprint(live, &opts.links),
        summary: Summary::of(&actions),
        actions,
        unmanaged: b.unmanaged,
        warnings: b.warnings,
        errors: b.errors,
        readiness: Vec::new(),
    }
}

/// Link names that two engines use on one declared cluster: reported as
/// errors, and left alone (linkctl cannot tell which link is meant).
fn clashes<'l>(
    b: &mut Builder,
    manifest: &Manifest,
    live: &'l LiveState,
    opts: &PlanOptions,
) -> std::collections::BTreeSet<&'l str> {
    let mut names = std::collections::BTreeSet::new();
    for (cluster, cs) in &live.clusters {
        if manifest.cluster(cluster).is_none() {
            continue;
        }
        for other in cs.clashes.iter().filter(|l| opts.in_scope(&l.name)) {
            let Some(first) = cs.links.get(&other.name) else {
                continue;
            };
            names.insert(other.name.as_str());
            b.error(
                link_target(cluster, &other.name),
                format!(
                    "two links named `{}` exist on `{cluster}`: a {} link and a {} link. linkctl cannot tell which one the manifest means, \
                     so it plans nothing for this name; delete one of them with its engine's own tools (or give the manifest's link another name)",
                    other.name,
                    b.engines.of(first.engine).name(),
                    b.engines.of(other.engine).name(),
                ),
            );
        }
    }
    names
}

/// Manifest links in scope that use a cluster, or whose link object is one,
/// that could not be read: reported as errors (the plan never acts on what
/// it could not read), and left out. A cluster or link that could not be
/// read is reported only when the plan needs it: a link in scope uses it,
/// or links are pruned (then every link of a declared cluster matters).
fn unread<'m>(
    b: &mut Builder,
    manifest: &'m Manifest,
    live: &LiveState,
    opts: &PlanOptions,
) -> std::collections::BTreeSet<&'m str> {
    let mut skipped = std::collections::BTreeSet::new();
    let mut reported = std::collections::BTreeSet::new();
    for (name, link) in &manifest.links {
        if !opts.in_scope(&name.value) {
            continue;
        }
        for cluster in [&link.source.value, &link.destination.value] {
            if let Some(why) = live.cluster_unread(cluster) {
                skipped.insert(name.value.as_str());
                if reported.insert(cluster.as_str()) {
                    b.error(
                        cluster.as_str(),
                        format!("cluster `{cluster}` could not be read ({why}); nothing that uses it is planned"),
                    );
                }
            }
        }
    }
    for (cluster, cs) in &live.clusters {
        if manifest.cluster(cluster).is_none() {
            continue;
        }
        if let (Some(why), true) = (&cs.unread, opts.prune_links) {
            if reported.insert(cluster.as_str()) {
                b.error(
                    cluster.as_str(),
                    format!("cluster `{cluster}` could not be read ({why}); nothing that uses it is planned"),
                );
            }
        }
        for (link, why) in cs.unread_links.iter().filter(|(l, _)| opts.in_scope(l)) {
            let declared = manifest.links.keys().find(|k| k.value == *link);
            if let Some(k) = declared {
                skipped.insert(k.value.as_str());
            } else if !opts.prune_links {
                continue;
            }
            b.error(
                link_target(cluster, link),
                format!("link `{link}` on `{cluster}` could not be read ({why}); nothing is planned for it"),
            );
        }
    }
    skipped
}

/// Collects what the planner finds, in generation order.
pub(crate) struct Builder {
    engines: EngineModels,
    actions: Vec<Action>,
    warnings: Vec<Note>,
    errors: Vec<Note>,
    unmanaged: Vec<Unmanaged>,
}

impl Builder {
    fn new(engines: EngineModels) -> Self {
        Self {
            engines,
            actions: Vec::new(),
            warnings: Vec::new(),
            errors: Vec::new(),
            unmanaged: Vec::new(),
        }
    }

    /// Computes what each action will send, through its engine. An action
    /// whose payload cannot be computed makes the plan refuse to apply.
    fn attach_payloads(&mut self, manifest: &Manifest, live: &LiveState) {
        let cx = PlanContext { manifest, live };
        let mut errors = Vec::new();
        for a in &mut self.actions {
            match self.engines.of(a.engine).payload(a, &cx) {
                Ok(p) => a.payload = Some(p),
                Err(e) => errors.push(Note {
                    target: a.id.clone(),
                    message: e,
                }),
            }
        }
        self.errors.extend(errors);
    }

    /// Adds `note` to the action with id `id`, when there is one.
    fn note_on(&mut self, id: &str, note: String) {
        if let Some(a) = self.actions.iter_mut().find(|a| a.id == id) {
            a.notes.insert(0, note);
        }
    }

    /// Makes every action `pick` accepts depend on `id`.
    fn add_dependency(&mut self, pick: impl Fn(&Action) -> bool, id: &str) {
        for a in self.actions.iter_mut().filter(|a| pick(a)) {
            if !a.depends_on.iter().any(|d| d == id) {
                a.depends_on.push(id.to_string());
            }
        }
    }

    /// Adds an action and returns its id.
    fn push(&mut self, action: Action) -> String {
        let id = action.id.clone();
        self.actions.push(action);
        id
    }
    fn warn(&mut self, target: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Note {
            target: target.into(),
            message: message.into(),
        });
    }
    fn error(&mut self, target: impl Into<String>, message: impl Into<String>) {
        self.errors.push(Note {
            target: target.into(),
            message: message.into(),
        });
    }
    fn unmanaged(&mut self, cluster: &str, link: &str, mirror: Option<&str>, detail: String) {
        self.unmanaged.push(Unmanaged {
            cluster: cluster.to_string(),
            link: link.to_string(),
            mirror: mirror.map(str::to_string),
            detail,
        });
    }
}

/// `cluster/link`.
fn link_target(cluster: &str, link: &str) -> String {
    format!("{cluster}/{link}")
}

/// `cluster/link/mirror/name`.
fn mirror_target(cluster: &str, link: &str, mirror: &str) -> String {
    format!("{cluster}/{link}/mirror/{mirror}")
}

fn verb(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::CreateLink | ActionKind::CreateMirror => "create",
        ActionKind::UpdateLinkConfigs => "update",
        ActionKind::DeleteLink | ActionKind::DeleteMirrorTopic => "delete",
        ActionKind::PauseMirror => "pause",
        ActionKind::ResumeMirror => "resume",
        ActionKind::PromoteMirror => "promote",
        ActionKind::FailoverMirror => "failover",
        ActionKind::FenceTopic => "fence",
        ActionKind::UnfenceTopic => "unfence",
        ActionKind::RemirrorTopic => "remirror",
    }
}

/// A new action with its stable id (`cluster/link/link:create`,
/// `cluster/link/mirror/name:promote`, …).
fn new_action(
    kind: ActionKind,
    cluster: &str,
    link: &str,
    engine: EngineName,
    side: ObjectSide,
    mirror: Option<&str>,
) -> Action {
    let id = match mirror {
        Some(m) => format!("{}:{}", mirror_target(cluster, link, m), verb(kind)),
        None => format!("{}/link:{}", link_target(cluster, link), verb(kind)),
    };
    Action {
        id,
        kind,
        cluster: cluster.to_string(),
        link: link.to_string(),
        engine,
        side,
        mirror: mirror.map(str::to_string),
        source_topic: None,
        changes: Vec::new(),
        depends_on: Vec::new(),
        irreversible: kind.is_irreversible(),
        notes: Vec::new(),
        payload: None,
    }
}

/// The action that deletes the live link object `l` on `cluster`, through
/// the engine that runs it (whatever the manifest now says), after the
/// actions `depends_on`.
fn delete_link_object(cluster: &str, link: &str, l: &LiveLink, depends_on: &[String]) -> Action {
    let mut a = new_action(
        ActionKind::DeleteLink,
        cluster,
        link,
        l.engine,
        object_side(l),
        None,
    );
    a.depends_on = depends_on.to_vec();
    a
}

/// The notes `engine` adds to an action of `kind`.
fn engine_notes(
    engines: &EngineModels,
    engine: EngineName,
    kind: ActionKind,
) -> impl Iterator<Item = String> {
    engines
        .of(engine)
        .action_notes(kind)
        .iter()
        .map(|n| n.to_string())
}

/// The plan side of a live link object: `SOURCE` objects are the source
/// side; destination and bidirectional objects are addressed as the
/// destination side.
fn object_side(l: &LiveLink) -> ObjectSide {
    if l.side == LinkSide::Source {
        ObjectSide::Source
    } else {
        ObjectSide::Destination
    }
}

fn live_link<'l>(live: &'l LiveState, cluster: &str, link: &str) -> Option<&'l LiveLink> {
    live.clusters.get(cluster).and_then(|c| c.links.get(link))
}
