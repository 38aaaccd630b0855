//! `KafkaAdmin`: one cluster's topics, configs and offsets over the Kafka
//! protocol, through one librdkafka client built once per command.
//!
//! Every read is batched: one metadata request for all topics, one
//! `DescribeConfigs` for all topics, one `ListOffsets` per broker for the end
//! offsets of all partitions, one `OffsetFetch` per group for all partitions.
//!
//! The first read of a cluster waits in short slices and looks, between
//! two, at what librdkafka reported on its own ([`super::context`]): a
//! refused login or certificate ends it at once, and every later read of
//! the cluster fails with it. Failures are told by [`super::errors`].

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, ResourceSpecifier};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::metadata::Metadata;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};

mod acls;
mod commit;
mod lock_topics;
mod log;
mod native;
mod topic_ids;

pub use acls::{Fences, ANY_PRINCIPAL};
pub use log::RawRecord;

use super::client_config::client_config;
use super::context::{KafkaContext, Watch};
use super::errors::{
    is_timeout, Acl, ClusterFacts, Doing, FailureKind, KafkaFailure, Resource, TlsRefusal,
};
use super::tls_check;
use crate::backend::retry::{retry, RetryPolicy, Transient};
use crate::backend::waiting::{self, Notice};
use crate::backend::BackendError;
use crate::manifest::Cluster;

/// Committed offsets: `(topic, partition)` → offset (absent: none committed).
pub type Committed = BTreeMap<(String, i32), i64>;

/// A failed read, and whether a retry may help.
struct Failure {
    transient: bool,
    error: BackendError,
}

impl Transient for Failure {
    fn is_transient(&self) -> bool {
        self.transient
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.error.message)
    }
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

/// How long one slice of the first metadata read waits before linkctl
/// looks at what librdkafka reported (a refused login or certificate stops
/// the read there, not at its timeout).
const SLICE: Duration = Duration::from_millis(200);

/// The longest wait of the TLS connection that finds out why a certificate
/// was refused.
const TLS_CHECK: Duration = Duration::from_secs(5);

type Reader = BaseConsumer<KafkaContext>;

/// Reads one cluster over the Kafka protocol.
pub struct KafkaAdmin {
    facts: Arc<ClusterFacts>,
    watch: Arc<Watch>,
    config: rdkafka::ClientConfig,
    timeout: Duration,
    consumer: OnceLock<Result<Arc<Reader>, BackendError>>,
    admin: OnceLock<Result<Arc<AdminClient<KafkaContext>>, BackendError>>,
    /// The first metadata read: whether the cluster can be read at all with
    /// these settings (a refused login is kept, so that every later read
    /// fails with it at once).
    ready: OnceLock<Result<(), BackendError>>,
    /// Reads of a partition that callers at about the same time share
    /// ([`Self::read_partition_shared`]).
    shared_reads: log::SharedReads,
}

impl std::fmt::Debug for KafkaAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The client config may hold secrets: never print it.
        f.debug_struct("KafkaAdmin")
            .field("cluster", &self.facts.name)
            .finish()
    }
}

impl KafkaAdmin {
    /// `name` is the manifest's name for the cluster (used in errors).
    pub fn new(name: &str, cluster: &Cluster, timeout: Duration) -> Self {
        let facts = Arc::new(ClusterFacts::of(name, cluster));
        Self {
            watch: Arc::new(Watch::new(facts.clone())),
            facts,
            config: client_config(cluster),
            timeout,
            consumer: OnceLock::new(),
            admin: OnceLock::new(),
            ready: OnceLock::new(),
            shared_reads: log::SharedReads::default(),
        }
    }

    pub fn name(&self) -> &str {
        &self.facts.name
    }

    fn fail(&self, doing: Doing, kind: FailureKind) -> BackendError {
        BackendError::new(
            &self.facts.name,
            KafkaFailure { doing, kind }.message(&self.facts),
        )
    }

