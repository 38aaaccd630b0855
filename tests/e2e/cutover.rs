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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{Message, Offset, TopicPartitionList};
use serde_json::Value;

use crate::connect;
use crate::kafka::{self, cfg};
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
    }
    Ok(())
}

/// Produces `n` records `p<partition>-<i>` round-robin over `partitions`,
/// as fast as librdkafka batches them.
fn produce_fast(topic: &str, n: usize, partitions: i32) -> Result<(), String> {
    let p: ThreadedProducer<DefaultProducerContext> = cfg(US)
        .set("linger.ms", "20")
        .set("batch.num.messages", "10000")
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .map_err(|e| e.to_string())?;
    for i in 0..n {
        let part = (i as i32) % partitions;
        let v = format!("p{part}-{i}");
        let mut rec = BaseRecord::<(), str>::to(topic).payload(&v).partition(part);
        loop {
            match p.send(rec) {
                Ok(()) => break,
                Err((e, r))
                    if e.rdkafka_error_code()
                        == Some(rdkafka::types::RDKafkaErrorCode::QueueFull) =>
                {
                    rec = r;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err((e, _)) => return Err(format!("produce: {e}")),
            }
        }
    }
    p.flush(Duration::from_secs(120))
        .map_err(|e| format!("flush: {e}"))
}

/// A producer writing to `topic` until the returned flag is set, in the
/// background (`every`: the pause between records).
struct Writer {
    stop: Arc<AtomicBool>,
    sent: Arc<Mutex<usize>>,
    handle: Option<std::thread::JoinHandle<Result<(), String>>>,
}

impl Writer {
    fn start(topic: &str, partitions: i32, every: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(Mutex::new(0usize));
        let (topic, s, n) = (topic.to_string(), stop.clone(), sent.clone());
        let handle = std::thread::spawn(move || {
            let p: ThreadedProducer<DefaultProducerContext> = cfg(US)
                .set("linger.ms", "5")
                .create()
                .map_err(|e| e.to_string())?;
            let mut i = 0usize;
            while !s.load(Ordering::SeqCst) {
                let part = (i as i32) % partitions;
                let v = format!("live-{i}");
                if p.send(
                    BaseRecord::<(), str>::to(&topic)
                        .payload(&v)
                        .partition(part),
                )
                .is_ok()
                {
                    i += 1;
                    if let Ok(mut g) = n.lock() {
                        *g = i;
                    }
                }
                if every.is_zero() {
                    if i.is_multiple_of(500) {
                        std::thread::sleep(Duration::from_millis(2));
                    }
                } else {
                    std::thread::sleep(every);
                }
            }
            p.flush(Duration::from_secs(30)).map_err(|e| e.to_string())
        });
        Self {
            stop,
            sent,
            handle: Some(handle),
        }
    }

    /// Stops writing; how many records were sent.
    fn stop(mut self) -> Result<usize, String> {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            h.join().map_err(|_| "the writer panicked".to_string())??;
        }
        Ok(self.sent.lock().map(|g| *g).unwrap_or_default())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Every record of every partition of `topic` on `bootstrap`, by partition.
fn records_by_partition(
    bootstrap: &str,
    topic: &str,
) -> Result<BTreeMap<i32, Vec<String>>, String> {
    let ends = end_offsets(bootstrap, topic)?;
    let c: BaseConsumer = cfg(bootstrap)
        .set("group.id", "linkctl-e2e-cutover-reader")
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false")
        .create()
        .map_err(|e| e.to_string())?;
    let mut tpl = TopicPartitionList::new();
    for p in ends.keys() {
        tpl.add_partition_offset(topic, *p, Offset::Beginning)
            .map_err(|e| e.to_string())?;
    }
    c.assign(&tpl).map_err(|e| e.to_string())?;
    let mut out: BTreeMap<i32, Vec<String>> = ends.keys().map(|p| (*p, Vec::new())).collect();
    let mut done: BTreeMap<i32, bool> = ends.iter().map(|(p, e)| (*p, *e == 0)).collect();
    let deadline = Instant::now() + Duration::from_secs(180);
    while done.values().any(|d| !d) {
        if Instant::now() > deadline {
            return Err(format!("reading {topic} on {bootstrap} timed out"));
        }
        match c.poll(Duration::from_millis(500)) {
            Some(Ok(m)) => {
                let p = m.partition();
                out.entry(p)
                    .or_default()
                    .push(String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned());
                if m.offset() + 1 >= ends.get(&p).copied().unwrap_or(0) {
                    done.insert(p, true);
                }
            }
            Some(Err(e)) => return Err(format!("consume {topic}: {e}")),
            None => {}
        }
    }
    Ok(out)
}

/// End offset per partition.
fn end_offsets(bootstrap: &str, topic: &str) -> Result<BTreeMap<i32, i64>, String> {
    let n = kafka::partitions(bootstrap, topic)?;
    let c: BaseConsumer = cfg(bootstrap).create().map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    for p in 0..n as i32 {
        let (_, high) = c
            .fetch_watermarks(topic, p, Duration::from_secs(10))
            .map_err(|e| format!("watermarks of {topic}-{p}: {e}"))?;
        out.insert(p, high);
    }
    Ok(out)
}

/// Commits `offsets` (partition → offset) for `group` on `bootstrap`
/// without consuming (a group that read up to there and stopped).
fn commit(
    bootstrap: &str,
    topic: &str,
    group: &str,
    offsets: &BTreeMap<i32, i64>,
) -> Result<(), String> {
    let c: BaseConsumer = cfg(bootstrap)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .map_err(|e| e.to_string())?;
    let mut tpl = TopicPartitionList::new();
    for (p, o) in offsets {
        tpl.add_partition_offset(topic, *p, Offset::Offset(*o))
            .map_err(|e| e.to_string())?;
    }
    c.commit(&tpl, CommitMode::Sync)
        .map_err(|e| format!("commit: {e}"))
}

/// What a consumer of `group` on `bootstrap` reads of `topic` from its
/// committed offsets to the end, by partition.
fn consume_group(
    bootstrap: &str,
    topic: &str,
    group: &str,
) -> Result<BTreeMap<i32, Vec<String>>, String> {
    let ends = end_offsets(bootstrap, topic)?;
    let c: BaseConsumer = cfg(bootstrap)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .create()
        .map_err(|e| e.to_string())?;
    c.subscribe(&[topic]).map_err(|e| e.to_string())?;
    let mut out: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    let mut at: BTreeMap<i32, i64> = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let finished = ends
            .iter()
            .all(|(p, e)| *e == 0 || at.get(p).is_some_and(|o| o + 1 >= *e));
        if finished {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!(
                "consuming {topic} as {group} timed out at {at:?} of {ends:?}"
            ));
        }
        match c.poll(Duration::from_millis(500)) {
            Some(Ok(m)) => {
                out.entry(m.partition())
                    .or_default()
                    .push(String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned());
                at.insert(m.partition(), m.offset());
            }
            Some(Err(e)) => return Err(format!("consume: {e}")),
            None => {}
        }
    }
    c.unsubscribe();
    Ok(out)
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
    // Per partition, the destination holds exactly the source's records.
    let source = records_by_partition(US, &t)?;
    let dest = records_by_partition(EUROPE, &t)?;
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

    // The group: synced before the stop; its consumers on europe resume at
    // or before the record the source group would read next.
    let group = rep["groups"]
        .as_array()
        .and_then(|g| g.iter().find(|g| g["group"] == GROUP))
        .cloned()
        .ok_or_else(|| format!("the report does not name group {GROUP}: {rep}"))?;
    if group["synced"] != true {
        return Err(format!("group {GROUP} was not synced: {group}"));
    }
    let read = consume_group(EUROPE, &t, GROUP)?;
    for part in group["partitions"].as_array().cloned().unwrap_or_default() {
        let p = part["partition"].as_i64().unwrap_or(-1) as i32;
        let c = part["source"].as_i64().unwrap_or(-1);
        let again = part["may_read_again"].as_i64().unwrap_or(-1);
        let s = source.get(&p).cloned().unwrap_or_default();
        let got = read.get(&p).cloned().unwrap_or_default();
        // Every record from the group's source position on is read...
        let wanted = &s[c as usize..];
        if !got.ends_with(wanted) {
            return Err(format!(
                "partition {p}: the group read {} records on europe, which do not end with the {} records after its source position {c}",
                got.len(),
                wanted.len()
            ));
        }
        // ...and exactly `may_read_again` records before it.
        let before = got.len() as i64 - wanted.len() as i64;
        if before != again {
            return Err(format!(
                "partition {p}: the group read {before} record(s) again, the report said {again}"
            ));
        }
    }
    println!("group {GROUP} on europe resumed where the report said: {group}");
    cli::plan_is_empty_file(&promoted)
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
    // Still mirrored: a record written now reaches europe.
    kafka::produce(US, &t, &["after-the-refusal".to_string()])?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let got = kafka::read_all(EUROPE, &t, sent + 1, Duration::from_secs(5))?;
        if got.iter().any(|v| v == "after-the-refusal") {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!(
                "europe/{t} did not get the record written after the refusal"
            ));
        }
    }
    println!(
        "{t} is still mirrored after the refused promotion ({sent} records written meanwhile)"
    );
    Ok(())
}

