//! MirrorMaker 2 mirrors you can trust (issue 16), on the plain stack:
//!
//! - a replication loop (us → europe → us with identity names) is refused
//!   by `validate`, pointing at both links;
//! - a link whose Kafka Connect worker is attached to another cluster than
//!   its destination is refused by `plan`, and no connector is written;
//! - a mirror over an existing topic with records of its own is refused
//!   (an apply writes nothing), and adopted only when the manifest says so
//!   (the plan says what happens to the records already there and where
//!   MirrorMaker 2 starts reading);
//! - a destination topic deleted out of band (MirrorMaker 2 re-creates it
//!   and copies only what comes next): `plan` reports the gap with its size,
//!   `status` shows the mirror broken, the repair copies everything again;
//! - status shows a lag that is current while the connector's stored
//!   offsets trail the destination (checked around the `status`, on workers
//!   with Kafka Connect's default 60 s `offset.flush.interval.ms`).

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::connect;
use crate::kafka;
use crate::stack::{EUROPE, US};
use crate::{cli, harness::step, harness::StepFn};

const LINK: &str = "safe-link";
const PREFIX: &str = "safe-";

fn suffix() -> &'static str {
    static S: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| (d.as_secs() % 1_000_000).to_string())
            .unwrap_or_default()
    })
}

fn topic(name: &str) -> String {
    format!("{PREFIX}{name}-{}", suffix())
}

pub fn steps() -> Vec<(&'static str, StepFn)> {
    vec![
        step!("mm2_replication_loop_refused_by_validate", loop_refused()),
        step!(
            "mm2_worker_of_another_cluster_refused_by_plan",
            worker_elsewhere()
        ),
        step!(
            "mm2_mirror_over_an_existing_topic_refused_then_adopted",
            existing_topic()
        ),
        step!(
            "mm2_destination_deleted_out_of_band_gap_reported_and_repaired",
            gap_repaired()
        ),
        step!(
            "mm2_status_lag_is_current_with_default_flush",
            lag_is_current()
        ),
    ]
}

pub async fn cleanup() -> Result<(), String> {
    for l in [LINK, "safe-west"] {
        connect::remove_link(l).await?;
    }
    for b in [US, EUROPE] {
        kafka::delete_topics_matching(b, |t| t.starts_with(PREFIX)).await?;
    }
    Ok(())
}

