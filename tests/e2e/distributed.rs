//! Kafka Connect as the group of workers it is in production: the plain
//! stack runs 3 workers (`scripts/local-kafka.sh up --connect-workers 3`,
//! as `scripts/test.sh` starts it), and the manifests of these steps list
//! all three in `connect:`. On 20 links (one mirror each):
//!
//! - the worker linkctl talks to is SIGKILLed during the apply that creates
//!   them: the apply ends with exit 0, or fails naming Kafka Connect; the
//!   worker comes back, a rerun converges, every connector runs;
//! - the group's leader is SIGKILLed during their promotion: the same, and
//!   every promoted topic holds every record of its source;
//! - every worker is restarted in turn while `status --groups` runs again
//!   and again: each run ends within its timeout and shows the links.
//!
//! A stack with fewer workers fails these steps with a message saying how
//! to start it; nothing is skipped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::cli::{self, Run};
use crate::faults::{arg, expect, procs, timed, until, write, Background, ConnectorExists};
use crate::kafka;
use crate::stack::{EUROPE, US};

const PREFIX: &str = "dist-";
const LINKS: usize = 20;
const RECORDS: usize = 10;
/// `--timeout` of the `status` runs during the rolling restart.
const STATUS_TIMEOUT_S: u64 = 15;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/local-kafka.sh")
}

