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

use crate::manifest::{EngineName, Link, Mirror, MirrorState};
use crate::plan::action::{Action, ActionKind, ObjectSide};
use crate::plan::engine_model::EngineModels;
use crate::state::{FenceState, LiveMirror, LiveState, MirrorStatus};

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
    /// Destination topics that are no mirror, with their records.
    occupied: Option<&'l BTreeMap<String, Option<i64>>>,
    /// Where the link's connector would start copying the occupied topics
    /// it declares (topic → partition → next source offset), when read.
    resume_at: Option<&'l BTreeMap<String, BTreeMap<u32, i64>>>,
    /// The source cluster's producer fences, when read.
    fences: Option<&'l FenceState>,
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
        let source = live.clusters.get(&link.source.value);
        Self {
            own,
            taken,
            source_topics: source.and_then(|c| c.topic_names.as_ref()),
            occupied: live.clusters.get(cluster).map(|c| &c.occupied),
            resume_at: live
                .clusters
                .get(cluster)
                .and_then(|c| c.resume_at.get(name)),
            fences: source.and_then(|c| c.fences.as_ref()),
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
        let promote_id = format!("{target}:promote");
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
            // An empty topic takes the mirror as it is (nothing to merge with).
            None if matches!(want, MirrorState::Active | MirrorState::Paused)
                && !m.adopts()
                && lm
                    .occupied
                    .and_then(|o| o.get(mname))
                    .is_some_and(|held| *held != Some(0)) =>
            {
                let held = lm.occupied.and_then(|o| o.get(mname).copied().flatten());
                b.error(
                    target,
                    format!(
                        "topic `{mname}` already exists on `{cluster}` and is no mirror: it holds {}. Mirroring into it would append \
                         the records of `{}/{}` after them, two streams in one topic. Delete the topic first, mirror into another \
                         name (a `prefix`), or declare `adopt: true` on the mirror to mirror into it anyway.",
                        records(held), link.source.value, m.topic.value
                    ),
                );
            }
            None => match want {
                MirrorState::Active | MirrorState::Paused => {
                    let mut a = mirror_action(&b.engines, ActionKind::CreateMirror, cluster, name, engine, mname, deps);
                    a.source_topic = Some(m.topic.value.clone());
                    a.notes.insert(0, format!(
                        "mirrors `{}/{}`; partitions and synced topic configs follow the source",
                        link.source.value, m.topic.value
                    ));
                    if let Some(Some(0)) = lm.occupied.and_then(|o| o.get(mname)) {
                        a.notes.insert(1, format!(
                            "mirrors into the existing empty topic `{cluster}/{mname}` (its partitions and configs stay, and follow the source from now on)"
                        ));
                    } else if let Some(held) = lm.occupied.and_then(|o| o.get(mname)) {
                        a.notes.insert(1, adopt_note(lm, cluster, mname, &link.source.value, &m.topic.value, *held));
                    }
                    let id = b.push(a);
                    if want == MirrorState::Paused {
                        let p = mirror_action(&b.engines, ActionKind::PauseMirror, cluster, name, engine, mname, &[id]);
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
            Some(live_m) if live_m.replaced_out_of_band() => {
                let why = replaced(cluster, mname, live_m);
                match want {
                    MirrorState::Active | MirrorState::Paused => {
                        let mut a = mirror_action(&b.engines, ActionKind::RemirrorTopic, cluster, name, engine, mname, deps);
                        a.source_topic = Some(m.topic.value.clone());
                        a.notes.insert(0, why);
                        b.push(a);
                    }
                    MirrorState::Promoted => b.error(
                        target,
                        format!("{why}. A promotion would stop a mirror that lacks those records: declare it `active` to re-copy it first, or `failed_over` to stop it as it is."),
                    ),
                    MirrorState::FailedOver => {
                        b.warn(target.clone(), why);
                        plan_transition(b, cluster, name, engine, mname, live_m, want, deps, &target);
                    }
                }
            }
            Some(live_m) => plan_transition(b, cluster, name, engine, mname, live_m, want, deps, &target),
        }
        if want == MirrorState::Promoted {
            let secs = link.settle_ms() as f64 / 1000.0;
            b.note_on(&promote_id, format!(
                "caught up, then stopped: waits until the destination holds every record of the source and the source has taken no \
                 record for {secs} s (`cutover.settle_ms`), syncs the covered groups' offsets, then stops; refused otherwise, and nothing is stopped"
            ));
        }
        plan_fence(b, name, link, m, mname, lm.fences);
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
                &b.engines,
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

/// What adopting the existing topic `cluster/mname` does: the records it
/// holds stay first, and where MirrorMaker 2 starts copying the source
/// (its connector's stored offsets for the topic, as read; none stored, or
/// a connector this plan creates: the source's first offset — MirrorMaker
/// 2's consumers reset to the earliest offset).
fn adopt_note(
    lm: &LiveMirrors<'_>,
    cluster: &str,
    mname: &str,
    source: &str,
    topic: &str,
    held: Option<i64>,
) -> String {
    let start = if lm.own.is_none() {
        "MirrorMaker 2 starts from the source's first offset (the link's connector is created by this plan, with no stored offsets)".to_string()
    } else {
        match lm.resume_at.and_then(|r| r.get(mname)) {
            Some(parts) if parts.is_empty() => {
                "MirrorMaker 2 starts from the source's first offset (the link's connector holds no offsets for this topic)".to_string()
            }
            Some(parts) => {
                let at: Vec<String> = parts
                    .iter()
                    .map(|(p, n)| format!("source offset {n} on partition {p}"))
                    .collect();
                format!(
                    "MirrorMaker 2 starts at {} (the link's connector stored where an earlier mirror of this topic stopped), \
                     and from the source's first offset on any other partition: the source's records before that are not copied",
                    at.join(", ")
                )
            }
            None => "where MirrorMaker 2 starts is not known (the link's connector's stored offsets were not read)".to_string(),
        }
    };
    format!(
        "adopts the existing topic `{cluster}/{mname}` ({}): they stay, first, and the records of `{source}/{topic}` are appended \
         after them (its offsets no longer match the source's); {start}",
        records(held)
    )
}

/// `N record(s)`, or `an unknown number of records`.
fn records(n: Option<i64>) -> String {
    n.map_or_else(
        || "an unknown number of records".to_string(),
        |n| format!("{n} record(s)"),
    )
}

/// Why a mirror's destination topic is not the one it mirrored into.
fn replaced(cluster: &str, mname: &str, m: &LiveMirror) -> String {
    let now = match &m.topic_id {
        Some(id) => format!(
            "topic id {id}, not {}",
            m.recorded_topic_id.as_deref().unwrap_or("?")
        ),
        None => "it does not exist".to_string(),
    };
    let lost = match m.records {
        Some(r) => format!(
            "it holds {} record(s) and the source {}: {} record(s) are missing, and MirrorMaker 2 will not copy them again",
            r.destination,
            r.source,
            r.missing()
        ),
        None => "the records mirrored into the earlier topic are gone, and will not be copied again".to_string(),
    };
    format!("the destination topic `{cluster}/{mname}` was deleted out of band ({now}); {lost}")
}

/// The action (or note) a live mirror's status and its desired state ask for.
#[allow(clippy::too_many_arguments)]
fn plan_transition(
    b: &mut Builder,
    cluster: &str,
    name: &str,
    engine: EngineName,
    mname: &str,
    live_m: &LiveMirror,
    want: MirrorState,
    deps: &[String],
    target: &str,
) {
    match transition(mname, live_m, want) {
        Step::Nothing => {}
        Step::Do(kind) => {
            let a = mirror_action(&b.engines, kind, cluster, name, engine, mname, deps);
            b.push(a);
        }
        Step::Refuse(msg) => b.error(target, msg),
        Step::Wait(msg) => b.warn(target, msg),
    }
}

/// The fence of a mirror's source topic: added when the manifest declares
/// it (before the mirror's promotion or failover, which then waits for
/// it), removed when a promoted or failed-over mirror no longer declares it.
fn plan_fence(
    b: &mut Builder,
    name: &str,
    link: &Link,
    m: &Mirror,
    mname: &str,
    fences: Option<&FenceState>,
) {
    let source = &link.source.value;
    let topic = &m.topic.value;
    let has = fences.is_some_and(|f| f.topics.contains(topic));
    let stopping = matches!(
        m.state.value,
        MirrorState::Promoted | MirrorState::FailedOver
    );
    let kind = match (m.fenced(link), has) {
        (true, false) => ActionKind::FenceTopic,
        (false, true) if stopping => ActionKind::UnfenceTopic,
        _ => return,
    };
    if kind == ActionKind::FenceTopic && fences.is_some_and(|f| !f.authorizer) {
        b.error(
            mirror_target(source, name, mname),
            format!(
                "cluster `{source}` has no authorizer, so the producers of `{source}/{topic}` cannot be fenced (an ACL needs one). \
                 Remove `fence` from the mirror (and from the link's `cutover`), and stop the producers yourself before the promotion."
            ),
        );
        return;
    }
    let mut a = new_action(
        kind,
        source,
        name,
        link.engine.value,
        ObjectSide::Source,
        Some(mname),
    );
    a.source_topic = Some(topic.clone());
    a.notes.push(if kind == ActionKind::FenceTopic {
        format!("DENY Write for every principal (User:*) on `{source}/{topic}`: its producers are refused from now on")
    } else {
        format!("removes the DENY Write ACL for User:* on `{source}/{topic}`: its producers may write again")
    });
    let id = b.push(a);
    if kind == ActionKind::FenceTopic {
        b.add_dependency(
            |x| {
                x.mirror.as_deref() == Some(mname)
                    && x.link == name
                    && matches!(
                        x.kind,
                        ActionKind::PromoteMirror | ActionKind::FailoverMirror
                    )
            },
            &id,
        );
    }
}

/// A mirror action on the destination object, with the notes its kind needs.
pub(super) fn mirror_action(
    engines: &EngineModels,
    kind: ActionKind,
    cluster: &str,
    link: &str,
    engine: EngineName,
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
    a.notes.extend(engine_notes(engines, engine, kind));
    if kind == ActionKind::DeleteMirrorTopic {
        a.notes
            .push("irreversible: deletes the topic and its data".to_string());
    }
    a
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::links::plan_link;
    use super::super::links::tests::{manifest, MODELS};
    use super::super::Builder;
    use crate::plan::action::ActionKind;
    use crate::state::{ClusterState, LiveLink, LiveState};

    /// `europe/t` exists with 5 records of its own; the link's connector
    /// exists when `resume_at` is given, with those stored offsets of `t`.
    fn live(resume_at: Option<&[(u32, i64)]>) -> LiveState {
        let mut live = LiveState::default();
        let mut europe = ClusterState {
            occupied: BTreeMap::from([("t".to_string(), Some(5))]),
            ..Default::default()
        };
        if let Some(parts) = resume_at {
            let mut l = LiveLink::named("l");
            l.engine = serde_json::from_str("\"mirrormaker2\"").expect("an engine name");
            europe.links.insert("l".into(), l);
            europe.resume_at.insert(
                "l".into(),
                BTreeMap::from([("t".to_string(), parts.iter().copied().collect())]),
            );
        }
        live.clusters.insert("europe".into(), europe);
        live
    }

    /// The plan of link `l` (`mirror`: extra mirror settings): its errors,
    /// and the notes of its mirror's creation.
    fn plan(mirror: &str, live: &LiveState) -> (Vec<String>, Vec<String>) {
        let m = manifest("mirrormaker2", mirror);
        let (name, link) = m.links.iter().next().expect("one link");
        let mut b = Builder::new(MODELS);
        plan_link(&mut b, &name.value, link, &m, live);
        let notes = b
            .actions
            .iter()
            .find(|a| a.kind == ActionKind::CreateMirror)
            .map(|a| a.notes.clone())
            .unwrap_or_default();
        (b.errors.into_iter().map(|e| e.message).collect(), notes)
    }

    #[test]
    fn a_mirror_over_a_topic_with_records_is_refused_with_their_count() {
        let (errors, notes) = plan("", &live(None));
        assert!(notes.is_empty(), "no mirror is created: {notes:?}");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with(
                "topic `t` already exists on `europe` and is no mirror: it holds 5 record(s). Mirroring into it would append \
                 the records of `us/t` after them, two streams in one topic."
            ),
            "{}",
            errors[0]
        );
        assert!(errors[0].contains("declare `adopt: true`"), "{}", errors[0]);
    }

    #[test]
    fn adopted_by_a_new_link_it_starts_at_the_source_s_first_offset() {
        let (errors, notes) = plan(", adopt: true", &live(None));
        assert!(
            errors.iter().all(|e| !e.contains("is no mirror")),
            "{errors:?}"
        );
        assert_eq!(
            notes[1],
            "adopts the existing topic `europe/t` (5 record(s)): they stay, first, and the records of `us/t` are appended \
             after them (its offsets no longer match the source's); MirrorMaker 2 starts from the source's first offset \
             (the link's connector is created by this plan, with no stored offsets)"
        );
    }

    #[test]
    fn adopted_by_a_link_without_stored_offsets_it_starts_at_the_first_offset() {
        let (_, notes) = plan(", adopt: true", &live(Some(&[])));
        assert!(
            notes[1].ends_with(
                "MirrorMaker 2 starts from the source's first offset (the link's connector holds no offsets for this topic)"
            ),
            "{}",
            notes[1]
        );
    }

    #[test]
    fn adopted_by_a_link_with_stored_offsets_it_starts_where_they_say() {
        let (_, notes) = plan(", adopt: true", &live(Some(&[(0, 120), (2, 7)])));
        assert!(
            notes[1].ends_with(
                "MirrorMaker 2 starts at source offset 120 on partition 0, source offset 7 on partition 2 (the link's connector \
                 stored where an earlier mirror of this topic stopped), and from the source's first offset on any other \
                 partition: the source's records before that are not copied"
            ),
            "{}",
            notes[1]
        );
    }

    #[test]
    fn adopted_where_the_stored_offsets_were_not_read_it_says_so() {
        let mut l = live(Some(&[]));
        l.clusters
            .get_mut("europe")
            .expect("europe")
            .resume_at
            .clear();
        let (_, notes) = plan(", adopt: true", &l);
        assert!(notes[1].ends_with("where MirrorMaker 2 starts is not known (the link's connector's stored offsets were not read)"), "{}", notes[1]);
    }
}
