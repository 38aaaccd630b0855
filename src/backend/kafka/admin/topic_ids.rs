//! Topic ids (`DescribeTopics`): a topic deleted and created again under
//! the same name has another id, which is how linkctl tells that a mirror's
//! destination topic is no longer the one it mirrored into.

use std::collections::BTreeMap;

use rdkafka::bindings as rd;
use rdkafka::types::RDKafkaErrorCode;

use super::native::{call, check, listed, not_a, text, CallError};
use super::KafkaAdmin;
use crate::backend::kafka::errors::Doing;
use crate::backend::BackendError;
use std::sync::Arc;

impl KafkaAdmin {
    /// The id of each of `topics` that exists (base64, as Kafka's tools
    /// print it): one `DescribeTopics` request. Topics that do not exist are
    /// absent from the answer.
    pub async fn topic_ids(
        self: &Arc<Self>,
        topics: &[String],
    ) -> Result<BTreeMap<String, String>, BackendError> {
        if topics.is_empty() {
            return Ok(BTreeMap::new());
        }
        self.ensure_ready().await?;
        let topics = topics.to_vec();
        self.blocking(move |me| {
            let admin = me.admin_client()?;
            let rk = admin.inner().native_ptr();
            // SAFETY: `admin` keeps the client alive for the whole call.
            unsafe { describe(rk, &topics, me.timeout) }
                .map_err(|e| me.call_failed(Doing::ReadTopicIds, e))
        })
        .await
    }

    /// A failed native admin call, in words a user can act on.
    pub(super) fn call_failed(&self, doing: Doing, e: CallError) -> BackendError {
        match e.code {
            Some(code) => self.err_code(doing, code),
            None => BackendError::new(self.name(), format!("cannot {doing}: {}", e.message)),
        }
    }
}

/// # Safety
/// `rk` is a live client handle.
unsafe fn describe(
    rk: *mut rd::rd_kafka_t,
    topics: &[String],
    timeout: std::time::Duration,
) -> Result<BTreeMap<String, String>, CallError> {
    let names = topics
        .iter()
        .map(|t| super::native::c_string(t))
        .collect::<Result<Vec<_>, _>>()?;
    let mut ptrs: Vec<*const std::ffi::c_char> = names.iter().map(|n| n.as_ptr()).collect();
    let collection = rd::rd_kafka_TopicCollection_of_topic_names(ptrs.as_mut_ptr(), ptrs.len());
    struct Collection(*mut rd::rd_kafka_TopicCollection_t);
    impl Drop for Collection {
        fn drop(&mut self) {
            // SAFETY: made by rd_kafka_TopicCollection_of_topic_names, destroyed once.
            unsafe { rd::rd_kafka_TopicCollection_destroy(self.0) }
        }
    }
    let collection = Collection(collection);
    let event = call(
        rk,
        rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBETOPICS,
        timeout,
        |options, queue| rd::rd_kafka_DescribeTopics(rk, collection.0, options, queue),
    )?;
    let described = listed(
        rd::rd_kafka_event_DescribeTopics_result(event.ptr()),
        rd::rd_kafka_DescribeTopics_result_topics,
    )
    .ok_or_else(|| not_a("DescribeTopics"))?;
    let mut out = BTreeMap::new();
    for &d in described {
        let name = text(rd::rd_kafka_TopicDescription_name(d));
        match check(rd::rd_kafka_TopicDescription_error(d)) {
            Ok(()) => {}
            Err(e) if e.code == Some(RDKafkaErrorCode::UnknownTopicOrPartition) => continue,
            Err(e) => return Err(e),
        }
        let id = rd::rd_kafka_TopicDescription_topic_id(d);
        if !id.is_null() {
            out.insert(name, text(rd::rd_kafka_Uuid_base64str(id)));
        }
    }
    Ok(out)
}
