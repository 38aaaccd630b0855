//! `KafkaAdmin`: one cluster's topics, configs and offsets over the Kafka
//! protocol, through one librdkafka client built once per command.
//!
//! Every read is batched: one metadata request for all topics, one
//! `DescribeConfigs` for all topics, one `ListOffsets` per broker for the end
//! offsets of all partitions, one `OffsetFetch` per group for all partitions.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, ResourceSpecifier};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};

use backon::{ExponentialBuilder, Retryable};

use super::client_config::client_config;
use crate::backend::BackendError;
use crate::manifest::Cluster;

/// Committed offsets: `(topic, partition)` → offset (absent: none committed).
pub type Committed = BTreeMap<(String, i32), i64>;

/// A failed read, and whether a retry may help.
struct Failure {
    transient: bool,
    error: BackendError,
}

/// True for errors a fresh topic's leader election explains.
fn is_transient(e: &rdkafka::error::KafkaError) -> bool {
    use RDKafkaErrorCode as C;
    matches!(
        e.rdkafka_error_code(),
        Some(
            C::NotLeaderForPartition
                | C::LeaderNotAvailable
                | C::UnknownTopicOrPartition
                | C::RequestTimedOut
                | C::UnknownLeaderEpoch
                | C::FencedLeaderEpoch
        )
    )
}

