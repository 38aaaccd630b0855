//! End-to-end: the seed scenario on real Apache Kafka with MirrorMaker 2.
//!
//! Needs the local clusters of `scripts/local-kafka.sh up` (us on
//! 127.0.0.1:19092, europe on 127.0.0.1:29092, Kafka Connect on
//! 127.0.0.1:28083). Without them every step FAILS with a message saying so:
//! nothing here is ever skipped. Steps run in order, because each one starts
//! from the state the previous one left; the suite cleans up before and after,
//! so it can run twice in a row.

mod ci_recipe;
mod cli;
mod connect;
// Shared with the benchmarks, which use more of it.
#[path = "../support/connect_proxy.rs"]
#[allow(dead_code)]
mod connect_proxy;
mod faults;
mod kafka;
mod manifests;
mod scale;
mod steps;

use std::time::Instant;

fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start tokio: {e}");
            std::process::exit(101);
        }
    };
    let started = Instant::now();
    let steps = steps::all();
    let selected = filter.is_empty()
        || steps
            .iter()
            .any(|(n, _)| filter.iter().any(|f| n.contains(f.as_str())));
    if !selected {
        // `cargo test some_unit_test` passes a filter meant for other binaries.
        println!("\nrunning 0 tests\n\ntest result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; {} filtered out; finished in 0.00s\n", steps.len());
        return;
    }
    println!("\nrunning {} tests", steps.len());
    let mut passed = 0;
    let mut failed: Vec<(String, String)> = Vec::new();
    let pre = rt.block_on(steps::preflight());
    for (name, step) in steps {
        let result = match &pre {
            Err(e) => Err(e.clone()),
            Ok(()) if !failed.is_empty() => {
                Err(format!("not run: an earlier step failed ({})", failed[0].0))
            }
            Ok(()) => {
                println!("--- e2e::{name}");
                let t = Instant::now();
                let r = rt.block_on(step());
                println!("--- e2e::{name} took {:.1} s", t.elapsed().as_secs_f64());
                r
            }
        };
        match result {
            Ok(()) => {
                println!("test e2e::{name} ... ok");
                passed += 1;
            }
            Err(e) => {
                println!("test e2e::{name} ... FAILED");
                failed.push((name.to_string(), e));
            }
        }
    }
    if pre.is_ok() {
        if let Err(e) = rt.block_on(steps::cleanup()) {
            println!("cleanup after the suite failed: {e}");
        }
    }
    if !failed.is_empty() {
        println!("\nfailures:\n");
        for (n, e) in &failed {
            println!("---- e2e::{n} ----\n{e}\n");
        }
    }
    println!(
        "\ntest result: {}. {passed} passed; {} failed; 0 ignored; 0 measured; 0 filtered out; finished in {:.2}s\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        failed.len(),
        started.elapsed().as_secs_f64()
    );
    if !failed.is_empty() {
        std::process::exit(101);
    }
}
