//! One manifest link: create missing objects, refuse (or replace) immutable
//! changes, update configs, then hand the mirrors to [`super::mirrors`].

use crate::manifest::link_configs::{IMMUTABLE_KEYS, PREFIX};
use crate::manifest::{EngineName, Link, LinkMode, Manifest, MirrorState, REDACTED};
use crate::plan::action::{ActionKind, Change, ChangeOp, Value};
use crate::plan::desired::{expected_objects, ExpectedObject};
use crate::plan::engine_model::EngineModels;
use crate::plan::normalize::same;
use crate::state::{ConnectionMode, LinkCondition, LinkSide, LiveLink, LiveState};

use super::mirrors::LiveMirrors;
use super::{
    configs, delete_link_object, engine_notes, link_target, live_link, mirrors, new_action, Builder,
};

pub(super) fn plan_link(
    b: &mut Builder,
    name: &str,
    link: &Link,
    manifest: &Manifest,
    live: &LiveState,
) {
    let objects = match expected_objects(link, manifest) {
        Ok(o) => o,
        Err(e) => {
            b.error(name, format!("link `{name}`: {e}"));
            return;
        }
    };
    match attachment(&b.engines, name, link, manifest, live) {
        Attachment::Checked => {}
        Attachment::Elsewhere(why) => {
            b.error(link_target(&link.destination.value, name), why);
            return;
        }
        Attachment::Unchecked(why) => b.warn(link_target(&link.destination.value, name), why),
    }
    let found: Vec<Option<&LiveLink>> = objects
        .iter()
        .map(|o| live_link(live, &o.cluster, name))
        .collect();
    let strays = stray_objects(name, link, &objects, live);

    let mut problems = Vec::new();
    for (o, l) in objects.iter().zip(&found) {
        if let Some(l) = l {
            problems.extend(immutable_problems(
                &b.engines,
                o,
                l,
                link.engine.value,
                manifest,
                live,
            ));
        }
    }
    for (cluster, l) in &strays {
        problems.push(format!(
            "a {} link object exists on `{cluster}`, which a {} link does not use (the link mode changed)",
            side_word(l.side),
            mode_word(link.mode.value)
        ));
    }
    let target = link_target(&link.destination.value, name);
    if !problems.is_empty() {
        if link.allow_replace {
            replace(b, name, link, live, &objects, &found, &strays, &problems);
        } else {
            b.error(
                target,
                format!(
                    "cannot change link `{name}` in place: {}. These settings are fixed once a link exists. \
                     Set `allow_replace: true` on the link to delete and re-create it (replication stops meanwhile), \
                     or restore the live value in the manifest.",
                    problems.join("; ")
                ),
            );
        }
        return;
    }

    for (o, l) in objects.iter().zip(&found) {
        if let Some(note) = l.and_then(|l| link_state_note(name, &o.cluster, l)) {
            b.warn(link_target(&o.cluster, name), note);
        }
    }
    let mut link_deps: Vec<String> = Vec::new();
    for (o, l) in objects.iter().zip(&found) {
        match l {
            None => {
                super::read_only::warn_on_create(b, name, link, o, manifest, live);
                let id = b.push(create_action(&b.engines, name, link, o, &link_deps));
                link_deps.push(id);
            }
            Some(l) => {
                if let Some(a) = configs::update_action(b, name, link, o, l) {
                    let id = b.push(a);
                    link_deps.push(id);
                }
            }
        }
    }
    if let Some((o, l)) = objects.iter().zip(&found).find(|(o, _)| o.owns_mirrors) {
        let lm = LiveMirrors::of(live, &o.cluster, name, link, l.map(|l| &l.mirrors));
        mirrors::plan_mirrors(b, name, link, &o.cluster, &lm, &link_deps);
    }
}

