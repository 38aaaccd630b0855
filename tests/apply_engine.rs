//! The apply engine: dependency order, steps per link, failures that stay
//! local (or stop everything with `--fail-fast`), the exact report, JSON
//! events; and end to end against the Confluent double.

mod support;

use std::time::Duration;

use linkctl::apply::events::Collect;
use linkctl::apply::ApplyReport;
use linkctl::apply::{apply, ApplyEvent, ApplyOptions, JsonLines};
use linkctl::backend::confluent::ConfluentBackend;
use linkctl::backend::Scope;
use linkctl::manifest::{EngineName, Manifest};
use linkctl::plan::{Action, ActionKind};
use linkctl::state::MirrorStatus;
use support::confluent_double::Double;
use support::fake_engine::{Fake, Only};
use support::scenario::{env_with_link, eu_action};
use support::{action, with_deps};

fn plan() -> Vec<Action> {
    let mut plan = support::link_and_two_mirrors();
    plan.extend([
        with_deps(
            action(ActionKind::CreateLink, "us", "back", None),
            "back",
            &[],
        ),
        with_deps(
            action(ActionKind::UpdateLinkConfigs, "europe", "l", None),
            "update",
            &["m1", "m2"],
        ),
    ]);
    plan
}

fn empty_manifest() -> Manifest {
    support::manifest(
        "version: 1\nclusters:\n  europe:\n    bootstrap: x:1\n",
        &[],
    )
}

async fn run_fake(
    fake: &Fake,
    actions: &[Action],
    sink: &dyn linkctl::apply::EventSink,
    fail_fast: bool,
) -> linkctl::apply::ApplyReport {
    let m = empty_manifest();
    let parts = support::CtxParts::new(&m);
    let opts = ApplyOptions {
        fail_fast,
        ..ApplyOptions::default()
    };
    apply(actions, &Only(fake), parts.env(), sink, &opts).await
}

#[tokio::test]
async fn a_failure_blocks_only_what_depends_on_it() {
    let fake = Fake::new(&["m1"]);
    let events = Collect::default();
    let report = run_fake(&fake, &plan(), &events, false).await;
    let done: Vec<&str> = report.done.iter().map(|d| d.id.as_str()).collect();
    // m2 was in m1's step and went on; `back` is another link.
    assert_eq!(done, ["link", "m2", "back"]);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].id, "m1");
    assert_eq!(report.failed[0].cluster, "europe");
    assert_eq!(report.failed[0].error, "HTTP 500: boom from the server");
    assert_eq!(report.not_attempted, ["update"]);
    assert_eq!(report.blocked(), 1);
    assert!(!report.is_success());
    let mut steps = fake.steps.lock().unwrap().clone();
    steps.sort();
    assert_eq!(steps, [vec!["back"], vec!["link"], vec!["m1", "m2"]]);
    assert_eq!(
        report.render_text(),
        "  done    link: link ok\n  done    m2: m2 ok\n  done    back: back ok\n  FAILED  m1: HTTP 500: boom from the server\n  skipped update (not attempted: depends on m1, which failed)\nApply failed: 3 done, 1 failed, 1 not attempted (1 of them depend on an action that did not succeed).\n"
    );
    let evs = events.0.lock().unwrap().clone();
    assert!(matches!(
        evs.last(),
        Some(ApplyEvent::Summary {
            done: 3,
            failed: 1,
            not_attempted: 1,
            blocked: 1,
            ..
        })
    ));
    // `update` never started: one `action_skipped` closes it, naming m1.
    assert!(evs.contains(&ApplyEvent::ActionSkipped {
        id: "update".into(),
        reason: "depends on m1, which failed".into(),
        depends_on: Some("m1".into()),
    }));
    assert!(!evs
        .iter()
        .any(|e| matches!(e, ApplyEvent::ActionStarted { id, .. } if id == "update")));
}

#[tokio::test]
async fn dependents_of_dependents_are_blocked_by_the_failed_action() {
    let fake = Fake::new(&["link"]);
    let report = run_fake(&fake, &plan(), &Collect::default(), false).await;
    let done: Vec<&str> = report.done.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(done, ["back"]);
    assert_eq!(report.not_attempted, ["m1", "m2", "update"]);
    for id in ["m1", "m2", "update"] {
        assert_eq!(
            report.why_not_attempted[id].depends_on.as_deref(),
            Some("link"),
            "{id}"
        );
    }
}

