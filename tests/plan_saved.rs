//! Saved plans: round trip, staleness, and the `plan` command end to end.

mod common;

use assert_cmd::Command;
use common::*;
use linkctl::backend::registry;
use linkctl::plan::saved::{SavedPlan, SavedPlanError, StalePlan};
use linkctl::plan::{plan, PlanOptions};
use linkctl::state::{file as state_file, MirrorStatus};

const MANIFEST: &str = r#"version: 1
clusters:
  us: { bootstrap: "localhost:19092", rest: "http://localhost:18090/kafka", cluster_id: us-id }
  europe: { bootstrap: "localhost:29092", rest: "http://localhost:28090/kafka", cluster_id: eu-id }
links:
  demo-link:
    source: us
    destination: europe
    consumer_offset_sync:
      groups:
        - include: "*"
    mirrors:
      - topic: demo
"#;

#[test]
fn saved_plan_round_trips_and_detects_staleness() {
    let m = manifest(MANIFEST);
    let live0 = seed_live();
    let opts = PlanOptions::default();
    let p = plan(&m, &live0, &opts, &registry::models());
    let saved = SavedPlan::new(p.clone(), &m, &opts, &live0, "2025-01-02T03:04:05Z");
    let back = SavedPlan::from_json(&saved.to_json()).expect("round trip");
    assert_eq!(back, saved);
    assert_eq!(back.check_fresh(&m, &live0), Ok(()));

    // The live state moved (the link was created by someone else).
    let moved = apply(&m, &live0, &p);
    assert!(matches!(
        back.check_fresh(&m, &moved),
        Err(StalePlan::LiveStateChanged { .. })
    ));
    // Partition counts (like lag) do not make a plan stale.
    let mut lagging = moved.clone();
    let mut p2 = SavedPlan::new(
        plan(&m, &moved, &opts, &registry::models()),
        &m,
        &opts,
        &moved,
        "2025-01-02T03:04:05Z",
    );
    link_mut(&mut lagging, "europe", "demo-link")
        .mirrors
        .get_mut("demo")
        .expect("mirror")
        .partitions = 8;
    assert_eq!(p2.check_fresh(&m, &lagging), Ok(()));
    link_mut(&mut lagging, "europe", "demo-link")
        .mirrors
        .get_mut("demo")
        .expect("mirror")
        .status = MirrorStatus::Paused;
    assert!(p2.check_fresh(&m, &lagging).is_err());

    // The manifest changed.
    let edited = manifest(&MANIFEST.replace("topic: demo", "topic: other"));
    assert_eq!(
        back.check_fresh(&edited, &live0),
        Err(StalePlan::ManifestChanged)
    );

    p2.saved_plan_version = 99;
    let newer = SavedPlan::from_json(&p2.to_json()).expect_err("newer version refused");
    assert!(matches!(newer, SavedPlanError::Version { found: 99 }));
    assert!(
        newer.to_string().contains("written by a newer linkctl"),
        "{newer}"
    );
    p2.saved_plan_version = 1;
    let older = SavedPlan::from_json(&p2.to_json()).expect_err("older version refused");
    assert!(
        older
            .to_string()
            .contains("run `linkctl plan -o FILE` again"),
        "{older}"
    );
}

#[test]
fn plan_command_exit_codes_and_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mpath = dir.path().join("linkctl.yaml");
    std::fs::write(&mpath, MANIFEST).expect("write manifest");
    let spath = dir.path().join("live.json");
    state_file::save(&spath, &seed_live()).expect("save state");
    let out = dir.path().join("plan.json");

    let assert = Command::cargo_bin("linkctl")
        .expect("binary")
        .args(["--no-color", "-f"])
        .arg(&mpath)
        .args(["plan", "--detailed-exitcode", "--state"])
        .arg(&spath)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(stdout.contains("+ create link demo-link"), "{stdout}");
    assert!(stdout.contains("Plan: 2 to create"), "{stdout}");
    let saved =
        SavedPlan::from_json(&std::fs::read_to_string(&out).expect("saved")).expect("parses");
    assert_eq!(saved.plan.actions.len(), 2);

    // Converged state: exit 0, JSON says no changes.
    let m = manifest(MANIFEST);
    let p = plan(
        &m,
        &seed_live(),
        &PlanOptions::default(),
        &registry::models(),
    );
    state_file::save(&spath, &apply(&m, &seed_live(), &p)).expect("save state");
    let assert = Command::cargo_bin("linkctl")
        .expect("binary")
        .arg("-f")
        .arg(&mpath)
        .args(["--format", "json", "plan", "--detailed-exitcode", "--state"])
        .arg(&spath)
        .assert()
        .code(0);
    let json: serde_json::Value =
        serde_json::from_slice(&assert.get_output().stdout).expect("json output");
    assert_eq!(json["has_changes"], false);
    assert_eq!(json["format_version"], 1);

    // A manifest error: exit 1 with a diagnostic.
    std::fs::write(
        &mpath,
        "version: 1\nclusters: {}\nlinks:\n  x:\n    sauce: us\n",
    )
    .expect("write");
    Command::cargo_bin("linkctl")
        .expect("binary")
        .arg("-f")
        .arg(&mpath)
        .args(["plan", "--state"])
        .arg(&spath)
        .assert()
        .code(1);
}
