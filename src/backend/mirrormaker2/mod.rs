//! The MirrorMaker 2 engine: a link is a pair of MirrorMaker 2 connectors on
//! the destination's Kafka Connect cluster (see `mapping` for the details).

pub mod connect_client;
pub mod execute;
pub mod mapping;
pub mod read;
pub mod spec;
pub mod wait;

pub use execute::Mm2Executor;
pub use read::Mm2Reader;
