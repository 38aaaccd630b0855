//! Backends: the only code that talks to clusters, and the only code that
//! knows an engine. They read live state and execute plan actions; they
//! never decide what to do.
//!
//! - [`engine`]: the engine trait ([`Engine`], the I/O half; the pure half
//!   is `plan::EngineModel`, which each engine's `model.rs` implements);
//! - [`registry`]: which implementation an engine name means;
//! - [`confluent`] (Confluent REST v3), [`mirrormaker2`] (MirrorMaker 2 on
//!   Kafka Connect): the engines; [`kafka`]: the Kafka admin layer (rdkafka).

pub mod confluent;
pub mod engine;
pub mod gate;
pub mod http_errors;
pub mod https_trust;
pub mod kafka;
pub mod lock;
pub mod mirrormaker2;
pub mod registry;
pub mod retry;
pub mod timeouts;
pub mod wait;
pub mod waiting;

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;

pub use engine::{
    ActionResult, Clusters, Engine, ExecContext, Outcome, ReadDetail, Secrets, Validation,
};

/// A boxed, sendable future (the traits below are object safe).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Which links a read or an apply is restricted to (empty: all of the manifest's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub links: Vec<String>,
}

impl Scope {
    pub fn includes(&self, link: &str) -> bool {
        self.links.is_empty() || self.links.iter().any(|l| l == link)
    }

    /// The source clusters of the links in scope that run on `engine` and
    /// declare mirrors: their topic names let the plan refuse a mirror of a
    /// topic that does not exist.
    pub fn mirrored_sources<'m>(
        &self,
        manifest: &'m crate::manifest::Manifest,
        engine: crate::manifest::EngineName,
    ) -> BTreeSet<&'m str> {
        manifest
            .links
            .iter()
            .filter(|(n, l)| {
                self.includes(&n.value) && l.engine.value == engine && !l.mirrors.is_empty()
            })
            .map(|(_, l)| l.source.value.as_str())
            .collect()
    }
}

/// A failure talking to a cluster, in words a user can act on. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{cluster}: {message}")]
pub struct BackendError {
    /// Manifest name of the cluster (or `-` when not cluster-specific).
    pub cluster: String,
    /// What went wrong, with the server's own words when it gave some.
    pub message: String,
    /// The operation stopped at a safe point because the user interrupted
    /// the command (Ctrl-C): what it sent may or may not have taken effect.
    pub interrupted: bool,
}

impl BackendError {
    pub fn new(cluster: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            cluster: cluster.into(),
            message: message.into(),
            interrupted: false,
        }
    }

    /// A wait given up because the command was interrupted.
    pub fn interrupted(cluster: impl Into<String>, what: impl std::fmt::Display) -> Self {
        Self {
            interrupted: true,
            ..Self::new(cluster, format!("interrupted while waiting for {what}"))
        }
    }
}

/// Receives progress of a running action (for spinners and JSON events).
pub trait Progress: Send + Sync {
    fn update(&self, action_id: &str, message: &str);
}

/// A progress sink that drops everything.
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&self, _: &str, _: &str) {}
}