/// Whether the link's records land in its destination, for an engine that
/// writes through the Kafka cluster its endpoint is attached to
/// (MirrorMaker 2: the Kafka Connect worker's own cluster, whatever the
/// connector's `target.cluster.*` says).
#[derive(Debug, PartialEq, Eq)]
enum Attachment {
    /// Attached to the destination, or nothing to check (another engine,
    /// or ids not read).
    Checked,
    /// Attached to another cluster: nothing is planned for the link (a
    /// connector written there would copy the source into the wrong
    /// cluster; into its own source, with a worker attached to it: a loop).
    Elsewhere(String),
    /// The endpoint does not say which cluster it is attached to (an older
    /// Kafka Connect worker): planned as usual, with a warning.
    Unchecked(String),
}

fn attachment(
    engines: &EngineModels,
    name: &str,
    link: &Link,
    manifest: &Manifest,
    live: &LiveState,
) -> Attachment {
    if !engines
        .of(link.engine.value)
        .writes_through_attached_cluster()
    {
        return Attachment::Checked;
    }
    let dest = &link.destination.value;
    let Some(state) = live.clusters.get(dest) else {
        return Attachment::Checked;
    };
    let connect = manifest
        .cluster(dest)
        .and_then(|c| c.connect.as_ref())
        .and_then(|c| c.first())
        .map(|c| c.display().to_string())
        .unwrap_or_default();
    if let Some(version) = &state.engine_attachment_unsaid {
        return Attachment::Unchecked(format!(
            "linkctl cannot check that the Kafka Connect cluster of `{dest}` ({connect}, version {version}) writes into `{dest}`: \
             its `GET /` has no `kafka_cluster_id`. A MirrorMaker 2 source connector writes what it copies through its worker, \
             so if the worker's `bootstrap.servers` is not `{dest}`'s, the records of `{}` land in that other cluster. \
             Check the worker's `bootstrap.servers` yourself before applying (Apache Kafka Connect says its cluster since 1.1: \
             something between linkctl and the worker, or another implementation, left it out).",
            link.source.value
        ));
    }
    let (Some(attached), Some(own)) = (
        state.engine_attached_to.as_ref(),
        state.kafka_cluster_id.as_ref(),
    ) else {
        return Attachment::Checked;
    };
    if attached == own {
        return Attachment::Checked;
    }
    let other = live
        .clusters
        .iter()
        .find(|(_, c)| c.kafka_cluster_id.as_ref() == Some(attached))
        .map(|(n, _)| format!(" (that is cluster `{n}`)"))
        .unwrap_or_default();
    Attachment::Elsewhere(format!(
        "link `{name}` cannot run on the Kafka Connect cluster of `{dest}` ({connect}): it is attached to Kafka cluster {attached}{other}, \
         not to `{dest}` (cluster id {own}). A MirrorMaker 2 source connector writes what it copies through its worker, so the records \
         of `{}` would land in {attached}, not in `{dest}`. Point `connect:` of cluster `{dest}` at a Kafka Connect cluster whose \
         `bootstrap.servers` is `{dest}`'s; nothing is planned for this link until then.",
        link.source.value
    ))
}

/// What the plan says about a link object that is not working: actions are
/// planned as usual (a config change may be what repairs it), but its
/// mirrors do not replicate meanwhile. See docs/states.md.
fn link_state_note(name: &str, cluster: &str, l: &LiveLink) -> Option<String> {
    let why = l
        .error_message
        .as_deref()
        .or(l.error.as_deref())
        .filter(|e| !e.is_empty() && *e != "NO_ERROR")
        .map(|e| format!(" ({e})"))
        .unwrap_or_default();
    match LinkCondition::of(&l.state) {
        LinkCondition::Down => Some(format!(
            "link `{name}` on `{cluster}` is {}{why}: its mirrors do not replicate until it works again; the plan is computed as usual",
            l.state
        )),
        LinkCondition::Paused => Some(format!(
            "link `{name}` on `{cluster}` is PAUSED{why}: its mirrors do not replicate while it is; the plan is computed as usual"
        )),
        LinkCondition::Healthy | LinkCondition::Unsaid => None,
    }
}

