//! Backends: the only code that talks to clusters. They read live state and
//! execute plan actions; they never decide what to do.
//!
//! One implementation per replication engine (Confluent REST v3, MirrorMaker 2
//! on Kafka Connect) plus a Kafka admin reader (rdkafka).

pub mod confluent;
pub mod kafka;
pub mod mirrormaker2;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::manifest::Manifest;
use crate::plan::Action;
use crate::state::LiveState;

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
}

/// A failure talking to a cluster, in words a user can act on. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{cluster}: {message}")]
pub struct BackendError {
    /// Manifest name of the cluster (or `-` when not cluster-specific).
    pub cluster: String,
    /// What went wrong, with the server's own words when it gave some.
    pub message: String,
}

impl BackendError {
    pub fn new(cluster: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            cluster: cluster.into(),
            message: message.into(),
        }
    }
}

/// Reads the live state of the clusters of a manifest.
pub trait StateReader: Send + Sync {
    /// Reads what this backend knows about; the caller merges the results of
    /// several readers into one [`LiveState`].
    fn read<'a>(
        &'a self,
        manifest: &'a Manifest,
        scope: &'a Scope,
    ) -> BoxFuture<'a, Result<LiveState, BackendError>>;
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

/// What an executor needs besides the action.
pub struct ExecContext<'a> {
    /// The manifest the plan was made from: sensitive values are read from it.
    pub manifest: &'a Manifest,
    pub progress: &'a dyn Progress,
    /// Longest time to wait for an asynchronous state transition.
    pub wait_timeout: Duration,
}

/// What a finished action reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// One line for the report (e.g. "mirror demo is ACTIVE after 4.2 s").
    pub summary: String,
}

/// Executes plan actions and waits until each has really taken effect.
pub trait Executor: Send + Sync {
    fn execute<'a>(
        &'a self,
        action: &'a Action,
        ctx: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Result<Outcome, BackendError>>;

    /// Executes several ready actions at once; an engine may merge them (the
    /// Confluent engine sends one bulk request per link and mirror action).
    /// The result is aligned with `actions`; `None` means not attempted
    /// because an earlier action of the batch failed. The default runs them
    /// one by one and stops at the first failure.
    fn execute_batch<'a>(
        &'a self,
        actions: &'a [&'a Action],
        ctx: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Vec<Option<Result<Outcome, BackendError>>>> {
        Box::pin(async move {
            let mut out: Vec<Option<Result<Outcome, BackendError>>> = Vec::new();
            let mut failed = false;
            for a in actions {
                if failed {
                    out.push(None);
                    continue;
                }
                let r = self.execute(a, ctx).await;
                failed = r.is_err();
                out.push(Some(r));
            }
            out
        })
    }
}