#[tokio::test]
async fn fail_fast_stops_at_the_first_failure() {
    let fake = Fake::new(&["m1"]);
    let events = Collect::default();
    let report = run_fake(&fake, &plan(), &events, true).await;
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].id, "m1");
    // m2 started with m1's step, which stopped before sending it; `update`
    // depends on m1; `back` (another link) may or may not have run first.
    assert!(report.not_attempted.contains(&"m2".to_string()));
    assert!(report.not_attempted.contains(&"update".to_string()));
    assert_eq!(
        report.done.len() + report.failed.len() + report.not_attempted.len(),
        5
    );
    let evs = events.0.lock().unwrap().clone();
    assert!(evs.contains(&ApplyEvent::ActionNotAttempted { id: "m2".into() }));
    assert!(evs.contains(&ApplyEvent::Progress {
        id: "m1".into(),
        message: "working".into()
    }));
    if !report.done.iter().any(|d| d.id == "back") {
        assert_eq!(
            report.why_not_attempted["back"].reason,
            "the apply stopped at the first failure (--fail-fast)"
        );
    }
}

#[tokio::test]
async fn everything_runs_in_dependency_order_when_nothing_fails() {
    let fake = Fake::new(&[]);
    let mut actions = plan();
    actions.reverse();
    let report = run_fake(&fake, &actions, &Collect::default(), false).await;
    assert!(report.is_success(), "{}", report.render_text());
    let seen = fake.seen();
    let pos = |id: &str| seen.iter().position(|s| s == id).unwrap();
    assert!(pos("link") < pos("m1") && pos("link") < pos("m2"));
    assert!(pos("m1") < pos("update") && pos("m2") < pos("update"));
    assert_eq!(seen.len(), 5);
    // The report follows the plan's order, whatever finished first.
    let done: Vec<&str> = report.done.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(done, ["update", "back", "m2", "m1", "link"]);
}

#[tokio::test]
async fn ready_actions_of_one_link_and_kind_are_one_step() {
    let fake = Fake::new(&[]);
    let mut actions = vec![with_deps(
        action(ActionKind::CreateLink, "europe", "l", None),
        "link",
        &[],
    )];
    for i in 0..5 {
        actions.push(with_deps(
            action(
                ActionKind::CreateMirror,
                "europe",
                "l",
                Some(&format!("m{i}")),
            ),
            &format!("m{i}"),
            &["link"],
        ));
    }
    // Other links: their own steps.
    for l in ["a", "b"] {
        actions.push(with_deps(
            action(ActionKind::CreateMirror, "europe", l, Some("x")),
            &format!("{l}-x"),
            &[],
        ));
    }
    let report = run_fake(&fake, &actions, &Collect::default(), false).await;
    assert!(report.is_success());
    let mut steps = fake.steps.lock().unwrap().clone();
    steps.sort();
    assert_eq!(
        steps,
        [
            vec!["a-x".to_string()],
            vec!["b-x".to_string()],
            vec!["link".to_string()],
            (0..5).map(|i| format!("m{i}")).collect::<Vec<_>>(),
        ]
    );
}

#[tokio::test]
async fn unknown_dependencies_and_missing_executors_fail_cleanly() {
    let fake = Fake::new(&[]);
    let bad = vec![with_deps(
        action(ActionKind::CreateLink, "europe", "l", None),
        "a",
        &["ghost"],
    )];
    let r = run_fake(&fake, &bad, &Collect::default(), false).await;
    assert_eq!(r.not_attempted, ["a"]);
    assert_eq!(
        r.why_not_attempted["a"].reason,
        "depends on ghost, which is not in the plan"
    );
    assert!(fake.seen().is_empty());
    let mut mm2 = action(ActionKind::CreateLink, "europe", "l", None);
    mm2.engine = EngineName::Mirrormaker2;
    let r = run_fake(&fake, &[mm2], &Collect::default(), false).await;
    assert_eq!(r.failed[0].error, "no executor for the mirrormaker2 engine");
}