/// Delete every live object of the link, then create the expected ones.
#[allow(clippy::too_many_arguments)]
fn replace(
    b: &mut Builder,
    name: &str,
    link: &Link,
    live: &LiveState,
    objects: &[ExpectedObject],
    found: &[Option<&LiveLink>],
    strays: &[(String, &LiveLink)],
    problems: &[String],
) {
    let mut existing: Vec<(String, &LiveLink)> = objects
        .iter()
        .zip(found)
        .filter_map(|(o, l)| l.map(|l| (o.cluster.clone(), l)))
        .chain(strays.iter().cloned())
        .collect();
    let live_mirrors: Vec<String> = existing
        .iter()
        .flat_map(|(_, l)| l.mirrors.values())
        .filter(|m| !m.status.is_stopped())
        .map(|m| format!("{} ({})", m.name, m.status.as_str()))
        .collect();
    if !live_mirrors.is_empty() {
        b.error(
            link_target(&link.destination.value, name),
            format!(
                "cannot replace link `{name}` ({}): mirrors {} are still mirroring, and deleting the link would leave them broken. \
                 Promote, fail over or delete them first.",
                problems.join("; "),
                live_mirrors.join(", ")
            ),
        );
        return;
    }
    // A mirror declared active or paused that stopped on the old link is a
    // normal topic now: the new link could not create it again (the
    // stopped-mirror rule), so nothing is replaced.
    let stopped: Vec<String> = link
        .mirrors
        .iter()
        .filter(|m| matches!(m.state.value, MirrorState::Active | MirrorState::Paused))
        .map(|m| m.mirror_name(link))
        .filter(|mname| {
            existing
                .iter()
                .any(|(_, l)| l.mirrors.get(mname).is_some_and(|m| m.status.is_stopped()))
        })
        .collect();
    if !stopped.is_empty() {
        b.error(
            link_target(&link.destination.value, name),
            format!(
                "cannot replace link `{name}` ({}): mirrors {} were promoted or failed over and are normal topics now, \
                 so the new link could not mirror them again. Declare them `state: promoted` (or `failed_over`), \
                 or delete those topics first.",
                problems.join("; "),
                stopped.join(", ")
            ),
        );
        return;
    }
    // Source sides go first when deleting (reverse of creation).
    existing.sort_by_key(|(c, l)| (l.side != LinkSide::Source, c.clone()));
    let mut deletes: Vec<String> = Vec::new();
    for (cluster, l) in &existing {
        // Deleted through the engine that runs it (an `engine` change).
        let mut a = delete_link_object(cluster, name, l, &deletes);
        a.notes.push(format!("replace: {}", problems.join("; ")));
        a.notes
            .push("irreversible: deletes the link object; it is re-created below".to_string());
        deletes.push(b.push(a));
    }
    let mut deps = deletes;
    for o in objects {
        let id = b.push(create_action(&b.engines, name, link, o, &deps));
        deps.push(id);
    }
    let lm = LiveMirrors::of(live, &link.destination.value, name, link, None);
    mirrors::plan_mirrors(
        b,
        name,
        link,
        &link.destination.value,
        &lm,
        &deps[deps.len() - objects.len()..],
    );
}

fn create_action(
    engines: &EngineModels,
    name: &str,
    link: &Link,
    o: &ExpectedObject,
    deps: &[String],
) -> crate::plan::Action {
    let mut a = new_action(
        ActionKind::CreateLink,
        &o.cluster,
        name,
        link.engine.value,
        o.side,
        None,
    );
    a.depends_on = deps.to_vec();
    a.changes = o
        .configs
        .iter()
        .map(|(k, d)| Change {
            key: k.clone(),
            op: ChangeOp::Set,
            before: None,
            after: Some(if d.sensitive || d.value.is_secret() {
                Value::Sensitive
            } else {
                Value::Plain(d.value.expose().to_string())
            }),
        })
        .collect();
    a.notes.push(format!(
        "{} link object ({}) on `{}`, {} `{}`",
        side_word(o.live_side).to_lowercase(),
        mode_word(link.mode.value),
        o.cluster,
        if o.owns_mirrors {
            "pulling from"
        } else {
            "pushing to"
        },
        o.remote
    ));
    a.notes.extend(engine_notes(
        engines,
        link.engine.value,
        ActionKind::CreateLink,
    ));
    a
}

