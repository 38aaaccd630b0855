//! The cut-over on MirrorMaker 2, with traffic (issue 15), on the plain
//! stack whose Kafka Connect worker keeps its default offset flush interval
//! (60 s) and whose link keeps MirrorMaker 2's defaults (offset syncs on the
//! source, every 100 records): what production runs.
//!
//! - 300,000 records produced as fast as possible to a 3-partition topic, a
//!   consumer group committed in the middle of it, the producer stopped,
//!   then `state: promoted` at once: exit 0, each destination partition
//!   holds exactly the source's records, and a consumer of the group on
//!   europe resumes where the report says (nothing skipped);
//! - a promotion while a producer keeps writing: refused within the wait
//!   timeout, the topic still mirrored afterwards;
//! - a failover under load: exit 0, and per partition the reported
//!   recovery point is what the destination holds.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::connect;
use crate::kafka;
use crate::records::{
    commit, consume_group, end_offsets, produce_fast, records_by_partition, Writer,
};
use crate::stack::{EUROPE, US};
use crate::{cli, harness::step, harness::StepFn};

const LINK: &str = "cut-link";
const PREFIX: &str = "cut-";
const RECORDS: usize = 300_000;
const PARTITIONS: i32 = 3;
const GROUP: &str = "cut-group";

/// This run's suffix: topic names of earlier runs are not reused (Kafka
/// keeps a deleted topic's offset syncs until compaction).
fn suffix() -> &'static str {
    static S: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() % 1_000_000)
            .unwrap_or_default();
        t.to_string()
    })
}

fn topic(name: &str) -> String {
    format!("{PREFIX}{name}-{}", suffix())
}

pub fn steps() -> Vec<(&'static str, StepFn)> {
    vec![
        step!(
            "cutover_300k_records_then_promote_with_group_offsets",
            load_then_promote()
        ),
        step!(
            "cutover_promotion_refused_while_the_source_is_written",
            promote_while_writing()
        ),
        step!(
            "cutover_failover_under_load_reports_the_recovery_point",
            failover_under_load()
        ),
        step!(
            "cutover_interrupted_promotion_then_rerun_converges",
            interrupted_then_rerun()
        ),
        step!(
            "cutover_forced_link_deletion_reports_what_it_left_behind",
            forced_deletion_under_load()
        ),
        step!(
            "cutover_fence_refused_without_an_authorizer",
            fence_without_authorizer()
        ),
    ]
}

/// The cut-over manifest: one MirrorMaker 2 link with MirrorMaker 2's own
/// defaults for offset syncs, every group's offsets synced, `mirrors`
/// as `(topic, state)`, and `extra` lines under the link.
fn manifest(mirrors: &[(&str, &str)], extra: &str) -> String {
    let mut y = format!(
        "version: 1\nclusters:\n  us:\n    bootstrap: {US}\n  europe:\n    bootstrap: {EUROPE}\n    connect: {}\nlinks:\n  {LINK}:\n    source: us\n    destination: europe\n    engine: mirrormaker2\n    config:\n      metadata.max.age.ms: 5000\n      replication.factor: 1\n      offset-syncs.topic.replication.factor: 1\n      checkpoints.topic.replication.factor: 1\n      heartbeats.topic.replication.factor: 1\n      tasks.max: 1\n    consumer_offset_sync:\n      interval_ms: 3000\n      groups:\n        - include: \"*\"\n{extra}    mirrors:\n",
        connect::CONNECT
    );
    for (t, state) in mirrors {
        y.push_str(&format!("      - {{ topic: {t}, state: {state} }}\n"));
    }
    y
}

/// Writes `text` to a manifest file in `dir`.
fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> Result<std::path::PathBuf, String> {
    let p = dir.path().join(name);
    std::fs::write(&p, text).map_err(|e| format!("write {name}: {e}"))?;
    Ok(p)
}

fn arg(p: &std::path::Path) -> &str {
    p.to_str().unwrap_or_default()
}

