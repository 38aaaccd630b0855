//! What a fence action sends over the Kafka protocol (the same whatever the
//! link's engine), as data: built and sent by `backend::kafka::fence`.

use serde::{Deserialize, Serialize};

/// What a fence action sends over the Kafka protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KafkaPayload {
    /// `CreateAcls`: DENY Write for `User:*` from any host on `topic`.
    Fence { topic: String },
    /// `DeleteAcls` of that ACL.
    Unfence { topic: String },
}
