//! Committing a consumer group's offsets without joining the group (the
//! cut-over's final offset sync on the destination). The broker accepts such
//! a commit only while the group has no active member, which is what a
//! cut-over needs: consumers start on the destination after it.

use std::collections::BTreeMap;
use std::sync::Arc;

use rdkafka::consumer::{CommitMode, Consumer};
use rdkafka::{Offset, TopicPartitionList};

use super::KafkaAdmin;
use crate::backend::kafka::errors::Doing;
use crate::backend::BackendError;

impl KafkaAdmin {
    /// Commits `offsets` (`(topic, partition)` → next offset to read) for
    /// `group`: one `OffsetCommit`.
    pub async fn commit_group_offsets(
        self: &Arc<Self>,
        group: &str,
        offsets: &BTreeMap<(String, i32), i64>,
    ) -> Result<(), BackendError> {
        if offsets.is_empty() {
            return Ok(());
        }
        self.ensure_ready().await?;
        let group = group.to_string();
        let offsets = offsets.clone();
        self.blocking(move |me| {
            let doing = || Doing::CommitGroupOffsets {
                group: group.clone(),
            };
            let mut tpl = TopicPartitionList::new();
            for ((t, p), o) in &offsets {
                tpl.add_partition_offset(t, *p, Offset::Offset(*o))
                    .map_err(|e| me.err(doing(), &e))?;
            }
            let consumer = me.new_consumer(Some(&group))?;
            consumer
                .commit(&tpl, CommitMode::Sync)
                .map_err(|e| me.err(doing(), &e))
        })
        .await
    }
}
