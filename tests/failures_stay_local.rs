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

/// The seed's `demo-link` (mirror `demo`) and `other-link` (mirror
/// `other`), both from us to europe, seeded on europe as the manifest
/// declares them; `linkctl.yaml` declares both.
/// `other-link`'s configs answering 500 for the next `times` requests
/// (retries included).
fn other_link_configs_broken(times: u32) -> Fault {
    Fault::new(
        "GET",
        "/links/other-link/configs",
        500,
        50001,
        "broken",
        times,
    )
}

fn two_links() -> CliEnv {
    let env = CliEnv::start();
    let text = format!(
        "{}  other-link:\n    source: us\n    destination: europe\n    mirrors:\n      - topic: other\n",
        env.seed_text("02-mirror.yaml")
    );
    env.write_manifest("linkctl.yaml", &text);
    env.run_exits(0, &["apply", "--auto-approve"]);
    env.run_exits(0, &["plan", "--detailed-exitcode"]);
    env
}

#[test]
fn status_shows_every_link_it_can_read_and_fails_for_the_one_it_cannot() {
    for (label, fault) in [
        // The describe of one link (its tasks) answers an empty body.
        (
            "empty body",
            Fault::empty_body("GET", "/links/other-link$", 100),
        ),
        // The configs of one link answer 500, retries included.
        ("configs 500", other_link_configs_broken(100)),
    ] {
        let env = two_links();
        env.eu.add_fault(fault);
        let r = env.run_no_kafka(&["status", "--format", "json"]);
        assert_eq!(r.code, 1, "{label}: {r:#?}");
        let report: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
        let links = report["links"].as_array().expect("links");
        assert_eq!(links.len(), 2, "{label}");
        let demo = links
            .iter()
            .find(|l| l["name"] == "demo-link")
            .expect("demo");
        assert_eq!(demo["state"], "ACTIVE", "{label}: {demo}");
        assert_eq!(demo["mirrors"][0]["name"], "demo", "{label}: {demo}");
        let other = links
            .iter()
            .find(|l| l["name"] == "other-link")
            .expect("other");
        assert_eq!(other["state"], "UNREADABLE", "{label}: {other}");
        let why = other["error"].as_str().expect("why");
        let expected = if label == "empty body" {
            "EOF while parsing a value"
        } else {
            "HTTP 500"
        };
        assert!(why.contains(expected), "{label}: {why}");
        assert!(
            report["unreadable"][0]
                .as_str()
                .is_some_and(|u| u.starts_with("link `other-link` on `europe` could not be read")),
            "{label}: {report}"
        );
        // The text report shows both, and says what it could not read.
        let text = env.run_no_kafka(&["status"]);
        assert_eq!(text.code, 1, "{label}: {text:#?}");
        assert_has(
            &text.stdout,
            "link demo-link  us -> europe (confluent)  ACTIVE",
        );
        assert_has(
            &text.stdout,
            "link other-link  us -> europe (confluent)  UNREADABLE",
        );
        assert_has(&text.stdout, "  error: could not be read: ");
        assert_has(
            &text.stderr,
            "error: link `other-link` on `europe` could not be read",
        );
    }
}

#[test]
fn plan_plans_what_it_read_refuses_what_it_could_not_and_apply_writes_nothing() {
    let env = two_links();
    // A change on both links: a new mirror each.
    let text = std::fs::read_to_string(env.dir.path().join("linkctl.yaml"))
        .expect("manifest")
        .replace(
            "      - topic: demo\n",
            "      - topic: demo\n      - topic: demo2\n",
        )
        .replace(
            "      - topic: other\n",
            "      - topic: other\n      - topic: other2\n",
        );
    env.write_manifest("linkctl.yaml", &text);
    env.eu.add_fault(other_link_configs_broken(1000));
    let r = env.run_exits(1, &["plan"]);
    assert_has(&r.stdout, "+ create mirror demo2");
    assert!(!r.stdout.contains("other2"), "{r:#?}");
    assert_has(&r.stdout, "link `other-link` on `europe` could not be read");
    assert_has(&r.stdout, "nothing is planned for it");
    env.clear_logs();
    let r = env.run_exits(1, &["apply", "--auto-approve"]);
    assert_has(&r.stderr, "the plan has errors: nothing was changed");
    assert!(env.writes().is_empty(), "{:?}", env.writes());
}

#[test]
fn export_writes_what_it_can_read_and_express_and_notes_the_rest() {
    let env = two_links();
    env.eu.add_fault(other_link_configs_broken(1000));
    // The rest is written; the command fails, as something could not be read.
    let r = env.run_exits(1, &["export", "-o", "exported.yaml"]);
    assert_has(
        &r.stderr,
        "note: link other-link left out: it could not be read on europe (",
    );
    assert_has(&r.stderr, "Exported 1 link(s) to exported.yaml.");
    let written = std::fs::read_to_string(env.dir.path().join("exported.yaml")).expect("written");
    assert_has(&written, "demo-link:");
    assert!(!written.contains("other-link:"), "{written}");
    // What it wrote validates and plans no change (the unreadable link is
    // not in it, so it is not planned).
    env.run_exits(0, &["-f", "exported.yaml", "plan", "--detailed-exitcode"]);

    // A link that cannot be expressed (only the destination half of a
    // source-initiated link exists: planning it back would create the
    // source half) is left out; the rest is written.
    let env = two_links();
    env.eu.seed_link(
        "half-link",
        "us-cluster",
        &[("link.mode", "DESTINATION"), ("connection.mode", "INBOUND")],
    );
    let r = env.run_exits(0, &["export", "-o", "exported.yaml"]);
    assert_has(
        &r.stderr,
        "note: link half-link left out: it cannot be expressed in a manifest that reproduces it (",
    );
    let written = std::fs::read_to_string(env.dir.path().join("exported.yaml")).expect("written");
    assert_has(&written, "demo-link:");
    assert_has(&written, "other-link:");
    assert!(!written.contains("half-link:"), "{written}");
    env.run_exits(0, &["-f", "exported.yaml", "plan", "--detailed-exitcode"]);
}
