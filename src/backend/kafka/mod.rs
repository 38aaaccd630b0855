//! The Kafka admin layer (rdkafka): topics, partitions, topic configs, end
//! offsets and committed consumer-group offsets, read without joining groups.
//!
//! librdkafka calls that block run on tokio's blocking pool.

pub mod admin;
pub mod client_config;
pub mod groups;
pub mod offsets;
pub mod topics_reader;

pub use admin::KafkaAdmin;
pub use offsets::{GroupOffsets, PartitionOffsets};
pub use topics_reader::TopicsReader;
