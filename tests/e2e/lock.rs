//! The apply lock on MirrorMaker 2 (issue 18, item 1; docs/lock.md), on
//! the plain stack: the lock lives on europe (the destination) as topics,
//! over the Kafka protocol. Every apply reaches Kafka Connect through a
//! counting proxy, whose log is the record of what was written.
//!
//! - N = 3 applies of one manifest started at once: exactly one runs; the
//!   others refuse at once naming its pid; the connector writes are one
//!   apply's;
//! - N = 3 applies of three links with `--lock-timeout`: all run, one after
//!   the other, their connector writes in one block each;
//! - a holder SIGKILLed mid-apply: `plan` shows its lock (and writes
//!   nothing to it), the next apply with `--lock-timeout` gets it within
//!   the lease; another one's lock is removed with `force-unlock`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::connect_proxy::{ConnectProxy, Forwarded};
use crate::faults::{arg, until, Background};
use crate::stack::{EUROPE, US};
use crate::{cli, connect, harness::step, harness::StepFn, kafka};

const PREFIX: &str = "lock-";
const MIRRORS: usize = 4;
/// The applies started at once.
const N: usize = 3;
const LOCK: &str = "__linkctl-lock";

pub fn steps() -> Vec<(&'static str, StepFn)> {
    vec![
        step!(
            "lock_n_applies_at_once_on_mirrormaker2_one_runs",
            at_once_one_runs()
        ),
        step!(
            "lock_n_applies_with_lock_timeout_run_one_after_the_other",
            one_after_the_other()
        ),
        step!(
            "lock_killed_holder_shown_by_plan_expires_force_unlock",
            killed_holder()
        ),
    ]
}

const LINKS: [&str; 6] = ["lock-a", "lock-b", "lock-c", "lock-d", "lock-e", "lock-f"];

pub async fn cleanup() -> Result<(), String> {
    for l in LINKS {
        connect::remove_link(l).await?;
    }
    for b in [US, EUROPE] {
        kafka::delete_topics_matching(b, |t| t.starts_with(PREFIX)).await?;
    }
    // Nothing holds a lock between runs of the suite.
    kafka::delete_topics_matching(EUROPE, |t| t == LOCK || t.starts_with(&format!("{LOCK}."))).await
}

fn topics(link: &str) -> Vec<String> {
    (0..MIRRORS).map(|i| format!("{link}-{i:02}")).collect()
}

/// A manifest of the MirrorMaker 2 links `links` (no pruning: the applies
/// of other links leave them alone), through the Kafka Connect at `connect`.
fn manifest(connect: &str, links: &[&str]) -> String {
    let mut y = format!(
        "version: 1\nclusters:\n  us:\n    bootstrap: {US}\n  europe:\n    bootstrap: {EUROPE}\n    connect: {connect}\nlinks:\n"
    );
    for link in links {
        y.push_str(&format!(
            "  {link}:\n    source: us\n    destination: europe\n    engine: mirrormaker2\n    config:\n      metadata.max.age.ms: 5000\n      replication.factor: 1\n      offset-syncs.topic.location: target\n      offset-syncs.topic.replication.factor: 1\n      checkpoints.topic.replication.factor: 1\n      heartbeats.topic.replication.factor: 1\n      tasks.max: 1\n    mirrors:\n"
        ));
        for t in topics(link) {
            y.push_str(&format!("      - {{ topic: {t} }}\n"));
        }
    }
    y
}

fn write(dir: &Path, name: &str, text: &str) -> Result<PathBuf, String> {
    let p = dir.join(name);
    std::fs::write(&p, text).map_err(|e| e.to_string())?;
    Ok(p)
}

fn run(vars: &[(&str, &str)], args: &[&str]) -> cli::Run {
    let t = Instant::now();
    let r = cli::run(
        cli::command().args(args).envs(vars.iter().copied()),
        &args.join(" "),
    );
    println!(
        "$ linkctl {}\n[exit {} after {:.1} s]\n{}{}",
        args.join(" "),
        r.code,
        t.elapsed().as_secs_f64(),
        r.stdout,
        r.stderr
    );
    r
}

/// The writes (not GET) the proxy forwarded, as `METHOD /path`.
fn writes(log: &[Forwarded]) -> Vec<String> {
    log.iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// The link a connector write is for (`/connectors/lock-b-source/config`).
fn link_of(write: &str) -> Option<&'static str> {
    let name = write.split('/').nth(2)?;
    LINKS.iter().copied().find(|l| {
        name.strip_prefix(l)
            .is_some_and(|rest| rest.starts_with('-'))
    })
}

/// The holder records on europe now.
fn records() -> Result<Vec<String>, String> {
    Ok(kafka::topic_names(EUROPE)?
        .into_iter()
        .filter(|t| {
            t.strip_prefix(&format!("{LOCK}."))
                .is_some_and(|r| r.split('.').count() == 8)
        })
        .collect())
}