/// Live objects with the link's name on its clusters that its mode does not use.
fn stray_objects<'l>(
    name: &str,
    link: &Link,
    objects: &[ExpectedObject],
    live: &'l LiveState,
) -> Vec<(String, &'l LiveLink)> {
    let mut clusters = vec![link.destination.value.clone(), link.source.value.clone()];
    clusters.dedup();
    clusters
        .into_iter()
        .filter(|c| objects.iter().all(|o| &o.cluster != c))
        .filter_map(|c| live_link(live, &c, name).map(|l| (c, l)))
        .collect()
}

fn immutable_problems(
    engines: &EngineModels,
    o: &ExpectedObject,
    l: &LiveLink,
    engine: EngineName,
    manifest: &Manifest,
    live: &LiveState,
) -> Vec<String> {
    let mut out = Vec::new();
    if l.engine != engine {
        out.push(format!(
            "the link on `{}` runs on {} (manifest: {})",
            o.cluster,
            engines.of(l.engine).name(),
            engines.of(engine).name()
        ));
    }
    if l.side != o.live_side {
        out.push(format!(
            "link.mode on `{}` is {} (manifest: {})",
            o.cluster,
            side_word(l.side),
            side_word(o.live_side)
        ));
    }
    if let Some(cm) = o.connection_mode {
        if cm != l.connection_mode {
            out.push(format!(
                "connection.mode on `{}` is {} (manifest: {})",
                o.cluster,
                conn_word(l.connection_mode),
                conn_word(cm)
            ));
        }
    }
    let expected_id = manifest
        .cluster(&o.remote)
        .and_then(|c| c.cluster_id.as_ref().map(|i| i.value.clone()))
        .or_else(|| {
            live.clusters
                .get(&o.remote)
                .and_then(|c| c.cluster_id.clone())
        });
    let live_id = match l.side {
        LinkSide::Destination => &l.source_cluster_id,
        LinkSide::Source => &l.destination_cluster_id,
        LinkSide::Bidirectional => &l.remote_cluster_id,
    };
    if let (Some(want), Some(have)) = (&expected_id, live_id) {
        if want != have {
            out.push(format!(
                "the link on `{}` points at cluster id `{have}`, but `{}` is `{want}`",
                o.cluster, o.remote
            ));
        }
    }
    for key in IMMUTABLE_KEYS {
        let desired = o.configs.get(*key);
        let declared = desired.map(|d| d.value.expose());
        if declared.is_none() && (*key != PREFIX || !o.behaviour) {
            continue;
        }
        let have = l.configs.get(*key).and_then(|c| c.value.as_deref());
        if *key != PREFIX && have.is_none() {
            continue;
        }
        if !same(key, have, declared) {
            // A value from `${env:…}` is a secret: neither side is shown.
            let secret = desired.is_some_and(|d| d.sensitive || d.value.is_secret());
            let show = |v| {
                if secret {
                    REDACTED.to_string()
                } else {
                    shown(v)
                }
            };
            out.push(format!(
                "{key} on `{}` is {} (manifest: {})",
                o.cluster,
                show(have),
                show(declared)
            ));
        }
    }
    out
}

fn shown(v: Option<&str>) -> String {
    match v {
        Some(s) if !s.is_empty() => format!("\"{s}\""),
        _ => "unset".to_string(),
    }
}

pub(crate) fn side_word(s: LinkSide) -> &'static str {
    match s {
        LinkSide::Destination => "DESTINATION",
        LinkSide::Source => "SOURCE",
        LinkSide::Bidirectional => "BIDIRECTIONAL",
    }
}

fn conn_word(c: ConnectionMode) -> &'static str {
    match c {
        ConnectionMode::Outbound => "OUTBOUND",
        ConnectionMode::Inbound => "INBOUND",
    }
}

