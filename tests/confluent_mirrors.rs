//! Mirror actions of the Confluent executor against the double: create,
//! pause / resume / promote / failover (single and bulk), waits, per-topic
//! errors, retries of non-idempotent writes.

mod support;

use support::cli::assert_has;

use std::time::Duration;

use linkctl::backend::ActionResult;
use linkctl::backend::{BackendError, Outcome};
use linkctl::plan::{Action, ActionKind};
use support::confluent_double::Fault;
use support::scenario::{env_with_link, eu_action, run_waiting, Env};

/// Runs `kind` on `mirror` of europe's `demo-link`; the mirror is then `status`.
async fn reaches(e: &Env, kind: ActionKind, mirror: &str, status: &str) -> Outcome {
    let out = e
        .run_eu(kind, Some(mirror))
        .await
        .unwrap_or_else(|err| panic!("{kind:?} {mirror}: {err}"));
    assert_eq!(
        e.eu.mirror_status("demo-link", mirror).as_deref(),
        Some(status),
        "{kind:?} {mirror}"
    );
    out
}

/// Runs `kind` on mirror `demo` with a `wait_timeout`; it fails, and before
/// `within` has passed.
async fn fails_within(
    e: &Env,
    kind: ActionKind,
    wait_timeout: Duration,
    within: Duration,
) -> BackendError {
    let started = std::time::Instant::now();
    let err = run_waiting(&e.m, &eu_action(kind, Some("demo")), wait_timeout)
        .await
        .expect_err("failed");
    assert!(started.elapsed() < within);
    err
}