#[tokio::test]
async fn json_events_stream_one_object_per_line() {
    let fake = Fake::new(&["update"]);
    let sink = JsonLines::new(Vec::new());
    run_fake(&fake, &plan(), &sink, false).await;
    let text = String::from_utf8(sink.into_inner()).unwrap();
    let kinds: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("json line")["event"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(kinds.iter().filter(|k| *k == "action_started").count(), 5);
    assert_eq!(kinds.iter().filter(|k| *k == "action_done").count(), 4);
    assert_eq!(kinds.iter().filter(|k| *k == "action_failed").count(), 1);
    assert_eq!(kinds.last().map(String::as_str), Some("summary"));
}

fn fast(timeout: Duration, parallelism: usize) -> ApplyOptions {
    ApplyOptions {
        wait_timeout: timeout,
        parallelism,
        fail_fast: false,
    }
}

/// Applies `actions` of `m` with the Confluent `backend` as the only engine.
async fn apply_confluent(
    backend: &ConfluentBackend,
    m: &Manifest,
    actions: &[Action],
    opts: &ApplyOptions,
) -> ApplyReport {
    let parts = support::CtxParts::new(m);
    apply(
        actions,
        &Only(backend),
        parts.env(),
        &Collect::default(),
        opts,
    )
    .await
}

#[tokio::test]
async fn end_to_end_against_the_double_converges() {
    let us = Double::start("us-cluster").await;
    let eu = Double::start("eu-cluster").await;
    let m = support::manifest(&support::seed_yaml(&us.rest_url(), &eu.rest_url(), ""), &[]);
    let mut actions = mirror_plan(&m, &["demo", "orders", "payments"]);
    for t in ["orders", "payments"] {
        let promote = eu_action(ActionKind::PromoteMirror, Some(t));
        let promote = with_deps(promote, &format!("promote-{t}"), &[&format!("create-{t}")]);
        actions.push(support::with_payload(&m, promote));
    }
    let opts = fast(Duration::from_secs(5), 10);
    let report = apply_confluent(&support::backend(), &m, &actions, &opts).await;
    assert!(report.is_success(), "{}", report.render_text());
    // The three creates were one step with one shared wait, and both
    // promotions one bulk request.
    assert_eq!(eu.count("POST", "mirrors:promote"), 1);
    assert_eq!(eu.count("POST", "/links/demo-link/mirrors") - 1, 3);
    assert_eq!(eu.count("GET", "/links/demo-link/mirrors/"), 0);

    let live = support::read(&support::backend(), &m, &Scope::default())
        .await
        .expect("re-read");
    let l = &live.clusters["europe"].links["demo-link"];
    assert_eq!(
        l.configs["metadata.max.age.ms"].value.as_deref(),
        Some("5000")
    );
    assert_eq!(
        l.configs["consumer.offset.sync.enable"].value.as_deref(),
        Some("true")
    );
    let statuses: Vec<(&str, &MirrorStatus)> = l
        .mirrors
        .iter()
        .map(|(k, v)| (k.as_str(), &v.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("demo", &MirrorStatus::Active),
            ("orders", &MirrorStatus::Stopped),
            ("payments", &MirrorStatus::Stopped)
        ]
    );
}

#[tokio::test]
async fn run_apply_reports_link_tasks_in_error_after_a_successful_create() {
    let e = support::scenario::env("      acl.sync.enable: true\n").await;
    let backends = linkctl::cli::live::Backends {
        engines: support::engines(),
    };
    let sink = JsonLines::new(Vec::new());
    let actions = vec![support::with_payload(
        &e.m,
        eu_action(ActionKind::CreateLink, None),
    )];
    let run = linkctl::cli::apply_cmd::run_apply(
        &e.m,
        &actions,
        &backends,
        &sink,
        &fast(Duration::from_secs(5), 10),
        &tokio_util::sync::CancellationToken::new(),
    )
    .await;
    assert!(run.report.is_success());
    assert_eq!(
        run.health,
        ["link demo-link task AclSync is IN_ERROR (MISCONFIGURATION_ERROR: ACL sync is enabled but acl.filters is empty.)"]
    );
    let text = String::from_utf8(sink.into_inner()).unwrap();
    assert!(
        text.lines()
            .any(|l| l.contains("\"event\":\"warning\"") && l.contains("AclSync")),
        "{text}"
    );
    let printed = linkctl::cli::views::apply::report_text(&run);
    assert!(
        printed.ends_with("Apply complete: 1 done, 0 failed, 0 not attempted.\n"),
        "{printed}"
    );
    assert!(
        printed.contains("  warning link demo-link task AclSync is IN_ERROR"),
        "{printed}"
    );
}

/// Creates europe's `demo-link` (`link`), then its mirrors (`create-{t}`).
fn mirror_plan(m: &Manifest, topics: &[&str]) -> Vec<Action> {
    let link = with_deps(eu_action(ActionKind::CreateLink, None), "link", &[]);
    let mut out = vec![support::with_payload(m, link)];
    for t in topics {
        let create = eu_action(ActionKind::CreateMirror, Some(t));
        let create = with_deps(create, &format!("create-{t}"), &["link"]);
        out.push(support::with_payload(m, create));
    }
    out
}

#[tokio::test]
async fn a_persistent_500_on_the_third_write_gives_an_exact_report_and_a_rerun_converges() {
    let e = support::scenario::env("").await;
    e.eu.add_fault(
        support::confluent_double::Fault::second_mirror_create_fails("Kafka is unhappy"),
    );
    let backend = support::backend();
    // One create at a time, so which create meets the fault is fixed.
    let opts = fast(Duration::from_secs(5), 1);
    let plan = mirror_plan(&e.m, &["a", "b", "c"]);
    let report = apply_confluent(&backend, &e.m, &plan, &opts).await;
    // The failure stays local: the create after it is sent and done.
    assert_eq!(
        report
            .done
            .iter()
            .map(|d| d.id.as_str())
            .collect::<Vec<_>>(),
        ["link", "create-a", "create-c"]
    );
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].id, "create-b");
    assert_eq!(
        report.failed[0].error,
        "POST /kafka/v3/clusters/eu-cluster/links/demo-link/mirrors: HTTP 500 (error_code 50003): Kafka is unhappy"
    );
    assert!(report.not_attempted.is_empty());
    // 1 for a, then 1 + 4 retries for b, each retry after a re-read that
    // found nothing, then 1 for c.
    assert_eq!(e.eu.count("POST", "/links/demo-link/mirrors"), 7);

    // What is left (as a planner would see it from live state) converges.
    let mut rest = plan[2].clone();
    rest.depends_on.clear();
    let report = apply_confluent(&backend, &e.m, &[rest], &opts).await;
    assert!(report.is_success(), "{}", report.render_text());
    let mirrors: Vec<String> =
        e.eu.with(|s| s.links["demo-link"].mirrors.keys().cloned().collect());
    assert_eq!(mirrors, ["a", "b", "c"]);
    assert_eq!(e.eu.count("POST", "/links"), 1 + 7 + 1);
}

