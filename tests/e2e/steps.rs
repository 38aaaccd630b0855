//! The seed scenario, one function per step.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::stack::{europe, us};
use crate::{cli, connect, kafka};

const TOPIC: &str = "demo";
const GROUP: &str = "my-consumer-group";
const LINK: &str = "demo-link";

use crate::harness::{step, StepFn};

/// The seed scenario's steps, in order.
pub fn seed() -> Vec<(&'static str, StepFn)> {
    vec![
        step!("s01_create_link_with_offset_sync", s01()),
        step!("s02_mirror_demo_and_replicate_records", s02()),
        step!("s03_status_shows_mirror_and_lag", s03()),
        step!("s04_group_offsets_synced_and_consumer_continues", s04()),
        step!("s05_excluded_group_stops_syncing", s05()),
        step!("s05b_export_plans_no_changes_with_prune_links", s05b()),
        step!("s07_source_retention_reaches_mirror", s07()),
        step!("s08_source_partitions_propagate", s08()),
        step!("s10_promote_makes_mirror_writable", s10()),
        step!("s11_delete_link_removes_connectors", s11()),
    ]
}

async fn eventually<T>(
    what: &str,
    timeout: Duration,
    mut probe: impl FnMut() -> Result<Option<T>, String>,
) -> Result<T, String> {
    let deadline = Instant::now() + timeout;
    let mut last = String::new();
    loop {
        match probe() {
            Ok(Some(v)) => return Ok(v),
            Ok(None) => {}
            Err(e) => last = e,
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "timed out after {timeout:?} waiting for {what} {last}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The stack answers (else every step fails with how to start it).
pub async fn reachable() -> Result<(), String> {
    let hint = if crate::stack::get().secure.is_some() {
        "start the secure local clusters first: scripts/local-kafka.sh up --secure (scripts/test.sh does it)"
    } else {
        "start the local clusters first: scripts/local-kafka.sh up (scripts/test.sh does it)"
    };
    kafka::reachable(us()).map_err(|e| format!("{e}; {hint}"))?;
    kafka::reachable(europe()).map_err(|e| format!("{e}; {hint}"))?;
    connect::reachable()
        .await
        .map_err(|e| format!("{e}; {hint}"))
}

/// Removes everything the seed scenario creates, on both clusters.
pub async fn cleanup() -> Result<(), String> {
    connect::remove(&format!("{LINK}-checkpoint")).await?;
    connect::remove(&format!("{LINK}-source")).await?;
    for b in [us(), europe()] {
        kafka::delete_group(b, GROUP).await?;
        // The scenario's topic and MirrorMaker 2's internal topics (stale offset
        // syncs would otherwise mistranslate offsets of a re-created `demo`).
        let mut doomed: Vec<String> = kafka::topic_names(b)?
            .into_iter()
            .filter(|t| {
                t == TOPIC
                    || t == "heartbeats"
                    || t.starts_with("mm2-offset-syncs.")
                    || t.ends_with(".checkpoints.internal")
            })
            .collect();
        doomed.sort();
        let refs: Vec<&str> = doomed.iter().map(String::as_str).collect();
        if !refs.is_empty() {
            kafka::delete_topics(b, &refs).await?;
        }
    }
    // Topic deletion is asynchronous: wait until `demo` is gone on both sides.
    eventually("topic deletion", Duration::from_secs(30), || {
        let gone = kafka::partitions(us(), TOPIC)? == 0 && kafka::partitions(europe(), TOPIC)? == 0;
        Ok(gone.then_some(()))
    })
    .await
}

fn records(from: usize, to: usize) -> Vec<String> {
    (from..=to).map(|i| format!("record-{i}")).collect()
}

async fn s01() -> Result<(), String> {
    kafka::create_topic(us(), TOPIC, 1).await?;
    cli::apply("01-link.yaml")?;
    let status = cli::status_json("01-link.yaml", false)?;
    let state = status["links"][0]["state"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if state != "ACTIVE" {
        return Err(format!("link state is {state}, expected ACTIVE: {status}"));
    }
    cli::plan_is_empty("01-link.yaml")
}

/// europe/demo holds exactly record-1..record-`n`, within 90 s.
fn europe_holds_records_up_to(n: usize) -> Result<(), String> {
    let got = kafka::read_all(europe(), TOPIC, n, Duration::from_secs(90))?;
    if got != records(1, n) {
        return Err(format!(
            "europe/demo holds {got:?}, expected record-1..record-{n}"
        ));
    }
    Ok(())
}

async fn s02() -> Result<(), String> {
    cli::apply("02-mirror.yaml")?;
    cli::plan_is_empty("02-mirror.yaml")?;
    // 5 records now, 15 more in S4 once the group's offset has reached europe:
    // MirrorMaker 2 translates group offsets exactly only at its offset syncs,
    // and keeps older syncs sparsely, so a commit in the middle of a backlog
    // mirrored before the checkpoint task saw the group translates to an
    // earlier offset (scripts/kafka/MM2-NOTES.md).
    kafka::produce(us(), TOPIC, &records(1, 5))?;
    europe_holds_records_up_to(5)?;
    println!("europe/demo holds the 5 records produced on us/demo");
    Ok(())
}

async fn s03() -> Result<(), String> {
    let text = cli::status_text("02-mirror.yaml", false)?;
    let status = cli::status_json("02-mirror.yaml", false)?;
    let mirror = &status["links"][0]["mirrors"][0];
    if mirror["name"] != TOPIC || mirror["status"] != "ACTIVE" {
        return Err(format!("status does not show mirror demo ACTIVE: {status}"));
    }
    if mirror["total_lag"].as_i64() != Some(0) {
        return Err(format!("mirror lag is not 0 after replication: {status}"));
    }
    if !text.contains("demo") {
        return Err("text status does not list mirror demo".into());
    }
    Ok(())
}

async fn s04() -> Result<(), String> {
    let consumed = kafka::consume_as_group(us(), TOPIC, GROUP, 5, true)?;
    if consumed != records(1, 5) {
        return Err(format!("consumed {consumed:?} on us"));
    }
    let on_us = kafka::committed(us(), TOPIC, GROUP)?;
    println!("us: {GROUP} committed {on_us:?}");
    let on_europe = eventually(
        "the group offset on europe",
        Duration::from_secs(90),
        || {
            let c = kafka::committed(europe(), TOPIC, GROUP)?;
            match c.get(&0) {
                Some(5) => Ok(Some(c)),
                _ => Err(format!("(europe has {c:?})")),
            }
        },
    )
    .await?;
    println!("europe: {GROUP} committed {on_europe:?}");
    // The rest of the records only now: see the note in S2.
    kafka::produce(us(), TOPIC, &records(6, 20))?;
    europe_holds_records_up_to(20)?;
    println!("europe/demo holds all 20 records");
    let status = cli::status_json("02-mirror.yaml", true)?;
    cli::status_text("02-mirror.yaml", true)?;
    let rows = status["links"][0]["groups"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let row = rows
        .iter()
        .find(|r| r["group"] == GROUP && r["partition"] == 0)
        .ok_or_else(|| format!("status --groups does not show {GROUP}: {status}"))?;
    if row["source"].as_i64() != Some(5) || row["destination"].as_i64() != Some(5) {
        return Err(format!(
            "status --groups shows {row}, expected 5 on both sides"
        ));
    }
    let next = kafka::consume_as_group(europe(), TOPIC, GROUP, 1, false)?;
    if next != vec!["record-6".to_string()] {
        return Err(format!(
            "a consumer on europe continued with {next:?}, expected record-6"
        ));
    }
    println!("a consumer of {GROUP} on europe continues with record-6");
    Ok(())
}

async fn s05() -> Result<(), String> {
    cli::apply("05-exclude-group.yaml")?;
    cli::plan_is_empty("05-exclude-group.yaml")?;
    let consumed = kafka::consume_as_group(us(), TOPIC, GROUP, 10, true)?;
    if consumed != records(6, 15) {
        return Err(format!("consumed {consumed:?} on us"));
    }
    // Give the checkpoint connector several sync intervals (3 s) to misbehave.
    tokio::time::sleep(Duration::from_secs(15)).await;
    let on_us = kafka::committed(us(), TOPIC, GROUP)?;
    let on_europe = kafka::committed(europe(), TOPIC, GROUP)?;
    println!("after excluding {GROUP}: us {on_us:?}, europe {on_europe:?}");
    if on_us.get(&0) != Some(&15) {
        return Err(format!("us offset is {on_us:?}, expected 15"));
    }
    if on_europe.get(&0) != Some(&5) {
        return Err(format!(
            "europe offset moved to {on_europe:?}; the group is excluded"
        ));
    }
    cli::status_text("05-exclude-group.yaml", true)?;
    Ok(())
}

/// `export` of the live MirrorMaker 2 link, planned with `prune_links` on:
/// it reproduces every link it found, so nothing would be deleted or changed.
async fn s05b() -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let out = dir.path().join("exported.yaml");
    let input = cli::manifest("05-exclude-group.yaml");
    let args = [
        "-f",
        input.to_str().unwrap_or_default(),
        "export",
        "-o",
        out.to_str().unwrap_or_default(),
    ];
    let r = cli::linkctl(&args);
    if r.code != 0 {
        return Err(format!(
            "export exited {}: {}{}",
            r.code, r.stdout, r.stderr
        ));
    }
    let text = std::fs::read_to_string(&out).map_err(|e| format!("exported file: {e}"))?;
    println!("$ linkctl -f 05-exclude-group.yaml export -o exported.yaml\n{text}");
    if !text.contains(&format!("  {LINK}:\n")) || !text.contains("engine: mirrormaker2") {
        return Err(format!(
            "the export does not hold the MirrorMaker 2 link:\n{text}"
        ));
    }
    let pruning = text.replacen("\nlinks:\n", "\nprune_links: true\nlinks:\n", 1);
    std::fs::write(&out, pruning).map_err(|e| format!("write: {e}"))?;
    cli::plan_is_empty_file(&out)
}

async fn s07() -> Result<(), String> {
    // A value of this run only: Kafka keeps a deleted topic's dynamic configs
    // for a topic re-created under the same name, so a fixed value could be
    // left over from an earlier run and prove nothing.
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let value = (259_200_000 + (secs % 86_400) * 1000).to_string();
    let before = futures_block(kafka::topic_config(europe(), TOPIC, "retention.ms"))?;
    if before.as_deref() == Some(value.as_str()) {
        return Err(format!("europe/demo already has retention.ms={value}"));
    }
    kafka::set_topic_config(us(), TOPIC, "retention.ms", &value).await?;
    eventually(
        "retention.ms on europe/demo",
        Duration::from_secs(90),
        || {
            Ok(
                futures_block(kafka::topic_config(europe(), TOPIC, "retention.ms"))?
                    .filter(|v| *v == value),
            )
        },
    )
    .await?;
    println!("retention.ms={value} set on us/demo reached europe/demo");
    let status = cli::status_json("05-exclude-group.yaml", false)?;
    let shown = &status["links"][0]["mirrors"][0]["configs"]["retention.ms"];
    if shown.as_str() != Some(value.as_str()) {
        return Err(format!(
            "status does not show the synced retention.ms: {status}"
        ));
    }
    cli::plan_is_empty("05-exclude-group.yaml")
}

fn futures_block<F: Future>(f: F) -> F::Output {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(f))
}

async fn s08() -> Result<(), String> {
    kafka::add_partitions(us(), TOPIC, 8).await?;
    eventually(
        "8 partitions on europe/demo",
        Duration::from_secs(120),
        || Ok((kafka::partitions(europe(), TOPIC)? == 8).then_some(())),
    )
    .await?;
    let status = cli::status_json("05-exclude-group.yaml", false)?;
    if status["links"][0]["mirrors"][0]["partitions"].as_u64() != Some(8) {
        return Err(format!("status does not show 8 partitions: {status}"));
    }
    cli::plan_is_empty("05-exclude-group.yaml")
}

async fn s10() -> Result<(), String> {
    cli::apply("10-promote.yaml")?;
    cli::plan_is_empty("10-promote.yaml")?;
    kafka::produce(europe(), TOPIC, &["written-on-europe".to_string()])?;
    kafka::produce(us(), TOPIC, &["written-on-us-after-promotion".to_string()])?;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let all = kafka::read_all(europe(), TOPIC, 21, Duration::from_secs(15))?;
    if !all.iter().any(|r| r == "written-on-europe") {
        return Err(format!("the record produced on europe is missing: {all:?}"));
    }
    if all.iter().any(|r| r == "written-on-us-after-promotion") {
        return Err("a record produced on us after promotion reached europe".into());
    }
    let status = cli::status_json("10-promote.yaml", false)?;
    if status["links"][0]["mirrors"][0]["status"] != "STOPPED" {
        return Err(format!("status does not show demo STOPPED: {status}"));
    }
    Ok(())
}

async fn s11() -> Result<(), String> {
    cli::apply("11-delete-link.yaml")?;
    for c in ["demo-link-source", "demo-link-checkpoint"] {
        if connect::exists(c).await? {
            return Err(format!(
                "connector {c} still exists after deleting the link"
            ));
        }
    }
    cli::plan_is_empty("11-delete-link.yaml")
}
