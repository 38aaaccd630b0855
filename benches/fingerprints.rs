//! What the slow fingerprints of secrets cost a plan: 100 links with two
//! secrets each (`sasl.jaas.config` and `ssl.key.password`, from
//! `${env:…}`), planned against an empty live state (every link created,
//! so every secret is fingerprinted for its reference and for the record),
//! and saved (the manifest fingerprint covers every secret again).
//!
//! `cargo bench --bench fingerprints` prints the wall time of the first
//! plan (each secret derived once: what a `linkctl plan` pays) and of a
//! second one in the same process (derivations remembered), and the cost
//! of one Argon2id derivation. A timed command, not a test: the numbers
//! are in docs/secret-rotation.md.

use std::time::Instant;

use linkctl::backend::registry;
use linkctl::manifest::load::{parse, SourceFile};
use linkctl::plan::saved::SavedPlan;
use linkctl::plan::secret_hash::core;
use linkctl::plan::{plan, PlanOptions};
use linkctl::state::LiveState;

const LINKS: usize = 100;

fn main() {
    let mut y = String::from(
        "version: 1\nclusters:\n  us:\n    bootstrap: us:9092\n    cluster_id: us-id\n  europe:\n    bootstrap: eu:9092\n    cluster_id: eu-id\nlinks:\n",
    );
    for l in 0..LINKS {
        y.push_str(&format!(
            "  link-{l:03}:\n    source: us\n    destination: europe\n    config:\n      sasl.jaas.config: \"${{env:JAAS_{l}}}\"\n      ssl.key.password: \"${{env:KEYPW_{l}}}\"\n"
        ));
    }
    let m = parse(&SourceFile::new("bench.yaml", y), |n| {
        Some(format!("secret-value-of-{n}"))
    })
    .expect("bench manifest parses")
    .manifest;
    let live = LiveState::default();
    let opts = PlanOptions::default();
    let run = || {
        let start = Instant::now();
        let p = plan(&m, &live, &opts, &registry::models());
        let saved = SavedPlan::new(p, &m, &opts, &live, "2025-01-01T00:00:00Z");
        assert_eq!(saved.plan.actions.len(), LINKS);
        start.elapsed()
    };
    let first = run();
    let second = run();
    let start = Instant::now();
    let n = 10;
    for i in 0..n {
        std::hint::black_box(core("bench", "k", &format!("guess-{i}")));
    }
    let one = start.elapsed() / n;
    println!(
        "plan + save of {LINKS} links × 2 secrets: {first:.2?} (first, {} derivations), {second:.2?} (again, remembered)",
        LINKS * 2
    );
    println!("one Argon2id derivation (one guess): {one:.2?}");
}