    fn timed_out(&self) -> FailureKind {
        FailureKind::TimedOut {
            after: self.timeout,
            last: self.watch.last(),
        }
    }

    /// `e`, answered while doing `doing`, in words a user can act on. A
    /// failure librdkafka reported on its own that no retry can fix (a
    /// refused login, a refused certificate) explains a timeout or a
    /// transport error better than they do.
    fn err(&self, doing: Doing, e: &rdkafka::error::KafkaError) -> BackendError {
        let kind = self.kind(&doing, e);
        self.fail(doing, kind)
    }

    /// What `e` means, answered while doing `doing`.
    fn kind(&self, doing: &Doing, e: &rdkafka::error::KafkaError) -> FailureKind {
        match FailureKind::classify(doing, e, &self.facts) {
            Some(k @ FailureKind::Other { .. }) => self.watch.permanent().unwrap_or(k),
            Some(k) => k,
            None => self.watch.permanent().unwrap_or_else(|| self.timed_out()),
        }
    }

    /// An error code answered for one resource of a request.
    fn err_code(&self, doing: Doing, code: RDKafkaErrorCode) -> BackendError {
        self.err(doing, &rdkafka::error::KafkaError::AdminOp(code))
    }

    /// Hands librdkafka's queued log lines and errors of `consumer` to its
    /// context (it serves them only when polled). The consumer never
    /// subscribes, so a poll returns no message.
    fn serve(consumer: &Reader) {
        for _ in 0..32 {
            let _ = consumer.poll(Duration::ZERO);
        }
    }

    /// A consumer that never subscribes: it only sends metadata, ListOffsets
    /// and OffsetFetch requests, so it cannot disturb any group.
    fn new_consumer(&self, group: Option<&str>) -> Result<Reader, BackendError> {
        let mut cfg = self.config.clone();
        if let Some(group) = group {
            cfg.set("group.id", group);
        }
        cfg.set("enable.auto.commit", "false");
        cfg.set("enable.auto.offset.store", "false");
        cfg.create_with_context(KafkaContext::new(self.watch.clone()))
            .map_err(|e| self.err(Doing::CreateClient, &e))
    }

    /// The command's one metadata/offsets client of this cluster.
    fn consumer(&self) -> Result<Arc<Reader>, BackendError> {
        self.consumer
            .get_or_init(|| self.new_consumer(None).map(Arc::new))
            .clone()
    }

    /// The command's one admin client of this cluster.
    fn admin_client(&self) -> Result<Arc<AdminClient<KafkaContext>>, BackendError> {
        self.admin
            .get_or_init(|| {
                self.config
                    .create_with_context(KafkaContext::new(self.watch.clone()))
                    .map(Arc::new)
                    .map_err(|e| self.err(Doing::CreateClient, &e))
            })
            .clone()
    }

    fn admin_options(&self) -> AdminOptions {
        AdminOptions::new().request_timeout(Some(self.timeout))
    }

    /// The first metadata read, in slices: between two, what librdkafka
    /// reported is looked at, and a failure no retry can fix ends the read.
    /// (librdkafka answers `BrokerTransportFailure` when no broker became
    /// usable within a slice.)
    fn connect(&self, consumer: &Reader) -> Result<Metadata, FailureKind> {
        let start = Instant::now();
        let what = format!("reading {} (Kafka)", self.facts.name);
        let mut noticed = start;
        let r = loop {
            let slice = SLICE.min(self.timeout.saturating_sub(start.elapsed()));
            let r = consumer.fetch_metadata(None, slice);
            Self::serve(consumer);
            match r {
                Ok(md) => break Ok(md),
                Err(e)
                    if is_timeout(e.rdkafka_error_code())
                        || e.rdkafka_error_code()
                            == Some(RDKafkaErrorCode::BrokerTransportFailure) => {}
                Err(e) => break Err(self.kind(&Doing::ReadMetadata, &e)),
            }
            if let Some(kind) = self.watch.permanent() {
                break Err(self.explain(kind));
            }
            if start.elapsed() >= self.timeout {
                break Err(self.timed_out());
            }
            // Once a second, what linkctl is waiting for.
            if noticed.elapsed() >= Duration::from_secs(1) {
                noticed = Instant::now();
                waiting::notice(&Notice {
                    what: what.clone(),
                    reason: self.watch.last().map_or("no answer yet".to_string(), |r| {
                        crate::backend::http_errors::short_reason(&r)
                    }),
                    retry: 0,
                    left: self.timeout.saturating_sub(start.elapsed()),
                });
            }
        };
        if noticed != start {
            waiting::done(&what);
        }
        r
    }

