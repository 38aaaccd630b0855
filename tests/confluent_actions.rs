//! Every action of the Confluent executor against the double.

mod support;

use std::time::Duration;

use linkctl::backend::{ExecContext, Executor, NoProgress};
use linkctl::manifest::Manifest;
use linkctl::plan::{Action, ActionKind, ObjectSide};
use support::confluent_double::{Double, Fault};
use support::{action, reset, set, set_sensitive};

struct Env {
    us: Double,
    eu: Double,
    m: Manifest,
}

const SECRET: &str = "S3NT1NEL-jaas-secret";

async fn env(extra_config: &str) -> Env {
    let us = Double::start("us-cluster").await;
    let eu = Double::start("eu-cluster").await;
    let yaml = support::seed_yaml(&us.rest_url(), &eu.rest_url(), "").replace(
        "      metadata.max.age.ms: 5000\n",
        &format!("      metadata.max.age.ms: 5000\n{extra_config}"),
    );
    let m = support::manifest(&yaml, &[("JAAS", SECRET)]);
    Env { us, eu, m }
}

async fn run(
    m: &Manifest,
    a: &Action,
) -> Result<linkctl::backend::Outcome, linkctl::backend::BackendError> {
    let ctx = ExecContext {
        manifest: m,
        progress: &NoProgress,
        wait_timeout: Duration::from_secs(5),
    };
    support::backend().execute(a, &ctx).await
}

fn snapshot_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s
}

#[tokio::test]
async fn create_destination_link_sends_every_config_and_the_source_id() {
    let e = env("      sasl.jaas.config: \"${env:JAAS}\"\n").await;
    let out = run(
        &e.m,
        &action(ActionKind::CreateLink, "europe", "demo-link", None),
    )
    .await
    .expect("created");
    assert!(
        out.summary
            .contains("link demo-link created on europe (ACTIVE)"),
        "{}",
        out.summary
    );
    let cfg = e.eu.link_configs("demo-link").expect("link exists");
    assert_eq!(cfg["link.mode"], "DESTINATION");
    assert_eq!(cfg["connection.mode"], "OUTBOUND");
    assert_eq!(cfg["bootstrap.servers"], "localhost:19092");
    assert_eq!(cfg["metadata.max.age.ms"], "5000");
    assert_eq!(cfg["consumer.offset.sync.ms"], "3000");
    assert_eq!(cfg["sasl.jaas.config"], SECRET);
    e.eu.with(|s| {
        assert_eq!(
            s.links["demo-link"].source_cluster_id.as_deref(),
            Some("us-cluster")
        )
    });
    // The secret went over the wire, but never into the rendered log.
    assert!(e
        .eu
        .log()
        .iter()
        .any(|r| r.body.as_deref().is_some_and(|b| b.contains(SECRET))));
    let rendered = e.eu.rendered_log();
    assert!(rendered.iter().all(|l| !l.contains(SECRET)));
    snapshot_settings()
        .bind(|| insta::assert_yaml_snapshot!("confluent__create_link_requests", rendered));
    // The source's id was read from its REST endpoint.
    assert_eq!(e.us.count("GET", "/clusters"), 1);
}

#[tokio::test]
async fn create_source_initiated_link_makes_two_objects() {
    let e = env("").await;
    let m = support::manifest(
        &support::seed_yaml(&e.us.rest_url(), &e.eu.rest_url(), "").replace(
            "    destination: europe\n",
            "    destination: europe\n    mode: source-initiated\n",
        ),
        &[],
    );
    run(
        &m,
        &action(ActionKind::CreateLink, "europe", "demo-link", None),
    )
    .await
    .expect("dest side");
    let mut src = action(ActionKind::CreateLink, "us", "demo-link", None);
    src.side = ObjectSide::Source;
    run(&m, &src).await.expect("source side");
    let d = e.eu.link_configs("demo-link").unwrap();
    assert_eq!(d["connection.mode"], "INBOUND");
    assert!(!d.contains_key("bootstrap.servers"));
    assert_eq!(d["consumer.offset.sync.enable"], "true");
    let s = e.us.link_configs("demo-link").unwrap();
    assert_eq!(s["link.mode"], "SOURCE");
    assert_eq!(s["bootstrap.servers"], "localhost:29092");
    assert!(!s.contains_key("consumer.offset.sync.enable"));
    e.us.with(|st| {
        assert_eq!(
            st.links["demo-link"].destination_cluster_id.as_deref(),
            Some("eu-cluster")
        )
    });
}

