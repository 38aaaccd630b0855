//! `linkctl show PLANFILE` through the real binary, against the Confluent
//! doubles: every seed step is planned to a file, shown in the three
//! formats (snapshots), then applied from that file; the text shown is
//! exactly what `plan` printed, and a 200-mirror plan's Markdown is cut at
//! the comment limit with a line saying what was left out.

mod support;

use serde_json::Value;
use support::cli::{snapshot_settings, CliEnv, Run};

/// The snapshot settings with the plan's creation time and the manifest
/// fingerprints (the manifest holds the doubles' ports) filtered out.
fn settings(env: &CliEnv) -> insta::Settings {
    let mut s = snapshot_settings(env);
    s.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[created_at]");
    s.add_filter(
        r#""(manifest|written)_fingerprint": "sha256:[0-9a-f]+""#,
        r#""${1}_fingerprint": "[fingerprint]""#,
    );
    s
}

fn show(env: &CliEnv, format: &str) -> Run {
    let r = env.run(&["show", "plan.json", "--format", format]);
    assert_eq!(r.code, 0, "show --format {format}: {r:#?}");
    assert_eq!(r.stderr, "", "show --format {format}");
    r
}

/// Plans `manifest` to `plan.json`, snapshots `show` in each format, and
/// returns the text plan `plan` printed.
fn plan_and_show(env: &CliEnv, manifest: &str, name: &str) -> String {
    env.seed_step(manifest);
    let plan = env.run(&["plan", "-o", "plan.json"]);
    assert_eq!(plan.code, 0, "{name}: {plan:#?}");
    let printed = plan
        .stdout
        .strip_suffix("Saved the plan to plan.json.\n")
        .expect("saved line")
        .to_string();
    let text = show(env, "text");
    assert!(
        text.stdout.ends_with(&printed),
        "{name}: show prints the plan exactly as plan did\n{}\n---\n{printed}",
        text.stdout
    );
    assert!(
        text.stdout.contains("manifest:  linkctl.yaml matches"),
        "{text:#?}"
    );
    let json = show(env, "json");
    let v: Value = serde_json::from_str(&json.stdout).expect("JSON");
    let planned = env.run(&["plan", "--format", "json"]);
    let mut without: Value = v.clone();
    without
        .as_object_mut()
        .expect("object")
        .remove("saved_plan");
    assert_eq!(
        without,
        serde_json::from_str::<Value>(&planned.stdout).expect("plan JSON"),
        "{name}: the JSON plan is plan's, plus `saved_plan`"
    );
    let markdown = show(env, "markdown");
    let s = settings(env);
    s.bind(|| {
        insta::assert_snapshot!(
            format!("show__{name}"),
            format!(
                "--- text\n{}--- json\n{}--- markdown\n{}",
                text.stdout, json.stdout, markdown.stdout
            )
        )
    });
    printed
}

#[test]
fn show_renders_every_seed_step_as_planned() {
    let env = CliEnv::start();
    for (manifest, name) in [
        ("01-link.yaml", "s1_create_link"),
        ("02-mirror.yaml", "s2_mirror_demo"),
        ("05-exclude-group.yaml", "s5_filter_change"),
        ("10-promote.yaml", "s10_promote"),
        ("11-delete-link.yaml", "s11_delete_link"),
    ] {
        plan_and_show(&env, manifest, name);
        let apply = env.run(&["apply", "plan.json", "--auto-approve"]);
        assert_eq!(apply.code, 0, "{name}: apply the shown plan\n{apply:#?}");
    }
}

