//! Link actions of the Confluent executor against the double: create (each
//! mode), config updates, delete, health, guards, retries of writes.

mod support;

use support::cli::assert_has;

use linkctl::plan::{Action, ActionKind, Change, ObjectSide};
use support::confluent_double::Fault;
use support::scenario::{env, env_with_link, eu_action, run, snapshot_settings, SECRET};
use support::{action, reset, set, set_sensitive};

/// Updates the configs of europe's `demo-link` with `changes`.
fn update(changes: Vec<Change>) -> Action {
    let mut a = eu_action(ActionKind::UpdateLinkConfigs, None);
    a.changes = changes;
    a
}

#[tokio::test]
async fn create_destination_link_sends_every_config_and_the_source_id() {
    let e = env("      sasl.jaas.config: \"${env:JAAS}\"\n").await;
    let out = e
        .run_eu(ActionKind::CreateLink, None)
        .await
        .expect("created");
    assert_has(&out.summary, "link demo-link created on europe (ACTIVE)");
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
    // The secret went over the wire as the value of `sasl.jaas.config` in
    // the create request, and nowhere else (the raw log: headers and bodies
    // as received).
    let log = e.eu.log();
    assert!(log.iter().any(
        |r| r.method == "POST" && r.config_value("sasl.jaas.config").as_deref() == Some(SECRET)
    ));
    for r in &log {
        assert!(r.places_of(SECRET, "sasl.jaas.config").is_empty(), "{r:?}");
    }
    // The snapshot below stores the double's rendering, which masks
    // sensitive config values: it must not hold the secret either.
    let rendered = e.eu.rendered_log();
    assert!(rendered.iter().all(|l| !l.contains(SECRET)));
    snapshot_settings()
        .bind(|| insta::assert_yaml_snapshot!("confluent__create_link_requests", rendered));
    // The source's id comes from the plan (read from its REST endpoint when
    // planning): executing the action asks the source nothing.
    assert!(e.us.log().is_empty());
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
    run(&m, &eu_action(ActionKind::CreateLink, None))
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
    let a = update(vec![
        set("metadata.max.age.ms", "5000"),
        reset("acl.sync.ms"),
        set_sensitive("sasl.jaas.config"),
    ]);
    run(&e.m, &a).await.expect("updated");
    let cfg = e.eu.link_configs("demo-link").unwrap();
    assert_eq!(cfg["metadata.max.age.ms"], "5000");
    assert!(!cfg.contains_key("acl.sync.ms"));
    assert_eq!(cfg["sasl.jaas.config"], SECRET);
    // The values, then (once they read back) linkctl's fingerprint record.
    assert_eq!(e.eu.count("PUT", "configs:alter"), 2);
    let record: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&cfg["linkctl.fingerprints"]).expect("record");
    assert_eq!(
        record.keys().collect::<Vec<_>>(),
        ["sasl.jaas.config"],
        "only fingerprints"
    );
    assert!(record["sasl.jaas.config"].starts_with("argon2id:"));
    assert!(!cfg["linkctl.fingerprints"].contains(SECRET));
    // On the wire (the double's raw log, bodies and headers as received):
    // the secret went out once, as the value of `sasl.jaas.config` in the
    // first `configs:alter`, and nowhere else — not in the fingerprint
    // record written next, nor in any read.
    let log = e.eu.log();
    let carrying: Vec<String> = log
        .iter()
        .filter(|r| r.config_value("sasl.jaas.config").as_deref() == Some(SECRET))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(carrying.len(), 1, "{carrying:?}");
    assert!(carrying[0].ends_with("/configs:alter"), "{carrying:?}");
    for r in &log {
        assert!(r.places_of(SECRET, "sasl.jaas.config").is_empty(), "{r:?}");
    }
    let record_write = log
        .iter()
        .filter(|r| r.path.ends_with("/configs:alter"))
        .nth(1)
        .expect("the fingerprint record was written");
    assert!(
        record_write.config_value("linkctl.fingerprints").is_some(),
        "{record_write:?}"
    );
    assert!(record_write.places_of(SECRET, "").is_empty());
}