pub async fn cleanup() -> Result<(), String> {
    connect::remove_link(LINK).await?;
    for b in [US, EUROPE] {
        kafka::delete_topics_matching(b, |t| t.starts_with(PREFIX)).await?;
        kafka::delete_group(b, GROUP).await?;
        kafka::delete_group(b, &format!("{GROUP}-int")).await?;
    }
    Ok(())
}

/// `linkctl apply --auto-approve --format json` of `f`: exit code, the JSON
/// events, and stderr.
fn apply_json(f: &std::path::Path, extra: &[&str]) -> (i32, Vec<Value>, cli::Run) {
    let mut args = vec!["-f", arg(f), "apply", "--auto-approve", "--format", "json"];
    args.extend_from_slice(extra);
    let r = cli::linkctl(&args);
    let events = r
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .collect();
    (r.code, events, r)
}

/// The cut-over report of the `action_done` event of `topic`'s mirror.
fn report(events: &[Value], topic: &str) -> Option<Value> {
    events
        .iter()
        .find(|e| e["event"] == "action_done" && e["cutover"]["mirror"].as_str() == Some(topic))
        .map(|e| e["cutover"].clone())
}

/// Waits until europe holds `n` records of `topic`.
async fn europe_holds(topic: &str, n: i64, timeout: Duration) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    loop {
        let got: i64 = end_offsets(EUROPE, topic)
            .map(|e| e.values().sum())
            .unwrap_or(0);
        if got >= n {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "europe/{topic} holds {got} of {n} records after {timeout:?}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Per partition, europe holds exactly us's records of `t` (in order):
/// us's records by partition.
fn europe_holds_exactly_us(t: &str) -> Result<BTreeMap<i32, Vec<String>>, String> {
    let source = records_by_partition(US, t)?;
    let dest = records_by_partition(EUROPE, t)?;
    for (p, s) in &source {
        let d = dest.get(p).map(Vec::as_slice).unwrap_or_default();
        if d != s.as_slice() {
            return Err(format!(
                "partition {p}: europe holds {} records, us {}; first difference at {:?}",
                d.len(),
                s.len(),
                s.iter().zip(d).position(|(a, b)| a != b)
            ));
        }
    }
    println!(
        "per partition europe holds exactly us's records: {:?}",
        source
            .iter()
            .map(|(p, v)| (*p, v.len()))
            .collect::<Vec<_>>()
    );
    Ok(source)
}

/// The report's entry for `group`: synced before the stop, one entry per
/// partition, and a consumer of the group on europe reads every record
/// after the group's source position (none skipped) and exactly
/// `may_read_again` records before it.
fn group_resumes_as_reported(
    rep: &Value,
    group: &str,
    t: &str,
    source: &BTreeMap<i32, Vec<String>>,
) -> Result<Value, String> {
    let entry = rep["groups"]
        .as_array()
        .and_then(|g| g.iter().find(|g| g["group"] == group))
        .cloned()
        .ok_or_else(|| format!("the report does not name group {group}: {rep}"))?;
    if entry["synced"] != true {
        return Err(format!("group {group} was not synced: {entry}"));
    }
    let parts = entry["partitions"].as_array().cloned().unwrap_or_default();
    if parts.len() != source.len() {
        return Err(format!(
            "the report of group {group} has {} partition(s), the topic {}: {entry}",
            parts.len(),
            source.len()
        ));
    }
    let read = consume_group(EUROPE, t, group)?;
    for part in parts {
        let p = part["partition"].as_i64().unwrap_or(-1) as i32;
        let c = part["source"].as_i64().unwrap_or(-1);
        let again = part["may_read_again"].as_i64().unwrap_or(-1);
        let s = source.get(&p).cloned().unwrap_or_default();
        let got = read.get(&p).cloned().unwrap_or_default();
        let wanted = s.get(c.max(0) as usize..).unwrap_or_default();
        if c < 0 || !got.ends_with(wanted) {
            return Err(format!(
                "partition {p}: the group read {} records on europe, which do not end with the {} records after its source position {c}",
                got.len(),
                wanted.len()
            ));
        }
        let before = got.len() as i64 - wanted.len() as i64;
        if before != again {
            return Err(format!(
                "partition {p}: the group read {before} record(s) again, the report said {again}"
            ));
        }
    }
    Ok(entry)
}

/// A report of what stopping `t` left behind (a failover, a forced link
/// deletion), checked against the clusters: one entry per partition; each
/// reported source end offset at least what the source's end was before
/// the apply (`before`) and at most what it is now (what arrived during the
/// stop itself lies between the two); europe holds exactly the reported end
/// less the reported lag; `not_mirrored` is their total, which is returned.
fn left_behind_as_reported(
    rep: &Value,
    t: &str,
    before: &BTreeMap<i32, i64>,
) -> Result<i64, String> {
    let source_now = end_offsets(US, t)?;
    let dest_now = end_offsets(EUROPE, t)?;
    let parts = rep["partitions"].as_array().cloned().unwrap_or_default();
    if parts.len() != source_now.len() {
        return Err(format!(
            "the report has {} partition(s), {t} has {}: {rep}",
            parts.len(),
            source_now.len()
        ));
    }
    let mut total = 0;
    for part in parts {
        let p = part["partition"].as_i64().unwrap_or(-1) as i32;
        let end = part["source_end"]
            .as_i64()
            .ok_or("no source end offset in the report")?;
        let lag = part["lag"].as_i64().ok_or("no lag in the report")?;
        let held = dest_now.get(&p).copied().unwrap_or(-1);
        if end - lag != held {
            return Err(format!(
                "partition {p}: reported source end {end} and {lag} not mirrored, but europe holds {held}"
            ));
        }
        let (low, high) = (
            before.get(&p).copied().unwrap_or(0),
            source_now.get(&p).copied().unwrap_or(0),
        );
        if end < low || end > high {
            return Err(format!(
                "partition {p}: reported source end {end} is outside [{low}, {high}], the source's end before the apply and now"
            ));
        }
        total += lag;
    }
    if rep["not_mirrored"].as_i64() != Some(total) {
        return Err(format!(
            "not_mirrored {} is not the partitions' total {total}",
            rep["not_mirrored"]
        ));
    }
    let after: i64 = source_now.values().sum::<i64>()
        - rep["partitions"].as_array().map_or(0, |v| {
            v.iter().filter_map(|p| p["source_end"].as_i64()).sum()
        });
    println!(
        "{t}: {total} record(s) not mirrored (reported); europe holds exactly the rest; {after} more were written to us after linkctl read its end offsets"
    );
    Ok(total)
}

/// `t` is still mirrored: a record written now reaches europe (which holds
/// `before` records of it already, at most).
fn still_mirrored(t: &str, before: usize) -> Result<(), String> {
    kafka::produce(US, t, &["after-the-refusal".to_string()])?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let got = kafka::read_all(EUROPE, t, before + 1, Duration::from_secs(5))?;
        if got.iter().any(|v| v == "after-the-refusal") {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "europe/{t} did not get the record written after the refusal"
            ));
        }
    }
}

