//! The engine trait: the I/O half of a replication engine.
//!
//! An engine has a pure half, [`EngineModel`] (what it can express, what each
//! plan action sends, how actions batch into steps, the notes it adds),
//! defined by the core that calls it (`plan::engine_model`, over the
//! manifest's `EngineRules`); and an I/O half, [`Engine`] (read live state,
//! execute a step, health after an apply, server-side validation), used by
//! the commands. `Engine::model` joins them. [`super::registry`] is the one
//! place that maps an [`crate::manifest::EngineName`] value to its
//! implementation.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::kafka::KafkaClients;
use super::{BackendError, BoxFuture, Progress, Scope};
use crate::manifest::{Cluster, Located, Manifest};
use crate::plan::cutover::{CutoverReport, Readiness};
use crate::plan::engine_model::EngineModel;
use crate::plan::payload::{Payload, SecretRef};
use crate::plan::Action;
use crate::state::LiveState;

/// Resolves secret references of a payload (from the manifest the plan was
/// made from); the value must match the reference's fingerprint.
pub trait Secrets: Send + Sync {
    fn resolve(&self, secret: &SecretRef) -> Result<String, String>;
}

/// How to reach each cluster (endpoints, credentials): the manifest's
/// `clusters` section. Executors see this, never the manifest's links.
#[derive(Clone, Copy)]
pub struct Clusters<'a> {
    map: &'a BTreeMap<Located<String>, Cluster>,
}

impl<'a> Clusters<'a> {
    pub fn new(map: &'a BTreeMap<Located<String>, Cluster>) -> Self {
        Self { map }
    }

    pub fn of(manifest: &'a Manifest) -> Self {
        Self::new(&manifest.clusters)
    }

    pub fn get(&self, name: &str) -> Result<&'a Cluster, BackendError> {
        self.map
            .get(name)
            .ok_or_else(|| BackendError::new(name, "cluster is not declared in the manifest"))
    }

    /// Every cluster, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a Cluster)> + 'a {
        self.map.iter().map(|(k, v)| (k.value.as_str(), v))
    }
}

/// What an executor needs besides the step.
pub struct ExecContext<'a> {
    pub clusters: Clusters<'a>,
    pub secrets: &'a dyn Secrets,
    pub kafka: &'a KafkaClients,
    pub progress: &'a dyn Progress,
    /// Longest time to wait for an asynchronous state transition.
    pub wait_timeout: Duration,
    /// Bounds concurrent per-object writes (creates, deletes) of an apply
    /// across every step (`apply --parallelism`).
    pub permits: &'a Semaphore,
    /// Cancelled when the user interrupts the command: nothing new is sent,
    /// and waits stop at once (their actions are reported interrupted).
    pub cancel: &'a CancellationToken,
    /// `apply --fail-fast`: a step that sends one request per action sends
    /// nothing more after one failed. Otherwise each action of the step is
    /// sent, and fails or succeeds, on its own.
    pub fail_fast: bool,
}

/// What a finished action reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// One line for the report (e.g. "mirror demo is ACTIVE after 4.2 s").
    pub summary: String,
    /// What a promotion or failover did: per partition what the
    /// destination lacked when the mirror stopped, and where the covered
    /// consumer groups resume.
    pub cutover: Option<CutoverReport>,
    /// What a link deletion that ended mirrors still mirroring left behind
    /// (MirrorMaker 2's `force_delete_links`: deleting the connectors stops
    /// every topic at once): per such mirror, what the destination lacked.
    pub left_behind: Vec<CutoverReport>,
    /// What worked but needs attention (e.g. a fingerprint record the
    /// server refused): shown as warnings, the action is still done.
    pub warnings: Vec<String>,
}

/// The result of one action of a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionResult {
    Done(Outcome),
    Failed(BackendError),
    /// The step stopped before sending anything for this action.
    NotAttempted,
}

impl From<String> for Outcome {
    fn from(summary: String) -> Self {
        Self {
            summary,
            ..Self::default()
        }
    }
}

impl ActionResult {
    pub fn done(summary: impl Into<String>) -> Self {
        Self::Done(Outcome {
            summary: summary.into(),
            cutover: None,
            left_behind: Vec::new(),
            warnings: Vec::new(),
        })
    }

    /// Done, with what a promotion or failover reports.
    pub fn cut_over(summary: impl Into<String>, report: CutoverReport) -> Self {
        Self::Done(Outcome {
            summary: summary.into(),
            cutover: Some(report),
            left_behind: Vec::new(),
            warnings: Vec::new(),
        })
    }
    pub fn is_failed(&self) -> bool {
        matches!(self, Self::Failed(_))
    }
}

/// What `plan --server-validate` learned about one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validation {
    /// The server accepted the request in validate-only mode.
    Accepted,
    /// The action has no validate-only form on this engine.
    NotApplicable,
    /// This server cannot validate it (why, in words); `apply` will still
    /// send it.
    Unavailable(String),
}

/// How much a read collects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadDetail {
    /// What plans need: links, configs, mirrors and their states. No offsets.
    Plan,
    /// Plus what `status` shows: tasks, lag.
    Status,
}

/// The I/O half of an engine.
pub trait Engine: Send + Sync {
    fn model(&self) -> &'static dyn EngineModel;

    /// Reads the live state of this engine's links on the manifest's
    /// clusters (callers skip engines the manifest does not need: see
    /// [`EngineTable::needed_by`](crate::manifest::EngineTable::needed_by)).
    fn read<'a>(
        &'a self,
        manifest: &'a Manifest,
        scope: &'a Scope,
        detail: ReadDetail,
        kafka: &'a KafkaClients,
    ) -> BoxFuture<'a, Result<LiveState, BackendError>>;

    /// Executes one step (ready actions of one link, batched by
    /// [`EngineModel::step_group`]) and waits once for all of them. The
    /// result is aligned with `step`.
    fn execute_step<'a>(
        &'a self,
        step: &'a [&'a Action],
        ctx: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Vec<ActionResult>>;

    /// Problems of a link after an apply touched it (tasks or connectors in error).
    fn health<'a>(
        &'a self,
        cluster: &'a str,
        link: &'a str,
        ctx: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Result<Vec<String>, BackendError>>;

    /// What the person deciding on `actions` (promotions and failovers of
    /// one link) should see: each mirror's lag now and, for a promotion,
    /// whether its source took no record over the action's settle window.
    /// Reads only.
    fn readiness<'a>(
        &'a self,
        actions: &'a [&'a Action],
        ctx: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Result<Vec<Readiness>, BackendError>>;

    /// Asks the server whether it would accept `action`, changing nothing.
    fn server_validate<'a>(
        &'a self,
        action: &'a Action,
        ctx: &'a ExecContext<'a>,
    ) -> BoxFuture<'a, Result<Validation, BackendError>>;
}

/// The payload of an action for an engine, or an error naming the action.
pub fn payload_of<'a, T>(
    action: &'a Action,
    pick: impl FnOnce(&'a Payload) -> Option<&'a T>,
) -> Result<&'a T, BackendError> {
    action.payload.as_ref().and_then(pick).ok_or_else(|| {
        BackendError::new(
            &action.cluster,
            format!(
                "action {} carries no payload for its engine; make the plan again with this version of linkctl",
                action.id
            ),
        )
    })
}
