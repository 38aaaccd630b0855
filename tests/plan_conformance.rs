//! The planner's answers off the happy path: every mirror status (checked
//! against the table in docs/states.md), link states, a link whose engine
//! changes, two links of one name on one cluster, and replacement of a
//! link whose promoted mirrors the manifest still declares active.

mod common;

use common::*;
use linkctl::backend::registry;
use linkctl::export::declared_state;
use linkctl::manifest::{Manifest, MirrorState};
use linkctl::plan::diff::{transition, Step};
use linkctl::plan::{plan, ActionKind, PlanOptions};
use linkctl::state::{LiveState, MirrorStatus};

/// The seed's clusters (europe also runs Kafka Connect) and `demo-link`.
fn clusters() -> String {
    CLUSTERS.replace(
        "    cluster_id: eu-id\n",
        "    connect: http://localhost:28083\n    cluster_id: eu-id\n",
    ) + "links:\n  demo-link:\n    source: us\n    destination: europe\n"
}

fn with(extra: &str) -> Manifest {
    manifest(&format!("{}{extra}", clusters()))
}

/// The live state after applying `m` to the seed's empty clusters.
fn applied(m: &Manifest) -> LiveState {
    let p = plan(
        m,
        &seed_live(),
        &PlanOptions::default(),
        &registry::models(),
    );
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    apply(m, &seed_live(), &p)
}

fn cell(step: &Step) -> String {
    match step {
        Step::Nothing => "—".into(),
        Step::Do(ActionKind::PauseMirror) => "pause".into(),
        Step::Do(ActionKind::ResumeMirror) => "resume".into(),
        Step::Do(ActionKind::PromoteMirror) => "promote".into(),
        Step::Do(ActionKind::FailoverMirror) => "fail over".into(),
        Step::Do(other) => format!("{other:?}"),
        Step::Wait(_) => "wait".into(),
        Step::Refuse(_) => "refuse".into(),
    }
}

