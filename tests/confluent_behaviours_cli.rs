//! The real binary against the Confluent doubles with each server behaviour
//! the published API allows switched on: the seed scenario converges (every
//! apply is followed by a plan with no changes, the export of step 5 plans
//! no changes); `status` reads topics over REST and needs Kafka only for
//! group offsets; secrets rotate; `--server-validate` falls back like
//! `apply`; export places links by what the engine records.
//!
//! What this proves is bounded by the double: each behaviour is modelled
//! from the specs, SDKs and captures listed in docs/confluent-engine.md.

mod support;

use serde_json::Value;
use support::cli::{assert_has, CliEnv, Run};
use support::confluent_double::{ConfigRowStyle, Quirks};

fn apply_and_converge(env: &CliEnv, step: &str, what: &str) {
    env.seed_step(step);
    // A server that leaves out config values (`value` is optional in the
    // spec) cannot hold the apply lock, whose lease is a config value:
    // linkctl says so, and `--no-lock` applies without it (docs/lock.md).
    let no_lock = env.eu.with(|st| st.quirks.minimal_fields);
    let mut args = vec!["apply", "--auto-approve"];
    if no_lock {
        args.push("--no-lock");
    }
    let r = env.run(&args);
    assert_eq!(r.code, 0, "{what}: apply {step}\n{r:#?}");
    assert!(
        r.stdout.contains("Live state matches the manifest."),
        "{what}: {step}: {r:#?}"
    );
    let again = env.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{what}: plan after {step}\n{again:#?}");
}

fn export_plans_no_changes(env: &CliEnv, what: &str) {
    let r = env.run(&["export", "-o", "exported.yaml"]);
    assert_eq!(r.code, 0, "{what}: export\n{r:#?}");
    let text = std::fs::read_to_string(env.dir.path().join("exported.yaml")).expect("exported");
    assert!(text.contains("demo-link:"), "{what}: {text}");
    let p = env.run(&["plan", "--detailed-exitcode", "-f", "exported.yaml"]);
    assert_eq!(p.code, 0, "{what}: plan of the export\n{p:#?}\n{text}");
}

/// A server behaviour: its name, and how the double's quirks switch it on.
type Behaviour = (&'static str, fn(&mut Quirks));

#[test]
fn the_seed_converges_with_each_server_behaviour() {
    let behaviours: Vec<Behaviour> = vec![
        ("paged lists", |q| q.page_size = Some(2)),
        ("stale reads after writes", |q| {
            q.stale_reads_after_write = 3
        }),
        ("only required fields", |q| q.minimal_fields = true),
        ("null config values", |q| q.null_config_values = true),
        ("rows with `default`", |q| {
            q.config_row_style = ConfigRowStyle::DefaultField
        }),
        ("rows without a default flag", |q| {
            q.config_row_style = ConfigRowStyle::NoDefaultField
        }),
        ("rows without flags", |q| {
            q.config_row_style = ConfigRowStyle::NoFlags
        }),
        ("every row dynamic", |q| {
            q.config_row_style = ConfigRowStyle::AllDynamic
        }),
        ("all of them", |q| {
            q.page_size = Some(3);
            q.stale_reads_after_write = 2;
            q.minimal_fields = true;
            q.null_config_values = true;
            q.config_row_style = ConfigRowStyle::AllDynamic;
        }),
    ];
    for (what, set) in behaviours {
        let env = CliEnv::start();
        env.us.quirks(set);
        env.eu.quirks(set);
        apply_and_converge(&env, "01-link.yaml", what);
        apply_and_converge(&env, "02-mirror.yaml", what);
        apply_and_converge(&env, "05-exclude-group.yaml", what);
        export_plans_no_changes(&env, what);
        apply_and_converge(&env, "10-promote.yaml", what);
        apply_and_converge(&env, "11-delete-link.yaml", what);
        assert!(env.eu.link_names().is_empty(), "{what}");
    }
}

fn status_json(env: &CliEnv, args: &[&str]) -> (Value, Run, std::time::Duration) {
    let started = std::time::Instant::now();
    let r = env.run(&[&["status", "--format", "json"], args].concat());
    let took = started.elapsed();
    assert_eq!(r.code, 0, "{r:#?}");
    (
        serde_json::from_str(&r.stdout).expect("status JSON"),
        r,
        took,
    )
}

#[test]
fn status_reads_topics_over_rest_and_kafka_only_for_group_offsets() {
    let env = CliEnv::start();
    env.us.with(|s| {
        s.lists_topics = true;
        s.topics.insert("demo".into(), 4);
    });
    env.eu.with(|s| {
        s.lists_topics = true;
        s.source_partitions = 4;
        s.topic_configs.insert(
            "demo".into(),
            [("retention.ms".to_string(), "259200000".to_string())].into(),
        );
    });
    apply_and_converge(&env, "02-mirror.yaml", "seed");
    env.eu.with(|s| {
        let l = s.links.get_mut("demo-link").expect("link");
        l.tasks = vec![(
            "AclSync".into(),
            "IN_ERROR".into(),
            vec![("AUTHENTICATION_ERROR".into(), "bad credentials".into())],
        )];
    });

    // The bootstraps point nowhere: no Kafka is needed, and none is tried.
    // Only what status reads (apply and plan looked at the apply lock).
    env.clear_logs();
    let (report, _, _) = status_json(&env, &[]);
    assert!(report.get("warnings").is_none(), "{report}");
    let link = &report["links"][0];
    let m = &link["mirrors"][0];
    assert_eq!(
        (&m["partitions"], &m["source_partitions"]),
        (&Value::from(4), &Value::from(4))
    );
    assert_eq!(m["configs"]["retention.ms"], "259200000");
    assert!(
        m["configs"].get("cleanup.policy").is_none(),
        "defaults left out"
    );
    assert_eq!(link["tasks"][0]["state"], "IN_ERROR");
    assert_eq!(
        link["tasks"][0]["errors"][0]["code"],
        "AUTHENTICATION_ERROR"
    );
    let text = env.run(&["status"]);
    assert!(
        text.stdout.contains("AclSync") && text.stdout.contains("AUTHENTICATION_ERROR"),
        "{}",
        text.stdout
    );
    let topic_reads = env.eu.count("GET", "/topics");
    assert_eq!(topic_reads, 4, "GET topics and topics/-/configs, twice");

    // Group offsets need Kafka: said at once, the rest of the report stands.
    let (report, _, took) = status_json(&env, &["--groups"]);
    let w = report["warnings"][0].as_str().unwrap_or_default();
    assert!(
        w.starts_with(
            "group offsets of link `demo-link` are not shown (linkctl reads them over the Kafka protocol)"
        )
            && w.contains("cannot be reached"),
        "{report}"
    );
    assert_eq!(report["links"][0]["mirrors"][0]["partitions"], 4);
    assert!(took < std::time::Duration::from_secs(10), "{took:?}");
}

fn manifest_with_secret(env: &CliEnv, rotation: Option<&str>) {
    manifest_of_step_with_secret(env, "01-link.yaml", rotation);
}

fn manifest_of_step_with_secret(env: &CliEnv, step: &str, rotation: Option<&str>) {
    let mut text = env.seed_with_config(step, "      sasl.jaas.config: \"${env:LINK_JAAS}\"\n");
    if let Some(r) = rotation {
        text = text.replace(
            "    destination: europe\n",
            &format!("    destination: europe\n    rotation: \"{r}\"\n"),
        );
    }
    env.write_manifest("linkctl.yaml", &text);
}

fn run_with_secret(env: &CliEnv, secret: &str, args: &[&str]) -> Run {
    env.cmd()
        .env("LINK_JAAS", secret)
        .args(args)
        .output()
        .expect("run")
        .into()
}

#[test]
fn secrets_rotate_through_the_fingerprint_record() {
    let env = CliEnv::start();
    manifest_with_secret(&env, None);
    let apply = |secret: &str| {
        let r = run_with_secret(&env, secret, &["apply", "--auto-approve"]);
        assert_eq!(r.code, 0, "{r:#?}");
        r
    };
    let plan = |secret: &str| run_with_secret(&env, secret, &["plan", "--detailed-exitcode"]);
    apply("first-secret");
    assert_eq!(
        plan("first-secret").code,
        0,
        "the record says it is unchanged"
    );
    let record = || env.eu.link_configs("demo-link").expect("link")["linkctl.fingerprints"].clone();
    let first = record();
    assert!(
        first.starts_with("{\"sasl.jaas.config\":\"argon2id:"),
        "{first}"
    );
    assert!(!first.contains("first-secret"));

    // A new local secret: re-sent, and the plan says why.
    let p = plan("second-secret");
    assert_eq!(p.code, 2, "{p:#?}");
    assert_has(&p.stdout, "the local secret or the rotation changed");
    assert!(!p.stdout.contains("second-secret"));
    apply("second-secret");
    assert_eq!(
        env.eu.link_configs("demo-link").expect("link")["sasl.jaas.config"],
        "second-secret"
    );
    assert_ne!(record(), first);
    assert_eq!(plan("second-secret").code, 0);

    // Bumping `rotation` re-sends the same secret once.
    manifest_with_secret(&env, Some("2026-12"));
    assert_eq!(plan("second-secret").code, 2);
    env.clear_logs();
    apply("second-secret");
    assert_eq!(
        env.eu.count("PUT", "configs:alter"),
        2,
        "the value, then the record"
    );
    assert_eq!(plan("second-secret").code, 0);
}

/// Issue 17, finding 12: a server that refuses linkctl's own link config
/// `linkctl.fingerprints` keeps the link: the step is done with a warning
/// (secret changes cannot be detected there, and what to do), and the
/// mirror that depends on the link is created.
#[test]
fn a_server_that_refuses_the_record_keeps_the_link_with_a_warning() {
    let env = CliEnv::start();
    env.eu.quirks(|q| q.refuse_unknown_link_configs = true);
    manifest_of_step_with_secret(&env, "02-mirror.yaml", None);
    let r = run_with_secret(&env, "s3cret-refused", &["apply", "--auto-approve"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let all = format!("{}{}", r.stdout, r.stderr);
    assert_has(&all, "europe/demo-link/link:create: done");
    assert_has(&all, "warning: link demo-link: the server refused linkctl's fingerprint record `linkctl.fingerprints`");
    assert_has(
        &all,
        "cannot detect later changes of sasl.jaas.config on this link",
    );
    assert_has(&all, "bump `rotation:`");
    assert_has(&all, "Live state matches the manifest.");
    assert!(!all.contains("s3cret-refused"));
    assert_eq!(
        env.eu.mirror_status("demo-link", "demo").as_deref(),
        Some("ACTIVE"),
        "the dependent mirror was created"
    );
    assert!(
        env.eu.link_configs("demo-link").expect("link")["sasl.jaas.config"]
            .contains("s3cret-refused")
    );
    // Without a record and without `rotation` the next plan warns and sends nothing.
    let p = run_with_secret(&env, "s3cret-refused", &["plan", "--detailed-exitcode"]);
    assert_eq!(p.code, 0, "{p:#?}");
    assert_has(&p.stdout, "has no fingerprint of it");
}

#[test]
fn server_validate_warns_where_the_batch_endpoint_is_missing() {
    let env = CliEnv::start();
    apply_and_converge(&env, "02-mirror.yaml", "seed");
    env.eu.quirks(|q| q.batch_alter_405 = true);
    env.seed_step("05-exclude-group.yaml");
    let r = env.run(&["plan", "--server-validate", "--detailed-exitcode"]);
    assert_eq!(r.code, 2, "changes, no refusal: {r:#?}");
    assert!(
        r.stdout.contains("not validated by the server") && r.stdout.contains("key by key"),
        "{}",
        r.stdout
    );
    // And apply falls back to per-key writes.
    env.run_exits(0, &["apply", "--auto-approve"]);
    assert_eq!(
        env.eu
            .count("PUT", "/configs/consumer.offset.group.filters"),
        1
    );
}

#[test]
fn export_places_links_by_what_the_server_records_and_does_not_guess() {
    let env = CliEnv::start();
    apply_and_converge(&env, "02-mirror.yaml", "seed");
    // A server that leaves out every optional field (no source_cluster_id):
    // the link is placed by its bootstrap servers.
    env.us.quirks(|q| q.minimal_fields = true);
    env.eu.quirks(|q| q.minimal_fields = true);
    // A second link whose source is pinned by id and has no REST endpoint,
    // with a mirror whose link has failed.
    let text = std::fs::read_to_string(env.dir.path().join("linkctl.yaml")).expect("manifest");
    let text = text.replace(
        "clusters:\n",
        "clusters:\n  dc3:\n    bootstrap: dc3.invalid:9092\n    cluster_id: dc3-id\n",
    );
    // The input's modeline names a schema next to it.
    let text = text.replace(
        "$schema=../../schema/linkctl.schema.json",
        "$schema=schema/linkctl.schema.json",
    );
    std::fs::create_dir_all(env.dir.path().join("schema")).expect("dir");
    std::fs::write(env.dir.path().join("schema/linkctl.schema.json"), "{}").expect("schema");
    env.write_manifest("linkctl.yaml", &text);
    env.eu.seed_link(
        "from-dc3",
        "dc3-id",
        &[
            ("link.mode", "DESTINATION"),
            ("bootstrap.servers", "dc3.invalid:9092"),
        ],
    );
    env.eu.seed_mirrors(
        "from-dc3",
        ["ok".to_string(), "broken".to_string()],
        "ACTIVE",
    );
    env.eu
        .set_mirror_status("from-dc3", "broken", "LINK_FAILED");
    std::fs::create_dir_all(env.dir.path().join("out/sub")).expect("dir");
    let r = env.run_exits(0, &["export", "-o", "out/sub/exported.yaml"]);
    assert_has(
        &r.stderr,
        "mirror broken of link from-dc3 left out: its status LINK_FAILED",
    );
    let out = std::fs::read_to_string(env.dir.path().join("out/sub/exported.yaml")).expect("out");
    // The modeline follows the written file (the input's is relative to it).
    let first = out.lines().next().unwrap_or_default();
    let input_schema = text
        .lines()
        .next()
        .and_then(|l| l.split_once("$schema=").map(|(_, s)| s.to_string()))
        .expect("input modeline");
    assert_eq!(
        first,
        format!("# yaml-language-server: $schema=../../{input_schema}")
    );
    assert_has(
        &out,
        "  from-dc3:\n    source: dc3\n    destination: europe\n",
    );
    assert_has(&out, "  demo-link:\n    source: us\n");
    assert!(
        out.contains("topic: ok") && !out.contains("topic: broken"),
        "{out}"
    );
    env.run_exits(
        0,
        &["plan", "--detailed-exitcode", "-f", "out/sub/exported.yaml"],
    );
}

#[test]
fn a_saved_plan_of_one_link_converges_within_its_scope() {
    let env = CliEnv::start();
    apply_and_converge(&env, "01-link.yaml", "seed");
    // demo-link changes, and another link is declared but left for later.
    let path = env.seed_step("05-exclude-group.yaml");
    let text = std::fs::read_to_string(&path).expect("manifest");
    env.write_manifest(
        "linkctl.yaml",
        &format!("{text}  later-link:\n    source: us\n    destination: europe\n"),
    );
    env.run_exits(0, &["plan", "--link", "demo-link", "-o", "p.json"]);
    let r = env.run(&["apply", "--auto-approve", "p.json"]);
    assert_eq!(
        r.code, 0,
        "the other link's pending creation is out of scope: {r:#?}"
    );
    assert!(!env.eu.link_names().contains("later-link"));
    let all = env.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(all.code, 2, "later-link is still to create: {all:#?}");
}