/// The manifest of `LINK` mirroring `mirrors` (`(topic, extra mirror
/// settings)`), with `clusters` as given.
fn manifest(mirrors: &[(&str, &str)]) -> String {
    let mut y = format!(
        "version: 1\nclusters:\n  us:\n    bootstrap: {US}\n  europe:\n    bootstrap: {EUROPE}\n    connect: {}\nlinks:\n  {LINK}:\n    source: us\n    destination: europe\n    engine: mirrormaker2\n    config:\n      metadata.max.age.ms: 5000\n      replication.factor: 1\n      offset-syncs.topic.replication.factor: 1\n      checkpoints.topic.replication.factor: 1\n      heartbeats.topic.replication.factor: 1\n      tasks.max: 1\n    mirrors:\n",
        connect::CONNECT
    );
    for (t, extra) in mirrors {
        y.push_str(&format!("      - {{ topic: {t}{extra} }}\n"));
    }
    y
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> Result<std::path::PathBuf, String> {
    let p = dir.path().join(name);
    std::fs::write(&p, text).map_err(|e| e.to_string())?;
    Ok(p)
}

fn run(f: &std::path::Path, args: &[&str]) -> cli::Run {
    let mut a = vec!["-f", f.to_str().unwrap_or_default()];
    a.extend_from_slice(args);
    let r = cli::linkctl(&a);
    println!(
        "$ linkctl -f {} {}   (exit {})\n{}{}",
        f.file_name().and_then(|n| n.to_str()).unwrap_or_default(),
        args.join(" "),
        r.code,
        r.stdout,
        r.stderr
    );
    r
}

async fn loop_refused() -> Result<(), String> {
    let t = topic("loop");
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let y = format!(
        "version: 1\nclusters:\n  us:\n    bootstrap: {US}\n    connect: {c}\n  europe:\n    bootstrap: {EUROPE}\n    connect: {c}\nlinks:\n  east:\n    source: us\n    destination: europe\n    engine: mirrormaker2\n    mirrors: [{{topic: {t}}}]\n  west:\n    source: europe\n    destination: us\n    engine: mirrormaker2\n    mirrors: [{{topic: {t}}}]\n",
        c = connect::CONNECT
    );
    let f = write(&dir, "loop.yaml", &y)?;
    let r = run(&f, &["validate"]);
    let all = format!("{}{}", r.stdout, r.stderr);
    if r.code != 1
        || !all.contains("linkctl::replication_loop")
        || !all.contains("east")
        || !all.contains("west")
    {
        return Err("the loop was not refused by validate naming both links".into());
    }
    Ok(())
}

async fn worker_elsewhere() -> Result<(), String> {
    let t = topic("west");
    kafka::create_topic(EUROPE, &t, 1).await?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    // `us` names the one worker, which is attached to europe.
    let y = format!(
        "version: 1\nclusters:\n  us:\n    bootstrap: {US}\n    connect: {c}\n  europe:\n    bootstrap: {EUROPE}\nlinks:\n  safe-west:\n    source: europe\n    destination: us\n    engine: mirrormaker2\n    config:\n      replication.factor: 1\n    mirrors: [{{topic: {t}}}]\n",
        c = connect::CONNECT
    );
    let f = write(&dir, "west.yaml", &y)?;
    let r = run(&f, &["plan"]);
    if r.code != 1
        || !r.stdout.contains("is attached to Kafka cluster")
        || !r.stdout.contains("(that is cluster `europe`)")
    {
        return Err("plan did not refuse a link whose worker writes into another cluster".into());
    }
    let r = run(&f, &["apply", "--auto-approve"]);
    if r.code != 1 {
        return Err("apply went ahead".into());
    }
    for c in ["safe-west-source", "safe-west-checkpoint"] {
        if connect::exists(c).await? {
            return Err(format!("connector {c} was written"));
        }
    }
    Ok(())
}

async fn existing_topic() -> Result<(), String> {
    let t = topic("pre");
    kafka::create_topic(US, &t, 1).await?;
    kafka::create_topic(EUROPE, &t, 1).await?;
    let own: Vec<String> = (1..=5).map(|i| format!("eu-own-{i}")).collect();
    let theirs: Vec<String> = (1..=5).map(|i| format!("us-{i}")).collect();
    kafka::produce(EUROPE, &t, &own)?;
    kafka::produce(US, &t, &theirs)?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let f = write(&dir, "pre.yaml", &manifest(&[(&t, "")]))?;
    let r = run(&f, &["plan"]);
    if r.code != 1
        || !r
            .stdout
            .contains("already exists on `europe` and is no mirror: it holds 5 record(s)")
    {
        return Err("a mirror over a topic with 5 records of its own was not refused".into());
    }
    // An apply of the refused manifest changes nothing.
    let r = run(&f, &["apply", "--auto-approve"]);
    let said = format!("{}{}", r.stdout, r.stderr);
    if r.code != 1
        || !said.contains("already exists on `europe` and is no mirror: it holds 5 record(s)")
        || !said.contains("the plan has errors: nothing was changed")
    {
        return Err(format!(
            "apply of the refused mirror did not stop with exit 1 and the refusal (exit {})",
            r.code
        ));
    }
    if mirror_written(&t).await? {
        return Err(format!(
            "the refused apply wrote {LINK}-source or its topic list"
        ));
    }
    if connect::exists(&format!("{LINK}-checkpoint")).await? {
        return Err("the refused apply wrote the checkpoint connector".into());
    }
    let f = write(&dir, "adopt.yaml", &manifest(&[(&t, ", adopt: true")]))?;
    let r = run(&f, &["plan", "--detailed-exitcode"]);
    let adopts = format!(
        "adopts the existing topic `europe/{t}` (5 record(s)): they stay, first, and the records of `us/{t}` are appended after them"
    );
    let starts = "MirrorMaker 2 starts from the source's first offset (the link's connector is created by this plan, with no stored offsets)";
    if r.code != 2 || !r.stdout.contains(&adopts) || !r.stdout.contains(starts) {
        return Err(
            "the adopting plan does not say what happens to the 5 records there and where MirrorMaker 2 starts"
                .into(),
        );
    }
    cli::apply_file(&f)?;
    // The check above can see a write: after the adopt it does.
    if !mirror_written(&t).await? {
        return Err(format!(
            "{LINK}-source does not list {t} after the adopt: the no-write check cannot see a write"
        ));
    }
    let got = kafka::read_all(EUROPE, &t, 10, Duration::from_secs(60))?;
    let want: Vec<String> = own.iter().chain(&theirs).cloned().collect();
    if got != want {
        return Err(format!(
            "europe/{t} holds {got:?}, expected its own 5 then us's 5"
        ));
    }
    cli::plan_is_empty_file(&f)
}

/// A GET of the plain stack's Kafka Connect, as JSON (`None`: 404).
async fn connect_get(path: &str) -> Result<Option<Value>, String> {
    let url = format!("{}{path}", connect::CONNECT);
    let r = reqwest::Client::new()
        .get(&url)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    if r.status().as_u16() == 404 {
        return Ok(None);
    }
    if !r.status().is_success() {
        return Err(format!("GET {url}: {}", r.status()));
    }
    let text = r.text().await.map_err(|e| format!("GET {url}: {e}"))?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| format!("GET {url}: {e}"))
}

