//! The apply lock on the Confluent double (issue 18, item 1; design in
//! docs/lock.md): N applies started at once — exactly one runs, the others
//! refuse at once naming the holder, or wait with `--lock-timeout` and run
//! one after the other without interleaved writes; a SIGKILLed holder's
//! lock is free within its lease; `plan` shows a held lock without taking
//! it; `force-unlock` removes it; `apply PLANFILE` refuses a plan the
//! applies it waited for made stale.

mod support;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use support::cli::{CliEnv, Run};

/// The applies started at once.
const N: usize = 3;

/// A Confluent manifest on the doubles: `demo-link` with these mirrors.
fn manifest(env: &CliEnv, mirrors: &[String]) -> String {
    let list: String = mirrors
        .iter()
        .map(|m| format!("      - topic: {m}\n"))
        .collect();
    env.point_at_doubles(&format!(
        "version: 1\nclusters:\n  us:\n    bootstrap: 127.0.0.1:19092\n    rest: http://127.0.0.1:18090/kafka\n  europe:\n    bootstrap: 127.0.0.1:29092\n    rest: http://127.0.0.1:28090/kafka\n\
         links:\n  demo-link:\n    source: us\n    destination: europe\n    mirrors:\n{list}"
    ))
}

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}-{i:02}")).collect()
}

/// `linkctl -f FILE ARGS…` started, with these variables.
fn spawn(env: &CliEnv, file: &str, vars: &[(&str, &str)], args: &[&str]) -> Child {
    let mut c = env.cmd();
    c.envs(vars.iter().copied())
        .arg("-f")
        .arg(file)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c.spawn().expect("spawn linkctl")
}

fn finish(c: Child) -> Run {
    c.wait_with_output().expect("wait for linkctl").into()
}

/// The holder records (`__linkctl-lock.<G>.<id>.…`) the double holds now.
fn records(env: &CliEnv) -> Vec<String> {
    let re = regex::Regex::new(r"^__linkctl-lock\.\d+\.[0-9a-f]{12}\.").expect("regex");
    env.eu.with(|st| {
        st.topics
            .keys()
            .filter(|t| re.is_match(t))
            .cloned()
            .collect()
    })
}

