//! Direct Kafka access for the end-to-end tests (producing, consuming, topic
//! admin), independent of linkctl's own code.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rdkafka::admin::{
    AdminClient, AdminOptions, AlterConfig, NewPartitions, NewTopic, ResourceSpecifier,
    TopicReplication,
};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::message::BorrowedMessage;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};

pub type R<T> = Result<T, String>;

/// Who a test client is on the secure stack (the plain one has no users).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum As {
    /// The super user: topic administration, reading everything.
    Admin,
    /// The application: produces to and consumes `demo` as its own group.
    App,
}

/// A client of `bootstrap` as `who`.
pub fn cfg_as(bootstrap: &str, who: As) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", bootstrap);
    c.set("log_level", "3");
    if let Some(s) = &crate::stack::get().secure {
        let user = match who {
            As::Admin => "ADMIN",
            As::App => "APP",
        };
        c.set("security.protocol", "SASL_SSL")
            .set("sasl.mechanism", "SCRAM-SHA-512")
            .set(
                "sasl.username",
                s.var(&format!("LINKCTL_SECURE_{user}_USER")),
            )
            .set(
                "sasl.password",
                s.var(&format!("LINKCTL_SECURE_{user}_PASSWORD")),
            )
            .set("ssl.ca.location", s.var("LINKCTL_SECURE_CA_PEM"));
    }
    c
}

pub fn cfg(bootstrap: &str) -> ClientConfig {
    cfg_as(bootstrap, As::Admin)
}

/// A consumer of `group` (`config` says where, and as whom) that commits
/// only when told.
pub fn group_consumer(config: &mut ClientConfig, group: &str) -> R<BaseConsumer> {
    config
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .map_err(|e| e.to_string())
}

/// A consumer of `group` subscribed to `topic`: from the group's committed
/// offsets, or from the start where it has none.
pub fn subscribed(config: &mut ClientConfig, group: &str, topic: &str) -> R<BaseConsumer> {
    let c = group_consumer(config.set("auto.offset.reset", "earliest"), group)?;
    c.subscribe(&[topic]).map_err(|e| e.to_string())?;
    Ok(c)
}

/// A consumer of `group` assigned `partitions` of `topic`, from their start.
pub fn from_start(
    config: &mut ClientConfig,
    group: &str,
    topic: &str,
    partitions: impl IntoIterator<Item = i32>,
) -> R<BaseConsumer> {
    let c = group_consumer(config, group)?;
    let mut tpl = TopicPartitionList::new();
    for p in partitions {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .map_err(|e| e.to_string())?;
    }
    c.assign(&tpl).map_err(|e| e.to_string())?;
    Ok(c)
}

/// Commits `offsets` (partition → offset) of `topic` for `c`'s group.
pub fn commit_offsets(
    c: &BaseConsumer,
    topic: &str,
    offsets: impl IntoIterator<Item = (i32, i64)>,
) -> R<()> {
    let mut tpl = TopicPartitionList::new();
    for (p, o) in offsets {
        tpl.add_partition_offset(topic, p, Offset::Offset(o))
            .map_err(|e| e.to_string())?;
    }
    c.commit(&tpl, CommitMode::Sync)
        .map_err(|e| format!("commit: {e}"))
}

/// A record's value, as text.
pub fn value(m: &BorrowedMessage<'_>) -> String {
    String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned()
}

fn admin(bootstrap: &str) -> R<AdminClient<DefaultClientContext>> {
    cfg(bootstrap)
        .create()
        .map_err(|e| format!("admin client: {e}"))
}

fn opts() -> AdminOptions {
    AdminOptions::new().request_timeout(Some(Duration::from_secs(30)))
}

pub fn reachable(bootstrap: &str) -> R<()> {
    let c: BaseConsumer = cfg(bootstrap).create().map_err(|e| e.to_string())?;
    c.fetch_metadata(None, Duration::from_secs(5))
        .map(|_| ())
        .map_err(|e| format!("{bootstrap} does not answer: {e}"))
}