#[tokio::test]
async fn update_configs_batches_set_and_delete_and_rereads_secrets() {
    let e = env("      sasl.jaas.config: \"${env:JAAS}\"\n").await;
    e.eu.seed_link("demo-link", "us-cluster", &[("acl.sync.ms", "1000")]);
    let mut a = action(ActionKind::UpdateLinkConfigs, "europe", "demo-link", None);
    a.changes = vec![
        set("metadata.max.age.ms", "5000"),
        reset("acl.sync.ms"),
        set_sensitive("sasl.jaas.config"),
    ];
    run(&e.m, &a).await.expect("updated");
    let cfg = e.eu.link_configs("demo-link").unwrap();
    assert_eq!(cfg["metadata.max.age.ms"], "5000");
    assert!(!cfg.contains_key("acl.sync.ms"));
    assert_eq!(cfg["sasl.jaas.config"], SECRET);
    assert_eq!(e.eu.count("PUT", "configs:alter"), 1);
    assert!(e.eu.rendered_log().iter().all(|l| !l.contains(SECRET)));
}

#[tokio::test]
async fn update_configs_falls_back_to_per_key_calls_on_405() {
    let e = env("").await;
    e.eu.seed_link("demo-link", "us-cluster", &[("acl.sync.ms", "1000")]);
    e.eu.quirks(|q| q.batch_alter_405 = true);
    let mut a = action(ActionKind::UpdateLinkConfigs, "europe", "demo-link", None);
    a.changes = vec![set("metadata.max.age.ms", "5000"), reset("acl.sync.ms")];
    run(&e.m, &a).await.expect("updated");
    let cfg = e.eu.link_configs("demo-link").unwrap();
    assert_eq!(cfg["metadata.max.age.ms"], "5000");
    assert!(!cfg.contains_key("acl.sync.ms"));
    assert_eq!(e.eu.count("PUT", "/configs/metadata.max.age.ms"), 1);
    assert_eq!(e.eu.count("DELETE", "/configs/acl.sync.ms"), 1);
}

#[tokio::test]
async fn immutable_config_change_is_rejected_with_the_server_message() {
    let e = env("").await;
    e.eu.seed_link("demo-link", "us-cluster", &[]);
    let mut a = action(ActionKind::UpdateLinkConfigs, "europe", "demo-link", None);
    a.changes = vec![set("cluster.link.prefix", "west.")];
    let err = run(&e.m, &a).await.expect_err("refused");
    assert_eq!(err.cluster, "europe");
    assert!(
        err.message
            .contains("HTTP 400 (error_code 40002): Cannot alter config 'cluster.link.prefix'"),
        "{err}"
    );
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
        out.summary.starts_with("mirror demo is ACTIVE after"),
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
    let refs: Vec<&Action> = actions.iter().collect();
    let ctx = ExecContext {
        manifest: &e.m,
        progress: &NoProgress,
        wait_timeout: Duration::from_secs(10),
    };
    let results = support::backend().execute_batch(&refs, &ctx).await;
    assert_eq!(e.eu.count("POST", "mirrors:promote"), 1);
    assert_eq!(results.len(), 1000);
    let failed: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| !matches!(r, Some(Ok(_))))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(failed, [7]);
    let msg = results[7]
        .as_ref()
        .unwrap()
        .as_ref()
        .unwrap_err()
        .message
        .clone();
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
    let ctx = ExecContext {
        manifest: &e.m,
        progress: &NoProgress,
        wait_timeout: Duration::from_millis(300),
    };
    let started = std::time::Instant::now();
    let err = support::backend()
        .execute(
            &action(
                ActionKind::PromoteMirror,
                "europe",
                "demo-link",
                Some("demo"),
            ),
            &ctx,
        )
        .await
        .expect_err("timeout");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(
        err.message
            .starts_with("mirror demo still PENDING_STOPPED after waiting 0."),
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
    let ctx = ExecContext {
        manifest: &e.m,
        progress: &NoProgress,
        wait_timeout: Duration::from_secs(60),
    };
    let started = std::time::Instant::now();
    let err = support::backend()
        .execute(
            &action(
                ActionKind::CreateMirror,
                "europe",
                "demo-link",
                Some("demo"),
            ),
            &ctx,
        )
        .await
        .expect_err("failed");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(
        err.message,
        "mirror demo went FAILED: SOURCE_TOPIC_MAY_BE_DELETED; Source topic 'demo' was deleted"
    );
}

