//! linkctl: a declarative reconciler for Kafka cross-cluster replication.
//!
//! The core (`manifest`, `state`, `plan`) is pure: no network, no clock.
//! Backends do the I/O and never decide what to do.

pub mod apply;
pub mod backend;
pub mod cli;
pub mod export;
pub mod files;
pub mod manifest;
pub mod plan;
pub mod redact;
pub mod state;
pub mod status;
