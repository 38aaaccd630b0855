//! Mirror topics: creation and the state machine.
//!
//! Allowed transitions (what the engines accept):
//! `ACTIVE ↔ PAUSED`, `ACTIVE | PAUSED → promoted | failed_over`, and a
//! failover of a mirror whose link or source is down (`LINK_FAILED`,
//! `LINK_PAUSED`, `SOURCE_UNAVAILABLE`: the disaster failover is for).
//! Promoted and failed-over mirrors both read back as `STOPPED`: desired
//! promoted/failed_over on a stopped mirror is a no-op, desired active/paused
//! on it is an error (a stopped mirror can never mirror again). Mirrors that
//! are failed, pending or degraded get no other action. Every status has an
//! answer: [`transition`], and the table in docs/states.md, which a test
//! checks against it. Partitions and synced topic configs belong to the
//! source and are never compared.

use std::collections::{BTreeMap, BTreeSet};

use crate::manifest::{Engine, Link, Mirror, MirrorState};
use crate::plan::action::{Action, ActionKind, ObjectSide};
use crate::state::{LiveMirror, LiveState, MirrorStatus};

use super::{engine_notes, mirror_target, new_action, Builder};

/// What a (live status, desired state) pair asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Nothing,
    Do(ActionKind),
    /// No action; the plan carries an error.
    Refuse(String),
    /// No action; the plan carries a warning.
    Wait(String),
}

fn verb(s: MirrorState) -> &'static str {
    match s {
        MirrorState::Active => "resume",
        MirrorState::Paused => "pause",
        MirrorState::Promoted => "promote",
        MirrorState::FailedOver => "fail over",
    }
}

fn participle(s: MirrorState) -> &'static str {
    match s {
        MirrorState::Active => "made active",
        MirrorState::Paused => "paused",
        MirrorState::Promoted => "promoted",
        MirrorState::FailedOver => "failed over",
    }
}

fn state_word(s: MirrorState) -> &'static str {
    match s {
        MirrorState::Active => "active",
        MirrorState::Paused => "paused",
        MirrorState::Promoted => "promoted",
        MirrorState::FailedOver => "failed_over",
    }
}

/// The transition from `status` to `desired`, in plain words when refused.
/// Every status of the specs has an answer (docs/states.md has the table).
pub fn transition(name: &str, m: &LiveMirror, desired: MirrorState) -> Step {
    use MirrorState as D;
    use MirrorStatus as S;
    let status = m.status.as_str();
    match (&m.status, desired) {
        (S::Active, D::Active) | (S::Paused, D::Paused) => Step::Nothing,
        (S::Active, D::Paused) => Step::Do(ActionKind::PauseMirror),
        (S::Paused, D::Active) => Step::Do(ActionKind::ResumeMirror),
        (S::Active | S::Paused, D::Promoted) => Step::Do(ActionKind::PromoteMirror),
        (s, D::FailedOver) if s.can_fail_over() => Step::Do(ActionKind::FailoverMirror),
        (S::Stopped | S::PendingStopped, D::Promoted | D::FailedOver) => Step::Nothing,
        (S::Stopped | S::PendingStopped, D::Active | D::Paused) => Step::Refuse(format!(
            "mirror `{name}` was promoted or failed over: it has stopped for good and is now a normal, writable topic, \
             so it cannot become {} again. Declare it `state: promoted` (or `failed_over`), or delete the topic and declare a new mirror.",
            state_word(desired)
        )),
        (S::PendingMirror, D::Active) => Step::Nothing,
        (S::PendingMirror, _) => Step::Wait(format!(
            "mirror `{name}` is still being set up (PENDING_MIRROR); it will be {} by a later plan, once it is ACTIVE",
            participle(desired)
        )),
        (S::Failed, _) => Step::Refuse(format!(
            "mirror `{name}` has FAILED{}; linkctl cannot {} a failed mirror. \
             Check `linkctl status`, then delete the topic and declare the mirror again.",
            m.error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default(),
            verb(desired)
        )),
        (S::LinkFailed | S::LinkPaused | S::SourceUnavailable, D::Promoted) => Step::Refuse(format!(
            "mirror `{name}` is {status}: a promotion waits until the mirror has caught up with its source, which it cannot do now. \
             Declare `state: failed_over` to stop it at once, whatever the lag, or wait until it is ACTIVE again."
        )),
        (S::LinkFailed | S::LinkPaused | S::SourceUnavailable, D::Active | D::Paused) => {
            let why = match m.status {
                S::LinkFailed => "its link has failed",
                S::LinkPaused => "its whole link is paused, `cluster.link.paused`",
                _ => "its source cannot be reached",
            };
            Step::Wait(format!(
                "mirror `{name}` is {status} ({why}); nothing is planned for it until it is ACTIVE or PAUSED again"
            ))
        }
        (S::PendingSynchronize | S::PendingSetupForRestore | S::PendingRestore, _) => {
            Step::Wait(format!(
                "mirror `{name}` is in a transition started outside this plan ({status}); nothing is planned for it until it settles"
            ))
        }
        (_, D::Active | D::Paused) => Step::Wait(format!(
            "mirror `{name}` is {status}; nothing is planned for it until it is ACTIVE or PAUSED again"
        )),
        (_, D::Promoted | D::FailedOver) => Step::Refuse(format!(
            "mirror `{name}` is {status}; only ACTIVE or PAUSED mirrors can be {}{}. Wait until it is healthy again.",
            participle(desired),
            if desired == D::FailedOver {
                " (and mirrors whose link or source is down)"
            } else {
                ""
            }
        )),
    }
}