#[tokio::test]
async fn delete_mirror_topic_and_delete_link_wait_for_404() {
    let e = env("").await;
    e.eu.seed_link("demo-link", "us-cluster", &[]);
    e.eu.seed_mirrors("demo-link", ["demo".to_string()], "ACTIVE");
    let err = run(
        &e.m,
        &action(ActionKind::DeleteLink, "europe", "demo-link", None),
    )
    .await
    .expect_err("in use");
    assert!(
        err.message.contains("HTTP 403") && err.message.contains("established mirror topics: demo"),
        "{err}"
    );
    run(
        &e.m,
        &action(
            ActionKind::DeleteMirrorTopic,
            "europe",
            "demo-link",
            Some("demo"),
        ),
    )
    .await
    .expect("topic gone");
    run(
        &e.m,
        &action(ActionKind::DeleteLink, "europe", "demo-link", None),
    )
    .await
    .expect("link gone");
    assert!(e.eu.link_names().is_empty());
    assert_eq!(e.eu.log().last().map(|r| r.status), Some(404));
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

#[tokio::test]
async fn a_5xx_before_the_effect_is_retried_after_a_reread() {
    let e = env("").await;
    e.eu.add_fault(Fault::new(
        "POST",
        "/links",
        503,
        50302,
        "broker not available",
        1,
    ));
    run(
        &e.m,
        &action(ActionKind::CreateLink, "europe", "demo-link", None),
    )
    .await
    .expect("created");
    assert_eq!(e.eu.count("POST", "/links"), 2);
    assert_eq!(e.eu.link_names().len(), 1);
}

#[tokio::test]
async fn a_non_retriable_error_is_not_retried() {
    let e = env("").await;
    e.eu.seed_link("demo-link", "us-cluster", &[]);
    let err = run(
        &e.m,
        &action(ActionKind::CreateLink, "europe", "demo-link", None),
    )
    .await
    .expect_err("409");
    assert!(
        err.message
            .contains("HTTP 409 (error_code 40902): Cluster link 'demo-link' already exists."),
        "{err}"
    );
    assert_eq!(e.eu.count("POST", "/links"), 1);
}

#[tokio::test]
async fn health_check_reports_a_misconfigured_acl_sync_task() {
    let e = env("      acl.sync.enable: true\n").await;
    run(
        &e.m,
        &action(ActionKind::CreateLink, "europe", "demo-link", None),
    )
    .await
    .expect("created fine");
    let link = support::backend()
        .read_link_health(&e.m, "europe", "demo-link")
        .await
        .expect("read");
    let problems = linkctl::backend::confluent::read::health_problems(&link);
    assert_eq!(
        problems,
        ["link demo-link task AclSync is IN_ERROR (MISCONFIGURATION_ERROR: ACL sync is enabled but acl.filters is empty.)"]
    );
    assert!(e
        .eu
        .log()
        .iter()
        .any(|r| r.query.as_deref() == Some("include_tasks=true")));
}

#[tokio::test]
async fn writes_are_refused_when_the_pinned_cluster_id_differs() {
    let e = env("").await;
    let yaml = support::seed_yaml(&e.us.rest_url(), &e.eu.rest_url(), "").replacen(
        &format!("    rest: {}\n", e.eu.rest_url()),
        &format!("    rest: {}\n    cluster_id: prod-eu\n", e.eu.rest_url()),
        1,
    );
    let m = support::manifest(&yaml, &[]);
    let err = run(
        &m,
        &action(ActionKind::CreateLink, "europe", "demo-link", None),
    )
    .await
    .expect_err("guard");
    assert!(
        err.message
            .starts_with("wrong cluster: the manifest pins cluster_id prod-eu but"),
        "{err}"
    );
    assert!(e.eu.log().iter().all(|r| r.method == "GET"));
    assert!(e.eu.link_names().is_empty());
}
