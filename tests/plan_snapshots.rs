//! Snapshot tests of rendered plans (text and JSON) for the seed scenario
//! and the planner's edge cases. Each case is a (manifest, live state) pair.

mod common;

use common::*;
use linkctl::backend::registry;
use linkctl::manifest::Manifest;
use linkctl::plan::render::{render_json, render_text};
use linkctl::plan::{plan, ActionKind, Plan, PlanOptions, Value};
use linkctl::state::{ConnectionMode, LinkSide, LiveState, MirrorStatus};

fn seed(link_body: &str) -> Manifest {
    manifest(&format!("{CLUSTERS}links:\n  demo-link:\n{link_body}"))
}

const S1: &str = r#"    source: us
    destination: europe
    config:
      metadata.max.age.ms: 5000
    consumer_offset_sync:
      interval_ms: 3000
      groups:
        - include: "*"
"#;

fn s2() -> String {
    format!("{S1}    mirrors:\n      - topic: demo\n")
}

fn s5() -> String {
    format!(
        "{}        - exclude: my-consumer-group\n    mirrors:\n      - topic: demo\n",
        S1
    )
}

fn s10() -> String {
    format!("{}        - exclude: my-consumer-group\n    mirrors:\n      - topic: demo\n        state: promoted\n", S1)
}

/// The live state after applying `m` to `live`.
fn converge(m: &Manifest, live: &LiveState) -> LiveState {
    let p = plan(m, live, &PlanOptions::default(), &registry::models());
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    apply_converged(m, live, &p)
}

/// The live state after applying `p` (a plan of `m`) to `live`, where
/// planning `m` again finds nothing to do.
fn apply_converged(m: &Manifest, live: &LiveState, p: &Plan) -> LiveState {
    let next = apply(m, live, p);
    let again = plan(m, &next, &PlanOptions::default(), &registry::models());
    assert!(
        again.actions.is_empty(),
        "not converged: {:#?}",
        again.actions
    );
    next
}

/// [`check`] with the default options.
fn snap(name: &str, m: &Manifest, live: &LiveState) -> Plan {
    check(name, m, live, &PlanOptions::default())
}

/// Each action's kind and cluster, in plan order.
fn order(p: &Plan) -> Vec<(ActionKind, &str)> {
    p.actions
        .iter()
        .map(|a| (a.kind, a.cluster.as_str()))
        .collect()
}

fn check(name: &str, m: &Manifest, live: &LiveState, opts: &PlanOptions) -> Plan {
    let p = plan(m, live, opts, &registry::models());
    let text = render_text(&p, false);
    let json = render_json(&p);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!(format!("plan__{name}__text"), text);
        insta::assert_snapshot!(format!("plan__{name}__json"), json);
    });
    // Rendering the same inputs again is byte-identical.
    let p2 = plan(m, live, opts, &registry::models());
    assert_eq!(render_text(&p2, false), text);
    assert_eq!(render_json(&p2), json);
    p
}

fn after_s2() -> LiveState {
    let l1 = converge(&seed(S1), &seed_live());
    converge(&seed(&s2()), &l1)
}

fn after_s5() -> LiveState {
    converge(&seed(&s5()), &after_s2())
}

#[test]
fn s1_new_link() {
    let p = snap("s1_new_link", &seed(S1), &seed_live());
    assert_eq!(p.actions.len(), 1);
    assert_eq!(p.actions[0].kind, ActionKind::CreateLink);
    assert_eq!(p.actions[0].cluster, "europe");
}

#[test]
fn s2_new_mirror() {
    let live = converge(&seed(S1), &seed_live());
    let p = snap("s2_new_mirror", &seed(&s2()), &live);
    let kinds: Vec<_> = p.actions.iter().map(|a| a.kind).collect();
    assert_eq!(kinds, [ActionKind::CreateMirror]);
}

#[test]
fn a_mirror_of_a_missing_source_topic_is_refused() {
    let mut live = converge(&seed(S1), &seed_live());
    live.clusters.get_mut("us").expect("us").topic_names =
        Some(["orders".to_string()].into_iter().collect());
    let p = snap("missing_source_topic", &seed(&s2()), &live);
    assert!(p.actions.is_empty());
    assert_eq!(p.errors.len(), 1);
    assert!(p.errors[0]
        .message
        .contains("source topic `demo` does not exist on cluster `us`"));
    // Once it exists, the mirror is planned.
    live.clusters.get_mut("us").expect("us").topic_names =
        Some(["demo".to_string()].into_iter().collect());
    let p = plan(
        &seed(&s2()),
        &live,
        &PlanOptions::default(),
        &registry::models(),
    );
    assert_eq!(p.actions.len(), 1);
}

