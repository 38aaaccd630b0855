//! The apply engine: dependency order, stop at the first failure, the exact
//! report, JSON events; and end to end against the Confluent double.

mod support;

use std::sync::Mutex;
use std::time::Duration;

use linkctl::apply::events::Collect;
use linkctl::apply::{apply, ApplyEvent, ApplyOptions, Executors, JsonLines};
use linkctl::backend::{
    BackendError, BoxFuture, ExecContext, Executor, Outcome, Scope, StateReader,
};
use linkctl::manifest::Engine;
use linkctl::plan::{Action, ActionKind};
use linkctl::state::MirrorStatus;
use support::action;
use support::confluent_double::Double;

/// Records what it executes; fails the action whose id is `fail`.
struct Fake {
    fail: Option<String>,
    seen: Mutex<Vec<String>>,
}

impl Executor for Fake {
    fn execute<'a>(
        &'a self,
        a: &'a Action,
        ctx: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Result<Outcome, BackendError>> {
        Box::pin(async move {
            self.seen.lock().unwrap().push(a.id.clone());
            ctx.progress.update(&a.id, "working");
            if self.fail.as_deref() == Some(a.id.as_str()) {
                return Err(BackendError::new(
                    &a.cluster,
                    "HTTP 500: boom from the server",
                ));
            }
            Ok(Outcome {
                summary: format!("{} ok", a.id),
            })
        })
    }
}

fn with_deps(mut a: Action, id: &str, deps: &[&str]) -> Action {
    a.id = id.to_string();
    a.depends_on = deps.iter().map(|d| d.to_string()).collect();
    a
}

fn plan() -> Vec<Action> {
    vec![
        with_deps(
            action(ActionKind::CreateLink, "europe", "l", None),
            "link",
            &[],
        ),
        with_deps(
            action(ActionKind::CreateMirror, "europe", "l", Some("m1")),
            "m1",
            &["link"],
        ),
        with_deps(
            action(ActionKind::CreateMirror, "europe", "l", Some("m2")),
            "m2",
            &["link"],
        ),
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
    ]
}

fn empty_manifest() -> linkctl::manifest::Manifest {
    support::manifest(
        "version: 1\nclusters:\n  europe:\n    bootstrap: x:1\n",
        &[],
    )
}