#[tokio::test]
async fn create_mirror_waits_until_active_and_tolerates_early_404() {
    let e = env_with_link(&[], "ACTIVE").await;
    e.eu.quirks(|q| q.not_found_after_create = 2);
    e.eu.with(|s| s.settle_polls = 3);
    let out = reaches(&e, ActionKind::CreateMirror, "demo", "ACTIVE").await;
    assert!(
        out.summary.starts_with("mirror demo created: ACTIVE after"),
        "{}",
        out.summary
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
    let e = env_with_link(&[], "ACTIVE").await;
    e.eu.quirks(|q| q.not_found_after_create = 100_000);
    let err = e
        .run_eu(ActionKind::CreateMirror, Some("demo"))
        .await
        .expect_err("gone");
    assert!(err.message.contains("HTTP 404"), "{err}");
}

#[tokio::test]
async fn pause_resume_promote_failover_reach_their_states() {
    let e = env_with_link(&["a", "b"], "ACTIVE").await;
    reaches(&e, ActionKind::PauseMirror, "a", "PAUSED").await;
    reaches(&e, ActionKind::ResumeMirror, "a", "ACTIVE").await;
    let out = reaches(&e, ActionKind::PromoteMirror, "a", "STOPPED").await;
    assert_has(&out.summary, "mirror a promoted: STOPPED");
    reaches(&e, ActionKind::FailoverMirror, "b", "STOPPED").await;
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
    let e = env_with_link(&["a"], "STOPPED").await;
    let err = e
        .run_eu(ActionKind::PromoteMirror, Some("a"))
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
    let e = env_with_link(&[], "ACTIVE").await;
    let names: Vec<String> = (0..1000).map(|i| format!("t{i:04}")).collect();
    e.eu.seed_mirrors("demo-link", names.clone(), "ACTIVE");
    e.eu.with(|s| {
        s.topic_errors
            .insert("t0007".into(), (40002, "Mirror lag is not zero".into()));
    });
    let actions: Vec<Action> = names
        .iter()
        .map(|n| eu_action(ActionKind::PromoteMirror, Some(n)))
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
    let e = env_with_link(&["demo"], "ACTIVE").await;
    e.eu.with(|s| s.hold = true);
    let err = fails_within(
        &e,
        ActionKind::PromoteMirror,
        Duration::from_millis(300),
        Duration::from_secs(3),
    )
    .await;
    assert!(
        err.message
            .starts_with("mirror demo (promoted) still PENDING_STOPPED after waiting 0."),
        "{err}"
    );
    assert!(err.message.contains("(timeout 0 s)"), "{err}");
}

#[tokio::test]
async fn a_mirror_going_failed_ends_the_wait_at_once_with_the_server_message() {
    let e = env_with_link(&[], "ACTIVE").await;
    e.eu.with(|s| {
        s.fail_on_settle
            .insert("demo".into(), "Source topic 'demo' was deleted".into());
    });
    let err = fails_within(
        &e,
        ActionKind::CreateMirror,
        Duration::from_secs(60),
        Duration::from_secs(2),
    )
    .await;
    assert_eq!(
        err.message,
        "mirror demo (created) went FAILED: SOURCE_TOPIC_MAY_BE_DELETED; Source topic 'demo' was deleted"
    );
}

#[tokio::test]
async fn a_5xx_after_the_effect_rereads_and_does_not_duplicate_the_create() {
    let e = env_with_link(&[], "ACTIVE").await;
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
    e.run_eu(ActionKind::CreateMirror, Some("demo"))
        .await
        .expect("created once");
    assert_eq!(e.eu.count("POST", "/links/demo-link/mirrors"), 1);
}

/// Index of the first request of `e`'s europe double that is a `method`
/// whose path ends with `suffix`.
fn first(e: &Env, method: &str, suffix: &str) -> Option<usize> {
    e.eu.log()
        .iter()
        .position(|r| r.method == method && r.path.ends_with(suffix))
}

#[tokio::test]
async fn a_promotion_waits_while_mirror_lags_show_lag_then_proceeds() {
    let e = env_with_link(&["demo"], "ACTIVE").await;
    // 30 records behind on every partition, 10 caught up per read of the
    // link's mirrors: lag 0 after three reads, and the fetch offsets stand
    // still from then on.
    e.eu.script_lag("demo-link", "demo", 30, 10, 1000, 0);
    let out = reaches(&e, ActionKind::PromoteMirror, "demo", "STOPPED").await;
    assert_has(&out.summary, "mirror demo promoted: STOPPED");
    let promote = first(&e, "POST", "mirrors:promote").expect("the promotion was sent");
    let reads_before = e.eu.log()[..promote]
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/links/demo-link/mirrors"))
        .count();
    // Three reads to catch up, one more to see it stand still.
    assert!(
        reads_before >= 4,
        "the promote was sent after {reads_before} read(s) of the lag"
    );
}

#[tokio::test]
async fn a_promotion_whose_source_keeps_taking_records_is_refused_and_not_sent() {
    let e = env_with_link(&["demo"], "ACTIVE").await;
    // 5 new records per read, 5 caught up: 5 behind for ever, and the fetch
    // offsets move on every read.
    e.eu.script_lag("demo-link", "demo", 5, 5, 1000, 5);
    let err = run_waiting(
        &e.m,
        &eu_action(ActionKind::PromoteMirror, Some("demo")),
        Duration::from_secs(2),
    )
    .await
    .expect_err("refused");
    for want in [
        "promotion of `demo` refused",
        "partition 0 is 5 behind",
        "still being written",
        "Nothing was stopped",
        "`state: failed_over` stops the mirror at once",
    ] {
        assert_has(&err.message, want);
    }
    assert_eq!(
        first(&e, "POST", "mirrors:promote"),
        None,
        "nothing was sent"
    );
    assert_eq!(
        e.eu.mirror_status("demo-link", "demo").as_deref(),
        Some("ACTIVE")
    );
}

#[tokio::test]
async fn a_failover_reports_the_lag_mirror_lags_showed() {
    let e = env_with_link(&["demo"], "ACTIVE").await;
    e.eu.script_lag("demo-link", "demo", 7, 0, 1000, 0);
    let out = reaches(&e, ActionKind::FailoverMirror, "demo", "STOPPED").await;
    let report = out.cutover.expect("a failover reports what it left");
    let partitions = report.partitions.len() as i64;
    assert!(partitions >= 1);
    assert_eq!(report.not_mirrored, Some(7 * partitions));
    assert!(report.partitions.iter().all(|p| p.lag == Some(7)));
    // The recovery point: the source's end offset as the server's lag and
    // fetch offset add up (the double's source ends at 1000).
    assert!(
        report.partitions.iter().all(|p| p.source_end == Some(1000)),
        "{report:?}"
    );
    assert_has(
        &out.summary,
        &format!("{} record(s) not mirrored", 7 * partitions),
    );
}
