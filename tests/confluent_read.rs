//! Reading live state from the Confluent double: mapping, request counts,
//! lenient decoding, the cluster guard.

mod support;

use linkctl::backend::Scope;
use linkctl::state::{ConnectionMode, LinkSide, MirrorStatus};
use support::confluent_double::Double;

#[tokio::test]
async fn read_maps_links_configs_and_mirrors() {
    let us = Double::start("us-cluster").await;
    let eu = Double::start("eu-cluster").await;
    eu.seed_link(
        "demo-link",
        "us-cluster",
        &[
            ("metadata.max.age.ms", "5000"),
            ("sasl.jaas.config", "secret-jaas"),
        ],
    );
    eu.seed_mirrors("demo-link", vec!["demo".to_string()], "ACTIVE");
    eu.with(|s| {
        s.links
            .get_mut("demo-link")
            .unwrap()
            .configs
            .insert("connection.mode".into(), "INBOUND".into());
    });
    let m = support::manifest(&support::seed_yaml(&us.rest_url(), &eu.rest_url(), ""), &[]);
    let live = support::read(&support::backend(), &m, &Scope::default())
        .await
        .expect("read");
    assert_eq!(
        live.clusters["us"].cluster_id.as_deref(),
        Some("us-cluster")
    );
    assert!(live.clusters["us"].links.is_empty());
    let link = &live.clusters["europe"].links["demo-link"];
    assert_eq!(link.side, LinkSide::Destination);
    assert_eq!(link.connection_mode, ConnectionMode::Inbound);
    assert_eq!(link.source_cluster_id.as_deref(), Some("us-cluster"));
    assert_eq!(link.state, "ACTIVE");
    let cfg = &link.configs["metadata.max.age.ms"];
    assert_eq!(cfg.value.as_deref(), Some("5000"));
    assert_eq!(cfg.is_default, Some(false));
    let jaas = &link.configs["sasl.jaas.config"];
    assert!(jaas.is_sensitive && jaas.value.is_none());
    assert_eq!(
        link.configs["consumer.offset.sync.enable"].is_default,
        Some(true)
    );
    assert_eq!(link.mirrors["demo"].status, MirrorStatus::Active);
    assert_eq!(link.mirrors["demo"].source_topic, "demo");
    assert_eq!(link.mirrors["demo"].partitions, 1);
}

#[tokio::test]
async fn read_accepts_old_field_names_and_missing_topic_names() {
    let us = Double::start("us-cluster").await;
    let eu = Double::start("eu-cluster").await;
    eu.seed_link("demo-link", "us-cluster", &[("sasl.jaas.config", "x")]);
    eu.quirks(|q| {
        q.old_config_field_names = true;
        q.omit_topic_names = true;
    });
    let m = support::manifest(&support::seed_yaml(&us.rest_url(), &eu.rest_url(), ""), &[]);
    let live = support::read(&support::backend(), &m, &Scope::default())
        .await
        .expect("read");
    let link = &live.clusters["europe"].links["demo-link"];
    assert!(link.configs["sasl.jaas.config"].is_sensitive);
    assert!(link.configs["cluster.link.retry.timeout.ms"].is_read_only);
}

#[tokio::test]
async fn read_skips_unmanaged_and_nameless_links_and_honours_scope() {
    let us = Double::start("us-cluster").await;
    let eu = Double::start("eu-cluster").await;
    eu.seed_link("demo-link", "us-cluster", &[]);
    eu.seed_link("other", "us-cluster", &[]);
    eu.seed_link("", "us-cluster", &[]);
    eu.seed_link("ghost", "us-cluster", &[]);
    eu.with(|s| s.links.get_mut("ghost").unwrap().state = "UNMANAGED_SOURCE".into());
    let m = support::manifest(&support::seed_yaml(&us.rest_url(), &eu.rest_url(), ""), &[]);
    let live = support::read(&support::backend(), &m, &Scope::default())
        .await
        .expect("read");
    let names: Vec<&String> = live.clusters["europe"].links.keys().collect();
    assert_eq!(names, ["demo-link", "other"]);
    let scoped = support::read(
        &support::backend(),
        &m,
        &Scope {
            links: vec!["other".into()],
        },
    )
    .await
    .expect("read");
    let names: Vec<&String> = scoped.clusters["europe"].links.keys().collect();
    assert_eq!(names, ["other"]);
}

async fn read_requests_with(mirrors: usize, links: usize) -> (usize, usize) {
    let us = Double::start("us-cluster").await;
    let eu = Double::start("eu-cluster").await;
    for l in 0..links {
        let name = format!("link-{l}");
        eu.seed_link(&name, "us-cluster", &[]);
        eu.seed_mirrors(&name, (0..mirrors).map(|i| format!("t-{l}-{i}")), "ACTIVE");
    }
    let m = support::manifest(&support::seed_yaml(&us.rest_url(), &eu.rest_url(), ""), &[]);
    let live = support::read(&support::backend(), &m, &Scope::default())
        .await
        .expect("read");
    let total: usize = live.clusters["europe"]
        .links
        .values()
        .map(|l| l.mirrors.len())
        .sum();
    assert_eq!(total, mirrors * links);
    (eu.log().len(), us.log().len())
}

#[tokio::test]
async fn read_request_count_does_not_depend_on_mirror_count() {
    let one = read_requests_with(1, 3).await;
    let many = read_requests_with(500, 3).await;
    assert_eq!(one, many);
    // GET clusters (guard) + GET links + GET links/-/mirrors + one GET configs per link.
    assert_eq!(many.0, 3 + 3);
    assert_eq!(many.1, 3);
}