#[test]
fn show_says_when_the_manifest_changed_or_cannot_be_checked() {
    let env = CliEnv::seeded("02-mirror.yaml");
    assert_eq!(env.run(&["plan", "-o", "plan.json"]).code, 0);
    // Another manifest on disk: apply would refuse the plan.
    env.seed_step("05-exclude-group.yaml");
    let r = env.run_exits(0, &["show", "plan.json"]);
    assert!(
        r.stdout
            .contains("manifest:  linkctl.yaml changed since the plan was made"),
        "{r:#?}"
    );
    // No manifest here (the commenting job may have none): not checked.
    let r = env.run_exits(
        0,
        &[
            "-f",
            "elsewhere.yaml",
            "show",
            "plan.json",
            "--format",
            "json",
        ],
    );
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(v["saved_plan"]["manifest"]["status"], "not_checked");
    assert!(v["saved_plan"]["created_at"].as_str().is_some());
    assert_eq!(
        v["saved_plan"]["clusters"]["europe"]["cluster_id"],
        "eu-cluster"
    );
    // A job without the cluster secrets compares the manifest as written;
    // with another secret value, the manifest changed.
    let text = std::fs::read_to_string(env.dir.path().join("linkctl.yaml")).expect("manifest");
    env.write_manifest(
        "linkctl.yaml",
        &text.replace(
            "    config:\n",
            "    config:\n      sasl.jaas.config: \"${env:REST_SECRET}\"\n",
        ),
    );
    let r = env.run_with(&[("REST_SECRET", "one")], &["plan", "-o", "secret.json"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let r = env.run(&["show", "secret.json", "--format", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(
        v["saved_plan"]["manifest"]["status"], "matches_as_written",
        "{r:#?}"
    );
    let r = env.run(&["show", "secret.json"]);
    assert!(
        r.stdout
            .contains("(secrets not compared: ${env:REST_SECRET} not set here)"),
        "{r:#?}"
    );
    let r = env
        .cmd()
        .env("REST_SECRET", "two")
        .args(["show", "secret.json", "--format", "json"])
        .output()
        .expect("show");
    let v: Value = serde_json::from_slice(&r.stdout).expect("JSON");
    assert_eq!(v["saved_plan"]["manifest"]["status"], "changed");

    // Not a plan file, and a plan of another format version.
    env.write_manifest("bad.json", "{}");
    let r = env.run(&["show", "bad.json"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("not a linkctl saved plan"), "{r:#?}");
    let text = std::fs::read_to_string(env.dir.path().join("plan.json")).expect("plan");
    env.write_manifest(
        "old.json",
        &text.replace("\"saved_plan_version\": 3", "\"saved_plan_version\": 1"),
    );
    let r = env.run(&["show", "old.json"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("saved plan format version 1 is not supported"),
        "{r:#?}"
    );
}

/// A topic name of 120 characters (long names are common where topic names
/// carry team, domain, data set and version).
fn long_topic(i: usize) -> String {
    let t = format!(
        "sales.emea.order-service.order-line-items.enriched-with-customer-and-product-dimensions.compacted.v3.partitioned.p{i:03}"
    );
    format!("{t}{}", "x".repeat(120 - t.len()))
}

#[test]
fn a_200_mirror_plan_is_cut_at_the_comment_limit() {
    let env = CliEnv::start();
    let base = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed/02-mirror.yaml"),
    )
    .expect("seed");
    let mirrors: String = (0..200)
        .map(|i| format!("      - topic: {}\n", long_topic(i)))
        .collect();
    let text = env
        .point_at_doubles(&base)
        .replace("      - topic: demo\n", &mirrors);
    env.write_manifest("linkctl.yaml", &text);
    let plan = env.run_exits(2, &["plan", "-o", "plan.json", "--detailed-exitcode"]);
    assert!(
        plan.stdout.len() > 60_000,
        "the text plan is longer than a comment"
    );

    let markdown = show(&env, "markdown");
    let chars = markdown.stdout.chars().count();
    assert!(chars <= 60_000, "{chars} characters");
    assert!(chars > 55_000, "cut near the limit: {chars} characters");
    let last = markdown.stdout.lines().last().expect("a last line");
    assert!(
        last.contains("were left out to fit a comment")
            && last.contains("run `linkctl show plan.json`"),
        "{last}"
    );
    assert_eq!(
        markdown.stdout.matches("<details>").count(),
        markdown.stdout.matches("</details>").count(),
        "every block is closed"
    );
    assert_eq!(
        markdown.stdout.matches("\n```").count() % 2,
        0,
        "every fence is closed"
    );
    let from_plan = env.run_exits(0, &["plan", "--format", "markdown", "-o", "again.json"]);
    assert!(from_plan.stdout.chars().count() <= 60_000);

    let text = show(&env, "text");
    assert!(text.stdout.ends_with(
        plan.stdout
            .strip_suffix("Saved the plan to plan.json.\n")
            .expect("saved line")
    ));
    let json = show(&env, "json");
    let mut v: Value = serde_json::from_str(&json.stdout).expect("JSON");
    let actions = v["actions"].as_array_mut().expect("actions");
    assert_eq!(actions.len(), 201);
    // The snapshot keeps the first two actions (the link and one mirror).
    actions.truncate(2);
    let trimmed = serde_json::to_string_pretty(&v).expect("JSON");
    // Keep the snapshot readable: the head and tail of the Markdown, and
    // its length; the middle is 200 alike mirror blocks.
    let lines: Vec<&str> = markdown.stdout.lines().collect();
    let head = lines[..24].join("\n");
    let tail = lines[lines.len() - 8..].join("\n");
    let s = settings(&env);
    s.bind(|| {
        insta::assert_snapshot!(
            "show__200_mirrors",
            format!(
                "--- text (first 12 lines)\n{}\n--- json (first 2 of 201 actions)\n{trimmed}\n--- markdown ({chars} characters, {} lines): first 24 lines\n{head}\n--- markdown: last 8 lines\n{tail}\n",
                text.stdout.lines().take(12).collect::<Vec<_>>().join("\n"),
                lines.len()
            )
        )
    });
}
