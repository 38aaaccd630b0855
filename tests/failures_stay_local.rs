//! Failures stay local (issue 18): in `apply`, a failed action blocks only
//! what depends on it; in reads, a link that cannot be read is reported with
//! the reason, and everything else is shown, exported or planned — through
//! the binary, against the Confluent doubles.

mod support;

use support::cli::{assert_has, CliEnv};
use support::confluent_double::Fault;

/// The seed's link with `n` mirrors `m-000`…; `paused` is declared paused
/// (a new paused mirror is a create, then a pause that depends on it).
fn many_mirrors(env: &CliEnv, n: usize, paused: &str) {
    let mut mirrors = String::from("    mirrors:\n");
    for i in 0..n {
        let name = format!("m-{i:03}");
        mirrors.push_str(&format!("      - topic: {name}\n"));
        if name == paused {
            mirrors.push_str("        state: paused\n");
        }
    }
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/seed/02-mirror.yaml"
    ))
    .expect("seed")
    .replace("    mirrors:\n      - topic: demo\n", &mirrors);
    env.write_manifest("linkctl.yaml", &env.point_at_doubles(&text));
}

#[test]
fn a_failed_create_among_100_leaves_99_done_and_blocks_only_its_dependent() {
    let env = CliEnv::start();
    many_mirrors(&env, 100, "m-042");
    env.eu.seed_link("demo-link", "us-cluster", &[]);
    // One create at a time (so the 43rd create is m-042's): it is refused
    // with a 500, and so are its 4 retries.
    env.eu.add_fault(
        Fault::new(
            "POST",
            "/links/demo-link/mirrors",
            500,
            50003,
            "Kafka is unhappy",
            5,
        )
        .skipping(42),
    );
    let r = env.run_exits(
        1,
        &[
            "apply",
            "--auto-approve",
            "--parallelism",
            "1",
            "--format",
            "json",
        ],
    );
    let events: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let summary = events.last().expect("a summary");
    assert_eq!(summary["event"], "summary", "{summary}");
    // The link's configs (one update), 99 creates done, 1 failed, and the
    // pause of the failed mirror not attempted.
    assert_eq!(summary["done"], 100, "{summary}");
    assert_eq!(summary["failed"], 1, "{summary}");
    assert_eq!(summary["not_attempted"], 1, "{summary}");
    assert_eq!(summary["blocked"], 1, "{summary}");
    let failed: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["event"] == "action_failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["id"], "europe/demo-link/mirror/m-042:create");
    let skipped: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["event"] == "action_skipped")
        .collect();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0]["id"], "europe/demo-link/mirror/m-042:pause");
    assert_eq!(
        skipped[0]["depends_on"],
        "europe/demo-link/mirror/m-042:create"
    );
    assert_eq!(
        skipped[0]["reason"],
        "depends on europe/demo-link/mirror/m-042:create, which failed"
    );
    let created = env.eu.with(|s| s.links["demo-link"].mirrors.len());
    assert_eq!(created, 99);
    // 99 creates went through once each; m-042's was tried 5 times.
    assert_eq!(env.eu.count("POST", "/links/demo-link/mirrors"), 99 + 5);

    // The text report says which is which.
    let env2 = CliEnv::start();
    many_mirrors(&env2, 3, "m-001");
    env2.eu.seed_link("demo-link", "us-cluster", &[]);
    env2.eu
        .add_fault(Fault::new("POST", "/links/demo-link/mirrors", 500, 50003, "no", 5).skipping(1));
    let r = env2.run_exits(1, &["apply", "--auto-approve", "--parallelism", "1"]);
    assert_has(
        &r.stdout,
        "Apply failed: 3 done, 1 failed, 1 not attempted (1 of them depend on an action that did not succeed).",
    );
    assert_has(
        &r.stdout,
        "  skipped europe/demo-link/mirror/m-001:pause (not attempted: depends on europe/demo-link/mirror/m-001:create, which failed)",
    );

    // Run again: only what is left is planned, and it converges.
    let r = env.run_exits(0, &["apply", "--auto-approve"]);
    assert_has(
        &r.stdout,
        "Apply complete: 2 done, 0 failed, 0 not attempted.",
    );
    assert_eq!(
        env.eu.mirror_status("demo-link", "m-042").as_deref(),
        Some("PAUSED")
    );
    assert_eq!(env.run(&["plan", "--detailed-exitcode"]).code, 0);
}
