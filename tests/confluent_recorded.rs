//! linkctl against bodies recorded from Confluent Cloud (the Terraform
//! provider's replayed answers, `tests/fixtures/confluent_cloud/`): decode,
//! plan, status and export through the real binary, with the doubles
//! serving the recorded bodies verbatim.
//!
//! The clusters are the recording's: the destination `lkc-81knqq` (Cloud,
//! no `GET /v3/clusters`), the source `lkc-nv0zqv` whose bootstrap the
//! recorded links name.

mod support;

use linkctl::backend::confluent::read::{live_configs, map_link, map_mirror};
use linkctl::backend::confluent::wire::{DataList, LinkConfigData, LinkData, MirrorData};
use linkctl::state::MirrorStatus;
use serde_json::Value;
use support::cli::{assert_has, snapshot_settings, CliEnv, Run};
use support::confluent_double::recorded::fixture;

const SOURCE_ID: &str = "lkc-nv0zqv";
const DEST_ID: &str = "lkc-81knqq";
/// The source's bootstrap as the recorded links name it.
const SOURCE_BOOTSTRAP: &str = "pkc-pgq85.us-west-2.aws.confluent.cloud:9092";
/// The value of the links' secret in these tests (the server never returns it).
const JAAS: &str = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"k\" password=\"recorded-secret\";";

/// Two doubles with the recording's cluster ids, Cloud-like (no
/// `GET /v3/clusters`); the source holds topic `orders` (6 partitions).
fn cloud() -> CliEnv {
    let env = CliEnv::start_ids(SOURCE_ID, DEST_ID);
    for d in [&env.us, &env.eu] {
        d.quirks(|q| q.no_clusters_endpoint = true);
    }
    env.us.with(|s| {
        s.lists_topics = true;
        s.topics.insert("orders".into(), 6);
    });
    env
}

/// `tf-link` (the link of the created and updated recordings) on the
/// destination, no `link_state` in its answers, its configs `recording`.
fn tf_link(env: &CliEnv, recording: &str) {
    env.eu.seed_link("tf-link", SOURCE_ID, &[]);
    env.eu.set_link_state("tf-link", None);
    env.eu
        .serve_recorded("links/tf-link/configs", fixture(recording));
}

/// `ui-test` as recorded: the link list (3 links, no `link_state`), the
/// older every-row-dynamic configs, and these mirror bodies. The two other
/// links of the list have no recorded configs: the double answers 404 for
/// them, as for links deleted between two reads.
fn ui_test(env: &CliEnv, mirrors: &[&str]) {
    env.eu.serve_recorded("links", fixture("links_list.json"));
    env.eu.serve_recorded(
        "links/ui-test/configs",
        fixture("link_configs_all_dynamic.json"),
    );
    env.eu.serve_recorded_mirrors(
        "links/-/mirrors",
        mirrors.iter().map(|m| fixture(m)).collect(),
    );
}

fn manifest(env: &CliEnv, links: &str) -> String {
    let links = if links.is_empty() {
        " {}\n".to_string()
    } else {
        format!("\n{links}")
    };
    format!(
        "version: 1\nclusters:\n  us:\n    bootstrap: {SOURCE_BOOTSTRAP}\n    rest: {}\n    cluster_id: {SOURCE_ID}\n  europe:\n    bootstrap: no-kafka.invalid:29092\n    rest: {}\n    cluster_id: {DEST_ID}\nlinks:{links}",
        env.us.rest_url(),
        env.eu.rest_url()
    )
}

/// The client settings every recorded link has (the secret from `$JAAS`).
const CLIENT: &str = "      sasl.mechanism: PLAIN\n      security.protocol: SASL_SSL\n";

fn run(env: &CliEnv, args: &[&str]) -> Run {
    env.run_with(
        &[
            ("JAAS", JAAS),
            ("LINK_TF_LINK_SASL_JAAS_CONFIG", JAAS),
            ("LINKCTL_KAFKA_TIMEOUT_MS", "300"),
        ],
        args,
    )
}