/// A failover under load: the reported recovery point is what europe holds.
async fn failover_under_load() -> Result<(), String> {
    let t = topic("fail");
    kafka::create_topic(US, &t, PARTITIONS).await?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let active = file(&dir, "active.yaml", &manifest(&[(&t, "active")], ""))?;
    cli::apply_file(&active)?;
    let writer = Writer::start(&t, PARTITIONS, Duration::ZERO);
    europe_holds(&t, 20_000, Duration::from_secs(90)).await?;
    let failed = file(&dir, "failed.yaml", &manifest(&[(&t, "failed_over")], ""))?;
    let started = Instant::now();
    let (code, events, r) = apply_json(&failed, &[]);
    let took = started.elapsed();
    let sent = writer.stop()?;
    println!("$ linkctl -f failed.yaml apply --auto-approve --format json   ({:.1} s, {sent} records written by the producer)", took.as_secs_f64());
    for e in events.iter().filter(|e| e["event"] != "plan") {
        println!("{e}");
    }
    if code != 0 {
        return Err(format!(
            "the failover exited {code}: {}\n{}",
            r.stdout, r.stderr
        ));
    }
    let rep = report(&events, &t).ok_or("no cut-over report in the events")?;
    let source_now = end_offsets(US, &t)?;
    let dest_now = end_offsets(EUROPE, &t)?;
    let mut total = 0;
    for part in rep["partitions"].as_array().cloned().unwrap_or_default() {
        let p = part["partition"].as_i64().unwrap_or(-1) as i32;
        let end = part["source_end"]
            .as_i64()
            .ok_or("no source end offset in the report")?;
        let lag = part["lag"].as_i64().ok_or("no lag in the report")?;
        let held = dest_now.get(&p).copied().unwrap_or(-1);
        // The destination holds exactly what the report says it held when
        // the mirror stopped: the source end then, less what was not mirrored.
        if end - lag != held {
            return Err(format!(
                "partition {p}: reported source end {end} and {lag} not mirrored, but europe holds {held}"
            ));
        }
        // What arrived during the failover itself (after linkctl read the
        // source's end offsets) is bounded by the source's end now.
        if end > source_now.get(&p).copied().unwrap_or(0) {
            return Err(format!(
                "partition {p}: reported source end {end} is past the source's"
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
        "failover left {total} record(s) not mirrored (reported); europe holds exactly the rest; {after} more were written to us after linkctl read its end offsets"
    );
    Ok(())
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
