//! The Confluent engine through the real binary, against two contract
//! doubles (`us`, `europe`): the seed scenario step by step, approval, stale
//! saved plans, a failure halfway and the cluster-id guard (JSON events:
//! `confluent_apply_json.rs`).
//!
//! The manifests are `examples/seed/*.yaml` pointed at the doubles; their
//! `bootstrap` addresses resolve nowhere, which proves that `plan` and
//! `apply` of a Confluent-only manifest need no Kafka connection.

mod support;

use serde_json::Value;
use support::cli::{assert_has, snapshot_settings, without_waiting, CliEnv, Run};
use support::confluent_double::Fault;

/// `plan` output, `apply --auto-approve` output (stdout, stderr and the
/// writes the doubles received) for one seed step, then the no-change check.
fn step(env: &CliEnv, manifest: &str, name: &str) {
    env.seed_step(manifest);
    let settings = snapshot_settings(env);
    let plan = env.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{name}: plan shows changes\n{plan:#?}");
    assert_eq!(without_waiting(&plan.stderr), "", "{name}");
    settings.bind(|| insta::assert_snapshot!(format!("confluent_cli__{name}__plan"), plan.stdout));

    env.clear_logs();
    let apply = env.run(&["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{name}: apply\n{apply:#?}");
    let text = format!(
        "--- stdout\n{}--- stderr\n{}--- writes\n{}\n",
        apply.stdout,
        without_waiting(&apply.stderr),
        env.writes().join("\n")
    );
    settings.bind(|| insta::assert_snapshot!(format!("confluent_cli__{name}__apply"), text));

    let again = env.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{name}: no changes after apply\n{again:#?}");
    assert_eq!(
        again.stdout,
        "No changes. Live state matches the manifest.\n"
    );
}

#[test]
fn seed_scenario_step_by_step() {
    let env = CliEnv::start();
    step(&env, "01-link.yaml", "s1_create_link");
    assert_eq!(env.eu.link_names(), ["demo-link".to_string()].into());

    step(&env, "02-mirror.yaml", "s2_mirror_demo");
    assert_eq!(
        env.eu.mirror_status("demo-link", "demo").as_deref(),
        Some("ACTIVE")
    );

    // S9: `status` lists the link's mirror topics. The doubles hold no Kafka,
    // so each cluster is reported as unreadable over the Kafka protocol and
    // what depends on it as unknown; the rest stands.
    let report = env.status_json();
    let link = &report["links"][0];
    assert_eq!(link["name"], "demo-link");
    assert_eq!(link["state"], "ACTIVE");
    let mirrors = link["mirrors"].as_array().expect("mirrors");
    assert_eq!(mirrors.len(), 1);
    assert_eq!(mirrors[0]["name"], "demo");
    assert_eq!(mirrors[0]["status"], "ACTIVE");
    assert_eq!(mirrors[0]["read_only"], true);
    let warnings = report["warnings"].as_array().expect("warnings");
    for cluster in ["us", "europe"] {
        assert!(
            warnings
                .iter()
                .any(|w| w.as_str().is_some_and(|w| w.starts_with(&format!(
                    "cluster `{cluster}` could not be read over the Kafka protocol"
                )))),
            "{report}"
        );
    }
    let text = env.run_no_kafka(&["status"]).stdout;
    assert!(
        text.lines().any(|l| l.trim_start().starts_with("demo ")
            && l.contains("ACTIVE")
            && l.contains("read-only")),
        "{text}"
    );

    step(&env, "05-exclude-group.yaml", "s5_filter_change");
    let filters =
        env.eu.link_configs("demo-link").expect("link")["consumer.offset.group.filters"].clone();
    let filters: Value = serde_json::from_str(&filters).expect("filter JSON");
    assert_eq!(filters["groupFilters"].as_array().map(Vec::len), Some(2));

    step(&env, "10-promote.yaml", "s10_promote");
    assert_eq!(
        env.eu.mirror_status("demo-link", "demo").as_deref(),
        Some("STOPPED")
    );

    step(&env, "11-delete-link.yaml", "s11_delete_link");
    assert!(env.eu.link_names().is_empty());
    assert!(
        env.us.log().iter().all(|r| r.is_read()),
        "nothing is written on the source cluster"
    );
}

#[test]
fn apply_without_a_terminal_or_auto_approve_refuses_and_changes_nothing() {
    let env = CliEnv::seeded("02-mirror.yaml");
    let r = env.run_exits(1, &["apply"]);
    assert_has(
        &r.stderr,
        "standard input is not a terminal; pass --auto-approve; nothing was changed",
    );
    assert!(
        r.stdout.contains("+ create link demo-link"),
        "the plan is shown"
    );
    assert_eq!(env.writes(), Vec::<String>::new());
    assert!(env.eu.link_names().is_empty());
}

#[test]
fn a_saved_plan_is_refused_after_an_out_of_band_change() {
    let env = CliEnv::seeded("02-mirror.yaml");
    assert_eq!(env.run(&["apply", "--auto-approve"]).code, 0);
    env.seed_step("05-exclude-group.yaml");
    let saved = env.run_exits(0, &["plan", "-o", "plan.json"]);
    assert!(saved.stdout.contains("Saved the plan to plan.json."));

    // Someone changes the link behind linkctl's back.
    env.eu
        .set_link_config("demo-link", "consumer.offset.sync.ms", "9999");
    env.clear_logs();
    let r = env.run_exits(1, &["apply", "--auto-approve", "plan.json"]);
    assert_has(&r.stderr, "refusing to apply `plan.json`");
    assert_eq!(env.writes(), Vec::<String>::new());
    let filters = &env.eu.link_configs("demo-link").expect("link")["consumer.offset.group.filters"];
    assert!(
        !filters.contains("my-consumer-group"),
        "the filter change was not applied"
    );

    // Once the change is undone, the same saved plan applies.
    env.eu
        .set_link_config("demo-link", "consumer.offset.sync.ms", "3000");
    env.run_exits(0, &["apply", "--auto-approve", "plan.json"]);
    assert!(
        env.eu.link_configs("demo-link").expect("link")["consumer.offset.group.filters"]
            .contains("my-consumer-group")
    );
}

#[test]
fn a_failure_halfway_reports_done_failed_not_attempted_and_a_rerun_converges() {
    // The third write (the second mirror creation) fails, and so do its 4 retries.
    let env = CliEnv::second_of_three_mirrors_failing("Kafka is unhappy");
    // One create in flight at a time, so the failure meets the second create.
    let r = env.run_exits(1, &["apply", "--auto-approve", "--parallelism", "1"]);
    // The report: everything after the plan's own summary line.
    let report = r
        .stdout
        .split_once("\nPlan: ")
        .and_then(|(_, rest)| rest.split_once('\n'))
        .map(|(_, report)| report)
        .expect("a report");
    assert!(report.contains("Apply failed"), "{report}");
    snapshot_settings(&env)
        .bind(|| insta::assert_snapshot!("confluent_cli__failure_halfway__report", report));
    // The failure stayed local: the third create went on.
    let mirrors: Vec<String> = env
        .eu
        .with(|s| s.links["demo-link"].mirrors.keys().cloned().collect());
    assert_eq!(mirrors, ["demo", "payments"]);

    env.clear_logs();
    let r = env.run_exits(0, &["apply", "--auto-approve"]);
    assert_has(
        &r.stdout,
        "Apply complete: 1 done, 0 failed, 0 not attempted.",
    );
    assert_eq!(
        env.eu.count("POST", "/links/demo-link/mirrors"),
        1,
        "no duplicate creation"
    );
    assert_eq!(
        env.eu.count("POST", "/links"),
        1,
        "the link is not created again"
    );
    let mirrors: Vec<String> = env
        .eu
        .with(|s| s.links["demo-link"].mirrors.keys().cloned().collect());
    assert_eq!(mirrors, ["demo", "orders", "payments"]);
    assert_eq!(env.run(&["plan", "--detailed-exitcode"]).code, 0);
}

#[test]
fn fail_fast_stops_at_the_first_failure() {
    let env = CliEnv::second_of_three_mirrors_failing("Kafka is unhappy");
    let r = env.run_exits(
        1,
        &[
            "apply",
            "--auto-approve",
            "--parallelism",
            "1",
            "--fail-fast",
        ],
    );
    assert_has(
        &r.stdout,
        "Apply failed: 2 done, 1 failed, 1 not attempted.",
    );
    assert_has(
        &r.stdout,
        "skipped europe/demo-link/mirror/payments:create (not attempted)",
    );
    let mirrors: Vec<String> = env
        .eu
        .with(|s| s.links["demo-link"].mirrors.keys().cloned().collect());
    assert_eq!(mirrors, ["demo"]);
    env.run_exits(0, &["apply", "--auto-approve"]);
    assert_eq!(env.run(&["plan", "--detailed-exitcode"]).code, 0);
}

#[test]
fn a_pinned_wrong_cluster_id_is_refused_before_any_write() {
    let env = CliEnv::start();
    let path = env.seed_step("02-mirror.yaml");
    let text = support::pin_cluster_id(
        &std::fs::read_to_string(&path).expect("manifest"),
        &env.eu.rest_url(),
        "eu-PRODUCTION",
    );
    assert!(text.contains("cluster_id: eu-PRODUCTION"));
    env.write_manifest("linkctl.yaml", &text);
    for args in [&["plan"][..], &["apply", "--auto-approve"][..]] {
        let r: Run = env.run(args);
        assert_eq!(r.code, 1, "{args:?}: {r:#?}");
        // Said as a plan error: the cluster could not be read (apply: its
        // apply lock, the first thing apply reads, could not be taken).
        let all = format!("{}{}", r.stdout, r.stderr);
        assert!(all.contains("eu-PRODUCTION"), "{args:?}: {all}");
        let said = if args[0] == "plan" {
            "cluster `europe` could not be read"
        } else {
            "cannot take the apply lock of cluster `europe`"
        };
        assert!(all.contains(said), "{args:?}: {all}");
    }
    assert_eq!(env.writes(), Vec::<String>::new());
    assert!(env.eu.link_names().is_empty());
}

/// The doubles received one write, which starts with `prefix`.
fn one_write_starting(env: &CliEnv, prefix: &str) {
    let writes = env.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert!(writes[0].starts_with(prefix), "{writes:?}");
}

#[test]
fn plan_server_validate_asks_the_server_and_changes_nothing() {
    let env = CliEnv::seeded("01-link.yaml");
    let r = env.run(&["plan", "--server-validate", "--detailed-exitcode"]);
    assert_eq!(r.code, 2, "accepted: changes, no error\n{r:#?}");
    one_write_starting(
        &env,
        "europe: POST /clusters/eu-cluster/links?link_name=demo-link&validate_only=true ",
    );
    assert_eq!(env.eu.count("POST", "/links"), 1);
    assert!(env.eu.link_names().is_empty(), "nothing created");

    assert_eq!(env.run(&["apply", "--auto-approve"]).code, 0);
    env.seed_step("05-exclude-group.yaml");
    env.clear_logs();
    env.eu.add_fault(Fault::new(
        "PUT",
        "/links/demo-link/configs:alter",
        400,
        40002,
        "Invalid value for consumer.offset.group.filters",
        1,
    ));
    let r = env.run(&["plan", "--server-validate", "--detailed-exitcode"]);
    assert_eq!(r.code, 1, "a refusal is a plan error\n{r:#?}");
    assert_has(&r.stdout, "Invalid value for consumer.offset.group.filters");
    snapshot_settings(&env)
        .bind(|| insta::assert_snapshot!("confluent_cli__server_validate_refused__plan", r.stdout));
    one_write_starting(
        &env,
        "europe: PUT /clusters/eu-cluster/links/demo-link/configs:alter?validate_only=true",
    );
    assert!(
        !env.eu.link_configs("demo-link").expect("link")["consumer.offset.group.filters"]
            .contains("my-consumer-group")
    );
}
