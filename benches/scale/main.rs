//! Scale benchmark: what `apply`, `plan` and `status` cost as the number of
//! mirror topics grows, in wall time and in requests by kind.
//!
//! ```sh
//! cargo bench --bench scale -- confluent --mirrors 100,1000,10000 --links-x-mirrors 20x50
//! scripts/local-kafka.sh up && cargo bench --bench scale -- mm2 --mirrors 100,1000
//! scripts/local-kafka.sh up && cargo bench --bench scale -- mm2 --mirrors none --links-x-mirrors 100x10
//! ```
//!
//! - `confluent`: two in-process Confluent REST doubles (`tests/support`)
//!   with 20 ms added to every response and mirrors that take 1 s of wall
//!   time to become ACTIVE (or STOPPED). One link; its mirrors are created,
//!   planned, shown and promoted. `--links-x-mirrors LxM` adds a run with L
//!   links of M new mirrors each.
//! - `mm2`: the local clusters of `scripts/local-kafka.sh up`; N
//!   single-partition source topics are created in one admin call and get
//!   `SCALE_BENCH_RECORDS` (default 10)
//!   records each; the
//!   MirrorMaker 2 link's mirrors are created, planned, shown, promoted, and
//!   the link is deleted. Kafka Connect is reached through a counting proxy,
//!   so connector config writes are counted. `--links-x-mirrors LxM`: L
//!   links of M mirrors each, created in one apply, then planned, shown,
//!   promoted and deleted (the stack's worker group: `up --connect-workers N`;
//!   the title names `LINKCTL_CONNECT_URLS`'s count of workers).
//!
//! The binary measured is the one cargo built, or `LINKCTL_BIN` (to measure
//! another build of linkctl with the same harness).

#[path = "../../tests/support/mod.rs"]
#[allow(unused_imports)]
mod support;

mod confluent;
mod mm2;
mod run;

use std::process::ExitCode;

fn list(arg: Option<&String>, default: &[usize]) -> Vec<usize> {
    match arg {
        Some(s) => s.split(',').filter_map(|x| x.trim().parse().ok()).collect(),
        None => default.to_vec(),
    }
}

fn main() -> ExitCode {
    let all: Vec<String> = std::env::args().skip(1).collect();
    // `cargo test --all-targets` runs this binary without `--bench`: then,
    // unless a scenario is named, it is a quick smoke run of the harness.
    let smoke = !all.iter().any(|a| a == "--bench")
        && !all
            .iter()
            .any(|a| ["confluent", "mm2", "all"].contains(&a.as_str()));
    let args: Vec<String> = all.into_iter().filter(|a| a != "--bench").collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let what = args
        .iter()
        .find(|a| ["confluent", "mm2", "all"].contains(&a.as_str()))
        .cloned()
        .unwrap_or_else(|| "confluent".to_string());
    let mirrors = if smoke {
        vec![20]
    } else {
        list(flag("--mirrors"), &[100, 1000])
    };
    let lxm: Option<(usize, usize)> = flag("--links-x-mirrors").and_then(|s| {
        let (l, m) = s.split_once('x')?;
        Some((l.parse().ok()?, m.parse().ok()?))
    });
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("linkctl binary: {}", run::binary().display());
    let mut ok = true;
    if what == "confluent" || what == "all" {
        for n in &mirrors {
            ok &= report(confluent::one_link(&rt, *n));
        }
        if let Some((l, m)) = lxm {
            ok &= report(confluent::many_links(&rt, l, m));
        }
    }
    if what == "mm2" || what == "all" {
        for n in &mirrors {
            ok &= report(mm2::one_link(&rt, *n));
        }
        if let Some((l, m)) = lxm {
            ok &= report(mm2::many_links(&rt, l, m));
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn report(r: Result<run::Table, String>) -> bool {
    match r {
        Ok(t) => {
            print!("{}", t.render());
            true
        }
        Err(e) => {
            eprintln!("benchmark failed: {e}");
            false
        }
    }
}
