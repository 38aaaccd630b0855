//! `linkctl export` against the Confluent doubles: the exported manifest
//! reproduces the live state (planning it shows no changes).

mod support;

use support::cli::{snapshot_settings, CliEnv};

fn apply(env: &CliEnv, step: &str) {
    env.seed_step(step);
    let r = env.run(&["apply", "--auto-approve"]);
    assert_eq!(r.code, 0, "{step}: {r:#?}");
}

#[test]
fn export_after_s5_plans_no_changes() {
    let env = CliEnv::start();
    apply(&env, "01-link.yaml");
    apply(&env, "02-mirror.yaml");
    apply(&env, "05-exclude-group.yaml");
    // A second link nobody declared, with a free-form config and a secret,
    // and a promoted mirror: export finds it too.
    env.eu.seed_link(
        "other-link",
        "us-cluster",
        &[
            ("link.mode", "DESTINATION"),
            ("connection.mode", "OUTBOUND"),
            ("bootstrap.servers", "us-other:9092"),
            ("cluster.link.prefix", "us."),
            ("sasl.jaas.config", "S3NT1NEL-never-exported"),
            ("cluster.link.retry.timeout.ms", "1000"),
            ("auto.create.mirror.topics.enable", "true"),
            ("auto.create.mirror.topics.filters", r#"{"topicFilters":[{"name":"orders-","patternType":"PREFIXED","filterType":"INCLUDE"}]}"#),
        ],
    );
    env.eu.seed_link(
        "acl-link",
        "us-cluster",
        &[
            ("link.mode", "DESTINATION"),
            ("connection.mode", "OUTBOUND"),
            ("bootstrap.servers", "no-kafka.invalid:19092"),
            ("acl.sync.enable", "true"),
            ("acl.filters", r#"{"aclFilters":[{"resourceFilter":{"resourceType":"any","patternType":"any"},"accessFilter":{"operation":"any","permissionType":"any"}}]}"#),
            ("consumer.offset.sync.ms", "10000"),
        ],
    );
    env.eu
        .seed_mirrors("other-link", ["us.orders".to_string()], "STOPPED");
    env.eu.with(|s| {
        let m = s
            .links
            .get_mut("other-link")
            .expect("link")
            .mirrors
            .get_mut("us.orders")
            .expect("mirror");
        m.source = "orders".into();
    });

    env.clear_logs();
    let r = env.run_exits(0, &["export", "-o", "exported.yaml"]);
    assert_eq!(r.stderr, "Exported 3 link(s) to exported.yaml.\n");
    assert!(env.writes().is_empty(), "export writes nothing");
    let text = std::fs::read_to_string(env.dir.path().join("exported.yaml")).expect("exported");
    // The input's modeline names `../../schema/linkctl.schema.json`, which
    // does not exist from the temporary directory: no modeline.
    assert!(text.starts_with("# Exported by linkctl"), "{text}");
    assert!(!text.contains("S3NT1NEL"), "no secret value");
    snapshot_settings(&env)
        .bind(|| insta::assert_snapshot!("confluent_cli__export_after_s5", text));

    // Planning the export against the same clusters: no changes.
    let r = env
        .cmd()
        .args(["plan", "--detailed-exitcode", "-f", "exported.yaml"])
        .env("LINK_OTHER_LINK_SASL_JAAS_CONFIG", "anything")
        .output()
        .expect("run");
    let r: support::cli::Run = r.into();
    assert_eq!(r.code, 0, "{r:#?}");

    // The same export on stdout.
    let r = env.run_exits(0, &["export"]);
    assert_eq!(r.stdout, text);
}