#[test]
fn docs_states_table_is_what_the_planner_and_export_do() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/states.md"))
        .expect("docs/states.md");
    let rows: Vec<Vec<String>> = doc
        .lines()
        .skip_while(|l| !l.starts_with("| status |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect();
    let mut covered: Vec<MirrorStatus> = Vec::new();
    for row in &rows {
        let status = if row[0] == "any other word" {
            MirrorStatus::Other("SOMETHING_NEW".into())
        } else {
            MirrorStatus::parse(&row[0])
        };
        let m = mirror("t", "t", status.clone());
        for (i, want) in [
            MirrorState::Active,
            MirrorState::Paused,
            MirrorState::Promoted,
            MirrorState::FailedOver,
        ]
        .into_iter()
        .enumerate()
        {
            assert_eq!(
                cell(&transition("t", &m, want)),
                row[i + 1],
                "{} declared {want:?}",
                row[0]
            );
        }
        let exported = match declared_state(&status) {
            Some(MirrorState::Active) => "active",
            Some(MirrorState::Paused) => "paused",
            Some(MirrorState::Promoted) => "promoted",
            Some(MirrorState::FailedOver) => "failed_over",
            None => "left out",
        };
        assert_eq!(exported, row[5], "export of {}", row[0]);
        covered.push(status);
    }
    for s in MirrorStatus::known() {
        assert!(
            covered.contains(&s),
            "docs/states.md has no row for {}",
            s.as_str()
        );
    }
}

#[test]
fn a_failed_or_paused_link_is_planned_as_usual_with_a_warning() {
    let m = with("    config:\n      metadata.max.age.ms: 5000\n");
    for (state, warned) in [
        ("ACTIVE", false),
        ("AVAILABLE", false),
        ("NOT_REPORTED", false),
        ("UNKNOWN", false),
        ("PAUSED", true),
        ("FAILED", true),
        ("UNAVAILABLE", true),
    ] {
        let mut live = applied(&m);
        let l = link_mut(&mut live, "europe", "demo-link");
        l.state = state.into();
        l.error = Some("AUTHENTICATION_ERROR".into());
        l.configs
            .insert("metadata.max.age.ms".into(), dynamic("6000"));
        let p = plan(&m, &live, &PlanOptions::default(), &registry::models());
        assert_eq!(p.actions.len(), 1, "{state}: the config change is planned");
        assert_eq!(
            p.warnings.len(),
            usize::from(warned),
            "{state}: {:?}",
            p.warnings
        );
        if warned {
            assert!(p.warnings[0].message.contains(state), "{:?}", p.warnings);
            assert!(p.warnings[0].message.contains("AUTHENTICATION_ERROR"));
        }
    }
}

#[test]
fn an_engine_change_is_refused_or_replaced_through_the_old_engine() {
    let confluent = with("");
    let live = applied(&confluent);
    let mm2 = with("    engine: mirrormaker2\n");
    let p = plan(&mm2, &live, &PlanOptions::default(), &registry::models());
    assert!(p.actions.is_empty(), "{:#?}", p.actions);
    assert_eq!(p.errors.len(), 1);
    assert!(
        p.errors[0]
            .message
            .contains("runs on confluent (manifest: mirrormaker2)"),
        "{}",
        p.errors[0].message
    );
    let replace = with("    engine: mirrormaker2\n    allow_replace: true\n");
    let p = plan(
        &replace,
        &live,
        &PlanOptions::default(),
        &registry::models(),
    );
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let steps: Vec<(ActionKind, &str)> = p
        .actions
        .iter()
        .map(|a| (a.kind, registry::model(a.engine).name()))
        .collect();
    assert_eq!(
        steps,
        [
            (ActionKind::DeleteLink, "confluent"),
            (ActionKind::CreateLink, "mirrormaker2")
        ]
    );
    assert_eq!(p.actions[1].depends_on, [p.actions[0].id.clone()]);
}

#[test]
fn a_link_engine_is_read_wherever_its_endpoint_is_declared() {
    // A manifest whose only link runs on MirrorMaker 2 still reads the
    // Confluent links of clusters with a REST endpoint.
    let mm2 = with("    engine: mirrormaker2\n");
    let engines = registry::models();
    for model in engines.all() {
        assert!(engines.needed_by(&mm2, *model), "{}", model.name());
    }
    let no_rest = manifest(
        "version: 1\nclusters:\n  us: {bootstrap: a:1}\n  europe: {bootstrap: b:1, connect: http://c}\nlinks:\n  l: {source: us, destination: europe, engine: mirrormaker2}\n",
    );
    let needed: Vec<&str> = engines
        .all()
        .iter()
        .filter(|m| engines.needed_by(&no_rest, **m))
        .map(|m| m.name())
        .collect();
    assert_eq!(needed, ["mirrormaker2"]);
}

#[test]
fn two_links_of_one_name_on_one_cluster_are_reported_and_left_alone() {
    let m = with("    config:\n      metadata.max.age.ms: 5000\n");
    let mut live = applied(&m);
    // Drift that would otherwise be planned, and a MirrorMaker 2 link of the same name.
    let mut other = link_mut(&mut live, "europe", "demo-link").clone();
    other.engine = serde_json::from_value(serde_json::json!("mirrormaker2")).expect("engine");
    link_mut(&mut live, "europe", "demo-link")
        .configs
        .insert("metadata.max.age.ms".into(), dynamic("6000"));
    let mut merged = live.clone();
    let mut theirs = LiveState::default();
    theirs
        .clusters
        .entry("europe".into())
        .or_default()
        .links
        .insert("demo-link".into(), other);
    merged.merge(theirs);
    assert_eq!(merged.clusters["europe"].clashes.len(), 1, "both kept");
    for opts in [
        PlanOptions::default(),
        PlanOptions {
            prune_links: true,
            ..PlanOptions::default()
        },
    ] {
        let p = plan(&m, &merged, &opts, &registry::models());
        assert!(p.actions.is_empty(), "{:#?}", p.actions);
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        let e = &p.errors[0].message;
        assert!(
            e.contains("two links named `demo-link` exist on `europe`")
                && e.contains("confluent")
                && e.contains("mirrormaker2"),
            "{e}"
        );
    }
    // Undeclared, with prune_links: still nothing is deleted.
    let other_link = manifest(&clusters().replace("  demo-link:", "  other:"));
    let p = plan(
        &other_link,
        &merged,
        &PlanOptions {
            prune_links: true,
            ..PlanOptions::default()
        },
        &registry::models(),
    );
    assert!(
        p.actions.iter().all(|a| a.link != "demo-link"),
        "{:#?}",
        p.actions
    );
}

#[test]
fn replacement_obeys_the_stopped_mirror_rule() {
    let promoted = with("    mirrors:\n      - topic: demo\n        state: promoted\n");
    let mut live = applied(&with("    mirrors:\n      - topic: demo\n"));
    live = apply(
        &promoted,
        &live,
        &plan(
            &promoted,
            &live,
            &PlanOptions::default(),
            &registry::models(),
        ),
    );
    assert_eq!(
        link_mut(&mut live, "europe", "demo-link").mirrors["demo"].status,
        MirrorStatus::Stopped
    );
    // A mode change with allow_replace, the promoted mirror declared active again.
    let replace = with(
        "    allow_replace: true\n    mode: bidirectional\n    mirrors:\n      - topic: demo\n",
    );
    let p = plan(
        &replace,
        &live,
        &PlanOptions::default(),
        &registry::models(),
    );
    assert!(
        p.actions.is_empty(),
        "nothing irreversible: {:#?}",
        p.actions
    );
    assert!(
        p.errors.iter().any(|e| e
            .message
            .contains("mirrors demo were promoted or failed over")),
        "{:?}",
        p.errors
    );
    // Declared promoted: the replacement goes ahead (the topic stays).
    let ok = with(
        "    allow_replace: true\n    mode: bidirectional\n    mirrors:\n      - topic: demo\n        state: promoted\n",
    );
    let p = plan(&ok, &live, &PlanOptions::default(), &registry::models());
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.actions[0].kind, ActionKind::DeleteLink);
}
