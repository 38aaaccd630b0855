//! Live state: what the clusters look like now, normalised across engines.
//! Serialisable, so a snapshot can be saved and planned against offline.

pub mod file;
pub mod fingerprint;
pub mod merge;
pub mod model;
pub mod secrets;

pub use model::*;