#[track_caller]
fn run_exits(env: &CliEnv, code: i32, args: &[&str]) -> Run {
    let r = run(env, args);
    assert_eq!(r.code, code, "{args:?}: {r:#?}");
    r
}

/// `export -o exported.yaml` of a manifest with no link (every live link
/// of the doubles): the run and the file it wrote.
fn export(env: &CliEnv) -> (Run, String) {
    env.write_manifest("linkctl.yaml", &manifest(env, ""));
    let r = run_exits(env, 0, &["export", "-o", "exported.yaml"]);
    let text = std::fs::read_to_string(env.dir.path().join("exported.yaml")).expect("exported");
    (r, text)
}

/// The export of the `tf-link` of `recording` (its link configs): the
/// doubles and the file.
fn export_of_tf_link(recording: &str) -> (CliEnv, String) {
    let env = cloud();
    tf_link(&env, recording);
    let (_, text) = export(&env);
    (env, text)
}

/// The exported file plans no change.
fn export_plans_no_change(env: &CliEnv) {
    run_exits(
        env,
        0,
        &["plan", "--detailed-exitcode", "-f", "exported.yaml"],
    );
}

fn tf_link_manifest(env: &CliEnv, sections: &str) -> String {
    manifest(
        env,
        &format!("  tf-link:\n    source: us\n    destination: europe\n    config:\n{CLIENT}      sasl.jaas.config: ${{env:JAAS}}\n{sections}"),
    )
}

// ---------------------------------------------------------------- decoding

/// Every recorded row decodes as recorded: value (null for secrets and
/// unset keys), `is_default`, `is_read_only`, `is_sensitive`, `source`.
#[test]
fn recorded_config_rows_decode_exactly() {
    let mut rows = 0;
    for name in [
        "link_configs_created.json",
        "link_configs_updated.json",
        "link_configs_all_dynamic.json",
    ] {
        let body = fixture(name);
        let list: DataList<LinkConfigData> = serde_json::from_value(body.clone()).expect("decodes");
        let live = live_configs(list.data);
        let recorded = body["data"].as_array().expect("rows");
        assert_eq!(live.len(), recorded.len(), "{name}: one config per row");
        for r in recorded {
            let c = &live[r["name"].as_str().expect("name")];
            assert_eq!(c.value.as_deref(), r["value"].as_str(), "{name} {r}");
            assert_eq!(c.is_default, r["is_default"].as_bool(), "{name} {r}");
            assert_eq!(Some(c.is_read_only), r["is_read_only"].as_bool());
            assert_eq!(Some(c.is_sensitive), r["is_sensitive"].as_bool());
            assert_eq!(c.source.as_deref(), r["source"].as_str());
            rows += 1;
        }
    }
    assert_eq!(rows, 3 * 56);
}

#[test]
fn recorded_links_and_mirrors_decode() {
    let list: DataList<LinkData> =
        serde_json::from_value(fixture("links_list.json")).expect("decodes");
    let names: Vec<&str> = list.data.iter().map(|l| l.link_name.as_str()).collect();
    assert_eq!(names, ["api-link", "ui-test", "api-link-2"]);
    let describe: LinkData = serde_json::from_value(fixture("link_describe.json")).expect("link");
    let link = map_link(describe, Vec::new());
    assert_eq!(link.link_id.as_deref(), Some("qz0HDEV-Qz2B5aPFpcWQJQ"));
    assert_eq!(link.source_cluster_id.as_deref(), Some(SOURCE_ID));
    assert_eq!(
        link.state, "NOT_REPORTED",
        "the recording has no link_state"
    );
    for (name, mirror, status) in [
        ("mirror_active.json", "orders", MirrorStatus::Active),
        ("mirror_paused.json", "orders", MirrorStatus::Paused),
        (
            "mirror_prefix_active.json",
            "us_orders",
            MirrorStatus::Active,
        ),
        (
            "mirror_prefix_stopped.json",
            "us_orders",
            MirrorStatus::Stopped,
        ),
    ] {
        let m: MirrorData = serde_json::from_value(fixture(name)).expect("mirror");
        let m = map_mirror(m);
        assert_eq!(
            (m.name.as_str(), m.source_topic.as_str()),
            (mirror, "orders")
        );
        assert_eq!(m.status, status, "{name}");
        assert_eq!(m.partitions, 6);
        assert_eq!(m.state_time_ms, Some(1_662_878_304_410));
        // `last_source_fetch_offset: -1` with `lag: 0`: nothing fetched yet,
        // so the lag is unknown, not 0.
        assert!(m.lags.iter().all(|l| l.lag.is_none()), "{name}");
        assert_eq!(m.total_lag(), None);
    }
}