#[tokio::test]
async fn pinned_cluster_id_that_differs_is_refused_on_the_first_read() {
    let us = Double::start("us-cluster").await;
    let eu = Double::start("eu-cluster").await;
    let yaml = support::pin_cluster_id(
        &support::seed_yaml(&us.rest_url(), &eu.rest_url(), ""),
        &eu.rest_url(),
        "prod-eu",
    );
    let m = support::manifest(&yaml, &[]);
    let err = support::read(&support::backend(), &m, &Scope::default())
        .await
        .expect_err("refused");
    assert_eq!(err.cluster, "europe");
    assert!(err.message.contains("wrong cluster"), "{err}");
    assert!(
        err.message.contains("prod-eu") && err.message.contains("eu-cluster"),
        "{err}"
    );
    // The first read names the pinned id, so it cannot touch another
    // cluster; its 404 makes linkctl ask the endpoint which cluster it serves.
    let paths: Vec<String> = eu.log().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/clusters/prod-eu/links", "/clusters"]);
    assert!(eu.log().iter().all(|r| r.method == "GET"));
}

#[tokio::test]
async fn read_retries_429_with_html_and_5xx() {
    let us = Double::start("us-cluster").await;
    let eu = Double::start("eu-cluster").await;
    eu.seed_link("demo-link", "us-cluster", &[]);
    eu.quirks(|q| q.rate_limit_next = 2);
    eu.add_fault(support::confluent_double::Fault::new(
        "GET",
        "/links/-/mirrors",
        500,
        50003,
        "retriable",
        1,
    ));
    let m = support::manifest(&support::seed_yaml(&us.rest_url(), &eu.rest_url(), ""), &[]);
    let live = support::read(&support::backend(), &m, &Scope::default())
        .await
        .expect("read after retries");
    assert!(live.clusters["europe"].links.contains_key("demo-link"));
    let statuses: Vec<u16> = eu.log().iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 2);
    assert_eq!(statuses.iter().filter(|s| **s == 500).count(), 1);
}

#[tokio::test]
async fn unauthorized_and_unreachable_errors_name_cluster_and_url() {
    let us = Double::start("us-cluster").await;
    let eu = Double::start("eu-cluster").await;
    eu.quirks(|q| q.require_authorization = Some("Basic nope".into()));
    let m = support::manifest(&support::seed_yaml(&us.rest_url(), &eu.rest_url(), ""), &[]);
    let err = support::read(&support::backend(), &m, &Scope::default())
        .await
        .expect_err("401");
    assert_eq!(err.cluster, "europe");
    assert!(err.message.contains("authentication failed"), "{err}");

    let m = support::manifest(
        &support::seed_yaml(&us.rest_url(), "http://127.0.0.1:9/kafka", ""),
        &[],
    );
    let mut opts = support::fast_options();
    opts.retry.max_retries = 0;
    let b = linkctl::backend::confluent::ConfluentBackend::new(opts);
    let err = support::read(&b, &m, &Scope::default())
        .await
        .expect_err("refused");
    assert_eq!(err.cluster, "europe");
    assert!(
        err.message.contains("http://127.0.0.1:9/kafka/v3/clusters"),
        "{err}"
    );
}

/// Reads 20 links x 500 mirrors on `europe`; returns the request log length.
async fn read_20_links_x_500_mirrors(pin_ids: bool) -> usize {
    let us = Double::start("us-cluster").await;
    let eu = Double::start("eu-cluster").await;
    for l in 0..20 {
        let name = format!("link-{l:02}");
        eu.seed_link(&name, "us-cluster", &[]);
        eu.seed_mirrors(
            &name,
            (0..500).map(|i| format!("t-{l:02}-{i:04}")),
            "ACTIVE",
        );
    }
    let mut yaml = support::seed_yaml(&us.rest_url(), &eu.rest_url(), "");
    if pin_ids {
        yaml = yaml.replacen(
            &format!("    rest: {}\n", eu.rest_url()),
            &format!("    rest: {}\n    cluster_id: eu-cluster\n", eu.rest_url()),
            1,
        );
    }
    let m = support::manifest(&yaml, &[]);
    let started = std::time::Instant::now();
    let live = support::read(&support::backend(), &m, &Scope::default())
        .await
        .expect("read");
    let wall = started.elapsed();
    let mirrors: usize = live.clusters["europe"]
        .links
        .values()
        .map(|l| l.mirrors.len())
        .sum();
    assert_eq!(mirrors, 10_000);
    let log = eu.log();
    assert!(log.iter().all(|r| r.method == "GET"));
    println!(
        "read of 20 links x 500 mirrors (cluster id {}): {} requests on europe, {wall:?}",
        if pin_ids { "pinned" } else { "discovered" },
        log.len()
    );
    log.len()
}

#[tokio::test]
async fn reading_20_links_with_10000_mirrors_costs_2_plus_20_requests_with_a_pinned_id() {
    assert_eq!(read_20_links_x_500_mirrors(true).await, 2 + 20);
}

#[tokio::test]
async fn reading_20_links_with_10000_mirrors_costs_3_plus_20_requests_when_the_id_is_discovered() {
    assert_eq!(read_20_links_x_500_mirrors(false).await, 3 + 20);
}