#[tokio::test]
async fn promoting_1000_mirrors_through_the_engine_is_one_action_request() {
    let e = env_with_link(&[], "ACTIVE").await;
    let names: Vec<String> = (0..1000).map(|i| format!("t{i:04}")).collect();
    e.eu.seed_mirrors("demo-link", names.clone(), "ACTIVE");
    let actions: Vec<Action> = names
        .iter()
        .map(|n| support::with_payload(&e.m, eu_action(ActionKind::PromoteMirror, Some(n))))
        .collect();
    let backend = support::backend();
    let started = std::time::Instant::now();
    let opts = fast(Duration::from_secs(10), 10);
    let report = apply_confluent(&backend, &e.m, &actions, &opts).await;
    assert!(report.is_success(), "{}", report.render_text());
    assert_eq!(report.done.len(), 1000);
    assert_eq!(e.eu.count("POST", ""), 1);
    println!(
        "promote 1000 mirrors: {} requests in total, {:?}",
        e.eu.log().len(),
        started.elapsed()
    );
}

#[tokio::test]
async fn creating_200_mirrors_is_bounded_parallel_posts_and_one_shared_wait() {
    let e = env_with_link(&[], "ACTIVE").await;
    e.eu.with(|s| s.settle_polls = 2);
    let actions: Vec<Action> = (0..200)
        .map(|i| {
            let create = eu_action(ActionKind::CreateMirror, Some(&format!("t{i:03}")));
            support::with_payload(&e.m, create)
        })
        .collect();
    let opts = fast(Duration::from_secs(10), 10);
    let report = apply_confluent(&support::backend(), &e.m, &actions, &opts).await;
    assert!(report.is_success(), "{}", report.render_text());
    assert_eq!(e.eu.count("POST", "/links/demo-link/mirrors"), 200);
    // One list per poll round for all 200, never one GET per mirror.
    assert_eq!(e.eu.count("GET", "/links/demo-link/mirrors/"), 0);
    let lists = e.eu.count("GET", "/links/demo-link/mirrors");
    assert!((1..=5).contains(&lists), "{lists} list requests");
}