/// The real reader against the recorded answers, served by the double: the
/// three config recordings on the three recorded links, the mirrors.
#[tokio::test]
async fn the_reader_reads_the_recorded_answers() {
    use support::confluent_double::Double;
    let us = Double::start(SOURCE_ID).await;
    let eu = Double::start(DEST_ID).await;
    eu.serve_recorded("links", fixture("links_list.json"));
    for (link, recording) in [
        ("ui-test", "link_configs_all_dynamic.json"),
        ("api-link", "link_configs_created.json"),
        ("api-link-2", "link_configs_updated.json"),
    ] {
        eu.serve_recorded(&format!("links/{link}/configs"), fixture(recording));
    }
    eu.serve_recorded_mirrors(
        "links/-/mirrors",
        vec![
            fixture("mirror_active.json"),
            fixture("mirror_prefix_stopped.json"),
        ],
    );
    let m = support::manifest(
        &format!(
            "version: 1\nclusters:\n  us:\n    bootstrap: {SOURCE_BOOTSTRAP}\n    rest: {}\n  europe:\n    bootstrap: b:9092\n    rest: {}\nlinks: {{}}\n",
            us.rest_url(),
            eu.rest_url()
        ),
        &[],
    );
    let live = support::read(&support::backend(), &m, &Default::default())
        .await
        .expect("read");
    let links = &live.clusters["europe"].links;
    assert_eq!(
        links.keys().collect::<Vec<_>>(),
        ["api-link", "api-link-2", "ui-test"]
    );
    let ui = &links["ui-test"];
    assert_eq!(ui.configs.len(), 56);
    assert_eq!(ui.state, "NOT_REPORTED");
    assert_eq!(
        ui.mirrors.keys().collect::<Vec<_>>(),
        ["orders", "us_orders"]
    );
    assert_eq!(ui.mirrors["us_orders"].status, MirrorStatus::Stopped);
    assert_eq!(
        links["api-link-2"].configs["consumer.offset.sync.ms"]
            .value
            .as_deref(),
        Some("30001")
    );
    // What the Cloud spec's response schemas say of the recorded answers:
    // the `null` values of secrets and unset keys (the spec wants strings).
    let problems = eu.response_problems();
    assert!(!problems.is_empty());
    for p in &problems {
        assert!(p.contains("/configs") && p.contains("null"), "{p}");
    }
}

// ------------------------------------------------- item 1: export sections

/// The created recording: `acl.sync.enable` a default row, `acl.sync.ms`
/// 5100 set. Export writes an `acl_sync` section, which `validate --strict`
/// accepts and which plans no change.
#[test]
fn export_writes_a_section_that_reproduces_a_default_flag_and_a_set_interval() {
    let (env, text) = export_of_tf_link("link_configs_created.json");
    assert_has(
        &text,
        "    acl_sync:\n      enabled: false\n      interval_ms: 5100\n",
    );
    assert!(
        !text.contains("acl.sync"),
        "no acl.sync.* under config:\n{text}"
    );
    run_exits(&env, 0, &["validate", "--strict", "-f", "exported.yaml"]);
    export_plans_no_change(&env);
}

