//! What an action sends, per engine: the payload every plan action carries.
//!
//! The planner computes it (through the engine's pure
//! [`EngineModel::payload`](super::EngineModel::payload)); the executor sends
//! exactly that and never reads the manifest. Secrets are
//! [`SecretRef`](crate::plan::payload::SecretRef)s, resolved at execution time.

use serde::{Deserialize, Serialize};

pub use super::confluent::payload::ConfluentPayload;
pub use super::kafka::fence::KafkaPayload;
pub use super::mirrormaker2::payload::Mm2Payload;

/// The engine-specific request(s) of one action (`kafka`: a request over
/// the Kafka protocol, the same whatever the link's engine: fences).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "engine", content = "request", rename_all = "lowercase")]
pub enum Payload {
    Confluent(ConfluentPayload),
    Mirrormaker2(Mm2Payload),
    Kafka(KafkaPayload),
}
