//! `KafkaAdmin`: one cluster's topics, configs and offsets over the Kafka protocol.

use std::collections::BTreeMap;
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, ResourceSpecifier};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};

use super::client_config::client_config;
use super::offsets::{GroupOffsets, PartitionOffsets};
use crate::backend::BackendError;
use crate::manifest::Cluster;
use crate::state::LiveTopic;

/// Reads one cluster over the Kafka protocol.
#[derive(Clone)]
pub struct KafkaAdmin {
    name: String,
    config: rdkafka::ClientConfig,
    timeout: Duration,
}

impl std::fmt::Debug for KafkaAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The client config may hold secrets: never print it.
        f.debug_struct("KafkaAdmin")
            .field("cluster", &self.name)
            .finish()
    }
}

impl KafkaAdmin {
    /// `name` is the manifest's name for the cluster (used in errors).
    pub fn new(name: &str, cluster: &Cluster) -> Self {
        Self {
            name: name.to_string(),
            config: client_config(cluster),
            timeout: Duration::from_secs(15),
        }
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn err(&self, what: &str, e: impl std::fmt::Display) -> BackendError {
        BackendError::new(&self.name, format!("{what}: {e}"))
    }

    fn consumer(&self, group: Option<&str>) -> Result<BaseConsumer, BackendError> {
        let mut cfg = self.config.clone();
        // A consumer that never subscribes only sends OffsetFetch for its group:
        // it does not join the group, so it cannot disturb the group's members.
        cfg.set("group.id", group.unwrap_or("linkctl-reader"));
        cfg.set("enable.auto.commit", "false");
        cfg.set("enable.auto.offset.store", "false");
        cfg.create()
            .map_err(|e| self.err("cannot create a Kafka client", e))
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&KafkaAdmin) -> Result<T, BackendError> + Send + 'static,
    ) -> Result<T, BackendError> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || f(&me))
            .await
            .map_err(|e| BackendError::new(&self.name, format!("Kafka read task failed: {e}")))?
    }

    /// Topic names and partition counts (internal topics excluded).
    pub async fn partition_counts(&self) -> Result<BTreeMap<String, u32>, BackendError> {
        self.blocking(|me| {
            let consumer = me.consumer(None)?;
            let md = consumer
                .fetch_metadata(None, me.timeout)
                .map_err(|e| me.err("cannot read topic metadata", e))?;
            Ok(md
                .topics()
                .iter()
                .filter(|t| !t.name().starts_with("__") && t.error().is_none())
                .map(|t| (t.name().to_string(), t.partitions().len() as u32))
                .collect())
        })
        .await
    }

    /// Non-default configs of the given topics.
    pub async fn topic_configs(
        &self,
        topics: &[String],
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>, BackendError> {
        if topics.is_empty() {
            return Ok(BTreeMap::new());
        }
        let admin: AdminClient<DefaultClientContext> = self
            .config
            .create()
            .map_err(|e| self.err("cannot create a Kafka admin client", e))?;
        let specs: Vec<ResourceSpecifier> =
            topics.iter().map(|t| ResourceSpecifier::Topic(t)).collect();
        let opts = AdminOptions::new().request_timeout(Some(self.timeout));
        let results = admin
            .describe_configs(specs.iter(), &opts)
            .await
            .map_err(|e| self.err("cannot describe topic configs", e))?;
        let mut out = BTreeMap::new();
        for (topic, res) in topics.iter().zip(results) {
            let res = res.map_err(|e| self.err(&format!("cannot describe topic {topic}"), e))?;
            let configs = res
                .entries
                .iter()
                .filter(|e| !e.is_default && !e.is_sensitive)
                .filter_map(|e| e.value.clone().map(|v| (e.name.clone(), v)))
                .collect();
            out.insert(topic.clone(), configs);
        }
        Ok(out)
    }

    /// Topics with partition counts and non-default configs. When `only` is
    /// given, configs are read for those topics only.
    pub async fn topics(
        &self,
        only: Option<&[String]>,
    ) -> Result<BTreeMap<String, LiveTopic>, BackendError> {
        let counts = self.partition_counts().await?;
        let wanted: Vec<String> = match only {
            Some(names) => names
                .iter()
                .filter(|n| counts.contains_key(*n))
                .cloned()
                .collect(),
            None => counts.keys().cloned().collect(),
        };
        let configs = self.topic_configs(&wanted).await?;
        Ok(counts
            .into_iter()
            .filter(|(n, _)| only.is_none() || wanted.contains(n))
            .map(|(name, partitions)| {
                let configs = configs.get(&name).cloned().unwrap_or_default();
                (
                    name,
                    LiveTopic {
                        partitions,
                        configs,
                    },
                )
            })
            .collect())
    }

    /// Low and high watermarks of every partition of `topic`.
    pub async fn end_offsets(&self, topic: &str) -> Result<Vec<PartitionOffsets>, BackendError> {
        let topic = topic.to_string();
        self.blocking(move |me| {
            let consumer = me.consumer(None)?;
            let md = consumer
                .fetch_metadata(Some(&topic), me.timeout)
                .map_err(|e| me.err("cannot read topic metadata", e))?;
            let Some(t) = md.topics().iter().find(|t| t.name() == topic) else {
                return Ok(Vec::new());
            };
            if t.error().is_some() {
                return Err(me.err(&format!("topic {topic}"), "does not exist"));
            }
            let mut out = Vec::new();
            for p in t.partitions() {
                let (low, high) = consumer
                    .fetch_watermarks(&topic, p.id(), me.timeout)
                    .map_err(|e| me.err(&format!("cannot read offsets of {topic}"), e))?;
                out.push(PartitionOffsets {
                    partition: p.id(),
                    low,
                    high,
                });
            }
            out.sort_by_key(|p| p.partition);
            Ok(out)
        })
        .await
    }

    /// Committed offsets of `group` on every partition of `topic`, read with
    /// OffsetFetch only (the group is not joined).
    pub async fn committed_offsets(
        &self,
        group: &str,
        topic: &str,
    ) -> Result<GroupOffsets, BackendError> {
        let partitions = self.end_offsets(topic).await?;
        let (group, topic) = (group.to_string(), topic.to_string());
        self.blocking(move |me| {
            let consumer = me.consumer(Some(&group))?;
            let mut tpl = TopicPartitionList::new();
            for p in &partitions {
                tpl.add_partition(&topic, p.partition);
            }
            let committed = consumer
                .committed_offsets(tpl, me.timeout)
                .map_err(|e| me.err(&format!("cannot read offsets of group {group}"), e))?;
            let mut parts: Vec<(i32, Option<i64>)> = committed
                .elements()
                .iter()
                .map(|e| {
                    let off = match e.offset() {
                        Offset::Offset(o) => Some(o),
                        _ => None,
                    };
                    (e.partition(), off)
                })
                .collect();
            parts.sort_by_key(|(p, _)| *p);
            Ok(GroupOffsets {
                group,
                topic,
                partitions: parts,
            })
        })
        .await
    }

    /// Names of the consumer groups the cluster knows.
    pub async fn groups(&self) -> Result<Vec<String>, BackendError> {
        self.blocking(|me| {
            let consumer = me.consumer(None)?;
            let list = consumer
                .fetch_group_list(None, me.timeout)
                .map_err(|e| me.err("cannot list consumer groups", e))?;
            let mut names: Vec<String> =
                list.groups().iter().map(|g| g.name().to_string()).collect();
            names.sort();
            Ok(names)
        })
        .await
    }
}
