//! `linkctl apply --format json` through the real binary, against the
//! Confluent doubles: stdout holds only JSON lines, one event object per line,
//! whatever the outcome (applied, nothing to do, refused before applying).

mod support;

use serde_json::Value;
use support::cli::{CliEnv, Run};

/// Every stdout line, parsed; fails unless each one is a JSON object with an
/// `event` string.
fn events(r: &Run) -> Vec<Value> {
    assert!(
        r.stdout.is_empty() || r.stdout.ends_with('\n'),
        "{:?}",
        r.stdout
    );
    r.stdout
        .lines()
        .map(|l| {
            let v: Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l:?}"));
            assert!(v["event"].is_string(), "not an event: {l}");
            v
        })
        .collect()
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["event"].as_str().expect("event"))
        .collect()
}

fn counts(summary: &Value) -> (Option<u64>, Option<u64>, Option<u64>) {
    (
        summary["done"].as_u64(),
        summary["failed"].as_u64(),
        summary["not_attempted"].as_u64(),
    )
}

#[test]
fn apply_then_no_change_apply_emit_only_json_events() {
    let env = CliEnv::seeded("02-mirror.yaml");
    let planned = env.run_exits(0, &["plan", "--format", "json"]);
    let planned: Value = serde_json::from_str(&planned.stdout).expect("plan JSON");

    let r = env.run_exits(0, &["apply", "--auto-approve", "--format", "json"]);
    let ev = events(&r);
    let k = kinds(&ev);
    assert_eq!(k.first(), Some(&"plan"), "{k:?}");
    assert_eq!(
        ev[0]["plan"], planned,
        "the plan event holds `plan --format json`'s object"
    );
    assert_eq!(&k[k.len() - 2..], ["summary", "converged"], "{k:?}");
    assert_eq!(k.iter().filter(|k| **k == "action_started").count(), 2);
    assert_eq!(k.iter().filter(|k| **k == "action_done").count(), 2);
    assert!(!k.contains(&"action_failed") && !k.contains(&"error"));
    assert_eq!(counts(&ev[ev.len() - 2]), (Some(2), Some(0), Some(0)));
    assert_eq!(r.stderr, "", "nothing on stderr either");
    assert_eq!(
        env.eu.mirror_status("demo-link", "demo").as_deref(),
        Some("ACTIVE")
    );

    // Nothing left to do: the plan, then a summary with zero counts.
    env.clear_logs();
    let r = env.run_exits(0, &["apply", "--auto-approve", "--format", "json"]);
    let ev = events(&r);
    assert_eq!(kinds(&ev), ["plan", "summary"]);
    assert_eq!(ev[0]["plan"]["has_changes"], Value::Bool(false));
    assert_eq!(counts(&ev[1]), (Some(0), Some(0), Some(0)));
    assert_eq!(env.writes(), Vec::<String>::new());
}

#[test]
fn refusals_before_applying_are_json_error_events() {
    let env = CliEnv::seeded("02-mirror.yaml");

    // No terminal and no --auto-approve: the plan, then the refusal.
    let r = env.run_exits(1, &["apply", "--format", "json"]);
    let ev = events(&r);
    assert_eq!(kinds(&ev), ["plan", "error"]);
    let message = ev[1]["message"].as_str().expect("message");
    assert!(
        message.contains("--auto-approve") && message.contains("nothing was changed"),
        "{message}"
    );
    assert_eq!(env.writes(), Vec::<String>::new());

    // A saved plan made stale by an out-of-band change.
    assert_eq!(env.run(&["apply", "--auto-approve"]).code, 0);
    env.seed_step("05-exclude-group.yaml");
    env.run_exits(0, &["plan", "-o", "plan.json"]);
    env.eu
        .set_link_config("demo-link", "consumer.offset.sync.ms", "9999");
    env.clear_logs();
    let r = env.run_exits(
        1,
        &["apply", "--auto-approve", "--format", "json", "plan.json"],
    );
    let ev = events(&r);
    assert_eq!(kinds(&ev), ["error"]);
    let message = ev[0]["message"].as_str().expect("message");
    assert!(
        message.contains("refusing to apply `plan.json`"),
        "{message}"
    );
    assert!(
        r.stderr.contains("refusing to apply `plan.json`"),
        "people still read it on stderr: {}",
        r.stderr
    );
    assert_eq!(env.writes(), Vec::<String>::new());

    // An invalid manifest: diagnostics on stderr, one error event on stdout.
    env.write_manifest("linkctl.yaml", "version: 1\nclusters: 7\n");
    let r = env.run_exits(1, &["apply", "--auto-approve", "--format", "json"]);
    assert_eq!(kinds(&events(&r)), ["error"]);
    assert!(!r.stderr.is_empty());
}