#[test]
fn s5_filter_change_is_a_list_diff() {
    let p = snap("s5_filter_change", &seed(&s5()), &after_s2());
    let text = render_text(&p, false);
    assert!(text.contains("+ exclude \"my-consumer-group\""), "{text}");
    assert!(
        !text.contains("groupFilters"),
        "filters rendered as JSON: {text}"
    );
    assert_eq!(p.summary.change, 1);
}

#[test]
fn s10_promote() {
    let p = snap("s10_promote", &seed(&s10()), &after_s5());
    assert_eq!(p.actions.len(), 1);
    assert_eq!(p.actions[0].kind, ActionKind::PromoteMirror);
    assert!(p.actions[0].irreversible);
    assert!(render_text(&p, false).contains("! promote mirror demo"));
}

#[test]
fn s11_delete_link_with_prune() {
    let live = converge(&seed(&s10()), &after_s5());
    let m = manifest(&format!("{CLUSTERS}links: {{}}\n"));
    let opts = PlanOptions {
        prune_links: true,
        ..PlanOptions::default()
    };
    let p = check("s11_delete_link_with_prune", &m, &live, &opts);
    let kinds: Vec<_> = p.actions.iter().map(|a| a.kind).collect();
    assert_eq!(kinds, [ActionKind::DeleteLink]);
    assert!(p.errors.is_empty());
}

#[test]
fn no_op() {
    let p = snap("no_op", &seed(&s5()), &after_s5());
    assert!(p.actions.is_empty());
    assert_eq!(
        render_text(&p, false),
        "No changes. Live state matches the manifest.\n"
    );
}

