//! Offsets as read from a cluster.

use serde::Serialize;

/// Committed offsets of one consumer group on one topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupOffsets {
    pub group: String,
    pub topic: String,
    /// `(partition, committed offset)`; `None` when the group has no offset there.
    pub partitions: Vec<(i32, Option<i64>)>,
}

impl GroupOffsets {
    /// Sum of committed offsets (partitions without an offset count as 0).
    pub fn total(&self) -> i64 {
        self.partitions.iter().filter_map(|(_, o)| *o).sum()
    }
}
