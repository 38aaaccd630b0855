//! The Kafka admin layer (rdkafka): topics, partitions, topic configs, end
//! offsets and committed consumer-group offsets, read without joining groups,
//! every read batched, through one client per cluster per command.
//!
//! librdkafka calls that block run on tokio's blocking pool.

pub mod admin;
pub mod client_config;
pub mod clients;
pub mod context;
pub mod errors;
pub mod groups;
pub mod offsets;
pub mod tls_check;
pub mod topics_reader;

pub use admin::KafkaAdmin;
pub use clients::KafkaClients;
pub use offsets::GroupOffsets;
pub use topics_reader::read_topics;
