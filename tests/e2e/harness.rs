//! Runs a suite's steps in order, the way libtest reports them (`test
//! e2e::NAME ... ok`), after a preflight and with a cleanup at the end. A
//! step runs only when every earlier one passed: each starts from the state
//! the previous one left. Names given on the command line run only the
//! steps whose name contains one of them.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

pub type StepFn = fn() -> Pin<Box<dyn Future<Output = Result<(), String>>>>;

/// A named step of a suite: `step!("s01_name", s01())` runs the future
/// `s01()` when the step's turn comes.
macro_rules! step {
    ($name:literal, $future:expr) => {
        ($name, (|| Box::pin($future)) as $crate::harness::StepFn)
    };
}
pub(crate) use step;

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
    let rt = runtime();
    let mut tally = Tally::new("e2e");
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
    // With a filter, only the steps it names run (a step that needs what
    // earlier ones left is then the caller's business).
    let total = steps.len();
    let steps: Vec<_> = steps
        .into_iter()
        .filter(|(n, _)| filter.is_empty() || filter.iter().any(|f| n.contains(f.as_str())))
        .collect();
    let filtered_out = total - steps.len();
    println!("\nrunning {} tests", steps.len());
    let pre = rt.block_on((suite.preflight)());
    for (name, step) in steps {
        let result = match &pre {
            Err(e) => Err(e.clone()),
            Ok(()) if !tally.failed.is_empty() => Err(format!(
                "not run: an earlier step failed ({})",
                tally.failed[0].0
            )),
            Ok(()) => {
                println!("--- e2e::{name}");
                let t = Instant::now();
                let r = rt.block_on(step());
                println!("--- e2e::{name} took {:.1} s", t.elapsed().as_secs_f64());
                r
            }
        };
        tally.record(name, result);
    }
    if pre.is_ok() {
        if let Err(e) = rt.block_on((suite.cleanup)()) {
            println!("cleanup after the suite failed: {e}");
        }
    }
    tally.finish(filtered_out);
}

/// A multi-threaded tokio runtime, or exit 101 saying why there is none.
pub fn runtime() -> tokio::runtime::Runtime {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start tokio: {e}");
            std::process::exit(101);
        }
    }
}

/// The results of a suite's tests, printed the way libtest prints them.
pub struct Tally {
    suite: &'static str,
    started: Instant,
    passed: usize,
    /// The failed tests' names and messages, in order.
    pub failed: Vec<(String, String)>,
}

impl Tally {
    pub fn new(suite: &'static str) -> Self {
        Self {
            suite,
            started: Instant::now(),
            passed: 0,
            failed: Vec::new(),
        }
    }

    /// Counts and prints the result of test `name`.
    pub fn record(&mut self, name: &str, result: Result<(), String>) {
        let suite = self.suite;
        match result {
            Ok(()) => {
                println!("test {suite}::{name} ... ok");
                self.passed += 1;
            }
            Err(e) => {
                println!("test {suite}::{name} ... FAILED");
                self.failed.push((name.to_string(), e));
            }
        }
    }

    /// Prints the failures and the result line; exits 101 when a test failed.
    pub fn finish(self, filtered_out: usize) {
        if !self.failed.is_empty() {
            println!("\nfailures:\n");
            for (n, e) in &self.failed {
                println!("---- {}::{n} ----\n{e}\n", self.suite);
            }
        }
        println!(
            "\ntest result: {}. {} passed; {} failed; 0 ignored; 0 measured; {filtered_out} filtered out; finished in {:.2}s\n",
            if self.failed.is_empty() { "ok" } else { "FAILED" },
            self.passed,
            self.failed.len(),
            self.started.elapsed().as_secs_f64()
        );
        if !self.failed.is_empty() {
            std::process::exit(101);
        }
    }
}