    /// `kind`, with the reason of a refused certificate found out (see
    /// [`tls_check`]) when librdkafka did not give it.
    fn explain(&self, kind: FailureKind) -> FailureKind {
        let FailureKind::Tls {
            refusal: TlsRefusal::Unverified,
            reason,
        } = kind
        else {
            return kind;
        };
        let get = |k: &str| self.config.get(k).map(str::to_string);
        let trust = tls_check::Trust {
            ca_location: get("ssl.ca.location"),
            ca_pem: get("ssl.ca.pem"),
        };
        let refusal = get("bootstrap.servers")
            .as_deref()
            .and_then(tls_check::first_address)
            .and_then(|(host, port)| {
                tls_check::certificate_refusal(&host, port, &trust, self.timeout.min(TLS_CHECK))
            })
            .unwrap_or(TlsRefusal::Unverified);
        FailureKind::Tls { refusal, reason }
    }

    /// Blocks until the cluster answered a first metadata request (or
    /// failed to); that metadata, when this call was the one that read it.
    /// An answer, a failure no retry can fix, and a cluster that did not
    /// answer within the request timeout are kept for every later read of
    /// the command: the timeout bounds the whole wait for the cluster, so a
    /// dead or frozen cluster is not waited for again.
    fn ready(&self) -> Result<Option<Metadata>, BackendError> {
        if let Some(r) = self.ready.get() {
            return r.clone().map(|()| None);
        }
        let consumer = self.consumer()?;
        match self.connect(&consumer) {
            Ok(md) => {
                let _ = self.ready.set(Ok(()));
                Ok(Some(md))
            }
            Err(kind) => {
                let kept = kind.is_permanent() || matches!(kind, FailureKind::TimedOut { .. });
                let e = self.fail(Doing::ReadMetadata, kind);
                if kept {
                    let _ = self.ready.set(Err(e.clone()));
                }
                Err(e)
            }
        }
    }

    /// [`Self::ready`] from async code.
    async fn ensure_ready(self: &Arc<Self>) -> Result<(), BackendError> {
        if let Some(r) = self.ready.get() {
            return r.clone();
        }
        self.blocking(|me| me.ready().map(|_| ())).await
    }