/// What the live state says about a link's mirrors.
pub(super) struct LiveMirrors<'l> {
    /// The link's own mirrors (none when its object does not exist yet).
    own: Option<&'l BTreeMap<String, LiveMirror>>,
    /// Mirror topics of other links on the same cluster: name → owning link.
    /// A topic name is unique on a cluster, so none can become this link's.
    taken: BTreeMap<&'l str, &'l str>,
    /// The source cluster's topic names, when they were read.
    source_topics: Option<&'l BTreeSet<String>>,
}

impl<'l> LiveMirrors<'l> {
    pub(super) fn of(
        live: &'l LiveState,
        cluster: &str,
        name: &str,
        link: &Link,
        own: Option<&'l BTreeMap<String, LiveMirror>>,
    ) -> Self {
        let taken = live
            .clusters
            .get(cluster)
            .into_iter()
            .flat_map(|c| c.links.iter())
            .filter(|(n, _)| n.as_str() != name)
            .flat_map(|(n, l)| l.mirrors.keys().map(move |m| (m.as_str(), n.as_str())))
            .collect();
        let source_topics = live
            .clusters
            .get(&link.source.value)
            .and_then(|c| c.topic_names.as_ref());
        Self {
            own,
            taken,
            source_topics,
        }
    }
}

pub(super) fn plan_mirrors(
    b: &mut Builder,
    name: &str,
    link: &Link,
    cluster: &str,
    lm: &LiveMirrors<'_>,
    deps: &[String],
) {
    let (taken, source_topics) = (&lm.taken, lm.source_topics);
    let empty = BTreeMap::new();
    let live = lm.own.unwrap_or(&empty);
    let desired: BTreeMap<String, &Mirror> = link
        .mirrors
        .iter()
        .map(|m| (m.mirror_name(link), m))
        .collect();
    let engine = link.engine.value;
    for (mname, m) in &desired {
        let target = mirror_target(cluster, name, mname);
        let want = m.state.value;
        match live.get(mname) {
            None if taken.contains_key(mname.as_str())
                && matches!(want, MirrorState::Active | MirrorState::Paused) =>
            {
                b.error(
                    target,
                    format!(
                        "topic `{mname}` already exists on `{cluster}`: it is a mirror topic of link `{}`, and a topic name is unique on a cluster. \
                         Remove the mirror from one of the links (or give this link a `prefix`).",
                        taken.get(mname.as_str()).copied().unwrap_or("?")
                    ),
                );
            }
            None if matches!(want, MirrorState::Active | MirrorState::Paused)
                && source_topics.is_some_and(|t| !t.contains(&m.topic.value)) =>
            {
                b.error(
                    target,
                    format!(
                        "source topic `{}` does not exist on cluster `{}`: there is nothing to mirror. \
                         Create the topic first, or remove the mirror from the manifest.",
                        m.topic.value, link.source.value
                    ),
                );
            }
            None => match want {
                MirrorState::Active | MirrorState::Paused => {
                    let mut a = mirror_action(ActionKind::CreateMirror, cluster, name, engine, mname, deps);
                    a.source_topic = Some(m.topic.value.clone());
                    a.notes.insert(0, format!(
                        "mirrors `{}/{}`; partitions and synced topic configs follow the source",
                        link.source.value, m.topic.value
                    ));
                    let id = b.push(a);
                    if want == MirrorState::Paused {
                        let p = mirror_action(ActionKind::PauseMirror, cluster, name, engine, mname, &[id]);
                        b.push(p);
                    }
                }
                MirrorState::Promoted | MirrorState::FailedOver => b.warn(
                    target,
                    format!(
                        "mirror `{mname}` is declared {}, but the link has no such mirror; nothing to do \
                         (a promoted or failed-over mirror is a normal topic that the link no longer lists)",
                        state_word(want)
                    ),
                ),
            },
            Some(lm) if lm.source_topic != m.topic.value => b.error(
                target,
                format!(
                    "mirror `{mname}` mirrors `{}`, but the manifest says `{}`; a mirror's source topic cannot change. \
                     Remove it from the manifest and delete it (with `prune: true`), then declare it again.",
                    lm.source_topic, m.topic.value
                ),
            ),
            Some(lm) => match transition(mname, lm, want) {
                Step::Nothing => {}
                Step::Do(kind) => {
                    let a = mirror_action(kind, cluster, name, engine, mname, deps);
                    b.push(a);
                }
                Step::Refuse(msg) => b.error(target, msg),
                Step::Wait(msg) => b.warn(target, msg),
            },
        }
    }
    for (mname, lm) in live {
        if desired.contains_key(mname) {
            continue;
        }
        if lm.status.is_stopped() {
            b.unmanaged(
                cluster,
                name,
                Some(mname),
                "stopped mirror (promoted or failed over, now a normal topic); linkctl never deletes it".to_string(),
            );
        } else if link.prune {
            let a = mirror_action(
                ActionKind::DeleteMirrorTopic,
                cluster,
                name,
                engine,
                mname,
                deps,
            );
            b.push(a);
        } else {
            b.unmanaged(
                cluster,
                name,
                Some(mname),
                format!(
                    "mirror not in the manifest ({}); declare it, or set `prune: true` on the link to delete it",
                    lm.status.as_str()
                ),
            );
        }
    }
}

/// A mirror action on the destination object, with the notes its kind needs.
pub(super) fn mirror_action(
    kind: ActionKind,
    cluster: &str,
    link: &str,
    engine: Engine,
    mirror: &str,
    deps: &[String],
) -> Action {
    let mut a = new_action(
        kind,
        cluster,
        link,
        engine,
        ObjectSide::Destination,
        Some(mirror),
    );
    a.depends_on = deps.to_vec();
    a.notes.extend(engine_notes(engine, kind));
    if kind == ActionKind::DeleteMirrorTopic {
        a.notes
            .push("irreversible: deletes the topic and its data".to_string());
    }
    a
}
