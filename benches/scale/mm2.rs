//! MirrorMaker 2 on the local clusters (`scripts/local-kafka.sh up`), with a
//! counting proxy in front of Kafka Connect.

use std::collections::BTreeMap;
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use super::run::{linkctl, Table};
use super::support::connect_proxy::ConnectProxy;

const US: &str = "127.0.0.1:19092";
const EUROPE: &str = "127.0.0.1:29092";
const CONNECT: &str = "http://127.0.0.1:28083";
const LINK: &str = "scale-link";
/// Records written into each source topic before the first apply
/// (`SCALE_BENCH_RECORDS`, default 10).
fn records() -> usize {
    std::env::var("SCALE_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10)
}

fn admin(bootstrap: &str) -> Result<AdminClient<DefaultClientContext>, String> {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("log_level", "3")
        .create()
        .map_err(|e| format!("admin client for {bootstrap}: {e}"))
}

fn opts() -> AdminOptions {
    AdminOptions::new().request_timeout(Some(Duration::from_secs(120)))
}

fn topics(bootstrap: &str) -> Result<Vec<String>, String> {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("log_level", "3")
        .create()
        .map_err(|e| e.to_string())?;
    let md = c
        .fetch_metadata(None, Duration::from_secs(10))
        .map_err(|e| format!("{bootstrap} does not answer ({e}); run scripts/local-kafka.sh up"))?;
    Ok(md.topics().iter().map(|t| t.name().to_string()).collect())
}

async fn delete_scale_topics(bootstrap: &str) -> Result<(), String> {
    let names: Vec<String> = topics(bootstrap)?
        .into_iter()
        .filter(|t| t.starts_with("scale-"))
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    admin(bootstrap)?
        .delete_topics(&refs, &opts())
        .await
        .map_err(|e| format!("delete topics on {bootstrap}: {e}"))?;
    for _ in 0..120 {
        if !topics(bootstrap)?.iter().any(|t| t.starts_with("scale-")) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(format!("scale-* topics still listed on {bootstrap}"))
}

/// Waits until the leader of every partition of `names` serves `ListOffsets`:
/// a broker takes a few seconds to become leader of 1,000 new partitions,
/// and the benchmark measures linkctl, not the cluster settling.
fn wait_served(bootstrap: &str, names: &[String]) -> Result<(), String> {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("log_level", "3")
        .create()
        .map_err(|e| e.to_string())?;
    let mut tpl = TopicPartitionList::new();
    for n in names {
        tpl.add_partition_offset(n, 0, Offset::End)
            .map_err(|e| e.to_string())?;
    }
    let mut last = String::new();
    for _ in 0..120 {
        match c.offsets_for_times(tpl.clone(), Duration::from_secs(10)) {
            Ok(r) => match r.elements().iter().find_map(|e| e.error().err()) {
                None => return Ok(()),
                Some(e) => last = e.to_string(),
            },
            Err(e) => last = e.to_string(),
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    Err(format!(
        "the new topics on {bootstrap} are not served: {last}"
    ))
}

/// Creates `n` single-partition topics in one admin call.
async fn create_topics(bootstrap: &str, names: &[String]) -> Result<(), String> {
    let new: Vec<NewTopic> = names
        .iter()
        .map(|n| NewTopic::new(n, 1, TopicReplication::Fixed(1)))
        .collect();
    for r in admin(bootstrap)?
        .create_topics(&new, &opts())
        .await
        .map_err(|e| format!("create topics: {e}"))?
    {
        r.map_err(|(t, e)| format!("create {t}: {e}"))?;
    }
    Ok(())
}

/// Writes `n` records into every topic of `names` (and waits until each
/// was acknowledged): the mirrors have something to copy, and status reads
/// lags of topics that hold records.
fn produce(bootstrap: &str, names: &[String], n: usize) -> Result<(), String> {
    use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
    let p: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("log_level", "3")
        .set("linger.ms", "20")
        .create()
        .map_err(|e| format!("producer for {bootstrap}: {e}"))?;
    for t in names {
        for i in 0..n {
            let value = format!("record {i}");
            p.send(BaseRecord::<(), String>::to(t).payload(&value))
                .map_err(|(e, _)| format!("produce to {t}: {e}"))?;
        }
    }
    p.flush(Duration::from_secs(60))
        .map_err(|e| format!("flush records to {bootstrap}: {e}"))
}

async fn remove_connector(http: &reqwest::Client, name: &str) -> Result<(), String> {
    let url = format!("{CONNECT}/connectors/{name}");
    let r = http.get(&url).send().await.map_err(|e| {
        format!("Kafka Connect at {CONNECT} does not answer ({e}); run scripts/local-kafka.sh up")
    })?;
    if r.status().as_u16() == 404 {
        return Ok(());
    }
    let _ = http.put(format!("{url}/stop")).send().await;
    for _ in 0..40 {
        let _ = http.delete(format!("{url}/offsets")).send().await;
        let r = http.delete(&url).send().await.map_err(|e| e.to_string())?;
        if r.status().is_success() || r.status().as_u16() == 404 {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(format!("cannot delete connector {name}"))
}

async fn cleanup() -> Result<(), String> {
    let http = reqwest::Client::new();
    let listed = http
        .get(format!("{CONNECT}/connectors"))
        .send()
        .await
        .map_err(|e| {
            format!(
                "Kafka Connect at {CONNECT} does not answer ({e}); run scripts/local-kafka.sh up"
            )
        })?
        .json::<Vec<String>>()
        .await
        .map_err(|e| format!("GET /connectors: {e}"))?;
    for c in listed.iter().filter(|c| c.starts_with("scale-")) {
        remove_connector(&http, c).await?;
    }
    delete_scale_topics(EUROPE).await?;
    delete_scale_topics(US).await
}

/// The links of a run: each link's name and its mirror topics.
type Links = Vec<(String, Vec<String>)>;

fn manifest(connect: &str, links: &Links, state: &str, with_links: bool) -> String {
    let mut y = format!(
        "version: 1\nprune_links: true\nclusters:\n  us:\n    bootstrap: {US}\n  europe:\n    bootstrap: {EUROPE}\n    connect: {connect}\nlinks:\n"
    );
    if !with_links {
        y.push_str("  {}\n");
        return y;
    }
    for (link, names) in links {
        y.push_str(&format!(
            "  {link}:\n    source: us\n    destination: europe\n    engine: mirrormaker2\n    config:\n      metadata.max.age.ms: 5000\n      replication.factor: 1\n      offset-syncs.topic.location: target\n      offset-syncs.topic.replication.factor: 1\n      checkpoints.topic.replication.factor: 1\n      heartbeats.topic.replication.factor: 1\n      tasks.max: 1\n    mirrors:\n"
        ));
        if names.is_empty() {
            y.push_str("      []\n");
        }
        for n in names {
            y.push_str(&format!("      - {{ topic: {n}, state: {state} }}\n"));
        }
    }
    y
}

fn counts(proxy: &ConnectProxy) -> BTreeMap<String, usize> {
    let m = proxy.by_kind();
    proxy.clear();
    m
}

/// One MirrorMaker 2 link with `n` mirrors: create, plan, status, promote all, delete the link.
pub fn one_link(rt: &tokio::runtime::Runtime, n: usize) -> Result<Table, String> {
    println!("mm2: 1 link x {n} mirrors");
    let names: Vec<String> = (0..n).map(|i| format!("scale-{i:05}")).collect();
    let title =
        format!("MirrorMaker 2 on the local clusters, 1 link, {n} single-partition mirrors of {} records each", records());
    run(rt, vec![(LINK.to_string(), names)], title)
}

/// `l` MirrorMaker 2 links with `m` mirrors each (two connectors a link):
/// create, plan, status, promote all, delete all links.
pub fn many_links(rt: &tokio::runtime::Runtime, l: usize, m: usize) -> Result<Table, String> {
    println!("mm2: {l} links x {m} mirrors");
    let links: Links = (0..l)
        .map(|i| {
            let link = format!("scale-l{i:03}");
            let names = (0..m).map(|j| format!("{link}-{j:03}")).collect();
            (link, names)
        })
        .collect();
    let workers = worker_count();
    let title = format!(
        "MirrorMaker 2 on the local clusters, {l} links x {m} single-partition mirrors of {} records each, {workers} Kafka Connect worker(s)", records()
    );
    run(rt, links, title)
}

/// How many Kafka Connect workers the local stack runs (its `env`'s
/// `LINKCTL_CONNECT_URLS`).
fn worker_count() -> usize {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/local-kafka.sh");
    std::process::Command::new(script)
        .arg("env")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .find_map(|l| l.strip_prefix("export LINKCTL_CONNECT_URLS="))
                .map(|u| u.split(',').count())
        })
        .unwrap_or(1)
}

fn run(rt: &tokio::runtime::Runtime, links: Links, title: String) -> Result<Table, String> {
    rt.block_on(cleanup())?;
    let all: Vec<String> = links.iter().flat_map(|(_, n)| n.clone()).collect();
    let n = all.len();
    let several = links.len() > 1;
    rt.block_on(create_topics(US, &all))?;
    wait_served(US, &all)?;
    produce(US, &all, records())?;
    let proxy = rt.block_on(ConnectProxy::start(CONNECT));
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("linkctl.yaml");
    let write = |text: String| std::fs::write(&path, text).map_err(|e| e.to_string());
    let no_mirrors: Links = links.iter().map(|(l, _)| (l.clone(), Vec::new())).collect();
    let mut t = Table::new(title);
    let result = (|| {
        if several {
            // The links and their mirrors in one apply: what a team's first apply does.
            write(manifest(&proxy.url(), &links, "active", true))?;
            let r = linkctl(dir.path(), &path, &["apply", "--auto-approve"], &[])
                .expect("apply (links and mirrors)", &[0])?;
            t.push(
                &format!("apply: {} new links, {n} new mirrors", links.len()),
                r.secs,
                counts(&proxy),
            );
        } else {
            write(manifest(&proxy.url(), &no_mirrors, "active", true))?;
            linkctl(dir.path(), &path, &["apply", "--auto-approve"], &[])
                .expect("apply (link)", &[0])?;
            counts(&proxy);
            write(manifest(&proxy.url(), &links, "active", true))?;
            let r = linkctl(dir.path(), &path, &["apply", "--auto-approve"], &[])
                .expect("apply (mirrors)", &[0])?;
            t.push(&format!("apply: {n} new mirrors"), r.secs, counts(&proxy));
        }
        // Status reads the mirror topics' end offsets too: measure it once
        // their leaders are settled, as for the source topics above.
        wait_served(EUROPE, &all)?;
        let r = linkctl(dir.path(), &path, &["plan", "--detailed-exitcode"], &[])
            .expect("plan (no changes)", &[0])?;
        t.push("plan: nothing to do", r.secs, counts(&proxy));
        let r = linkctl(dir.path(), &path, &["status"], &[]).expect("status", &[0])?;
        if r.stderr.contains("could not be read") {
            return Err(format!("status could not read everything:\n{}", r.stderr));
        }
        t.push("status", r.secs, counts(&proxy));
        write(manifest(&proxy.url(), &links, "promoted", true))?;
        let r = linkctl(dir.path(), &path, &["apply", "--auto-approve"], &[])
            .expect("apply (promote)", &[0])?;
        t.push(&format!("apply: promote {n}"), r.secs, counts(&proxy));
        write(manifest(&proxy.url(), &links, "promoted", false))?;
        let r = linkctl(dir.path(), &path, &["apply", "--auto-approve"], &[])
            .expect("apply (delete links)", &[0])?;
        let what = if several {
            "apply: delete every link"
        } else {
            "apply: delete the link"
        };
        t.push(what, r.secs, counts(&proxy));
        Ok::<(), String>(())
    })();
    let cleaned = rt.block_on(cleanup());
    result?;
    cleaned?;
    Ok(t)
}