pub async fn create_topic(bootstrap: &str, topic: &str, partitions: i32) -> R<()> {
    create_topics(bootstrap, &[topic.to_string()], partitions).await
}

/// Creates `names` (each with `partitions` partitions) in one admin call.
pub async fn create_topics(bootstrap: &str, names: &[String], partitions: i32) -> R<()> {
    let a = admin(bootstrap)?;
    let new: Vec<NewTopic> = names
        .iter()
        .map(|n| NewTopic::new(n, partitions, TopicReplication::Fixed(1)))
        .collect();
    for r in a
        .create_topics(&new, &opts())
        .await
        .map_err(|e| e.to_string())?
    {
        r.map_err(|(t, e)| format!("create {t}: {e}"))?;
    }
    // The controller answered; the broker serves them once its metadata
    // caught up (a moment, longer on a busy machine): a step that plans
    // right away must find them.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let listed = topic_names(bootstrap)?;
        if names.iter().all(|n| listed.contains(n)) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "created topics not listed by {bootstrap} after 30 s"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn delete_topics(bootstrap: &str, topics: &[&str]) -> R<()> {
    let a = admin(bootstrap)?;
    for r in a
        .delete_topics(topics, &opts())
        .await
        .map_err(|e| e.to_string())?
    {
        if let Err((t, e)) = r {
            if e != rdkafka::types::RDKafkaErrorCode::UnknownTopicOrPartition {
                return Err(format!("delete {t}: {e}"));
            }
        }
    }
    Ok(())
}

/// Deletes every topic of `bootstrap` whose name `doomed` accepts.
pub async fn delete_topics_matching(bootstrap: &str, doomed: impl Fn(&str) -> bool) -> R<()> {
    let names: Vec<String> = topic_names(bootstrap)?
        .into_iter()
        .filter(|t| doomed(t))
        .collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    if refs.is_empty() {
        return Ok(());
    }
    delete_topics(bootstrap, &refs).await
}

pub async fn delete_group(bootstrap: &str, group: &str) -> R<()> {
    let a = admin(bootstrap)?;
    let _ = a.delete_groups(&[group], &opts()).await;
    Ok(())
}

pub async fn add_partitions(bootstrap: &str, topic: &str, total: usize) -> R<()> {
    let a = admin(bootstrap)?;
    for r in a
        .create_partitions(&[NewPartitions::new(topic, total)], &opts())
        .await
        .map_err(|e| e.to_string())?
    {
        r.map_err(|(t, e)| format!("partitions {t}: {e}"))?;
    }
    Ok(())
}

pub async fn set_topic_config(bootstrap: &str, topic: &str, key: &str, value: &str) -> R<()> {
    let a = admin(bootstrap)?;
    let cfg = AlterConfig::new(ResourceSpecifier::Topic(topic)).set(key, value);
    for r in a
        .alter_configs(&[cfg], &opts())
        .await
        .map_err(|e| e.to_string())?
    {
        r.map_err(|(_, e)| format!("alter {topic}: {e}"))?;
    }
    Ok(())
}

pub async fn topic_config(bootstrap: &str, topic: &str, key: &str) -> R<Option<String>> {
    let a = admin(bootstrap)?;
    let res = a
        .describe_configs(&[ResourceSpecifier::Topic(topic)], &opts())
        .await
        .map_err(|e| e.to_string())?;
    for r in res {
        let r = r.map_err(|e| e.to_string())?;
        if let Some(e) = r.entries.iter().find(|e| e.name == key) {
            return Ok(e.value.clone());
        }
    }
    Ok(None)
}

pub fn topic_names(bootstrap: &str) -> R<Vec<String>> {
    let c: BaseConsumer = cfg(bootstrap).create().map_err(|e| e.to_string())?;
    let md = c
        .fetch_metadata(None, Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    Ok(md.topics().iter().map(|t| t.name().to_string()).collect())
}

pub fn partitions(bootstrap: &str, topic: &str) -> R<usize> {
    let c: BaseConsumer = cfg(bootstrap).create().map_err(|e| e.to_string())?;
    let md = c
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    Ok(md
        .topics()
        .iter()
        .find(|t| t.name() == topic && t.error().is_none())
        .map(|t| t.partitions().len())
        .unwrap_or(0))
}

pub fn produce(bootstrap: &str, topic: &str, values: &[String]) -> R<()> {
    produce_as(bootstrap, topic, values, As::Admin)
}

pub fn produce_as(bootstrap: &str, topic: &str, values: &[String], who: As) -> R<()> {
    let p: ThreadedProducer<DefaultProducerContext> = cfg_as(bootstrap, who)
        .set("linger.ms", "0")
        .create()
        .map_err(|e| e.to_string())?;
    for v in values {
        p.send(
            BaseRecord::<(), str>::to(topic)
                .payload(v.as_str())
                .partition(0),
        )
        .map_err(|(e, _)| format!("produce: {e}"))?;
    }
    p.flush(Duration::from_secs(30))
        .map_err(|e| format!("flush: {e}"))
}

/// Reads every record of partition 0.. of `topic` from the beginning, without a group.
pub fn read_all(
    bootstrap: &str,
    topic: &str,
    expect_at_least: usize,
    timeout: Duration,
) -> R<Vec<String>> {
    let n = partitions(bootstrap, topic)?;
    let c = from_start(
        &mut cfg(bootstrap),
        "linkctl-e2e-reader",
        topic,
        0..n as i32,
    )?;
    let deadline = Instant::now() + timeout;
    let mut out = Vec::new();
    while Instant::now() < deadline {
        match c.poll(Duration::from_millis(500)) {
            Some(Ok(m)) => out.push(value(&m)),
            Some(Err(e)) => return Err(format!("consume: {e}")),
            None if out.len() >= expect_at_least => break,
            None => {}
        }
    }
    Ok(out)
}

/// Consumes `count` records of partition 0 as `group` (authenticated as the
/// application on the secure stack), commits and leaves.
pub fn consume_as_group(
    bootstrap: &str,
    topic: &str,
    group: &str,
    count: usize,
    commit: bool,
) -> R<Vec<String>> {
    let c = subscribed(&mut cfg_as(bootstrap, As::App), group, topic)?;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut out = Vec::new();
    let mut last: Option<(i32, i64)> = None;
    while out.len() < count && Instant::now() < deadline {
        match c.poll(Duration::from_millis(500)) {
            Some(Ok(m)) => {
                out.push(value(&m));
                last = Some((m.partition(), m.offset()));
            }
            Some(Err(e)) => return Err(format!("consume: {e}")),
            None => {}
        }
    }
    if out.len() < count {
        return Err(format!(
            "consumed only {} of {count} records of {topic} as {group}",
            out.len()
        ));
    }
    if let (true, Some((p, o))) = (commit, last) {
        commit_offsets(&c, topic, [(p, o + 1)])?;
    }
    c.unsubscribe();
    drop(c);
    Ok(out)
}

/// Committed offsets of `group` on `topic` (partition → offset), read without joining.
pub fn committed(bootstrap: &str, topic: &str, group: &str) -> R<BTreeMap<i32, i64>> {
    let n = partitions(bootstrap, topic)?;
    let c = group_consumer(&mut cfg(bootstrap), group)?;
    let mut tpl = TopicPartitionList::new();
    for p in 0..n as i32 {
        tpl.add_partition(topic, p);
    }
    let res = c
        .committed_offsets(tpl, Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    Ok(res
        .elements()
        .iter()
        .filter_map(|e| match e.offset() {
            Offset::Offset(o) => Some((e.partition(), o)),
            _ => None,
        })
        .collect())
}