#[test]
fn out_of_band_drift() {
    let mut live = after_s5();
    let l = link_mut(&mut live, "europe", "demo-link");
    // Same meaning, other spelling: no change.
    l.configs
        .insert("metadata.max.age.ms".into(), dynamic("5000.0"));
    l.configs
        .insert("consumer.offset.sync.enable".into(), dynamic("TRUE"));
    l.configs.insert(
        "consumer.offset.group.filters".into(),
        dynamic(r#"{ "groupFilters": [ {"filterType":"INCLUDE","patternType":"LITERAL","name":"*"}, {"name":"my-consumer-group","filterType":"EXCLUDE","patternType":"LITERAL"} ] }"#),
    );
    // Real drift.
    l.configs
        .insert("consumer.offset.sync.ms".into(), dynamic("10000"));
    let p = snap("out_of_band_drift", &seed(&s5()), &live);
    assert_eq!(p.actions.len(), 1);
    let keys: Vec<_> = p.actions[0]
        .changes
        .iter()
        .map(|c| c.key.as_str())
        .collect();
    assert_eq!(keys, ["consumer.offset.sync.ms"]);
}

fn with_legacy_link(mut live: LiveState, status: MirrorStatus) -> LiveState {
    let mut legacy = live_link(
        "legacy-link",
        LinkSide::Destination,
        ConnectionMode::Outbound,
        "us-id",
    );
    legacy.mirrors.insert(
        "old-orders".into(),
        mirror("old-orders", "old-orders", status.clone()),
    );
    legacy.mirrors.insert(
        "old-payments".into(),
        mirror("old-payments", "old-payments", status),
    );
    live.clusters
        .get_mut("europe")
        .unwrap()
        .links
        .insert("legacy-link".into(), legacy);
    let demo = link_mut(&mut live, "europe", "demo-link");
    demo.mirrors.insert(
        "stray".into(),
        mirror("stray", "stray", MirrorStatus::Active),
    );
    live
}

/// The [`check`]ed plan of step 5 with links pruned (`force_delete_links`:
/// `force`) where the legacy link's mirrors are still active.
fn prune_live_legacy_link(name: &str, force: bool) -> Plan {
    let live = with_legacy_link(after_s5(), MirrorStatus::Active);
    let opts = PlanOptions {
        prune_links: true,
        force_delete_links: force,
        ..PlanOptions::default()
    };
    check(name, &seed(&s5()), &live, &opts)
}

#[test]
fn unmanaged_link_without_prune() {
    let live = with_legacy_link(after_s5(), MirrorStatus::Active);
    let p = snap("unmanaged_link_without_prune", &seed(&s5()), &live);
    assert!(p.actions.is_empty());
    assert_eq!(p.unmanaged.len(), 2);
}

#[test]
fn unmanaged_link_with_prune() {
    let live = with_legacy_link(after_s5(), MirrorStatus::Stopped);
    let m = seed(&format!("{}    prune: true\n", s5()));
    let opts = PlanOptions {
        prune_links: true,
        ..PlanOptions::default()
    };
    let p = check("unmanaged_link_with_prune", &m, &live, &opts);
    let kinds: Vec<_> = p.actions.iter().map(|a| a.kind).collect();
    assert_eq!(
        kinds,
        [ActionKind::DeleteMirrorTopic, ActionKind::DeleteLink]
    );
}

#[test]
fn link_deletion_with_live_mirrors_refused() {
    let p = prune_live_legacy_link("link_deletion_with_live_mirrors_refused", false);
    assert!(p.actions.is_empty());
    assert_eq!(p.errors.len(), 1);
    assert!(p.errors[0].message.contains("old-orders (ACTIVE)"));
}

#[test]
fn link_deletion_with_live_mirrors_forced() {
    let p = prune_live_legacy_link("link_deletion_with_live_mirrors_forced", true);
    let kinds: Vec<_> = p.actions.iter().map(|a| a.kind).collect();
    assert_eq!(
        kinds,
        [
            ActionKind::FailoverMirror,
            ActionKind::FailoverMirror,
            ActionKind::DeleteLink
        ]
    );
    let delete = &p.actions[2];
    assert_eq!(
        delete.depends_on,
        [p.actions[0].id.clone(), p.actions[1].id.clone()]
    );
}

#[test]
fn immutable_change_refused() {
    let m = seed(&format!("{}    prefix: \"us.\"\n", s5()));
    let p = snap("immutable_change_refused", &m, &after_s5());
    assert!(p.actions.is_empty());
    assert_eq!(p.errors.len(), 1);
    assert!(p.errors[0].message.contains("cluster.link.prefix"));
}

#[test]
fn immutable_change_replace_pair() {
    // The live link is destination-initiated; the manifest now wants a
    // source-initiated link (and allows replacement).
    let live = converge(&seed(S1), &seed_live());
    let m = seed(&format!(
        "{S1}    mode: source-initiated\n    allow_replace: true\n    mirrors:\n      - topic: demo\n"
    ));
    let p = snap("immutable_change_replace", &m, &live);
    assert_eq!(
        order(&p),
        [
            (ActionKind::DeleteLink, "europe"),
            (ActionKind::CreateLink, "europe"),
            (ActionKind::CreateLink, "us"),
            (ActionKind::CreateMirror, "europe"),
        ]
    );
    apply_converged(&m, &live, &p);
}

#[test]
fn sensitive_config_change() {
    let yaml = |secret: &str, rotation: &str| {
        format!("{S1}    config:\n      metadata.max.age.ms: 5000\n      sasl.jaas.config: \"${{env:{secret}}}\"\n{rotation}")
            .replacen("    config:\n      metadata.max.age.ms: 5000\n", "", 1)
    };
    let v1 = seed(&yaml("JAAS_V1", ""));
    let live = converge(&v1, &seed_live());
    // The local secret changed: re-sent, never shown.
    let v2 = seed(&yaml("JAAS_V2", ""));
    let p = snap("sensitive_config_change", &v2, &live);
    assert_eq!(p.actions.len(), 1);
    let text = render_text(&p, false) + &render_json(&p);
    assert!(!text.contains("secret-of-"), "a secret leaked: {text}");
    assert!(text.contains("(sensitive value)"));
    // Same secret, rotation bumped: re-sent too.
    let v1r = seed(&yaml("JAAS_V1", "    rotation: \"2024-06\"\n"));
    assert_eq!(
        plan(&v1r, &live, &PlanOptions::default(), &registry::models())
            .actions
            .len(),
        1
    );
    // Same secret: nothing.
    assert!(
        plan(&v1, &live, &PlanOptions::default(), &registry::models())
            .actions
            .is_empty()
    );
    // No fingerprint recorded: a warning, no action.
    let mut unknown = live.clone();
    link_mut(&mut unknown, "europe", "demo-link")
        .secret_fingerprints
        .clear();
    let p = snap("sensitive_config_unknown", &v2, &unknown);
    assert!(p.actions.is_empty());
    assert_eq!(p.warnings.len(), 1);
}

#[test]
fn env_value_under_a_key_returned_in_clear() {
    // `client.rack` is not a sensitive key: the server returns it in clear, so
    // it is compared by value although its manifest value is a secret.
    let yaml = |var: &str| {
        S1.replacen(
            "      metadata.max.age.ms: 5000\n",
            &format!("      metadata.max.age.ms: 5000\n      client.rack: \"${{env:{var}}}\"\n"),
            1,
        )
    };
    let v1 = seed(&yaml("RACK_V1"));
    let live = converge(&v1, &seed_live());
    let lc = &live.clusters["europe"].links["demo-link"].configs["client.rack"];
    assert!(!lc.is_sensitive && lc.value.is_some());
    // Same value: converged, and no warning about a missing fingerprint.
    let same = plan(&v1, &live, &PlanOptions::default(), &registry::models());
    assert!(same.actions.is_empty(), "{:#?}", same.actions);
    assert!(same.warnings.is_empty(), "{:?}", same.warnings);
    // Another value: sent, both sides hidden.
    let p = snap("env_value_in_clear_changed", &seed(&yaml("RACK_V2")), &live);
    assert_eq!(p.actions.len(), 1);
    let change = &p.actions[0].changes[..];
    assert_eq!(change.len(), 1);
    assert_eq!(change[0].key, "client.rack");
    assert_eq!(change[0].before, Some(Value::Sensitive));
    assert_eq!(change[0].after, Some(Value::Sensitive));
    let text = render_text(&p, false) + &render_json(&p);
    assert!(!text.contains("secret-of-"), "a secret leaked: {text}");
    // Changed out of band on the server: sent again, still hidden.
    let mut drifted = live.clone();
    link_mut(&mut drifted, "europe", "demo-link")
        .configs
        .insert("client.rack".into(), dynamic("rack-by-hand"));
    let p = plan(&v1, &drifted, &PlanOptions::default(), &registry::models());
    assert_eq!(p.actions.len(), 1);
    let text = render_text(&p, false) + &render_json(&p);
    assert!(!text.contains("rack-by-hand") && !text.contains("secret-of-"));
}

#[test]
fn removed_key_reset_to_default() {
    let live = after_s5();
    // interval_ms (structured) and metadata.max.age.ms (free-form) are gone.
    let body = "    source: us\n    destination: europe\n    consumer_offset_sync:\n      groups:\n        - include: \"*\"\n        - exclude: my-consumer-group\n    mirrors:\n      - topic: demo\n";
    let p = snap("removed_key_reset", &seed(body), &live);
    let changes: Vec<_> = p.actions[0]
        .changes
        .iter()
        .map(|c| (c.key.as_str(), c.op))
        .collect();
    assert_eq!(
        changes,
        [("consumer.offset.sync.ms", linkctl::plan::ChangeOp::Reset)]
    );
    // With prune, the free-form key is reset too.
    let p = snap(
        "removed_key_reset_with_prune",
        &seed(&format!("{body}    prune: true\n")),
        &live,
    );
    let keys: Vec<_> = p.actions[0]
        .changes
        .iter()
        .map(|c| c.key.as_str())
        .collect();
    assert_eq!(keys, ["consumer.offset.sync.ms", "metadata.max.age.ms"]);
}

/// Every status the specs and SDKs name, and a word none of them does.
fn statuses() -> Vec<(String, MirrorStatus)> {
    MirrorStatus::known()
        .chain([MirrorStatus::Other("SOMETHING_NEW".into())])
        .map(|s| (s.as_str().to_lowercase(), s))
        .collect()
}
const DESIRED: &[&str] = &["active", "paused", "promoted", "failed_over"];

#[test]
fn every_mirror_transition() {
    let mut body = format!("{S1}    mirrors:\n");
    let mut live = converge(&seed(S1), &seed_live());
    let l = link_mut(&mut live, "europe", "demo-link");
    for (word, status) in statuses() {
        for want in DESIRED {
            let name = format!("{word}-to-{want}");
            body.push_str(&format!("      - topic: {name}\n        state: {want}\n"));
            l.mirrors
                .insert(name.clone(), mirror(&name, &name, status.clone()));
        }
    }
    let p = snap("every_mirror_transition", &seed(&body), &live);
    let mut planned: Vec<_> = p
        .actions
        .iter()
        .map(|a| (a.mirror.clone().unwrap(), a.kind))
        .collect();
    planned.sort();
    use ActionKind::*;
    let mut expected = vec![
        ("active-to-failed_over", FailoverMirror),
        ("active-to-paused", PauseMirror),
        ("active-to-promoted", PromoteMirror),
        ("paused-to-active", ResumeMirror),
        ("paused-to-failed_over", FailoverMirror),
        ("paused-to-promoted", PromoteMirror),
        // A failover is what a mirror whose link or source is down needs.
        ("link_failed-to-failed_over", FailoverMirror),
        ("link_paused-to-failed_over", FailoverMirror),
        ("source_unavailable-to-failed_over", FailoverMirror),
    ];
    expected.sort();
    let expected: Vec<_> = expected.iter().map(|(n, k)| (n.to_string(), *k)).collect();
    assert_eq!(planned, expected);
    let refused: Vec<&str> = p
        .errors
        .iter()
        .map(|e| e.target.rsplit('/').next().unwrap())
        .collect();
    for r in [
        "stopped-to-active",
        "stopped-to-paused",
        "failed-to-active",
        "failed-to-failed_over",
        "link_paused-to-promoted",
        "link_failed-to-promoted",
        "source_unavailable-to-promoted",
        "unknown-to-failed_over",
        "something_new-to-promoted",
    ] {
        assert!(refused.contains(&r), "{r} not refused: {refused:?}");
    }
    let stopped = p
        .errors
        .iter()
        .find(|e| e.target.ends_with("stopped-to-active"))
        .unwrap();
    assert!(
        stopped.message.contains("cannot become active again"),
        "{}",
        stopped.message
    );
}

#[test]
fn source_initiated_new_link_orders_destination_first() {
    let m = seed(&format!(
        "{S1}    mode: source-initiated\n    mirrors:\n      - topic: demo\n"
    ));
    let p = snap("source_initiated_new_link", &m, &seed_live());
    assert_eq!(
        order(&p),
        [
            (ActionKind::CreateLink, "europe"),
            (ActionKind::CreateLink, "us"),
            (ActionKind::CreateMirror, "europe"),
        ]
    );
    // Connection settings go to the source side only.
    let us = &p.actions[1];
    assert!(us.changes.iter().all(|c| c.key == "bootstrap.servers"));
    apply_converged(&m, &seed_live(), &p);
}

#[test]
fn mirrormaker2_promote_has_a_note() {
    let m2 = |state: &str| {
        seed(&format!(
            "{S1}    engine: mirrormaker2\n    mirrors:\n      - topic: demo\n        state: {state}\n"
        ))
    };
    let live = converge(&m2("active"), &seed_live());
    let p = snap("mirrormaker2_promote", &m2("promoted"), &live);
    let notes = &p.actions[0].notes;
    assert!(notes[0].starts_with("caught up, then stopped"), "{notes:?}");
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("MirrorMaker 2: the covered groups' offsets are translated")),
        "{notes:?}"
    );
}