#[tokio::test]
async fn a_failure_halfway_gives_an_exact_report() {
    let fake = Fake {
        fail: Some("m1".into()),
        seen: Mutex::new(Vec::new()),
    };
    let execs = Executors::new().with(Engine::Confluent, &fake);
    let events = Collect::default();
    let m = empty_manifest();
    let report = apply(&plan(), &execs, &m, &events, &ApplyOptions::default()).await;
    let done: Vec<&str> = report.done.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(done, ["link", "back"]);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].id, "m1");
    assert_eq!(report.failed[0].cluster, "europe");
    assert_eq!(report.failed[0].error, "HTTP 500: boom from the server");
    assert_eq!(report.not_attempted, ["m2", "update"]);
    assert!(!report.is_success());
    assert_eq!(*fake.seen.lock().unwrap(), ["link", "back", "m1"]);
    assert_eq!(
        report.render_text(),
        "Apply failed: 2 done, 1 failed, 2 not attempted.\n  done    link: link ok\n  done    back: back ok\n  FAILED  m1: HTTP 500: boom from the server\n  skipped m2 (not attempted)\n  skipped update (not attempted)\n"
    );
    let evs = events.0.lock().unwrap().clone();
    assert!(matches!(
        evs.last(),
        Some(ApplyEvent::Summary {
            done: 2,
            failed: 1,
            not_attempted: 2,
            ..
        })
    ));
    let started: Vec<String> = evs
        .iter()
        .filter_map(|e| match e {
            ApplyEvent::ActionStarted { id, .. } => Some(id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(started, ["link", "back", "m1"]);
    assert!(evs.contains(&ApplyEvent::Progress {
        id: "m1".into(),
        message: "working".into()
    }));
}

#[tokio::test]
async fn everything_runs_in_dependency_order_when_nothing_fails() {
    let fake = Fake {
        fail: None,
        seen: Mutex::new(Vec::new()),
    };
    let execs = Executors::new().with(Engine::Confluent, &fake);
    let m = empty_manifest();
    let mut actions = plan();
    actions.reverse();
    let report = apply(
        &actions,
        &execs,
        &m,
        &Collect::default(),
        &ApplyOptions::default(),
    )
    .await;
    assert!(report.is_success(), "{}", report.render_text());
    let seen = fake.seen.lock().unwrap().clone();
    let pos = |id: &str| seen.iter().position(|s| s == id).unwrap();
    assert!(pos("link") < pos("m1") && pos("link") < pos("m2"));
    assert!(pos("m1") < pos("update") && pos("m2") < pos("update"));
    assert_eq!(seen.len(), 5);
}

#[tokio::test]
async fn unknown_dependencies_and_missing_executors_fail_cleanly() {
    let fake = Fake {
        fail: None,
        seen: Mutex::new(Vec::new()),
    };
    let m = empty_manifest();
    let bad = vec![with_deps(
        action(ActionKind::CreateLink, "europe", "l", None),
        "a",
        &["ghost"],
    )];
    let r = apply(
        &bad,
        &Executors::new().with(Engine::Confluent, &fake),
        &m,
        &Collect::default(),
        &ApplyOptions::default(),
    )
    .await;
    assert_eq!(
        r.failed[0].error,
        "depends on ghost, which is not in the plan"
    );
    assert!(fake.seen.lock().unwrap().is_empty());
    let mut mm2 = action(ActionKind::CreateLink, "europe", "l", None);
    mm2.engine = Engine::Mirrormaker2;
    let r = apply(
        &[mm2],
        &Executors::new(),
        &m,
        &Collect::default(),
        &ApplyOptions::default(),
    )
    .await;
    assert_eq!(r.failed[0].error, "no executor for the Mirrormaker2 engine");
}

#[tokio::test]
async fn json_events_stream_one_object_per_line() {
    let fake = Fake {
        fail: Some("update".into()),
        seen: Mutex::new(Vec::new()),
    };
    let execs = Executors::new().with(Engine::Confluent, &fake);
    let sink = JsonLines::new(Vec::new());
    let m = empty_manifest();
    apply(&plan(), &execs, &m, &sink, &ApplyOptions::default()).await;
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

#[tokio::test]
async fn end_to_end_against_the_double_converges() {
    let us = Double::start("us-cluster").await;
    let eu = Double::start("eu-cluster").await;
    let m = support::manifest(&support::seed_yaml(&us.rest_url(), &eu.rest_url(), ""), &[]);
    let backend = support::backend();
    let mut link = action(ActionKind::CreateLink, "europe", "demo-link", None);
    link.id = "link".into();
    let mut mirrors = Vec::new();
    for t in ["demo", "orders", "payments"] {
        let mut a = action(ActionKind::CreateMirror, "europe", "demo-link", Some(t));
        a.id = format!("create-{t}");
        a.depends_on = vec!["link".into()];
        mirrors.push(a);
    }
    let mut promotes = Vec::new();
    for t in ["orders", "payments"] {
        let mut a = action(ActionKind::PromoteMirror, "europe", "demo-link", Some(t));
        a.id = format!("promote-{t}");
        a.depends_on = vec![format!("create-{t}")];
        promotes.push(a);
    }
    let actions: Vec<Action> = std::iter::once(link)
        .chain(mirrors)
        .chain(promotes)
        .collect();
    let execs = Executors::new().with(Engine::Confluent, &backend);
    let opts = ApplyOptions {
        wait_timeout: Duration::from_secs(5),
    };
    let report = apply(&actions, &execs, &m, &Collect::default(), &opts).await;
    assert!(report.is_success(), "{}", report.render_text());
    // Both promotions went out as one bulk request.
    assert_eq!(eu.count("POST", "mirrors:promote"), 1);

    let live = support::backend()
        .read(&m, &Scope::default())
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
    let backend = support::backend();
    let sink = JsonLines::new(Vec::new());
    let actions = vec![action(ActionKind::CreateLink, "europe", "demo-link", None)];
    let run =
        linkctl::cli::apply_cmd::run_apply(&e.m, &actions, &backend, &sink, Duration::from_secs(5))
            .await;
    assert!(run.report.is_success());
    assert_eq!(
        run.health,
        ["link demo-link task AclSync is IN_ERROR (MISCONFIGURATION_ERROR: ACL sync is enabled but acl.filters is empty.)"]
    );
    let text = String::from_utf8(sink.into_inner()).unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("{\"event\":\"warning\"") && l.contains("AclSync")),
        "{text}"
    );
    let mut stdout = Vec::new();
    let out = linkctl::cli::Output::plain(linkctl::cli::Format::Text);
    assert_eq!(linkctl::cli::apply_cmd::finish(&run, &out, &mut stdout), 0);
    let printed = String::from_utf8(stdout).unwrap();
    assert!(
        printed.starts_with("Apply complete: 1 done, 0 failed, 0 not attempted.\n"),
        "{printed}"
    );
    assert!(
        printed.contains("  warning link demo-link task AclSync is IN_ERROR"),
        "{printed}"
    );
}

fn mirror_plan(topics: &[&str]) -> Vec<Action> {
    let mut link = action(ActionKind::CreateLink, "europe", "demo-link", None);
    link.id = "link".into();
    let mut out = vec![link];
    for t in topics {
        let mut a = action(ActionKind::CreateMirror, "europe", "demo-link", Some(t));
        a.id = format!("create-{t}");
        a.depends_on = vec!["link".into()];
        out.push(a);
    }
    out
}

#[tokio::test]
async fn a_persistent_500_on_the_third_write_gives_an_exact_report_and_a_rerun_converges() {
    let e = support::scenario::env("").await;
    e.eu.add_fault(
        support::confluent_double::Fault::new(
            "POST",
            "/links/demo-link/mirrors",
            500,
            50003,
            "Kafka is unhappy",
            5,
        )
        .skipping(1),
    );
    let backend = support::backend();
    let execs = Executors::new().with(Engine::Confluent, &backend);
    let opts = ApplyOptions {
        wait_timeout: Duration::from_secs(5),
    };
    let plan = mirror_plan(&["a", "b", "c"]);
    let report = apply(&plan, &execs, &e.m, &Collect::default(), &opts).await;
    assert_eq!(
        report
            .done
            .iter()
            .map(|d| d.id.as_str())
            .collect::<Vec<_>>(),
        ["link", "create-a"]
    );
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].id, "create-b");
    assert_eq!(
        report.failed[0].error,
        "POST /kafka/v3/clusters/eu-cluster/links/demo-link/mirrors: HTTP 500 (error_code 50003): Kafka is unhappy"
    );
    assert_eq!(report.not_attempted, ["create-c"]);
    // 1 for a, then 1 + 4 retries for b, each retry after a re-read that found nothing.
    assert_eq!(e.eu.count("POST", "/links/demo-link/mirrors"), 6);

    // What is left (as a planner would see it from live state) converges.
    let rest: Vec<Action> = plan[2..]
        .iter()
        .cloned()
        .map(|mut a| {
            a.depends_on.clear();
            a
        })
        .collect();
    let report = apply(&rest, &execs, &e.m, &Collect::default(), &opts).await;
    assert!(report.is_success(), "{}", report.render_text());
    let mirrors: Vec<String> =
        e.eu.with(|s| s.links["demo-link"].mirrors.keys().cloned().collect());
    assert_eq!(mirrors, ["a", "b", "c"]);
    assert_eq!(e.eu.count("POST", "/links"), 1 + 6 + 2);
}

#[tokio::test]
async fn promoting_1000_mirrors_through_the_engine_is_one_action_request() {
    let e = support::scenario::env("").await;
    e.eu.seed_link("demo-link", "us-cluster", &[]);
    let names: Vec<String> = (0..1000).map(|i| format!("t{i:04}")).collect();
    e.eu.seed_mirrors("demo-link", names.clone(), "ACTIVE");
    let actions: Vec<Action> = names
        .iter()
        .map(|n| action(ActionKind::PromoteMirror, "europe", "demo-link", Some(n)))
        .collect();
    let backend = support::backend();
    let execs = Executors::new().with(Engine::Confluent, &backend);
    let started = std::time::Instant::now();
    let report = apply(
        &actions,
        &execs,
        &e.m,
        &Collect::default(),
        &ApplyOptions {
            wait_timeout: Duration::from_secs(10),
        },
    )
    .await;
    assert!(report.is_success(), "{}", report.render_text());
    assert_eq!(report.done.len(), 1000);
    assert_eq!(e.eu.count("POST", ""), 1);
    println!(
        "promote 1000 mirrors: {} requests in total, {:?}",
        e.eu.log().len(),
        started.elapsed()
    );
}