fn mode_word(m: LinkMode) -> &'static str {
    match m {
        LinkMode::DestinationInitiated => "destination-initiated",
        LinkMode::SourceInitiated => "source-initiated",
        LinkMode::Bidirectional => "bidirectional",
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::manifest::diagnostic::Problem;
    use crate::manifest::load::{parse, SourceFile};
    use crate::manifest::{Cluster, EngineRules, EngineTable, Located};
    use crate::plan::action::Action;
    use crate::plan::engine_model::{EngineModel, PlanContext, StepGroup};
    use crate::plan::payload::Payload;
    use crate::state::ClusterState;

    use super::super::Builder;

    /// A test engine: `attached` says whether it writes through the Kafka
    /// cluster its endpoint is attached to (as MirrorMaker 2 does).
    pub(in crate::plan::diff) struct TestEngine {
        attached: bool,
    }

    impl EngineRules for TestEngine {
        fn name(&self) -> &'static str {
            if self.attached {
                "mirrormaker2"
            } else {
                "confluent"
            }
        }
        fn check_link(&self, _: &Located<String>, _: &Link, _: &Manifest, _: &mut Vec<Problem>) {}
        fn reads_cluster(&self, _: &Cluster) -> bool {
            false
        }
    }

    impl EngineModel for TestEngine {
        fn payload(&self, _: &Action, _: &PlanContext<'_>) -> Result<Payload, String> {
            Err("no payloads in these tests".into())
        }
        fn action_notes(&self, _: ActionKind) -> &'static [&'static str] {
            &[]
        }
        fn step_group(&self, _: ActionKind) -> StepGroup {
            StepGroup::Single
        }
        fn link_deletion_stops_mirrors(&self) -> bool {
            true
        }
        fn mirrors_are_read_only(&self) -> bool {
            !self.attached
        }
        fn writes_through_attached_cluster(&self) -> bool {
            self.attached
        }
        fn status_notes(&self) -> &'static [&'static str] {
            &[]
        }
        fn exports_free_form_config(&self) -> bool {
            self.attached
        }
    }

    const ATTACHED: TestEngine = TestEngine { attached: true };
    const PLAIN: TestEngine = TestEngine { attached: false };

    /// The default engine (`confluent`) does not write through its
    /// endpoint's cluster, the other (`mirrormaker2`) does.
    fn of(e: EngineName) -> &'static dyn EngineModel {
        if e == EngineName::default() {
            &PLAIN
        } else {
            &ATTACHED
        }
    }

    /// `mirrormaker2` writes through its endpoint's cluster, `confluent` not.
    pub(in crate::plan::diff) const MODELS: EngineModels =
        EngineTable::new(of, &[&ATTACHED, &PLAIN]);

    /// Link `l` (us → europe, `engine`) mirroring `t` with `mirror` added to
    /// the mirror's settings.
    pub(in crate::plan::diff) fn manifest(engine: &str, mirror: &str) -> Manifest {
        let yaml = format!(
            "version: 1
clusters:
  us:
    bootstrap: 127.0.0.1:19092
  europe:
    bootstrap: 127.0.0.1:29092
    connect: http://127.0.0.1:28083
links:
  l:
    source: us
    destination: europe
    engine: {engine}
    mirrors:
      - {{ topic: t{mirror} }}
"
        );
        parse(&SourceFile::new("t.yaml", &yaml), |_| None)
            .expect("manifest parses")
            .manifest
    }

    /// `europe` with its Kafka Connect worker attached to `attached`
    /// (`None`: not said, version 2.0.0) and its own id `eu-id`; `us` is `us-id`.
    fn live(attached: Option<&str>) -> LiveState {
        let mut live = LiveState::default();
        live.clusters.insert(
            "europe".into(),
            ClusterState {
                engine_attached_to: attached.map(str::to_string),
                engine_attachment_unsaid: attached.is_none().then(|| "2.0.0".to_string()),
                kafka_cluster_id: Some("eu-id".into()),
                ..Default::default()
            },
        );
        live.clusters.insert(
            "us".into(),
            ClusterState {
                kafka_cluster_id: Some("us-id".into()),
                ..Default::default()
            },
        );
        live
    }

    fn planned(m: &Manifest, live: &LiveState) -> Builder {
        let mut b = Builder::new(MODELS);
        let (name, link) = m.links.iter().next().expect("one link");
        plan_link(&mut b, &name.value, link, m, live);
        b
    }

    fn check(engine: &str, live: &LiveState) -> Attachment {
        let m = manifest(engine, "");
        let (name, link) = m.links.iter().next().expect("one link");
        attachment(&MODELS, &name.value, link, &m, live)
    }

    #[test]
    fn a_worker_attached_to_another_cluster_is_refused_naming_both_ids() {
        let Attachment::Elsewhere(why) = check("mirrormaker2", &live(Some("us-id"))) else {
            panic!("not refused");
        };
        assert!(
            why.contains("it is attached to Kafka cluster us-id (that is cluster `us`), not to `europe` (cluster id eu-id)"),
            "{why}"
        );
        assert!(why.contains("(http://127.0.0.1:28083)"), "{why}");
        let b = planned(&manifest("mirrormaker2", ""), &live(Some("us-id")));
        assert!(b.actions.is_empty(), "nothing is planned: {:?}", b.actions);
        assert_eq!(b.errors.len(), 1);
        assert_eq!(b.errors[0].target, "europe/l");
        // A cluster the manifest does not declare is not named.
        let why = match check("mirrormaker2", &live(Some("elsewhere-id"))) {
            Attachment::Elsewhere(why) => why,
            other => panic!("{other:?}"),
        };
        assert!(
            why.contains("attached to Kafka cluster elsewhere-id, not to `europe`"),
            "{why}"
        );
    }

    #[test]
    fn a_worker_attached_to_the_destination_is_planned_as_usual() {
        assert_eq!(
            check("mirrormaker2", &live(Some("eu-id"))),
            Attachment::Checked
        );
        let b = planned(&manifest("mirrormaker2", ""), &live(Some("eu-id")));
        assert!(
            b.errors.is_empty() && b.warnings.is_empty(),
            "{:?} {:?}",
            b.errors,
            b.warnings
        );
        assert!(!b.actions.is_empty());
    }

    #[test]
    fn an_engine_that_does_not_write_through_its_endpoint_is_not_checked() {
        assert_eq!(
            check("confluent", &live(Some("us-id"))),
            Attachment::Checked
        );
        assert_eq!(check("confluent", &live(None)), Attachment::Checked);
    }

    #[test]
    fn ids_not_read_are_not_checked() {
        let mut l = live(Some("us-id"));
        l.clusters
            .get_mut("europe")
            .expect("europe")
            .kafka_cluster_id = None;
        assert_eq!(check("mirrormaker2", &l), Attachment::Checked);
        assert_eq!(
            check("mirrormaker2", &LiveState::default()),
            Attachment::Checked
        );
    }

    #[test]
    fn a_worker_that_does_not_say_its_cluster_is_planned_with_a_warning() {
        let b = planned(&manifest("mirrormaker2", ""), &live(None));
        assert!(b.errors.is_empty(), "{:?}", b.errors);
        assert!(!b.actions.is_empty(), "planned as usual");
        assert_eq!(b.warnings.len(), 1, "{:?}", b.warnings);
        let w = &b.warnings[0];
        assert_eq!(w.target, "europe/l");
        assert!(
            w.message.starts_with(
                "linkctl cannot check that the Kafka Connect cluster of `europe` (http://127.0.0.1:28083, version 2.0.0) writes into `europe`: \
                 its `GET /` has no `kafka_cluster_id`."
            ),
            "{}",
            w.message
        );
        assert!(
            w.message
                .contains("the records of `us` land in that other cluster"),
            "{}",
            w.message
        );
    }
}
