//! Faults against the Confluent doubles, through the real binary: a create
//! whose response is lost, a 429 with `Retry-After`, and an interrupt while
//! a mirror is pending. Each ends with `plan` empty after a rerun.

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::cli::CliEnv;

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l:?}")))
        .collect()
}

/// The lifecycle events of action `id` (progress left out), by kind.
fn kinds_of(events: &[Value], id: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["id"] == id)
        .filter_map(|e| e["event"].as_str())
        .filter(|k| *k != "progress")
        .map(str::to_string)
        .collect()
}

fn summary(events: &[Value]) -> &Value {
    events
        .iter()
        .find(|e| e["event"] == "summary")
        .expect("a summary event")
}

/// The seed's link applied, then `02-mirror.yaml` (the link plus `demo`)
/// written as the manifest.
fn with_link() -> CliEnv {
    let env = CliEnv::seeded("01-link.yaml");
    env.run_exits(0, &["apply", "--auto-approve"]);
    env.seed_step("02-mirror.yaml");
    env
}

fn plan_is_empty(env: &CliEnv) {
    let r = env.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(r.code, 0, "no changes left\n{r:#?}");
}

const MIRROR_ID: &str = "europe/demo-link/mirror/demo:create";

#[test]
fn a_create_whose_response_is_lost_is_confirmed_and_counted_done() {
    let env = with_link();
    // The double creates the mirror, then drops the connection unanswered.
    env.eu.quirks(|q| q.lose_create_response = 1);
    env.clear_logs();
    let r = env.run_exits(0, &["apply", "--auto-approve", "--format", "json"]);
    let events = json_lines(&r.stdout);
    assert_eq!(
        kinds_of(&events, MIRROR_ID),
        ["action_started", "action_done"],
        "{r:#?}"
    );
    assert_eq!(summary(&events)["failed"], 0);
    let posts: Vec<u16> = env
        .eu
        .log()
        .iter()
        .filter(|l| l.method == "POST" && l.path.ends_with("/mirrors"))
        .map(|l| l.status)
        .collect();
    // One POST, unanswered (logged as status 0): the read that followed
    // found the mirror, so nothing was sent again.
    assert_eq!(posts, [0], "{posts:?}");
    assert_eq!(
        env.eu.mirror_status("demo-link", "demo").as_deref(),
        Some("ACTIVE")
    );
    plan_is_empty(&env);
}

#[test]
fn a_429_with_retry_after_is_waited_for_then_retried() {
    let env = with_link();
    // The binary's own backoff is 5 ms here: only Retry-After makes it wait.
    env.eu.quirks(|q| q.retry_after = Some(2));
    env.clear_logs();
    let started = Instant::now();
    let r = env.run(&["plan", "--detailed-exitcode"]);
    let took = started.elapsed();
    assert_eq!(r.code, 2, "the plan goes on after the 429\n{r:#?}");
    assert!(r.stdout.contains("create mirror demo"), "{r:#?}");
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(6),
        "waited {took:?} for a Retry-After of 2 s"
    );
    let statuses: Vec<u16> = env.eu.log().iter().map(|l| l.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        1,
        "{statuses:?}"
    );
    env.run_exits(0, &["apply", "--auto-approve"]);
    plan_is_empty(&env);
}

#[test]
fn sigint_while_a_mirror_is_pending_exits_130_with_the_action_interrupted() {
    let env = with_link();
    // New mirrors stay PENDING_MIRROR until released.
    env.eu.with(|s| s.hold = true);
    // Bounded even if the interrupt were lost.
    let mut running = env.spawn(&[
        "apply",
        "--auto-approve",
        "--format",
        "json",
        "--wait-timeout",
        "30",
    ]);
    // Read the event stream until the mirror's create has started and the
    // double has received it: the apply is then waiting for the mirror.
    running.read_until(|line| {
        line.contains("\"event\":\"action_started\"") && line.contains(MIRROR_ID)
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while env.eu.count("POST", "/mirrors") == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let (r, took) = running.interrupt();
    assert_eq!(r.code, 130, "{r:#?}");
    assert!(
        took < Duration::from_secs(5),
        "exited {took:?} after SIGINT"
    );
    let events = json_lines(&r.stdout);
    assert_eq!(
        kinds_of(&events, MIRROR_ID),
        ["action_started", "action_interrupted"],
        "{r:#?}"
    );
    assert_eq!(summary(&events)["interrupted"], 1, "{r:#?}");
    assert!(r.stderr.contains("Ctrl-C received"), "{r:#?}");

    // Released, the rerun converges.
    env.eu.with(|s| s.hold = false);
    env.run_exits(0, &["apply", "--auto-approve"]);
    plan_is_empty(&env);
}