fn check(cond: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if cond {
        Ok(())
    } else {
        Err(what())
    }
}

async fn at_once_one_runs() -> Result<(), String> {
    kafka::create_topics(US, &topics("lock-a"), 1).await?;
    // One counting proxy per apply: what each one sent to Kafka Connect.
    let mut proxies = Vec::new();
    for _ in 0..N {
        proxies.push(ConnectProxy::start(connect::CONNECT).await);
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let files = proxies
        .iter()
        .enumerate()
        .map(|(i, p)| {
            write(
                dir.path(),
                &format!("a{i}.yaml"),
                &manifest(&p.url(), &["lock-a"]),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let applies = files
        .iter()
        .map(|f| Background::start_with(&[], &["-f", arg(f), "apply", "--auto-approve"]))
        .collect::<Result<Vec<_>, _>>()?;
    let pids: Vec<u32> = applies.iter().map(Background::pid).collect();
    let runs = applies
        .into_iter()
        .map(|a| a.finish(Duration::from_secs(300)))
        .collect::<Result<Vec<_>, _>>()?;
    let winners: Vec<usize> = (0..N).filter(|i| runs[*i].code == 0).collect();
    check(winners.len() == 1, || {
        format!("exactly one apply should run: {runs:#?}")
    })?;
    let winner = winners[0];
    for (i, r) in runs.iter().enumerate().filter(|(i, _)| *i != winner) {
        check(
            r.code == 1
                && r.stderr
                    .contains("the apply lock of cluster `europe` is held by")
                && r.stderr.contains(&format!("(pid {}", pids[winner]))
                && r.stderr.contains("force-unlock"),
            || {
                format!(
                    "apply {i} should refuse naming pid {}: {r:#?}",
                    pids[winner]
                )
            },
        )?;
        // Refused before it read anything: not one request to Kafka Connect.
        check(proxies[i].log().is_empty(), || {
            format!("apply {i} reached Kafka Connect: {:#?}", proxies[i].log())
        })?;
    }
    let w = writes(&proxies[winner].log());
    check(!w.is_empty(), || "the apply that ran wrote nothing".into())?;
    println!("the apply that ran wrote: {w:?}");
    cli::plan_is_empty_file(&files[winner])?;
    check(records()?.is_empty(), || "a holder record was left".into())
}

async fn one_after_the_other() -> Result<(), String> {
    let links = ["lock-b", "lock-c", "lock-d"];
    for l in links {
        kafka::create_topics(US, &topics(l), 1).await?;
    }
    let proxy = ConnectProxy::start(connect::CONNECT).await;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let files = links
        .iter()
        .map(|l| {
            write(
                dir.path(),
                &format!("{l}.yaml"),
                &manifest(&proxy.url(), &[l]),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    // A lease of about one apply: its renewals keep it (a shorter one is
    // tested on the Confluent double; here Kafka Connect and a busy
    // machine can take seconds for one request).
    let lease = [("LINKCTL_LOCK_LEASE_MS", "10000")];
    let apply = |f: &PathBuf| {
        Background::start_with(
            &lease,
            &[
                "-f",
                arg(f),
                "apply",
                "--auto-approve",
                "--lock-timeout",
                "10m",
            ],
        )
    };
    // Contention made certain, not left to process start-up times: the
    // first apply holds the lock (its first read of its connector's tasks
    // waits in the proxy) while the other two start and say they wait.
    let started = Instant::now();
    proxy.hold("GET", &format!("/connectors/{}-source/tasks", links[0]));
    let first = apply(&files[0])?;
    until(
        "the first apply to hold the lock",
        Duration::from_secs(120),
        || proxy.held() > 0,
    )
    .await?;
    let others = files[1..]
        .iter()
        .map(apply)
        .collect::<Result<Vec<_>, _>>()?;
    let waiting = "waiting for the apply lock of europe";
    let both = until(
        "the other applies to wait for the lock",
        Duration::from_secs(120),
        || others.iter().all(|b| b.stderr_so_far().contains(waiting)),
    )
    .await;
    proxy.release();
    let runs = std::iter::once(first)
        .chain(others)
        .map(|a| a.finish(Duration::from_secs(900)))
        .collect::<Result<Vec<_>, _>>()?;
    both?;
    println!(
        "{N} applies with --lock-timeout: {:.1} s in all",
        started.elapsed().as_secs_f64()
    );
    check(runs.iter().all(|r| r.code == 0), || {
        format!("every apply runs: {runs:#?}")
    })?;
    let waited = runs
        .iter()
        .filter(|r| {
            r.stderr
                .contains("waited for the apply lock of cluster `europe`")
        })
        .count();
    check(waited == N - 1, || {
        format!("{} of them should have waited: {runs:#?}", N - 1)
    })?;
    // The connector writes come in one block per link.
    let w = writes(&proxy.log());
    let owners: Vec<&str> = w.iter().filter_map(|x| link_of(x)).collect();
    let mut blocks = owners.clone();
    blocks.dedup();
    check(blocks.len() == N, || {
        format!("interleaved connector writes: {w:#?}")
    })?;
    for f in &files {
        cli::plan_is_empty_file(f)?;
    }
    check(records()?.is_empty(), || "a holder record was left".into())
}

/// The lock ID a message names (`lock ID 3f9a2c1b7e40`).
fn lock_id(text: &str) -> Option<String> {
    let at = text.find("lock ID ")? + "lock ID ".len();
    let id: String = text[at..].chars().take(12).collect();
    (id.len() == 12 && id.chars().all(|c| c.is_ascii_hexdigit())).then_some(id)
}

/// Starts an apply of `link` that waits in the proxy (its first read of
/// the connector's tasks is held), and SIGKILLs it there: its pid.
async fn killed_mid_apply(
    proxy: &ConnectProxy,
    f: &Path,
    link: &str,
    lease_ms: &str,
) -> Result<u32, String> {
    proxy.hold("GET", &format!("/connectors/{link}-source/tasks"));
    let apply = Background::start_with(
        &[("LINKCTL_LOCK_LEASE_MS", lease_ms)],
        &["-f", arg(f), "apply", "--auto-approve"],
    )?;
    let pid = apply.pid();
    let held = until(
        "the apply's first read of the tasks",
        Duration::from_secs(120),
        || proxy.held() > 0,
    )
    .await;
    apply.kill()?;
    proxy.release();
    held?;
    check(records()?.len() == 1, || {
        "the killed apply held the lock".into()
    })?;
    Ok(pid)
}

async fn killed_holder() -> Result<(), String> {
    for l in ["lock-e", "lock-f"] {
        kafka::create_topics(US, &topics(l), 1).await?;
    }
    let proxy = ConnectProxy::start(connect::CONNECT).await;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let f = write(dir.path(), "e.yaml", &manifest(&proxy.url(), &["lock-e"]))?;
    // Long enough for plan to see it held, short enough to wait for.
    let lease_ms = 20_000;
    let pid = killed_mid_apply(&proxy, &f, "lock-e", "20000").await?;
    let killed = Instant::now();

    // plan says who holds it, and writes nothing to the lock.
    let before = kafka::topic_names(EUROPE)?;
    let plan = run(&[], &["-f", arg(&f), "plan"]);
    check(
        plan.code == 0
            && plan
                .stderr
                .contains("warning: the apply lock of cluster `europe` is held by")
            && plan.stderr.contains(&format!("(pid {pid}")),
        || format!("plan should show the held lock of pid {pid}: {plan:#?}"),
    )?;
    check(kafka::topic_names(EUROPE)? == before, || {
        "plan wrote to the lock".into()
    })?;

    // The next apply gets the lock within the lease.
    let r = run(
        &[],
        &[
            "-f",
            arg(&f),
            "apply",
            "--auto-approve",
            "--lock-timeout",
            "5m",
        ],
    );
    let after = killed.elapsed();
    check(
        r.code == 0 && r.stderr.contains("waited for the apply lock"),
        || format!("the next apply should wait for the lease, then run: {r:#?}"),
    )?;
    // The lease, plus the apply itself and a margin for a busy machine.
    check(
        after < Duration::from_millis(lease_ms) + Duration::from_secs(120),
        || format!("took {after:?}"),
    )?;
    println!(
        "killed holder: the next apply ran {:.1} s after the kill",
        after.as_secs_f64()
    );
    cli::plan_is_empty_file(&f)?;

    // A lock with a lease far longer than the test: force-unlock frees it.
    let g = write(dir.path(), "f.yaml", &manifest(&proxy.url(), &["lock-f"]))?;
    killed_mid_apply(&proxy, &g, "lock-f", "3600000").await?;
    let plan = run(&[], &["-f", arg(&g), "plan"]);
    let id = lock_id(&plan.stderr).ok_or_else(|| format!("no lock ID in: {plan:#?}"))?;
    let forced = run(&[], &["-f", arg(&g), "force-unlock", &id]);
    check(
        forced.code == 0
            && forced
                .stderr
                .contains(&format!("removed the apply lock {id}")),
        || format!("force-unlock: {forced:#?}"),
    )?;
    let r = run(&[], &["-f", arg(&g), "apply", "--auto-approve"]);
    check(
        r.code == 0 && !r.stderr.contains("waited for the apply lock"),
        || format!("after force-unlock the lock is free: {r:#?}"),
    )?;
    cli::plan_is_empty_file(&g)?;
    check(records()?.is_empty(), || "a holder record was left".into())
}