/// The updated recording: `consumer.offset.sync.ms: 30001` too.
#[test]
fn export_of_the_updated_recording_passes_validate_strict() {
    let (env, text) = export_of_tf_link("link_configs_updated.json");
    assert_has(
        &text,
        "    consumer_offset_sync:\n      enabled: false\n      interval_ms: 30001\n",
    );
    assert_has(&text, "      interval_ms: 5101\n");
    assert!(!text.contains("sync.ms"), "{text}");
    let strict = run_exits(&env, 0, &["validate", "--strict", "-f", "exported.yaml"]);
    assert!(!strict.stderr.contains("warning"), "{strict:#?}");
    export_plans_no_change(&env);
}

/// Where no section reproduces the live values (group filters kept while
/// offset sync is off: the section sends filters only while it is on),
/// the keys stay in `config`, and export says that the file does not pass
/// `validate --strict`.
#[test]
fn export_says_when_its_output_does_not_pass_validate_strict() {
    let env = cloud();
    let mut configs = fixture("link_configs_updated.json");
    let filters =
        r#"{"groupFilters":[{"name":"*","patternType":"LITERAL","filterType":"INCLUDE"}]}"#;
    for row in configs["data"].as_array_mut().expect("rows") {
        if row["name"] == "consumer.offset.group.filters" {
            row["value"] = filters.into();
            row["is_default"] = false.into();
            row["source"] = "DYNAMIC_CLUSTER_LINK_CONFIG".into();
        }
    }
    env.eu.seed_link("tf-link", SOURCE_ID, &[]);
    env.eu.serve_recorded("links/tf-link/configs", configs);
    let (r, text) = export(&env);
    assert_has(&text, "      consumer.offset.group.filters: ");
    assert_has(
        &r.stderr,
        "note: `validate --strict` refuses the export: link `tf-link` sets `consumer.offset.group.filters` in `config`",
    );
    run_exits(&env, 1, &["validate", "--strict", "-f", "exported.yaml"]);
    export_plans_no_change(&env);
}

// ------------------------------------- item 3: an every-row-dynamic server

/// The older recording answers every row as dynamic: the defaults it
/// reports (`local.*`, `ssl.*`, the receive buffer…) are not taken for
/// user settings, by `export` and by `prune: true` alike.
#[test]
fn an_every_row_dynamic_server_does_not_make_defaults_look_user_set() {
    let env = cloud();
    ui_test(&env, &["mirror_active.json"]);
    let (r, text) = export(&env);
    for key in [
        "local.",
        "ssl.",
        "replica.socket.receive.buffer.bytes",
        "client.dns.lookup",
    ] {
        assert!(
            !text.contains(&format!("\n      {key}")),
            "{key} exported:\n{text}"
        );
    }
    snapshot_settings(&env).bind(|| {
        insta::assert_snapshot!("confluent_recorded__export_all_dynamic", text);
    });
    // Secrets whose presence every-dynamic rows cannot tell: notes.
    assert_has(
        &r.stderr,
        "`sasl.jaas.config`, `ssl.key.password`, `ssl.keystore.certificate.chain`, `ssl.keystore.key`, `ssl.truststore.certificates` may or may not be set",
    );
    run_exits(&env, 0, &["validate", "--strict", "-f", "exported.yaml"]);

    // The export with `prune: true`: the manifest is the whole truth, and
    // still nothing is reset.
    let pruning = text.replace("    source: us\n", "    source: us\n    prune: true\n");
    env.write_manifest("pruning.yaml", &pruning);
    let plan = run_exits(
        &env,
        0,
        &["plan", "--detailed-exitcode", "-f", "pruning.yaml"],
    );
    assert_eq!(
        plan.stdout,
        "No changes. Live state matches the manifest.\n"
    );
}

// ----------------------------- item 4: an absent section is left alone

