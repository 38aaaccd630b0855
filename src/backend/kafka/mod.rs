//! The Kafka admin layer (rdkafka): topics, partitions, topic configs, end
//! offsets and committed consumer-group offsets, read without joining groups,
//! every read batched, through one client per cluster per command.
//!
//! librdkafka calls that block run on tokio's blocking pool. Its failures
//! are typed ([`errors`]: a refused login or certificate, a missing ACL, no
//! answer in time), its own log lines and errors go through [`context`]
//! (linkctl's log, `-v`), and a refused certificate is explained by
//! [`tls_check`].

pub mod admin;
pub mod client_config;
pub mod clients;
pub mod context;
pub mod errors;
pub mod fence;
pub mod fences_reader;
pub mod groups;
pub mod lock_store;
pub mod offsets;
pub mod reachable;
pub mod tls_check;
pub mod topics_reader;

pub use admin::KafkaAdmin;
pub use clients::KafkaClients;
pub use fences_reader::read_fences;
pub use offsets::GroupOffsets;
pub use topics_reader::read_topics;