/// Reads one cluster over the Kafka protocol.
pub struct KafkaAdmin {
    name: String,
    config: rdkafka::ClientConfig,
    timeout: Duration,
    consumer: OnceLock<Result<Arc<BaseConsumer>, String>>,
    admin: OnceLock<Result<Arc<AdminClient<DefaultClientContext>>, String>>,
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
    pub fn new(name: &str, cluster: &Cluster, timeout: Duration) -> Self {
        Self {
            name: name.to_string(),
            config: client_config(cluster),
            timeout,
            consumer: OnceLock::new(),
            admin: OnceLock::new(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn err(&self, what: &str, e: impl std::fmt::Display) -> BackendError {
        let e = e.to_string();
        let hint = if e.contains("Timed out") || e.contains("TimedOut") {
            format!(
                " (the brokers of `{}` did not answer within {}; `--timeout SECONDS`, or `timeouts.request_ms` on the cluster, to change)",
                self.name,
                crate::backend::timeouts::secs(self.timeout)
            )
        } else {
            String::new()
        };
        BackendError::new(&self.name, format!("{what}: {e}{hint}"))
    }

    /// A consumer that never subscribes: it only sends metadata, ListOffsets
    /// and OffsetFetch requests, so it cannot disturb any group.
    fn new_consumer(&self, group: &str) -> Result<BaseConsumer, BackendError> {
        let mut cfg = self.config.clone();
        cfg.set("group.id", group);
        cfg.set("enable.auto.commit", "false");
        cfg.set("enable.auto.offset.store", "false");
        cfg.create()
            .map_err(|e| self.err("cannot create a Kafka client", e))
    }

    /// The command's one metadata/offsets client of this cluster.
    fn consumer(&self) -> Result<Arc<BaseConsumer>, BackendError> {
        self.consumer
            .get_or_init(|| {
                self.new_consumer("linkctl-reader")
                    .map(Arc::new)
                    .map_err(|e| e.message)
            })
            .clone()
            .map_err(|m| BackendError::new(&self.name, m))
    }

    /// The command's one admin client of this cluster.
    pub fn admin_client(&self) -> Result<Arc<AdminClient<DefaultClientContext>>, BackendError> {
        self.admin
            .get_or_init(|| {
                self.config
                    .create()
                    .map(Arc::new)
                    .map_err(|e| format!("cannot create a Kafka admin client: {e}"))
            })
            .clone()
            .map_err(|m| BackendError::new(&self.name, m))
    }

    fn admin_options(&self) -> AdminOptions {
        AdminOptions::new().request_timeout(Some(self.timeout))
    }

    async fn blocking<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&KafkaAdmin) -> Result<T, BackendError> + Send + 'static,
    ) -> Result<T, BackendError> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || f(&me))
            .await
            .map_err(|e| BackendError::new(&self.name, format!("Kafka read task failed: {e}")))?
    }

    /// Topic names and partition counts (internal topics excluded): one
    /// metadata request.
    pub async fn partition_counts(self: &Arc<Self>) -> Result<BTreeMap<String, u32>, BackendError> {
        self.blocking(|me| {
            let consumer = me.consumer()?;
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

    /// Non-default configs of the given topics: one `DescribeConfigs`.
    pub async fn topic_configs(
        &self,
        topics: &[String],
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>, BackendError> {
        if topics.is_empty() {
            return Ok(BTreeMap::new());
        }
        let admin = self.admin_client()?;
        let specs: Vec<ResourceSpecifier> =
            topics.iter().map(|t| ResourceSpecifier::Topic(t)).collect();
        let results = admin
            .describe_configs(specs.iter(), &self.admin_options())
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

    /// The log end offset (high watermark) of every partition of `topics`
    /// (name → partition count): one `ListOffsets` request per broker. A
    /// partition without a leader yet (a topic created moments ago) is
    /// retried a few times with backoff before it is an error.
    pub async fn end_offsets(
        self: &Arc<Self>,
        topics: &BTreeMap<String, u32>,
    ) -> Result<BTreeMap<(String, i32), i64>, BackendError> {
        if topics.is_empty() {
            return Ok(BTreeMap::new());
        }
        let mut tpl = TopicPartitionList::new();
        for (t, n) in topics {
            for p in 0..*n as i32 {
                tpl.add_partition_offset(t, p, Offset::End)
                    .map_err(|e| self.err("cannot build an offsets request", e))?;
            }
        }
        let attempt = || {
            let tpl = tpl.clone();
            async move {
                match self.blocking(move |me| Ok(me.end_offsets_once(tpl))).await {
                    Ok(r) => r,
                    Err(error) => Err(Failure {
                        transient: false,
                        error,
                    }),
                }
            }
        };
        attempt
            .retry(
                ExponentialBuilder::default()
                    .with_min_delay(Duration::from_millis(100))
                    .with_max_delay(Duration::from_secs(1))
                    .with_max_times(5)
                    .with_jitter(),
            )
            .when(|f: &Failure| f.transient)
            .await
            .map_err(|f| f.error)
    }

    fn end_offsets_once(
        &self,
        tpl: TopicPartitionList,
    ) -> Result<BTreeMap<(String, i32), i64>, Failure> {
        let fail = |what: String, e: rdkafka::error::KafkaError| Failure {
            transient: is_transient(&e),
            error: self.err(&what, e),
        };
        let consumer = self.consumer().map_err(|error| Failure {
            transient: false,
            error,
        })?;
        let res = consumer
            .offsets_for_times(tpl, self.timeout)
            .map_err(|e| fail("cannot read end offsets".to_string(), e))?;
        let mut out = BTreeMap::new();
        for e in res.elements() {
            if let Err(err) = e.error() {
                return Err(fail(
                    format!(
                        "cannot read the end offset of {}-{}",
                        e.topic(),
                        e.partition()
                    ),
                    err,
                ));
            }
            if let Offset::Offset(o) = e.offset() {
                out.insert((e.topic().to_string(), e.partition()), o);
            }
        }
        Ok(out)
    }

    /// Committed offsets of `group` on every partition of `topics` (name →
    /// partition count): one `OffsetFetch`, without joining the group.
    pub async fn committed_offsets(
        self: &Arc<Self>,
        group: &str,
        topics: &BTreeMap<String, u32>,
    ) -> Result<Committed, BackendError> {
        if topics.is_empty() {
            return Ok(Committed::new());
        }
        let mut tpl = TopicPartitionList::new();
        for (t, n) in topics {
            for p in 0..*n as i32 {
                tpl.add_partition(t, p);
            }
        }
        let group = group.to_string();
        self.blocking(move |me| {
            let consumer = me.new_consumer(&group)?;
            let committed = consumer
                .committed_offsets(tpl, me.timeout)
                .map_err(|e| me.err(&format!("cannot read offsets of group {group}"), e))?;
            let mut out = Committed::new();
            for e in committed.elements() {
                match e.error() {
                    Ok(()) => {}
                    Err(rdkafka::error::KafkaError::OffsetFetch(
                        RDKafkaErrorCode::UnknownTopicOrPartition,
                    )) => continue,
                    Err(err) => {
                        return Err(me.err(&format!("cannot read offsets of group {group}"), err))
                    }
                }
                if let Offset::Offset(o) = e.offset() {
                    out.insert((e.topic().to_string(), e.partition()), o);
                }
            }
            Ok(out)
        })
        .await
    }

    /// Names of the consumer groups the cluster knows.
    pub async fn groups(self: &Arc<Self>) -> Result<Vec<String>, BackendError> {
        self.blocking(|me| {
            let consumer = me.consumer()?;
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

    /// Deletes topics in one request; topics already gone count as deleted.
    pub async fn delete_topics(&self, topics: &[String]) -> Result<(), BackendError> {
        if topics.is_empty() {
            return Ok(());
        }
        let admin = self.admin_client()?;
        let names: Vec<&str> = topics.iter().map(String::as_str).collect();
        let res = admin
            .delete_topics(&names, &self.admin_options())
            .await
            .map_err(|e| self.err("cannot delete topics", e))?;
        for r in res {
            if let Err((name, code)) = r {
                if code != RDKafkaErrorCode::UnknownTopicOrPartition {
                    return Err(self.err(&format!("cannot delete topic {name}"), code));
                }
            }
        }
        Ok(())
    }
}