#[test]
fn an_absent_section_leaves_its_live_keys_alone_unless_the_link_prunes() {
    let env = cloud();
    tf_link(&env, "link_configs_updated.json");
    // No consumer_offset_sync, no acl_sync: consumer.offset.sync.ms 30001
    // and acl.sync.ms 5101 stay as they are.
    env.write_manifest("linkctl.yaml", &tf_link_manifest(&env, ""));
    let plan = run_exits(&env, 0, &["plan", "--detailed-exitcode"]);
    // The plan says what it leaves alone (and warns: the secret is set, and
    // no fingerprint tells its value).
    assert!(
        plan.stdout.starts_with(concat!(
            "No changes. Live state matches the manifest.\n\n",
            "Not managed by this manifest (left alone):\n",
            "  europe / link tf-link: `acl_sync` is not in the manifest, so the link's `acl.sync.ms` stays as it is; ",
            "declare the section, or set `prune: true` on the link, to manage it\n",
            "  europe / link tf-link: `consumer_offset_sync` is not in the manifest, so the link's `consumer.offset.sync.ms` stays as it is; ",
            "declare the section, or set `prune: true` on the link, to manage it\n",
            "\nWarnings:\n  - europe/tf-link: sensitive config `sasl.jaas.config` is set",
        )),
        "{plan:#?}"
    );
    let json = run_exits(&env, 0, &["plan", "--format", "json"]);
    let json: Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(
        json["unmanaged"].as_array().map(Vec::len),
        Some(2),
        "{json}"
    );
    assert_eq!(json["unmanaged"][1]["link"], "tf-link");

    // Declared without its interval: the section manages its keys, and
    // the plan says why it resets one.
    env.write_manifest(
        "linkctl.yaml",
        &tf_link_manifest(&env, "    consumer_offset_sync:\n      enabled: false\n"),
    );
    let plan = run_exits(&env, 2, &["plan", "--detailed-exitcode"]);
    assert_has(
        &plan.stdout,
        "# `consumer.offset.sync.ms` is reset to its default: the link declares `consumer_offset_sync`, which does not set it\n",
    );
    assert_has(
        &plan.stdout,
        "- consumer.offset.sync.ms = \"30001\" -> (default)",
    );
    assert!(!plan.stdout.contains("- acl.sync.ms"), "{}", plan.stdout);
    assert_has(
        &plan.stdout,
        "tf-link: `acl_sync` is not in the manifest, so the link's `acl.sync.ms` stays as it is",
    );

    // With `prune: true`, every key the manifest does not declare.
    env.write_manifest("linkctl.yaml", &tf_link_manifest(&env, "    prune: true\n"));
    let plan = run_exits(&env, 2, &["plan", "--detailed-exitcode"]);
    for key in ["acl.sync.ms", "consumer.offset.sync.ms"] {
        assert_has(
            &plan.stdout,
            &format!("# `{key}` is reset to its default: the link says `prune: true` and does not declare it\n"),
        );
    }
}

/// The older recording has auto-create on with `include "*"`: a manifest
/// without `auto_create_mirrors` neither switches it off nor drops the filter.
#[test]
fn auto_create_left_on_when_the_manifest_does_not_declare_it() {
    let env = cloud();
    ui_test(&env, &["mirror_active.json"]);
    let link = format!("  ui-test:\n    source: us\n    destination: europe\n    config:\n{CLIENT}    mirrors:\n      - topic: orders\n");
    env.write_manifest("linkctl.yaml", &manifest(&env, &link));
    let plan = run_exits(&env, 0, &["plan", "--detailed-exitcode"]);
    assert!(!plan.stdout.contains("- auto.create"), "{plan:#?}");
    assert_has(
        &plan.stdout,
        "  europe / link ui-test: `auto_create_mirrors` is not in the manifest, so the link's `auto.create.mirror.topics.enable`, `auto.create.mirror.topics.filters` stay as they are; declare the section, or set `prune: true` on the link, to manage them\n",
    );
}

// ----------------------------------------------------- items 2, 5, 6: status

