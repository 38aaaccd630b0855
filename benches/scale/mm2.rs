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
    for c in ["source", "checkpoint"] {
        remove_connector(&http, &format!("{LINK}-{c}")).await?;
    }
    delete_scale_topics(EUROPE).await?;
    delete_scale_topics(US).await
}

fn manifest(connect: &str, names: &[String], state: &str, with_link: bool) -> String {
    let mut y = format!(
        "version: 1\nprune_links: true\nclusters:\n  us:\n    bootstrap: {US}\n  europe:\n    bootstrap: {EUROPE}\n    connect: {connect}\nlinks:\n"
    );
    if !with_link {
        y.push_str("  {}\n");
        return y;
    }
    y.push_str(&format!(
        "  {LINK}:\n    source: us\n    destination: europe\n    engine: mirrormaker2\n    config:\n      metadata.max.age.ms: 5000\n      replication.factor: 1\n      offset-syncs.topic.location: target\n      offset-syncs.topic.replication.factor: 1\n      checkpoints.topic.replication.factor: 1\n      heartbeats.topic.replication.factor: 1\n      tasks.max: 1\n    mirrors:\n"
    ));
    if names.is_empty() {
        y.push_str("      []\n");
    }
    for n in names {
        y.push_str(&format!("      - {{ topic: {n}, state: {state} }}\n"));
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
    rt.block_on(cleanup())?;
    let names: Vec<String> = (0..n).map(|i| format!("scale-{i:05}")).collect();
    rt.block_on(create_topics(US, &names))?;
    wait_served(US, &names)?;
    let proxy = rt.block_on(ConnectProxy::start(CONNECT));
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("linkctl.yaml");
    let write = |text: String| std::fs::write(&path, text).map_err(|e| e.to_string());
    let mut t = Table::new(format!(
        "MirrorMaker 2 on the local clusters, 1 link, {n} single-partition mirrors"
    ));
    let result = (|| {
        write(manifest(&proxy.url(), &[], "active", true))?;
        linkctl(dir.path(), &path, &["apply", "--auto-approve"], &[])
            .expect("apply (link)", &[0])?;
        counts(&proxy);
        write(manifest(&proxy.url(), &names, "active", true))?;
        let r = linkctl(dir.path(), &path, &["apply", "--auto-approve"], &[])
            .expect("apply (mirrors)", &[0])?;
        t.push(&format!("apply: {n} new mirrors"), r.secs, counts(&proxy));
        // Status reads the mirror topics' end offsets too: measure it once
        // their leaders are settled, as for the source topics above.
        wait_served(EUROPE, &names)?;
        let r = linkctl(dir.path(), &path, &["plan", "--detailed-exitcode"], &[])
            .expect("plan (no changes)", &[0])?;
        t.push("plan: nothing to do", r.secs, counts(&proxy));
        let r = linkctl(dir.path(), &path, &["status"], &[]).expect("status", &[0])?;
        if r.stderr.contains("could not be read") {
            return Err(format!("status could not read everything:\n{}", r.stderr));
        }
        t.push("status", r.secs, counts(&proxy));
        write(manifest(&proxy.url(), &names, "promoted", true))?;
        let r = linkctl(dir.path(), &path, &["apply", "--auto-approve"], &[])
            .expect("apply (promote)", &[0])?;
        t.push(&format!("apply: promote {n}"), r.secs, counts(&proxy));
        write(manifest(&proxy.url(), &names, "promoted", false))?;
        let r = linkctl(dir.path(), &path, &["apply", "--auto-approve"], &[])
            .expect("apply (delete link)", &[0])?;
        t.push("apply: delete the link", r.secs, counts(&proxy));
        Ok::<(), String>(())
    })();
    let cleaned = rt.block_on(cleanup());
    result?;
    cleaned?;
    Ok(t)
}
