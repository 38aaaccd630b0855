//! Reading one partition of a topic from its start to its current end, with
//! a client of its own that joins no group (for small internal topics such
//! as MirrorMaker 2's compacted offset syncs); and the same read shared by
//! the callers that ask for it at about the same time (many links of one
//! source read the same offset syncs partition).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::{BoxFuture, FutureExt, Shared};

use rdkafka::consumer::Consumer;
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

use super::KafkaAdmin;
use crate::backend::kafka::errors::Doing;
use crate::backend::BackendError;

/// One record: its key and value bytes (absent for a null key or value).
pub type RawRecord = (Option<Vec<u8>>, Option<Vec<u8>>);

/// The group id of the reader (a label: it never joins the group).
const READER_GROUP: &str = "linkctl-log-reader";

/// Reading stops after this many records (a compacted internal topic holds
/// about one per key; this bounds a topic that compaction has not reached).
pub const MAX_RECORDS: usize = 2_000_000;

/// What a read of a partition returns, shared between its callers.
pub type SharedRead = Result<Arc<Option<Vec<RawRecord>>>, BackendError>;

/// A read of a partition under way or done, and when it started.
type Started = (Instant, Shared<BoxFuture<'static, SharedRead>>);

/// Reads of a partition under way or just done, by `(topic, partition)`.
#[derive(Default)]
pub struct SharedReads(std::sync::Mutex<BTreeMap<(String, i32), Started>>);

impl KafkaAdmin {
    /// [`Self::read_partition`], shared: a caller joins a read of the same
    /// partition that started at most `max_age` ago (under way or done)
    /// instead of reading it again. Such a read may miss records written
    /// during the last `max_age`: a caller must be able to do with a view
    /// that old.
    pub async fn read_partition_shared(
        self: &Arc<Self>,
        topic: &str,
        partition: i32,
        max_age: Duration,
    ) -> SharedRead {
        let key = (topic.to_string(), partition);
        let read = {
            let mut reads = self
                .shared_reads
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match reads.get(&key) {
                Some((started, read)) if started.elapsed() <= max_age => read.clone(),
                _ => {
                    let me = self.clone();
                    let topic = key.0.clone();
                    let read =
                        async move { me.read_partition(&topic, partition).await.map(Arc::new) }
                            .boxed()
                            .shared();
                    reads.insert(key, (Instant::now(), read.clone()));
                    read
                }
            }
        };
        read.await
    }

    /// Every record of `topic`-`partition` from its log start to the end
    /// offset read when the call starts, in offset order. `None` when the
    /// topic does not exist.
    pub async fn read_partition(
        self: &Arc<Self>,
        topic: &str,
        partition: i32,
    ) -> Result<Option<Vec<RawRecord>>, BackendError> {
        self.ensure_ready().await?;
        let topic = topic.to_string();
        self.blocking(move |me| {
            let doing = || Doing::ReadLog {
                topic: topic.clone(),
            };
            // librdkafka wants a group id even for a consumer that only
            // assigns partitions; this one never joins, commits or subscribes.
            let consumer = me.new_consumer(Some(READER_GROUP))?;
            let (low, high) = match consumer.fetch_watermarks(&topic, partition, me.timeout) {
                Ok(w) => w,
                Err(e)
                    if e.rdkafka_error_code()
                        == Some(rdkafka::types::RDKafkaErrorCode::UnknownTopicOrPartition) =>
                {
                    return Ok(None)
                }
                Err(e) => return Err(me.err(doing(), &e)),
            };
            let mut out = Vec::new();
            if high <= low {
                return Ok(Some(out));
            }
            let mut tpl = TopicPartitionList::new();
            tpl.add_partition_offset(&topic, partition, Offset::Offset(low))
                .map_err(|e| me.err(doing(), &e))?;
            consumer.assign(&tpl).map_err(|e| me.err(doing(), &e))?;
            let deadline = Instant::now() + me.timeout;
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(me.fail(doing(), me.timed_out()));
                }
                match consumer.poll(left.min(std::time::Duration::from_millis(500))) {
                    None => {}
                    Some(Err(e)) => return Err(me.err(doing(), &e)),
                    Some(Ok(m)) => {
                        let at = m.offset();
                        out.push((m.key().map(<[u8]>::to_vec), m.payload().map(<[u8]>::to_vec)));
                        if at + 1 >= high || out.len() >= MAX_RECORDS {
                            return Ok(Some(out));
                        }
                    }
                }
            }
        })
        .await
    }
}