/// `scripts/local-kafka.sh ARGS` (the plain stack), its stdout.
fn stack_cmd(args: &[&str]) -> Result<String, String> {
    let out = Command::new(script())
        .args(args)
        .output()
        .map_err(|e| format!("cannot run scripts/local-kafka.sh: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "scripts/local-kafka.sh {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The URLs of the stack's workers; an error unless there are at least 3.
fn workers() -> Result<Vec<String>, String> {
    let env = stack_cmd(&["env"])?;
    let urls: Vec<String> = env
        .lines()
        .find_map(|l| l.strip_prefix("export LINKCTL_CONNECT_URLS="))
        .map(|v| v.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    if urls.len() < 3 {
        return Err(format!(
            "these steps need a Kafka Connect group of 3 workers, the stack has {}: start it with \
             `scripts/local-kafka.sh down && scripts/local-kafka.sh up --connect-workers 3` (scripts/test.sh does)",
            urls.len()
        ));
    }
    Ok(urls)
}

/// The stack's name of the worker at `url` (`connect`, `connect-2`, …).
fn worker_name(urls: &[String], url: &str) -> String {
    match urls.iter().position(|u| u == url) {
        Some(0) | None => "connect".into(),
        Some(i) => format!("connect-{}", i + 1),
    }
}

fn links() -> Vec<String> {
    (0..LINKS).map(|i| format!("{PREFIX}l{i:02}")).collect()
}

fn topic(link: &str) -> String {
    format!("{link}-t")
}

/// Every link with its one mirror in `state`, on the Connect group `urls`.
fn manifest(urls: &[String], state: &str) -> String {
    let list = urls.join(", ");
    let mut y = format!(
        "version: 1\nprune_links: true\nforce_delete_links: true\nclusters:\n  us:\n    bootstrap: {US}\n  europe:\n    bootstrap: {EUROPE}\n    connect: [{list}]\nlinks:\n"
    );
    if state == "none" {
        y.push_str("  {}\n");
        return y;
    }
    for link in links() {
        y.push_str(&format!(
            "  {link}:\n    source: us\n    destination: europe\n    engine: mirrormaker2\n    config:\n      metadata.max.age.ms: 5000\n      replication.factor: 1\n      offset-syncs.topic.location: target\n      offset-syncs.topic.replication.factor: 1\n      checkpoints.topic.replication.factor: 1\n      heartbeats.topic.replication.factor: 1\n      tasks.max: 1\n    mirrors:\n      - {{ topic: {}, state: {state} }}\n",
            topic(&link)
        ));
    }
    y
}

/// Every connector of the 20 links, by status, from the first worker that
/// answers.
async fn connector_states(urls: &[String]) -> Result<Vec<(String, String)>, String> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let mut last = String::new();
    for u in urls {
        let r = match http
            .get(format!("{u}/connectors?expand=status"))
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => r,
            Ok(r) => {
                last = format!("{u}: HTTP {}", r.status());
                continue;
            }
            Err(e) => {
                last = format!("{u}: {e}");
                continue;
            }
        };
        let all: serde_json::Value = r.json().await.map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        if let Some(m) = all.as_object() {
            for (name, c) in m.iter().filter(|(n, _)| n.starts_with(PREFIX)) {
                let connector = c["status"]["connector"]["state"].as_str().unwrap_or("?");
                let tasks: Vec<&str> = c["status"]["tasks"]
                    .as_array()
                    .map(|t| t.iter().filter_map(|t| t["state"].as_str()).collect())
                    .unwrap_or_default();
                let state = if connector == "RUNNING" && tasks.iter().all(|t| *t == "RUNNING") {
                    "RUNNING".to_string()
                } else {
                    format!("{connector} (tasks {tasks:?})")
                };
                out.push((name.clone(), state));
            }
        }
        return Ok(out);
    }
    Err(format!("no worker answered: {last}"))
}

/// Both connectors of every link RUNNING (a few seconds allowed for the
/// group to settle after a restart).
async fn every_connector_runs(urls: &[String]) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let states = connector_states(urls).await;
        if let Ok(s) = &states {
            if s.len() == 2 * LINKS && s.iter().all(|(_, st)| st == "RUNNING") {
                println!("[all {} connectors RUNNING]", s.len());
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the connectors of the {LINKS} links do not all run: {states:?}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The run either ended well or failed naming Kafka Connect, in time.
fn ended_well_or_named_connect(r: &Run, what: &str) -> Result<(), String> {
    let named = r.stdout.contains("Kafka Connect") || r.stderr.contains("Kafka Connect");
    expect(
        r.code == 0 || (r.code == 1 && named && r.stdout.contains("Apply failed:")),
        &format!("{what}: exit 0, or exit 1 with a report naming Kafka Connect"),
        r,
    )
}

/// Applies `f` until the plan is empty (at most twice: a worker that just
/// came back may still rebalance), then checks every connector runs.
async fn converge(urls: &[String], f: &Path) -> Result<(), String> {
    let t = Instant::now();
    let first = cli::apply_file(f);
    if first.is_err() {
        println!("[first rerun: {first:?}; once more]");
        cli::apply_file(f)?;
    }
    cli::plan_is_empty_file(f)?;
    println!(
        "[the rerun converged in {:.1} s]",
        t.elapsed().as_secs_f64()
    );
    every_connector_runs(urls).await
}

/// The worker linkctl talks to first SIGKILLed during the apply of 20 links.
pub async fn worker_killed_during_apply() -> Result<(), String> {
    let urls = workers()?;
    let names: Vec<String> = links().iter().map(|l| topic(l)).collect();
    kafka::create_topics(US, &names, 1).await?;
    for t in &names {
        let values: Vec<String> = (0..RECORDS).map(|i| format!("{t}-{i}")).collect();
        kafka::produce(US, t, &values)?;
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let f = write(dir.path(), "active.yaml", &manifest(&urls, "active"))?;
    let apply = Background::start(&["-f", arg(&f), "apply", "--auto-approve"])?;
    let first = format!("{}-source", links()[0]);
    if let Err(e) = until(
        "the first connector write",
        Duration::from_secs(60),
        ConnectorExists(&first),
    )
    .await
    {
        let r = apply.finish(Duration::from_secs(120));
        return Err(format!("{e}: {r:?}"));
    }
    let victim = worker_name(&urls, &urls[0]);
    let r = kill_during(apply, &victim, Duration::from_secs(240))?;
    ended_well_or_named_connect(&r, "the apply during which a worker died")?;
    converge(&urls, &f).await
}

/// SIGKILLs worker `victim` while `apply` runs, waits at most `limit` for
/// the apply, and starts the worker again.
fn kill_during(apply: Background, victim: &str, limit: Duration) -> Result<Run, String> {
    let t = Instant::now();
    procs::signal(victim, "KILL")?;
    println!("[SIGKILL {victim}]");
    let r = apply.finish(limit);
    let took = t.elapsed();
    procs::restart()?;
    let r = r?;
    println!(
        "[exit {} {:.1} s after the SIGKILL]",
        r.code,
        took.as_secs_f64()
    );
    Ok(r)
}

/// The group's leader SIGKILLed during the promotion of the 20 mirrors.
pub async fn leader_killed_during_promotion() -> Result<(), String> {
    let urls = workers()?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let active = write(dir.path(), "active.yaml", &manifest(&urls, "active"))?;
    // Starts from the converged links of the step before (or makes them).
    cli::apply_file(&active)?;
    let promoted = write(dir.path(), "promoted.yaml", &manifest(&urls, "promoted"))?;
    let leader = stack_cmd(&["leader"])?.trim().to_string();
    let apply = Background::start(&["-f", arg(&promoted), "apply", "--auto-approve"])?;
    // The promotion's gate waits 5 s for a quiet source: the leader dies
    // while the apply is under way.
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!("[the leader: {leader}]");
    let r = kill_during(apply, &leader, Duration::from_secs(300))?;
    ended_well_or_named_connect(&r, "the promotion during which the leader died")?;
    converge(&urls, &promoted).await?;
    // Promoted means caught up: every record of every source is on europe.
    // MirrorMaker 2 copies at least once: a task that died before it
    // committed its offsets is copied again by its successor, so a topic
    // may hold some records twice (counted, not a failure).
    let mut twice = 0;
    for l in links() {
        let t = topic(&l);
        let got = kafka::read_all(EUROPE, &t, RECORDS, Duration::from_secs(20))?;
        let missing: Vec<String> = (0..RECORDS)
            .map(|i| format!("{t}-{i}"))
            .filter(|v| !got.contains(v))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "promoted {t} lacks {} of its source's {RECORDS} records: {missing:?}",
                missing.len()
            ));
        }
        twice += got.len() - RECORDS;
    }
    println!(
        "[every promoted topic holds all its {RECORDS} records; {twice} record(s) copied twice after the worker crashes (at-least-once)]"
    );
    Ok(())
}

/// `status --groups` run again and again while every worker restarts in turn.
pub async fn rolling_restart_during_status() -> Result<(), String> {
    let urls = workers()?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let f = write(dir.path(), "promoted.yaml", &manifest(&urls, "promoted"))?;
    let rolling = std::thread::spawn(|| stack_cmd(&["restart-connect", "--rolling"]));
    let timeout = STATUS_TIMEOUT_S.to_string();
    let mut runs = 0;
    while !rolling.is_finished() {
        let (r, took) = timed(&[
            "-f",
            arg(&f),
            "status",
            "--groups",
            "--timeout",
            &timeout,
            "--format",
            "json",
        ]);
        runs += 1;
        // The timeout bounds each wait for an endpoint; a status reads
        // Connect, then both clusters: 3 timeouts is the most it may take.
        let limit = Duration::from_secs(3 * STATUS_TIMEOUT_S + 5);
        if took > limit {
            return Err(format!(
                "status took {took:?} during the rolling restart (timeout {STATUS_TIMEOUT_S} s)"
            ));
        }
        let shows_links = links().iter().all(|l| r.stdout.contains(l.as_str()));
        let names_what_failed = r.code != 0 && r.stderr.contains("Kafka Connect");
        expect(
            (r.code == 0 && shows_links) || names_what_failed,
            "status shows every link, or says what it could not read",
            &r,
        )?;
    }
    let restarted = rolling
        .join()
        .map_err(|_| "the rolling restart panicked".to_string())?;
    restarted?;
    println!("[{runs} status runs during the rolling restart]");
    // A positive control: the restart was long enough for several runs.
    if runs < 2 {
        return Err(format!(
            "only {runs} status run(s) during the rolling restart: the step proved nothing"
        ));
    }
    every_connector_runs(&urls).await?;
    let (r, _) = timed(&["-f", arg(&f), "status", "--groups"]);
    expect(r.code == 0, "status after the rolling restart", &r)?;
    // The links go again.
    let none = write(dir.path(), "none.yaml", &manifest(&urls, "none"))?;
    cli::apply_file(&none)?;
    cli::plan_is_empty_file(&none)
}

/// Removes the links' connectors and every `dist-*` topic.
pub async fn cleanup() -> Result<(), String> {
    for link in links() {
        crate::connect::remove_link(&link).await?;
    }
    for b in [US, EUROPE] {
        kafka::delete_topics_matching(b, |t| t.starts_with(PREFIX)).await?;
    }
    Ok(())
}