/// MirrorMaker 2 writes a link's connector configs whole: a manifest that
/// drops `consumer_offset_sync` (left alone: no reset planned) and changes
/// another key writes the connectors with offset sync as it is live.
#[test]
fn mirrormaker2_write_keeps_the_live_settings_of_an_absent_section() {
    use linkctl::plan::payload::Mm2Payload;
    use linkctl::plan::payload::Payload;
    let with_sync = seed(&format!("{S1}    engine: mirrormaker2\n"));
    let live = converge(&with_sync, &seed_live());
    let without = seed(
        "    source: us\n    destination: europe\n    engine: mirrormaker2\n    config:\n      metadata.max.age.ms: 6000\n",
    );
    let p = plan(
        &without,
        &live,
        &PlanOptions::default(),
        &registry::models(),
    );
    assert_eq!(p.actions.len(), 1, "{:#?}", p.actions);
    let a = &p.actions[0];
    assert_eq!(a.kind, ActionKind::UpdateLinkConfigs);
    let keys: Vec<&str> = a.changes.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(keys, ["metadata.max.age.ms"], "nothing reset");
    let Some(Payload::Mirrormaker2(Mm2Payload::WriteConnectors { connectors, .. })) = &a.payload
    else {
        panic!("{:?}", a.payload)
    };
    let checkpoint = &connectors[0].config;
    let value = |k: &str| serde_json::to_value(&checkpoint[k]).expect("json");
    assert_eq!(value("sync.group.offsets.enabled"), "true");
    assert_eq!(value("sync.group.offsets.interval.seconds"), "3");
    assert_eq!(value("groups"), ".*");
}

#[test]
fn link_scope_restricts_the_plan() {
    let body = format!("{S1}  other-link:\n    source: europe\n    destination: us\n");
    let m = seed(&body);
    let opts = PlanOptions {
        links: vec!["other-link".into()],
        ..PlanOptions::default()
    };
    let p = check("link_scope", &m, &seed_live(), &opts);
    assert!(p.actions.iter().all(|a| a.link == "other-link"));
    assert_eq!(p.actions.len(), 1);
}

#[test]
fn colour_only_when_asked() {
    let p = plan(
        &seed(&s5()),
        &after_s2(),
        &PlanOptions::default(),
        &registry::models(),
    );
    assert!(!render_text(&p, false).contains('\u{1b}'));
    assert!(render_text(&p, true).contains('\u{1b}'));
}
