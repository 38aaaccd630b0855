//! Runs a suite's steps in order, the way libtest reports them (`test
//! e2e::NAME ... ok`), after a preflight and with a cleanup at the end. A
//! step runs only when every earlier one passed: each starts from the state
//! the previous one left.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

pub type StepFn = fn() -> Pin<Box<dyn Future<Output = Result<(), String>>>>;

pub struct Suite {
    pub steps: Vec<(&'static str, StepFn)>,
    /// Checks the stack is there and removes what earlier runs left.
    pub preflight: StepFn,
    pub cleanup: StepFn,
}

pub fn run(suite: Suite) {
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
    let steps = suite.steps;
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
    let pre = rt.block_on((suite.preflight)());
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
        if let Err(e) = rt.block_on((suite.cleanup)()) {
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