/// True when `LINK`'s source connector exists and lists `topic` in `topics`.
async fn mirror_written(topic: &str) -> Result<bool, String> {
    let Some(config) = connect_get(&format!("/connectors/{LINK}-source/config")).await? else {
        return Ok(false);
    };
    let topics = config["topics"]
        .as_str()
        .unwrap_or_default()
        .replace("\\.", ".");
    Ok(topics.split(',').any(|t| t == topic))
}

/// The next source offset of partition 0 of `topic` that `LINK`'s source
/// connector has stored (Kafka Connect flushes it every
/// `offset.flush.interval.ms`), `None` when none is stored.
async fn stored_next(topic: &str) -> Result<Option<i64>, String> {
    let Some(o) = connect_get(&format!("/connectors/{LINK}-source/offsets")).await? else {
        return Err(format!("connector {LINK}-source does not exist"));
    };
    Ok(o["offsets"].as_array().and_then(|all| {
        all.iter()
            .find(|x| x["partition"]["topic"] == topic && x["partition"]["partition"] == 0)
            .and_then(|x| x["offset"]["offset"].as_i64())
            .map(|last| last + 1)
    }))
}

/// Every worker of the stack's Kafka Connect group runs with Kafka
/// Connect's default `offset.flush.interval.ms` (60 s), and the connector
/// does not set it: what production sees.
async fn default_flush_interval() -> Result<(), String> {
    let run_dir = std::env::var("LINKCTL_RUN_DIR").unwrap_or_else(|_| "/tmp/linkctl-local".into());
    let mut workers = Vec::new();
    for e in std::fs::read_dir(&run_dir).map_err(|e| format!("{run_dir}: {e}"))? {
        let dir = e.map_err(|e| e.to_string())?.path();
        let props = dir.join("worker.properties");
        if props.is_file() {
            workers.push(props);
        }
    }
    if workers.is_empty() {
        return Err(format!(
            "no Kafka Connect worker.properties under {run_dir} (set LINKCTL_RUN_DIR to the stack's run dir): \
             cannot tell whether the workers flush offsets every 60 s"
        ));
    }
    for w in &workers {
        let text = std::fs::read_to_string(w).map_err(|e| format!("{}: {e}", w.display()))?;
        let set = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with('#'))
            .find_map(|l| l.strip_prefix("offset.flush.interval.ms"))
            .map(|v| v.trim_start_matches([' ', '=', ':']).trim().to_string());
        if let Some(v) = set.filter(|v| v != "60000") {
            return Err(format!(
                "{} sets offset.flush.interval.ms={v}: this step needs Kafka Connect's default (60000), what production runs; \
                 start the stack without LINKCTL_CONNECT_OFFSET_FLUSH_MS",
                w.display()
            ));
        }
    }
    let config = connect_get(&format!("/connectors/{LINK}-source/config"))
        .await?
        .ok_or_else(|| format!("connector {LINK}-source does not exist"))?;
    if let Some(v) = config.get("offset.flush.interval.ms") {
        return Err(format!(
            "{LINK}-source sets offset.flush.interval.ms={v}: this step needs the default"
        ));
    }
    println!(
        "{} worker(s) with the default offset.flush.interval.ms (60000): {}",
        workers.len(),
        workers
            .iter()
            .map(|w| w.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

async fn gap_repaired() -> Result<(), String> {
    let t = topic("gap");
    kafka::create_topic(US, &t, 1).await?;
    let first: Vec<String> = (1..=100).map(|i| format!("before-{i}")).collect();
    kafka::produce(US, &t, &first)?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let f = write(&dir, "gap.yaml", &manifest(&[(&t, "")]))?;
    cli::apply_file(&f)?;
    let got = kafka::read_all(EUROPE, &t, 100, Duration::from_secs(60))?;
    if got.len() != 100 {
        return Err(format!(
            "europe/{t} holds {} records, expected 100",
            got.len()
        ));
    }
    // Out of band: the destination topic is deleted; MirrorMaker 2 creates
    // it again at its next refresh and copies only what comes next.
    kafka::delete_topics(EUROPE, &[&t]).await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while kafka::partitions(EUROPE, &t)? == 0 {
        if Instant::now() > deadline {
            return Err("MirrorMaker 2 did not create the deleted topic again".into());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let later: Vec<String> = (1..=10).map(|i| format!("after-{i}")).collect();
    kafka::produce(US, &t, &later)?;
    let got = kafka::read_all(EUROPE, &t, 10, Duration::from_secs(60))?;
    println!(
        "europe/{t} after the deletion holds {} record(s)",
        got.len()
    );
    let r = run(&f, &["plan", "--detailed-exitcode"]);
    if r.code != 2
        || !r.stdout.contains(&format!("re-copy mirror {t}"))
        || !r.stdout.contains("100 record(s) are missing")
    {
        return Err("plan did not report the gap with its size and offer the re-copy".into());
    }
    let s = run(&f, &["status", "--format", "json"]);
    let status: Value = serde_json::from_str(&s.stdout).map_err(|e| format!("status JSON: {e}"))?;
    let m = status["links"][0]["mirrors"]
        .as_array()
        .and_then(|v| v.iter().find(|m| m["name"] == t.as_str()))
        .cloned()
        .unwrap_or_default();
    if m["status"] != "BROKEN" || m["total_lag"].as_i64() != Some(100) {
        return Err(format!(
            "status does not show the mirror broken with 100 missing: {m}"
        ));
    }
    run(&f, &["status"]);
    cli::apply_file(&f)?;
    let got = kafka::read_all(EUROPE, &t, 110, Duration::from_secs(60))?;
    let want: Vec<String> = first.iter().chain(&later).cloned().collect();
    if got != want {
        return Err(format!(
            "after the re-copy europe/{t} holds {} records, expected the 110 of us in order",
            got.len()
        ));
    }
    cli::plan_is_empty_file(&f)
}

async fn lag_is_current() -> Result<(), String> {
    let t = topic("lag");
    kafka::create_topic(US, &t, 1).await?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let f = write(&dir, "lag.yaml", &manifest(&[(&t, "")]))?;
    cli::apply_file(&f)?;
    default_flush_interval().await?;
    // A first batch, copied, and its offsets flushed: from then on the
    // connector has stored offsets, which trail what it copied.
    let mut produced = 0;
    let batch = |produced: &mut usize| -> Result<(), String> {
        let records: Vec<String> = (*produced + 1..=*produced + 1000)
            .map(|i| format!("r-{i}"))
            .collect();
        kafka::produce(US, &t, &records)?;
        *produced += 1000;
        let got = kafka::read_all(EUROPE, &t, *produced, Duration::from_secs(30))?;
        if got.len() != *produced {
            return Err(format!(
                "europe/{t} holds {} of {produced} records",
                got.len()
            ));
        }
        Ok(())
    };
    batch(&mut produced)?;
    let deadline = Instant::now() + Duration::from_secs(90);
    while stored_next(&t).await?.is_none() {
        if Instant::now() > deadline {
            return Err(format!("{LINK}-source stored no offset of {t} in 90 s"));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    // Then: a batch copied, and `status` while the stored offsets still
    // trail the destination's end (checked before and after it: stored
    // offsets only grow). When a flush catches up meanwhile, again.
    for attempt in 1..=3 {
        batch(&mut produced)?;
        let copied = Instant::now();
        let dest_end = produced as i64;
        let before = stored_next(&t).await?.unwrap_or(0);
        if before >= dest_end {
            println!("attempt {attempt}: the offsets were flushed before status ({before}); again");
            continue;
        }
        let s = run(&f, &["status", "--format", "json"]);
        let after = stored_next(&t).await?.unwrap_or(0);
        if after >= dest_end {
            println!("attempt {attempt}: the offsets were flushed during status ({after}); again");
            continue;
        }
        let status: Value =
            serde_json::from_str(&s.stdout).map_err(|e| format!("status JSON: {e}"))?;
        let m = status["links"][0]["mirrors"]
            .as_array()
            .and_then(|v| v.iter().find(|m| m["name"] == t.as_str()))
            .cloned()
            .unwrap_or_default();
        println!(
            "status {:.1} s after europe held all {produced}, while {LINK}-source's stored offset said {after} \
             ({} record(s) behind; Kafka Connect flushes offsets every 60 s): {m}",
            copied.elapsed().as_secs_f64(),
            dest_end - after
        );
        if m["total_lag"].as_i64() != Some(0) || m["ready"] != true {
            return Err(format!("status does not show lag 0 and ready: {m}"));
        }
        return Ok(());
    }
    Err(format!(
        "{LINK}-source's stored offsets caught up with europe/{t} before or during status three times: \
         the stale-offsets case was not tested"
    ))
}
