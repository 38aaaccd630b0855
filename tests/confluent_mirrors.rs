//! Mirror actions of the Confluent executor against the double: create,
//! pause / resume / promote / failover (single and bulk), waits, per-topic
//! errors, retries of non-idempotent writes.

mod support;

use std::time::Duration;

use linkctl::backend::ActionResult;
use linkctl::plan::{Action, ActionKind};
use support::action;
use support::confluent_double::Fault;
use support::scenario::{env, run};

/// The failure of a one-action step.
fn failure(results: Vec<ActionResult>) -> linkctl::backend::BackendError {
    match results.into_iter().next() {
        Some(ActionResult::Failed(e)) => e,
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[tokio::test]
async fn create_mirror_waits_until_active_and_tolerates_early_404() {
    let e = env("").await;
    e.eu.seed_link("demo-link", "us-cluster", &[]);
    e.eu.quirks(|q| q.not_found_after_create = 2);
    e.eu.with(|s| s.settle_polls = 3);
    let out = run(
        &e.m,
        &action(
            ActionKind::CreateMirror,
            "europe",
            "demo-link",
            Some("demo"),
        ),
    )
    .await
    .expect("active");
    assert!(
        out.summary.starts_with("mirror demo created: ACTIVE after"),
        "{}",
        out.summary
    );
    assert_eq!(
        e.eu.mirror_status("demo-link", "demo").as_deref(),
        Some("ACTIVE")
    );
    let gets: Vec<u16> =
        e.eu.log()
            .iter()
            .filter(|r| r.method == "GET" && r.path.ends_with("/mirrors/demo"))
            .map(|r| r.status)
            .collect();
    assert_eq!(gets, [404, 404, 200, 200, 200]);
}

#[tokio::test]
async fn a_404_that_outlasts_the_grace_window_fails() {
    let e = env("").await;
    e.eu.seed_link("demo-link", "us-cluster", &[]);
    e.eu.quirks(|q| q.not_found_after_create = 100_000);
    let err = run(
        &e.m,
        &action(
            ActionKind::CreateMirror,
            "europe",
            "demo-link",
            Some("demo"),
        ),
    )
    .await
    .expect_err("gone");
    assert!(err.message.contains("HTTP 404"), "{err}");
}

#[tokio::test]
async fn pause_resume_promote_failover_reach_their_states() {
    let e = env("").await;
    e.eu.seed_link("demo-link", "us-cluster", &[]);
    e.eu.seed_mirrors("demo-link", ["a".to_string(), "b".to_string()], "ACTIVE");
    run(
        &e.m,
        &action(ActionKind::PauseMirror, "europe", "demo-link", Some("a")),
    )
    .await
    .expect("pause");
    assert_eq!(
        e.eu.mirror_status("demo-link", "a").as_deref(),
        Some("PAUSED")
    );
    run(
        &e.m,
        &action(ActionKind::ResumeMirror, "europe", "demo-link", Some("a")),
    )
    .await
    .expect("resume");
    assert_eq!(
        e.eu.mirror_status("demo-link", "a").as_deref(),
        Some("ACTIVE")
    );
    let out = run(
        &e.m,
        &action(ActionKind::PromoteMirror, "europe", "demo-link", Some("a")),
    )
    .await
    .expect("promote");
    assert!(
        out.summary.contains("mirror a promoted: STOPPED"),
        "{}",
        out.summary
    );
    run(
        &e.m,
        &action(ActionKind::FailoverMirror, "europe", "demo-link", Some("b")),
    )
    .await
    .expect("failover");
    assert_eq!(
        e.eu.mirror_status("demo-link", "b").as_deref(),
        Some("STOPPED")
    );
    let bodies: Vec<String> =
        e.eu.rendered_log()
            .into_iter()
            .filter(|l| l.starts_with("POST"))
            .collect();
    assert_eq!(
        bodies,
        [
            "POST /clusters/eu-cluster/links/demo-link/mirrors:pause {\"mirror_topic_names\":[\"a\"]}",
            "POST /clusters/eu-cluster/links/demo-link/mirrors:resume {\"mirror_topic_names\":[\"a\"]}",
            "POST /clusters/eu-cluster/links/demo-link/mirrors:promote {\"mirror_topic_names\":[\"a\"]}",
            "POST /clusters/eu-cluster/links/demo-link/mirrors:failover {\"mirror_topic_names\":[\"b\"]}",
        ]
    );
}

#[tokio::test]
async fn per_topic_error_in_a_200_response_fails_the_action() {
    let e = env("").await;
    e.eu.seed_link("demo-link", "us-cluster", &[]);
    e.eu.seed_mirrors("demo-link", ["a".to_string()], "STOPPED");
    let err = run(
        &e.m,
        &action(ActionKind::PromoteMirror, "europe", "demo-link", Some("a")),
    )
    .await
    .expect_err("per-topic");
    assert!(
        err.message
            .contains("mirror a: Topic 'a' has already stopped its mirror from 'demo-link'"),
        "{err}"
    );
}

#[tokio::test]
async fn batch_promote_of_1000_mirrors_is_one_request_and_reports_each() {
    let e = env("").await;
    e.eu.seed_link("demo-link", "us-cluster", &[]);
    let names: Vec<String> = (0..1000).map(|i| format!("t{i:04}")).collect();
    e.eu.seed_mirrors("demo-link", names.clone(), "ACTIVE");
    e.eu.with(|s| {
        s.topic_errors
            .insert("t0007".into(), (40002, "Mirror lag is not zero".into()));
    });
    let actions: Vec<Action> = names
        .iter()
        .map(|n| action(ActionKind::PromoteMirror, "europe", "demo-link", Some(n)))
        .collect();
    let results = support::exec(&support::backend(), &e.m, &actions, Duration::from_secs(10)).await;
    assert_eq!(e.eu.count("POST", "mirrors:promote"), 1);
    assert_eq!(results.len(), 1000);
    let failed: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| !matches!(r, ActionResult::Done(_)))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(failed, [7]);
    let ActionResult::Failed(err) = &results[7] else {
        panic!("t0007 failed")
    };
    let msg = err.message.clone();
    assert!(msg.contains("Mirror lag is not zero"), "{msg}");
    assert_eq!(
        e.eu.mirror_status("demo-link", "t0999").as_deref(),
        Some("STOPPED")
    );
    // Waiting polls the link's mirror list, not 999 mirrors one by one.
    assert_eq!(e.eu.count("GET", "/mirrors/t"), 0);
}

#[tokio::test]
async fn stuck_pending_stopped_ends_with_a_bounded_failure_naming_the_mirror() {
    let e = env("").await;
    e.eu.seed_link("demo-link", "us-cluster", &[]);
    e.eu.seed_mirrors("demo-link", ["demo".to_string()], "ACTIVE");
    e.eu.with(|s| s.hold = true);
    let started = std::time::Instant::now();
    let err = failure(
        support::exec(
            &support::backend(),
            &e.m,
            &[action(
                ActionKind::PromoteMirror,
                "europe",
                "demo-link",
                Some("demo"),
            )],
            Duration::from_millis(300),
        )
        .await,
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(
        err.message
            .starts_with("mirror demo (promoted) still PENDING_STOPPED after waiting 0."),
        "{err}"
    );
    assert!(err.message.contains("(timeout 0 s)"), "{err}");
}

#[tokio::test]
async fn a_mirror_going_failed_ends_the_wait_at_once_with_the_server_message() {
    let e = env("").await;
    e.eu.seed_link("demo-link", "us-cluster", &[]);
    e.eu.with(|s| {
        s.fail_on_settle
            .insert("demo".into(), "Source topic 'demo' was deleted".into());
    });
    let started = std::time::Instant::now();
    let err = failure(
        support::exec(
            &support::backend(),
            &e.m,
            &[action(
                ActionKind::CreateMirror,
                "europe",
                "demo-link",
                Some("demo"),
            )],
            Duration::from_secs(60),
        )
        .await,
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(
        err.message,
        "mirror demo (created) went FAILED: SOURCE_TOPIC_MAY_BE_DELETED; Source topic 'demo' was deleted"
    );
}

#[tokio::test]
async fn a_5xx_after_the_effect_rereads_and_does_not_duplicate_the_create() {
    let e = env("").await;
    e.eu.seed_link("demo-link", "us-cluster", &[]);
    let mut f = Fault::new(
        "POST",
        "/links/demo-link/mirrors",
        500,
        50003,
        "retriable",
        1,
    );
    f.after_effect = true;
    e.eu.add_fault(f);
    run(
        &e.m,
        &action(
            ActionKind::CreateMirror,
            "europe",
            "demo-link",
            Some("demo"),
        ),
    )
    .await
    .expect("created once");
    assert_eq!(e.eu.count("POST", "/links/demo-link/mirrors"), 1);
}