/// Waits (up to a minute) until the double holds a holder record.
fn wait_for_record(env: &CliEnv) -> String {
    let start = Instant::now();
    loop {
        if let Some(r) = records(env).into_iter().next() {
            return r;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no lock taken");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The lock ID a message names (`lock ID 3f9a2c1b7e40`).
fn lock_id(text: &str) -> String {
    let re = regex::Regex::new(r"lock ID ([0-9a-f]{12})").expect("regex");
    re.captures(text)
        .map(|c| c[1].to_string())
        .unwrap_or_else(|| panic!("no lock ID in:\n{text}"))
}

/// Mirror creates the europe double received, in order (mirror names).
fn mirror_creates(env: &CliEnv) -> Vec<String> {
    env.eu
        .log()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/mirrors"))
        .filter_map(|r| {
            let body: serde_json::Value = serde_json::from_str(r.body.as_deref()?).ok()?;
            body["source_topic_name"].as_str().map(str::to_string)
        })
        .collect()
}

#[test]
fn n_applies_at_once_exactly_one_runs_and_the_others_refuse_naming_it() {
    let env = CliEnv::start();
    // Slow enough that the applies overlap.
    env.eu.with(|st| st.latency = Duration::from_millis(20));
    let mirrors = names("orders", 30);
    let path = env.write_manifest("m.yaml", &manifest(&env, &mirrors));
    let file = path.to_str().expect("utf-8");
    let children: Vec<Child> = (0..N)
        .map(|_| spawn(&env, file, &[], &["apply", "--auto-approve"]))
        .collect();
    let pids: Vec<u32> = children.iter().map(Child::id).collect();
    let runs: Vec<Run> = children.into_iter().map(finish).collect();
    let winners: Vec<usize> = (0..N).filter(|i| runs[*i].code == 0).collect();
    assert_eq!(winners.len(), 1, "exactly one apply runs: {runs:#?}");
    let winner = winners[0];
    for (i, r) in runs.iter().enumerate().filter(|(i, _)| *i != winner) {
        assert_eq!(r.code, 1, "{r:#?}");
        // The second apply's message: who holds the lock, and what to do.
        assert!(
            r.stderr
                .contains("the apply lock of cluster `europe` is held by")
                && r.stderr.contains(&format!("(pid {}", pids[winner]))
                && r.stderr.contains("--lock-timeout")
                && r.stderr.contains("linkctl force-unlock ")
                && r.stderr.contains("nothing was changed"),
            "apply {i} should name the holder (pid {}): {r:#?}",
            pids[winner]
        );
        println!("--- the refused apply's stderr\n{}", r.stderr);
    }
    // One set of writes: every mirror created once, none refused.
    let mut created = mirror_creates(&env);
    assert_eq!(created.len(), mirrors.len(), "{created:?}");
    created.sort();
    assert_eq!(created, mirrors);
    assert!(
        env.eu
            .log()
            .iter()
            .all(|r| r.status < 400 || r.is_lock() || r.is_read()),
        "no write was refused: {:?}",
        env.eu.rendered_log()
    );
    // The lock is free again: its record is gone.
    assert_eq!(records(&env), Vec::<String>::new());
}

#[test]
fn with_a_lock_timeout_n_applies_run_one_after_the_other_without_interleaving() {
    let env = CliEnv::start();
    // Each apply takes longer than the lease (3 s; about 4.5 s at 150 ms
    // a response): only renewals keep the lock its own. (A renewal is
    // three requests, 0.45 s, every second: room for a busy machine.)
    env.eu.with(|st| st.latency = Duration::from_millis(150));
    let lease = [("LINKCTL_LOCK_LEASE_MS", "3000")];
    let sets: Vec<Vec<String>> = ["a", "b", "c"].iter().map(|p| names(p, 10)).collect();
    let files: Vec<String> = sets
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let p = env.write_manifest(&format!("m{i}.yaml"), &manifest(&env, m));
            p.to_str().expect("utf-8").to_string()
        })
        .collect();
    let started = Instant::now();
    let children: Vec<Child> = files
        .iter()
        .map(|f| {
            spawn(
                &env,
                f,
                &lease,
                &["apply", "--auto-approve", "--lock-timeout", "120s"],
            )
        })
        .collect();
    let runs: Vec<Run> = children.into_iter().map(finish).collect();
    let took = started.elapsed();
    for r in &runs {
        assert_eq!(r.code, 0, "{r:#?}");
    }
    // Those that found it held waited, and said for whom (all but the first,
    // unless a busy machine started one after the others were done).
    let waited = runs
        .iter()
        .filter(|r| {
            r.stderr
                .contains("waited for the apply lock of cluster `europe` (held by ")
        })
        .count();
    assert!((1..N).contains(&waited), "{runs:#?}");
    println!("{waited} of {N} applies waited");
    // The mirror creates come in one block per apply.
    let created = mirror_creates(&env);
    assert_eq!(created.len(), 30, "{created:?}");
    let owners: Vec<char> = created
        .iter()
        .map(|m| m.chars().next().unwrap_or('?'))
        .collect();
    let mut blocks = owners.clone();
    blocks.dedup();
    assert_eq!(blocks.len(), N, "interleaved writes: {owners:?}");
    // At most one holder record existed at any time: each record is
    // deleted before the next one is created.
    let re = regex::Regex::new(r"(__linkctl-lock\.\d+\.[0-9a-f]{12}\.[^/\x22]+)").expect("regex");
    let mut live: Option<String> = None;
    let mut taken = 0;
    for w in env.lock_writes() {
        let Some(rest) = w.strip_prefix("europe: ") else {
            continue;
        };
        let Some(rec) = re.captures(rest).map(|c| c[1].to_string()) else {
            continue;
        };
        if rest.starts_with("POST") {
            assert_eq!(live, None, "a second holder while {live:?} held: {w}");
            live = Some(rec);
            taken += 1;
        } else if rest.starts_with("DELETE") {
            assert_eq!(live.as_deref(), Some(rec.as_str()), "{w}");
            live = None;
        }
    }
    assert_eq!(taken, N);
    assert_eq!(live, None);
    println!(
        "{N} applies with --lock-timeout: {:.1} s in all",
        took.as_secs_f64()
    );
}

#[test]
fn a_killed_holder_is_shown_by_plan_and_its_lock_is_free_within_the_lease() {
    let env = CliEnv::start();
    let lease_ms = 3000;
    let lease = [("LINKCTL_LOCK_LEASE_MS", "3000")];
    // Slow: the apply is still running when it is killed.
    env.eu.with(|st| st.latency = Duration::from_millis(300));
    let path = env.write_manifest("m.yaml", &manifest(&env, &names("orders", 20)));
    let file = path.to_str().expect("utf-8");
    let mut holder = spawn(&env, file, &lease, &["apply", "--auto-approve"]);
    let pid = holder.id();
    wait_for_record(&env);
    holder.kill().expect("SIGKILL");
    let _ = holder.wait();
    let killed_at = Instant::now();
    env.eu.with(|st| st.latency = Duration::ZERO);

    // plan shows the held lock, and takes nothing.
    let before = env.lock_writes();
    let plan = env.run(&["-f", file, "plan"]);
    assert_eq!(plan.code, 0, "{plan:#?}");
    assert!(
        plan.stderr
            .contains("warning: the apply lock of cluster `europe` is held by")
            && plan.stderr.contains(&format!("(pid {pid}")),
        "{plan:#?}"
    );
    assert_eq!(env.lock_writes(), before, "plan wrote to the lock");
    let id = lock_id(&plan.stderr);

    // Without waiting: refused, naming the holder and its ID.
    let refused = env.run(&["-f", file, "apply", "--auto-approve"]);
    assert_eq!(refused.code, 1, "{refused:#?}");
    assert!(
        refused.stderr.contains(&format!("lock ID {id}")),
        "{refused:#?}"
    );

    // Waiting: the lock is free once the lease of the killed holder ends.
    let r = env.run_with(
        &lease,
        &[
            "-f",
            file,
            "apply",
            "--auto-approve",
            "--lock-timeout",
            "60s",
        ],
    );
    let waited = killed_at.elapsed();
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(r.stderr.contains("waited for the apply lock"), "{r:#?}");
    // The lease, plus a margin for a busy machine (the run itself is fast).
    assert!(
        waited < Duration::from_millis(lease_ms) + Duration::from_secs(10),
        "took {waited:?}"
    );
    assert_eq!(records(&env), Vec::<String>::new());
}

#[test]
fn force_unlock_removes_a_dead_holders_lock() {
    let env = CliEnv::start();
    env.eu.with(|st| st.latency = Duration::from_millis(300));
    let path = env.write_manifest("m.yaml", &manifest(&env, &names("orders", 20)));
    let file = path.to_str().expect("utf-8");
    // A lease far longer than the test: only force-unlock frees it.
    let lease = [("LINKCTL_LOCK_LEASE_MS", "600000")];
    let mut holder = spawn(&env, file, &lease, &["apply", "--auto-approve"]);
    let record = wait_for_record(&env);
    holder.kill().expect("SIGKILL");
    let _ = holder.wait();
    env.eu.with(|st| st.latency = Duration::ZERO);
    let id = lock_id(&format!(
        "lock ID {}",
        &record.split('.').nth(2).unwrap_or_default()
    ));

    let unknown = env.run(&["-f", file, "force-unlock", "000000000000"]);
    assert_eq!(unknown.code, 1, "{unknown:#?}");
    assert!(
        unknown
            .stderr
            .contains("no apply lock with ID 000000000000"),
        "{unknown:#?}"
    );

    let forced = env.run(&["-f", file, "force-unlock", &id]);
    assert_eq!(forced.code, 0, "{forced:#?}");
    assert!(
        forced
            .stderr
            .contains(&format!("removed the apply lock {id} of cluster `europe`")),
        "{forced:#?}"
    );
    assert_eq!(records(&env), Vec::<String>::new());
    // Free at once.
    let r = env.run(&["-f", file, "apply", "--auto-approve"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(!r.stderr.contains("waited for the apply lock"), "{r:#?}");
}

#[test]
fn a_saved_plan_is_refused_when_the_apply_it_waited_for_moved_the_live_state() {
    let env = CliEnv::start();
    let first = env.write_manifest("first.yaml", &manifest(&env, &names("a", 10)));
    let second = env.write_manifest("second.yaml", &manifest(&env, &names("b", 2)));
    let (first, second) = (
        first.to_str().expect("utf-8"),
        second.to_str().expect("utf-8"),
    );
    // The link exists: both plans only add mirrors.
    env.run_exits(0, &["-f", first, "apply", "--auto-approve"]);
    let first = env.write_manifest(
        "first.yaml",
        &manifest(&env, &[names("a", 10), names("c", 10)].concat()),
    );
    let first = first.to_str().expect("utf-8");
    env.run_exits(0, &["-f", second, "plan", "-o", "second.plan"]);
    env.eu.with(|st| st.latency = Duration::from_millis(100));
    let holder = spawn(&env, first, &[], &["apply", "--auto-approve"]);
    wait_for_record(&env);
    let r = env.run(&[
        "apply",
        "second.plan",
        "--auto-approve",
        "--lock-timeout",
        "120s",
    ]);
    let held = finish(holder);
    assert_eq!(held.code, 0, "{held:#?}");
    assert_eq!(r.code, 1, "{r:#?}");
    assert!(
        r.stderr.contains("refusing to apply `second.plan`")
            && r.stderr.contains("waited for the apply lock"),
        "{r:#?}"
    );
    // Nothing of the saved plan was sent.
    assert!(!mirror_creates(&env).iter().any(|m| m.starts_with("b-")));
}