    async fn blocking<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&KafkaAdmin) -> Result<T, BackendError> + Send + 'static,
    ) -> Result<T, BackendError> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || f(&me))
            .await
            .map_err(|e| BackendError::new(self.name(), format!("Kafka read task failed: {e}")))?
    }

    /// Topic names and partition counts (internal topics excluded): one
    /// metadata request. Topics the principal may not Describe are not
    /// listed (the broker leaves them out).
    pub async fn partition_counts(self: &Arc<Self>) -> Result<BTreeMap<String, u32>, BackendError> {
        self.blocking(|me| {
            let md = match me.ready()? {
                Some(md) => md,
                None => {
                    let consumer = me.consumer()?;
                    let md = consumer.fetch_metadata(None, me.timeout);
                    Self::serve(&consumer);
                    md.map_err(|e| me.err(Doing::ReadMetadata, &e))?
                }
            };
            Ok(md
                .topics()
                .iter()
                .filter(|t| !t.name().starts_with("__") && t.error().is_none())
                .map(|t| (t.name().to_string(), t.partitions().len() as u32))
                .collect())
        })
        .await
    }

    /// Topic-level config overrides of the given topics: one `DescribeConfigs`.
    pub async fn topic_configs(
        self: &Arc<Self>,
        topics: &[String],
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>, BackendError> {
        if topics.is_empty() {
            return Ok(BTreeMap::new());
        }
        self.ensure_ready().await?;
        let admin = self.admin_client()?;
        let specs: Vec<ResourceSpecifier> =
            topics.iter().map(|t| ResourceSpecifier::Topic(t)).collect();
        let results = admin
            .describe_configs(specs.iter(), &self.admin_options())
            .await
            .map_err(|e| self.err(Doing::DescribeConfigs { topic: None }, &e))?;
        let mut out = BTreeMap::new();
        for (topic, res) in topics.iter().zip(results) {
            let res = res.map_err(|code| {
                let topic = Some(topic.clone());
                self.err_code(Doing::DescribeConfigs { topic }, code)
            })?;
            // Every topic has configs (defaults included): none at all is
            // a refusal whose code rdkafka dropped.
            if res.entries.is_empty() {
                let acl = Acl {
                    operation: "DescribeConfigs",
                    resource: Resource::Topic(Some(topic.clone())),
                };
                let topic = Some(topic.clone());
                let kind = FailureKind::NotAuthorized { acl, code: None };
                return Err(self.fail(Doing::DescribeConfigs { topic }, kind));
            }
            // Only what is set on the topic itself: a broker's value the
            // topic inherits is not a default either (STATIC_BROKER_CONFIG…).
            let configs = res
                .entries
                .iter()
                .filter(|e| is_topic_override(e) && !e.is_sensitive)
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
        self.list_offsets(topics, Offset::End).await
    }

    /// The log start offset of every partition of `topics`, like
    /// [`Self::end_offsets`].
    pub async fn start_offsets(
        self: &Arc<Self>,
        topics: &BTreeMap<String, u32>,
    ) -> Result<BTreeMap<(String, i32), i64>, BackendError> {
        self.list_offsets(topics, Offset::Beginning).await
    }

    /// How many records each of `topics` holds (end − start offsets summed
    /// over its partitions): two `ListOffsets` per broker.
    pub async fn records_held(
        self: &Arc<Self>,
        topics: &BTreeMap<String, u32>,
    ) -> Result<BTreeMap<String, i64>, BackendError> {
        if topics.is_empty() {
            return Ok(BTreeMap::new());
        }
        let (start, end) =
            futures::try_join!(self.start_offsets(topics), self.end_offsets(topics))?;
        let mut out: BTreeMap<String, i64> = BTreeMap::new();
        for (tp, e) in &end {
            let s = start.get(tp).copied().unwrap_or(0);
            *out.entry(tp.0.clone()).or_default() += (e - s).max(0);
        }
        Ok(out)
    }

    /// The cluster's id (Kafka's, from the metadata answer).
    pub async fn cluster_id(self: &Arc<Self>) -> Result<String, BackendError> {
        self.ensure_ready().await?;
        self.blocking(|me| {
            let consumer = me.consumer()?;
            let id = consumer.client().fetch_cluster_id(me.timeout);
            Self::serve(&consumer);
            id.ok_or_else(|| me.fail(Doing::ReadMetadata, me.timed_out()))
        })
        .await
    }

    async fn list_offsets(
        self: &Arc<Self>,
        topics: &BTreeMap<String, u32>,
        spec: Offset,
    ) -> Result<BTreeMap<(String, i32), i64>, BackendError> {
        if topics.is_empty() {
            return Ok(BTreeMap::new());
        }
        let mut tpl = TopicPartitionList::new();
        for (t, n) in topics {
            for p in 0..*n as i32 {
                tpl.add_partition_offset(t, p, spec)
                    .map_err(|e| self.err(Doing::ReadEndOffsets { topic: None }, &e))?;
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
        // A fresh topic's leader: a few quick retries, about 3 s in all.
        let policy = RetryPolicy {
            max_retries: 5,
            min_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            budget: Duration::from_secs(5),
        };
        retry(&policy, attempt).await.map_err(|f| f.error)
    }

    fn end_offsets_once(
        &self,
        tpl: TopicPartitionList,
    ) -> Result<BTreeMap<(String, i32), i64>, Failure> {
        let fail = |doing: Doing, e: rdkafka::error::KafkaError| Failure {
            transient: is_transient(&e),
            error: self.err(doing, &e),
        };
        let permanent = |error| Failure {
            transient: false,
            error,
        };
        self.ready().map_err(permanent)?;
        let consumer = self.consumer().map_err(permanent)?;
        let res = consumer.offsets_for_times(tpl, self.timeout);
        Self::serve(&consumer);
        let res = res.map_err(|e| fail(Doing::ReadEndOffsets { topic: None }, e))?;
        let mut out = BTreeMap::new();
        for e in res.elements() {
            if let Err(err) = e.error() {
                let topic = Some((e.topic().to_string(), e.partition()));
                return Err(fail(Doing::ReadEndOffsets { topic }, err));
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
            me.ready()?;
            let doing = |topic: Option<&str>| Doing::ReadGroupOffsets {
                group: group.clone(),
                topic: topic.map(str::to_string),
            };
            let consumer = me.new_consumer(Some(&group))?;
            let committed = consumer
                .committed_offsets(tpl, me.timeout)
                .map_err(|e| me.err(doing(None), &e))?;
            let mut out = Committed::new();
            for e in committed.elements() {
                match e.error() {
                    Ok(()) => {}
                    Err(rdkafka::error::KafkaError::OffsetFetch(
                        RDKafkaErrorCode::UnknownTopicOrPartition,
                    )) => continue,
                    Err(err) => return Err(me.err(doing(Some(e.topic())), &err)),
                }
                if let Offset::Offset(o) = e.offset() {
                    out.insert((e.topic().to_string(), e.partition()), o);
                }
            }
            Ok(out)
        })
        .await
    }

    /// Names of the consumer groups the cluster knows (those the principal
    /// may Describe: the broker leaves the others out).
    pub async fn groups(self: &Arc<Self>) -> Result<Vec<String>, BackendError> {
        self.blocking(|me| {
            me.ready()?;
            let consumer = me.consumer()?;
            let list = consumer.fetch_group_list(None, me.timeout);
            Self::serve(&consumer);
            let list = list.map_err(|e| me.err(Doing::ListGroups, &e))?;
            let mut names: Vec<String> =
                list.groups().iter().map(|g| g.name().to_string()).collect();
            names.sort();
            Ok(names)
        })
        .await
    }

    /// Deletes topics in one request; topics already gone count as deleted.
    pub async fn delete_topics(self: &Arc<Self>, topics: &[String]) -> Result<(), BackendError> {
        if topics.is_empty() {
            return Ok(());
        }
        self.ensure_ready().await?;
        let admin = self.admin_client()?;
        let names: Vec<&str> = topics.iter().map(String::as_str).collect();
        let res = admin
            .delete_topics(&names, &self.admin_options())
            .await
            .map_err(|e| self.err(Doing::DeleteTopics { topic: None }, &e))?;
        for r in res {
            if let Err((name, code)) = r {
                if code != RDKafkaErrorCode::UnknownTopicOrPartition {
                    return Err(self.err_code(Doing::DeleteTopics { topic: Some(name) }, code));
                }
            }
        }
        Ok(())
    }
}

/// True when a described topic config is set on the topic itself. Brokers
/// report their own values (`STATIC_BROKER_CONFIG`, …) with `is_default`
/// false; a broker that does not say where a value comes from (before Kafka
/// 1.1) falls back to the default flag.
fn is_topic_override(e: &rdkafka::admin::ConfigEntry) -> bool {
    match e.source {
        rdkafka::admin::ConfigSource::DynamicTopic => true,
        rdkafka::admin::ConfigSource::Unknown => !e.is_default,
        _ => false,
    }
}