#[test]
fn status_of_recorded_mirrors() {
    let env = cloud();
    ui_test(&env, &["mirror_paused.json", "mirror_prefix_stopped.json"]);
    // The list has no link_state; the describe of the same run (the CLI test
    // server's word) has.
    env.eu.seed_link("ui-test", SOURCE_ID, &[]);
    env.eu.set_link_state("ui-test", Some("AVAILABLE"));
    env.eu
        .serve_recorded_topic_configs("orders", 6, fixture("topic_configs.json"));
    let link = format!("  ui-test:\n    source: us\n    destination: europe\n    config:\n{CLIENT}    mirrors:\n      - topic: orders\n        state: paused\n");
    env.write_manifest("linkctl.yaml", &manifest(&env, &link));

    let r = run_exits(&env, 0, &["status", "--format", "json"]);
    let report: Value = serde_json::from_str(&r.stdout).expect("json");
    let l = &report["links"][0];
    assert_eq!(l["state"], "AVAILABLE", "taken from the describe");
    let orders = &l["mirrors"][0];
    assert_eq!(orders["name"], "orders");
    assert_eq!(orders["status"], "PAUSED");
    // Only the topic's own overrides, not the broker's values.
    assert_eq!(
        orders["configs"],
        serde_json::json!({"max.message.bytes": "12345", "retention.ms": "6789"})
    );
    // Nothing fetched yet (`last_source_fetch_offset: -1`): lag unknown.
    assert_eq!(orders["total_lag"], Value::Null);
    assert!(orders["lags"]
        .as_array()
        .expect("lags")
        .iter()
        .all(|p| p["lag"].is_null() && p["last_source_fetch_offset"] == -1));
    assert_eq!(orders["state_time_ms"], 1_662_878_304_410i64);
    assert_eq!(orders["state_since"], "2022-09-11T06:38:24Z");
    assert_eq!(l["mirrors"][1]["status"], "STOPPED");

    let text = run_exits(&env, 0, &["status"]);
    assert!(!text.stdout.contains("segment.bytes"), "{}", text.stdout);
    snapshot_settings(&env).bind(|| {
        insta::assert_snapshot!("confluent_recorded__status", text.stdout);
    });
}

/// Without the describe's word either, the state is `NOT_REPORTED`.
#[test]
fn status_says_not_reported_when_no_answer_has_a_link_state() {
    let env = cloud();
    ui_test(&env, &[]);
    env.eu
        .serve_recorded("links/ui-test", fixture("link_describe.json"));
    let link = "  ui-test:\n    source: us\n    destination: europe\n";
    env.write_manifest("linkctl.yaml", &manifest(&env, link));
    let r = run_exits(&env, 0, &["status", "--format", "json"]);
    let report: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(report["links"][0]["state"], "NOT_REPORTED");
}

// ---------------------------------------- item 8: read-only keys on create

/// `metadata.max.age.ms` is read-only on Cloud (every recording says so):
/// a new link setting it gets a warning, an error with `--strict`.
#[test]
fn a_new_link_setting_a_key_read_only_on_cloud_is_warned_about() {
    let env = cloud();
    ui_test(&env, &[]);
    let link = "  new-link:\n    source: us\n    destination: europe\n    config:\n      metadata.max.age.ms: 5000\n      acl.sync.ms: 6000\n";
    env.write_manifest("linkctl.yaml", &manifest(&env, link));
    let plan = run_exits(&env, 2, &["plan", "--detailed-exitcode"]);
    let all = format!("{}{}", plan.stdout, plan.stderr);
    assert_has(
        &all,
        "`metadata.max.age.ms` is read-only on Confluent Cloud",
    );
    assert_has(&all, "read_created_cluster_link_config.json @ 3d2b922");
    assert!(!all.contains("`acl.sync.ms` is read-only"), "{all}");
    let strict = run_exits(&env, 1, &["plan", "--strict"]);
    let all = format!("{}{}", strict.stdout, strict.stderr);
    assert_has(
        &all,
        "`metadata.max.age.ms` is read-only on Confluent Cloud",
    );
    assert!(env.writes().is_empty());
}