#[tokio::test]
async fn update_configs_falls_back_to_per_key_calls_on_405() {
    let e = env("").await;
    e.eu.seed_link("demo-link", "us-cluster", &[("acl.sync.ms", "1000")]);
    e.eu.quirks(|q| q.batch_alter_405 = true);
    let a = update(vec![
        set("metadata.max.age.ms", "5000"),
        reset("acl.sync.ms"),
    ]);
    run(&e.m, &a).await.expect("updated");
    let cfg = e.eu.link_configs("demo-link").unwrap();
    assert_eq!(cfg["metadata.max.age.ms"], "5000");
    assert!(!cfg.contains_key("acl.sync.ms"));
    assert_eq!(e.eu.count("PUT", "/configs/metadata.max.age.ms"), 1);
    assert_eq!(e.eu.count("DELETE", "/configs/acl.sync.ms"), 1);
}

#[tokio::test]
async fn immutable_config_change_is_rejected_with_the_server_message() {
    let e = env_with_link(&[], "ACTIVE").await;
    let a = update(vec![set("cluster.link.prefix", "west.")]);
    let err = run(&e.m, &a).await.expect_err("refused");
    assert_eq!(err.cluster, "europe");
    assert!(
        err.message
            .contains("HTTP 400 (error_code 40002): Cannot alter config 'cluster.link.prefix'"),
        "{err}"
    );
}

#[tokio::test]
async fn delete_mirror_topic_and_delete_link_wait_for_404() {
    let e = env_with_link(&["demo"], "ACTIVE").await;
    let err = e
        .run_eu(ActionKind::DeleteLink, None)
        .await
        .expect_err("in use");
    assert!(
        err.message.contains("HTTP 403") && err.message.contains("established mirror topics: demo"),
        "{err}"
    );
    e.run_eu(ActionKind::DeleteMirrorTopic, Some("demo"))
        .await
        .expect("topic gone");
    e.run_eu(ActionKind::DeleteLink, None)
        .await
        .expect("link gone");
    assert!(e.eu.link_names().is_empty());
    assert_eq!(e.eu.log().last().map(|r| r.status), Some(404));
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
    e.run_eu(ActionKind::CreateLink, None)
        .await
        .expect("created");
    assert_eq!(e.eu.count("POST", "/links"), 2);
    assert_eq!(e.eu.link_names().len(), 1);
}

#[tokio::test]
async fn a_non_retriable_error_is_not_retried() {
    let e = env_with_link(&[], "ACTIVE").await;
    let err = e
        .run_eu(ActionKind::CreateLink, None)
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
    e.run_eu(ActionKind::CreateLink, None)
        .await
        .expect("created fine");
    let link = support::backend()
        .read_link_health(linkctl::backend::Clusters::of(&e.m), "europe", "demo-link")
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
    let yaml = support::pin_cluster_id(
        &support::seed_yaml(&e.us.rest_url(), &e.eu.rest_url(), ""),
        &e.eu.rest_url(),
        "prod-eu",
    );
    let m = support::manifest(&yaml, &[]);
    let err = run(&m, &eu_action(ActionKind::CreateLink, None))
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

#[tokio::test]
async fn server_validate_sends_validate_only_and_changes_nothing() {
    use linkctl::backend::Validation;
    let e = env("").await;
    let b = support::backend();
    let parts = support::CtxParts::new(&e.m);
    let ctx = parts.ctx(std::time::Duration::from_secs(5));
    let check = |a: linkctl::plan::Action| {
        let a = support::with_payload(&e.m, a);
        let (b, ctx) = (&b, &ctx);
        async move { b.server_validate_action(&a, ctx).await }
    };
    let create = eu_action(ActionKind::CreateLink, None);
    assert_eq!(check(create).await, Ok(Validation::Accepted));
    assert!(e.eu.link_names().is_empty());
    e.eu.seed_link("demo-link", "us-cluster", &[]);
    let bad = update(vec![set("link.mode", "SOURCE")]);
    let err = check(bad).await.expect_err("immutable");
    assert!(err.message.contains("40002"), "{err}");
    let ok = update(vec![set("metadata.max.age.ms", "1234")]);
    assert_eq!(check(ok).await, Ok(Validation::Accepted));
    assert!(!e
        .eu
        .link_configs("demo-link")
        .unwrap()
        .contains_key("metadata.max.age.ms"));
    let queries: Vec<String> =
        e.eu.log()
            .iter()
            .filter(|r| r.method != "GET")
            .filter_map(|r| r.query.clone())
            .collect();
    assert_eq!(
        queries,
        [
            "link_name=demo-link&validate_only=true",
            "validate_only=true",
            "validate_only=true"
        ]
    );
}
