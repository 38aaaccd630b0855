//! linkctl: a declarative reconciler for Kafka cross-cluster replication.
//!
//! The core (`manifest`, `state`, `plan`) is pure: no network, no clock.
//! Backends do the I/O and never decide what to do. Imports point one way,
//! manifest < state < plan < backend < apply | status | export < cli: the
//! core defines the engine interfaces it calls, and `cli` hands the engines
//! in (docs/architecture.md; `tests/layering.rs` enforces it).

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