/// Elsewhere, another link of the same cluster that reports the key
/// read-only is the evidence.
#[test]
fn a_read_only_row_of_another_link_on_the_cluster_is_evidence_too() {
    let env = CliEnv::start();
    env.eu.seed_link("other", "us-cluster", &[]);
    let text = std::fs::read_to_string(env.seed_step("01-link.yaml")).expect("seed");
    let text = text.replace(
        "      metadata.max.age.ms: 5000\n",
        "      metadata.max.age.ms: 5000\n      cluster.link.retry.timeout.ms: 1000\n",
    );
    env.write_manifest("linkctl.yaml", &text);
    let plan = env.run(&["plan"]);
    let all = format!("{}{}", plan.stdout, plan.stderr);
    assert_has(
        &all,
        "`cluster.link.retry.timeout.ms` is read-only on `europe`: link `other` there says so",
    );
    assert!(!all.contains("`metadata.max.age.ms` is read-only"), "{all}");
}

// ------------------------------------------------------ item 9: modeline

#[test]
fn the_modeline_names_a_schema_only_where_it_exists() {
    let env = cloud();
    tf_link(&env, "link_configs_created.json");
    env.write_manifest("linkctl.yaml", &manifest(&env, ""));
    let text = run_exits(&env, 0, &["export"]).stdout;
    assert!(
        text.starts_with("# Exported by linkctl"),
        "no modeline:\n{text}"
    );
    std::fs::write(env.dir.path().join("linkctl.schema.json"), "{}").expect("schema");
    let text = run_exits(&env, 0, &["export"]).stdout;
    assert!(
        text.starts_with("# yaml-language-server: $schema=linkctl.schema.json\n"),
        "{text}"
    );
    let text = run_exits(
        &env,
        0,
        &["export", "--schema", "https://example.com/s.json"],
    )
    .stdout;
    assert!(text.starts_with("# yaml-language-server: $schema=https://example.com/s.json\n"));
}

// -------------------------------------------------------- item 10: wording

/// A deleted mirror topic the link keeps listing: the progress says how
/// long linkctl has waited, the failure says "still listed" once, and the
/// report does not claim that something was not attempted.
#[test]
fn a_mirror_topic_that_stays_listed_is_reported_in_plain_words() {
    let env = CliEnv::start();
    let text = std::fs::read_to_string(env.seed_step("02-mirror.yaml")).expect("seed");
    env.run_exits(0, &["apply", "--auto-approve"]);
    // The mirror is gone from the model once deleted, but the link's
    // mirror list keeps naming it.
    let listed = serde_json::json!({"kind": "KafkaMirrorDataList", "metadata": {"self": "x", "next": null},
        "data": [{"kind": "KafkaMirrorData", "metadata": {"self": "x"}, "link_name": "demo-link",
          "mirror_topic_name": "demo", "source_topic_name": "demo", "num_partitions": 1,
          "mirror_lags": [], "mirror_status": "ACTIVE", "state_time_ms": 1}]});
    env.eu.serve_recorded("links/demo-link/mirrors", listed);
    let text = text.replace("    mirrors:\n      - topic: demo\n", "    prune: true\n");
    env.write_manifest("linkctl.yaml", &text);
    let r = env.run(&["apply", "--auto-approve", "--wait-timeout", "1"]);
    assert_eq!(r.code, 1, "{r:#?}");
    assert_has(
        &r.stdout,
        "mirror topic demo (deleted) still listed after waiting",
    );
    assert!(!r.stdout.contains("still still"), "{r:#?}");
    assert_has(
        &r.stdout,
        "Apply failed: 0 done, 1 failed, 0 not attempted.\n",
    );
    assert!(!r.stdout.contains("Nothing after the failure"), "{r:#?}");
    assert_has(&r.stderr, "still waiting after ");
    assert_has(&r.stderr, "for 1 mirror topic(s) to disappear");
    assert!(!r.stderr.contains("waiting 0.0 s for"), "{r:#?}");
}