/// 300,000 records, a group in the middle, the producer stopped, promoted
/// at once.
async fn load_then_promote() -> Result<(), String> {
    let t = topic("load");
    kafka::create_topic(US, &t, PARTITIONS).await?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let active = file(&dir, "active.yaml", &manifest(&[(&t, "active")], ""))?;
    cli::apply_file(&active)?;
    let started = Instant::now();
    produce_fast(&t, RECORDS, PARTITIONS)?;
    println!(
        "{RECORDS} records produced to us/{t} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // A consumer group that read half of every partition and stopped.
    let middle: BTreeMap<i32, i64> = end_offsets(US, &t)?
        .into_iter()
        .map(|(p, e)| (p, e / 2))
        .collect();
    commit(US, &t, GROUP, &middle)?;
    let promoted = file(&dir, "promoted.yaml", &manifest(&[(&t, "promoted")], ""))?;
    let started = Instant::now();
    let (code, events, r) = apply_json(&promoted, &[]);
    let took = started.elapsed();
    println!(
        "$ linkctl -f promoted.yaml apply --auto-approve --format json   ({:.1} s)",
        took.as_secs_f64()
    );
    for e in &events {
        if e["event"] != "plan" {
            println!("{e}");
        }
    }
    if code != 0 {
        return Err(format!(
            "the promotion exited {code}: {}\n{}",
            r.stdout, r.stderr
        ));
    }
    let rep = report(&events, &t).ok_or("no cut-over report in the events")?;
    if rep["not_mirrored"].as_i64() != Some(0) {
        return Err(format!("the promotion reports records not mirrored: {rep}"));
    }
    let source = europe_holds_exactly_us(&t)?;
    let group = group_resumes_as_reported(&rep, GROUP, &t, &source)?;
    println!("group {GROUP} on europe resumed where the report said: {group}");
    cli::plan_is_empty_file(&promoted)
}

/// While `t` is written, `plan` of the promotion shows it not ready (the
/// source took records in the settle window) and `status` of the active
/// manifest says `ready: false`, `quiet: false`, in JSON and in its column.
fn not_ready_is_visible(
    promoted: &std::path::Path,
    active: &std::path::Path,
    t: &str,
) -> Result<(), String> {
    let r = cli::linkctl(&["-f", arg(promoted), "plan"]);
    println!(
        "$ linkctl -f promoted.yaml plan   (exit {})\n{}",
        r.code, r.stdout
    );
    let now = r
        .stdout
        .lines()
        .find(|l| l.contains("# now:"))
        .ok_or_else(|| format!("the plan shows no readiness line: {}", r.stdout))?;
    if r.code != 0 || !now.contains("the source took records") || !now.ends_with("not ready") {
        return Err(format!(
            "the plan of a promotion while the source is written should show it not ready (exit {}): {now}",
            r.code
        ));
    }
    let j = cli::linkctl(&["-f", arg(active), "status", "--format", "json"]);
    let status: Value = serde_json::from_str(&j.stdout)
        .map_err(|e| format!("status JSON (exit {}): {e}: {}", j.code, j.stdout))?;
    let m = status["links"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|l| l["mirrors"].as_array().cloned().unwrap_or_default())
        .find(|m| m["name"] == t)
        .ok_or_else(|| format!("status does not show {t}: {status}"))?;
    if m["ready"] != false || m["quiet"] != false {
        return Err(format!(
            "status of a mirror whose source is written should say ready false, quiet false: {m}"
        ));
    }
    let text = cli::linkctl(&["-f", arg(active), "status"]);
    let row = text
        .stdout
        .lines()
        .find(|l| l.contains(t))
        .ok_or_else(|| format!("status does not list {t}: {}", text.stdout))?;
    if !row.contains("no (source written)") {
        return Err(format!(
            "the status row of {t} should say `no (source written)`: {row}"
        ));
    }
    println!("status while written: {row}");
    Ok(())
}

/// A promotion while a producer keeps writing: refused, still mirrored.
async fn promote_while_writing() -> Result<(), String> {
    let t = topic("busy");
    kafka::create_topic(US, &t, 1).await?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    // The earlier step's topic stays declared (promoted) so nothing is pruned.
    let active = file(&dir, "active.yaml", &manifest(&[(&t, "active")], ""))?;
    cli::apply_file(&active)?;
    let writer = Writer::start(&t, 1, Duration::from_millis(100));
    europe_holds(&t, 5, Duration::from_secs(60)).await?;
    let promoted = file(&dir, "promoted.yaml", &manifest(&[(&t, "promoted")], ""))?;
    not_ready_is_visible(&promoted, &active, &t)?;
    let started = Instant::now();
    let r = cli::linkctl(&[
        "-f",
        arg(&promoted),
        "apply",
        "--auto-approve",
        "--wait-timeout",
        "20",
    ]);
    let took = started.elapsed();
    println!(
        "$ linkctl -f promoted.yaml apply --auto-approve --wait-timeout 20   (exit {}, {:.1} s)\n{}{}",
        r.code,
        took.as_secs_f64(),
        r.stdout,
        r.stderr
    );
    let sent = writer.stop()?;
    if r.code != 1 {
        return Err(format!(
            "the promotion of a topic still written exited {}",
            r.code
        ));
    }
    for want in [
        "refused",
        "still being written",
        "failed_over",
        "Nothing was stopped",
    ] {
        if !r.stdout.contains(want) && !r.stderr.contains(want) {
            return Err(format!("the refusal does not say {want:?}"));
        }
    }
    still_mirrored(&t, sent)?;
    println!(
        "{t} is still mirrored after the refused promotion ({sent} records written meanwhile)"
    );
    Ok(())
}

/// Mirrors `t` while a producer writes to it as fast as it can and, once
/// europe holds 20,000 of its records, applies `then` (as `name`); the
/// producer stopped, the apply must have exited 0, and what it left behind
/// (`left(events)`) must be what the clusters show and not nothing: a stop
/// that abandoned nothing did not happen under load, and proves nothing.
async fn stopped_under_load(
    t: &str,
    name: &str,
    then: &str,
    left: impl Fn(&[Value]) -> Option<Value>,
) -> Result<(), String> {
    kafka::create_topic(US, t, PARTITIONS).await?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let active = file(&dir, "active.yaml", &manifest(&[(t, "active")], ""))?;
    cli::apply_file(&active)?;
    let writer = Writer::start(t, PARTITIONS, Duration::ZERO);
    europe_holds(t, 20_000, Duration::from_secs(90)).await?;
    let f = file(&dir, name, then)?;
    let before = end_offsets(US, t)?;
    let started = Instant::now();
    let (code, events, r) = apply_json(&f, &[]);
    let took = started.elapsed();
    let sent = writer.stop()?;
    println!(
        "$ linkctl -f {name} apply --auto-approve --format json   (exit {code}, {:.1} s, {sent} records written by the producer)",
        took.as_secs_f64()
    );
    for e in events.iter().filter(|e| e["event"] != "plan") {
        println!("{e}");
    }
    if code != 0 {
        return Err(format!("{name} exited {code}: {}\n{}", r.stdout, r.stderr));
    }
    let rep = left(&events)
        .ok_or_else(|| format!("no event of {name} reports what it left behind of {t}"))?;
    if left_behind_as_reported(&rep, t, &before)? == 0 {
        return Err(format!(
            "{name} under load reports nothing left behind ({sent} records written): {rep}"
        ));
    }
    Ok(())
}

/// A failover under load: the reported recovery point is what europe holds.
async fn failover_under_load() -> Result<(), String> {
    let t = topic("fail");
    let failed = manifest(&[(&t, "failed_over")], "");
    stopped_under_load(&t, "failed.yaml", &failed, |events| report(events, &t)).await
}

/// A promotion interrupted (SIGINT) while it waits for a written source to
/// go quiet: nothing promoted, the topic still mirrored; the producer
/// stopped, the same apply run again promotes it with every record and
/// does the final offset sync of a group committed before the interrupt.
async fn interrupted_then_rerun() -> Result<(), String> {
    let t = topic("int");
    let group = format!("{GROUP}-int");
    kafka::create_topic(US, &t, PARTITIONS).await?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let active = file(&dir, "active.yaml", &manifest(&[(&t, "active")], ""))?;
    cli::apply_file(&active)?;
    let writer = Writer::start(&t, PARTITIONS, Duration::from_millis(20));
    europe_holds(&t, 30, Duration::from_secs(60)).await?;
    let third: BTreeMap<i32, i64> = end_offsets(US, &t)?
        .into_iter()
        .map(|(p, e)| (p, e / 3))
        .collect();
    commit(US, &t, &group, &third)?;
    let promoted = file(&dir, "promoted.yaml", &manifest(&[(&t, "promoted")], ""))?;
    let apply = crate::faults::Background::start(&[
        "-f",
        arg(&promoted),
        "apply",
        "--auto-approve",
        "--wait-timeout",
        "300",
    ])?;
    let deadline = Instant::now() + Duration::from_secs(90);
    while !apply.stderr_so_far().contains("to catch up") {
        if Instant::now() > deadline {
            let r = apply.finish(Duration::from_secs(5));
            return Err(format!(
                "the promotion never waited for the mirror to catch up: {r:?}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    apply.signal("INT")?;
    let r = apply.finish(Duration::from_secs(60))?;
    let sent = writer.stop()?;
    // Interrupted in its gate, the promotion sent nothing: it is reported
    // not attempted, not "interrupted (sent; it may or may not have taken
    // effect)".
    if r.code != 130
        || !r
            .stdout
            .contains("Apply interrupted: 0 done, 0 failed, 1 not attempted.")
    {
        return Err(format!(
            "a promotion interrupted while it waits should exit 130 with the interrupted report (exit {})",
            r.code
        ));
    }
    still_mirrored(&t, sent)?;
    println!("{t} is still mirrored after the interrupt ({sent} records written)");
    let started = Instant::now();
    let (code, events, r) = apply_json(&promoted, &[]);
    println!(
        "$ linkctl -f promoted.yaml apply --auto-approve --format json   (exit {code}, {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    for e in events.iter().filter(|e| e["event"] != "plan") {
        println!("{e}");
    }
    if code != 0 {
        return Err(format!(
            "the rerun exited {code}: {}\n{}",
            r.stdout, r.stderr
        ));
    }
    let rep = report(&events, &t).ok_or("no cut-over report in the rerun's events")?;
    if rep["not_mirrored"].as_i64() != Some(0) {
        return Err(format!("the rerun reports records not mirrored: {rep}"));
    }
    let source = europe_holds_exactly_us(&t)?;
    let entry = group_resumes_as_reported(&rep, &group, &t, &source)?;
    println!("group {group} on europe resumed where the rerun's report said: {entry}");
    cli::plan_is_empty_file(&promoted)
}

/// `force_delete_links` on a MirrorMaker 2 link still mirroring under load:
/// the deletion reports, per partition in `left_behind`, what europe lacked
/// when the source connector stopped.
async fn forced_deletion_under_load() -> Result<(), String> {
    let t = topic("forced");
    let none = format!(
        "version: 1\nprune_links: true\nforce_delete_links: true\nclusters:\n  us:\n    bootstrap: {US}\n  europe:\n    bootstrap: {EUROPE}\n    connect: {}\nlinks: {{}}\n",
        connect::CONNECT
    );
    stopped_under_load(&t, "none.yaml", &none, |events| {
        events
            .iter()
            .filter(|e| e["event"] == "action_done")
            .flat_map(|e| e["left_behind"].as_array().cloned().unwrap_or_default())
            .find(|r| r["mirror"] == t.as_str())
    })
    .await
}

/// A fence on a source without an authorizer is refused at plan time.
async fn fence_without_authorizer() -> Result<(), String> {
    let t = topic("load");
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let fenced = manifest(&[(&t, "promoted")], "    cutover:\n      fence: true\n");
    let f = file(&dir, "fenced.yaml", &fenced)?;
    let r = cli::linkctl(&["-f", arg(&f), "plan"]);
    println!(
        "$ linkctl -f fenced.yaml plan   (exit {})\n{}{}",
        r.code, r.stdout, r.stderr
    );
    if r.code != 1 || !r.stdout.contains("has no authorizer") {
        return Err(format!(
            "a fence on a source without an authorizer should be refused at plan time (exit {})",
            r.code
        ));
    }
    Ok(())
}