// ------------------------------------------ the recordings and the specs

/// Every recording, served at its path and fetched as linkctl would: what
/// the published response schemas (the double's contract) say of bodies a
/// real Confluent Cloud sent. The list is the spec's deviations from the
/// server, not linkctl's: the reader accepts every one of them (above).
#[tokio::test]
async fn what_the_published_specs_say_of_the_recorded_answers() {
    use support::confluent_double::Double;
    let eu = Double::start(DEST_ID).await;
    let served = [
        ("links", "links_list.json"),
        ("links/ui-test", "link_describe.json"),
        ("links/tf-link/configs", "link_configs_created.json"),
        ("links/api-link/configs", "link_configs_updated.json"),
        ("links/ui-test/configs", "link_configs_all_dynamic.json"),
        ("links/ui-test/mirrors/orders", "mirror_active.json"),
        ("links/api-link/mirrors/orders", "mirror_paused.json"),
        (
            "links/ui-test/mirrors/us_orders",
            "mirror_prefix_active.json",
        ),
        (
            "links/api-link/mirrors/us_orders",
            "mirror_prefix_stopped.json",
        ),
        ("topics/orders/configs", "topic_configs.json"),
    ];
    let http = reqwest::Client::new();
    for (path, name) in served {
        eu.serve_recorded(path, fixture(name));
        let url = format!("{}/v3/clusters/{DEST_ID}/{path}", eu.rest_url());
        let r = http.get(&url).send().await.expect("GET");
        assert_eq!(r.status(), 200, "{path}");
        let body: Value = r.json().await.expect("json");
        assert_eq!(body, fixture(name), "{path} served verbatim");
    }
    assert!(eu.violations().is_empty(), "{:?}", eu.violations());
    // The one deviation: a config row whose value is `null` (a secret, or a
    // key that is not set), where the spec's `value` is a string. Link,
    // mirror and topic-config bodies pass, though they leave out fields the
    // double always sent (`link_state`, `mirror_topic_error`, tasks) and add
    // some (`synonyms`, `resource_name`, the deprecated `link_id`).
    let mut expected = Vec::new();
    for (path, name) in served
        .iter()
        .filter(|(p, _)| p.starts_with("links/") && p.ends_with("/configs"))
    {
        for (i, row) in fixture(name)["data"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            if row["value"].is_null() {
                expected.push(format!(
                    "GET /clusters/{DEST_ID}/{path}: GET /clusters/{{cluster_id}}/links/{{link_name}}/configs → 200: body/data/{i}/value: null is not of type \"string\""
                ));
            }
        }
    }
    assert_eq!(
        expected.len(),
        13 + 13 + 14,
        "null rows: 13 per recent recording, 14 in the older one"
    );
    assert_eq!(eu.response_problems(), expected);
    // The older recording adds one: `connection.mode`, unset.
    assert_eq!(
        fixture("link_configs_all_dynamic.json")["data"][9]["name"],
        "connection.mode"
    );
}

/// Every fixture names its source (repository, path, commit) in its
/// `_source` header, and the fixtures' README lists it.
#[test]
fn every_fixture_names_its_source() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/confluent_cloud");
    let readme = std::fs::read_to_string(dir.join("README.md")).expect("README");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        let text = std::fs::read_to_string(&path).expect("fixture");
        let v: Value = serde_json::from_str(&text).expect("json");
        let source = &v["_source"];
        assert_eq!(
            source["repository"], "confluentinc/terraform-provider-confluent",
            "{name}"
        );
        let commit = source["commit"].as_str().expect("commit");
        assert_eq!(commit.len(), 40, "{name}: a full commit id");
        let file = source["path"].as_str().expect("path");
        assert!(file.starts_with("internal/testdata/"), "{name}: {file}");
        assert!(
            readme.contains(&commit[..7]),
            "{name}: README names commit {commit}"
        );
        assert!(readme.contains(name), "README lists {name}");
        fixture(name);
        n += 1;
    }
    assert_eq!(n, 10);
}
