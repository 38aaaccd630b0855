//! The engine trait: everything a replication engine does, in one place.
//!
//! An engine has a pure half, [`EngineModel`] (what it can express, what each
//! plan action sends, how actions batch into steps, the notes it adds), used
//! by validation, the planner, `status` and `export` without any I/O; and an
//! I/O half, [`Engine`] (read live state, execute a step, health after an
//! apply, server-side validation), used by the commands. `Engine::model`
//! joins them. [`super::registry`] is the one place that maps an
//! [`crate::manifest::Engine`] value to its implementation.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::kafka::KafkaClients;
use super::payload::Payload;
use super::{BackendError, BoxFuture, Progress, Scope};
use crate::manifest::diagnostic::Problem;
use crate::manifest::{Cluster, Located, Manifest};
use crate::plan::cutover::{CutoverReport, Readiness};
use crate::plan::payload::SecretRef;
use crate::plan::{Action, ActionKind};
use crate::state::LiveState;

/// What the planner knows when it computes a payload.
pub struct PlanContext<'a> {
    pub manifest: &'a Manifest,
    pub live: &'a LiveState,
}

/// How the apply engine batches ready actions of one link into a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepGroup {
    /// One action per step.
    Single,
    /// Ready actions of one link with the same group name run as one step.
    Batch(&'static str),
}

/// The pure half of an engine.
pub trait EngineModel: Send + Sync {
    /// The manifest value naming this engine (`confluent`, `mirrormaker2`).
    fn name(&self) -> &'static str;

    /// Validation of one manifest link: the endpoints the engine needs, the
    /// limits it puts on values, and what it cannot express (errors) or does
    /// differently (warnings).
    fn check_link(
        &self,
        name: &Located<String>,
        link: &crate::manifest::Link,
        manifest: &Manifest,
        out: &mut Vec<Problem>,
    );

    /// Validation of what the whole manifest must give this engine (its
    /// clusters' endpoints), once per manifest whose links need the engine.
    fn check_manifest(&self, _manifest: &Manifest, _out: &mut Vec<Problem>) {}

    /// Exactly what `action` will send.
    fn payload(&self, action: &Action, cx: &PlanContext<'_>) -> Result<Payload, String>;

    /// Notes the plan shows on an action of this kind.
    fn action_notes(&self, kind: ActionKind) -> &'static [&'static str];

    /// How ready actions of one link batch into steps.
    fn step_group(&self, kind: ActionKind) -> StepGroup;

    /// True when deleting a link ends the mirroring of all its mirrors (so a
    /// forced link deletion has nothing to fail over first).
    fn link_deletion_stops_mirrors(&self) -> bool;

    /// True when mirror topics are read-only while they mirror.
    fn mirrors_are_read_only(&self) -> bool;

    /// True when the engine writes mirrored records into the Kafka cluster
    /// its endpoint on the destination is attached to, whatever it is told
    /// (MirrorMaker 2 on Kafka Connect: the worker's own cluster), so that
    /// endpoint must be attached to the destination.
    fn writes_through_attached_cluster(&self) -> bool {
        false
    }

    /// What `status` says about every link of this engine.
    fn status_notes(&self) -> &'static [&'static str];

    /// True when `cluster` declares the endpoint this engine reads links
    /// from (so its links there are read even when no manifest link uses
    /// the engine: a link whose `engine` changed must still be seen).
    fn reads_cluster(&self, cluster: &Cluster) -> bool;

    /// Why `key` should not be set on a new link object on `cluster` (whose
    /// id is `cluster_id` when known): that kind of server holds it
    /// read-only. `None`: not known to be.
    fn read_only_on_create(
        &self,
        _cluster: &Cluster,
        _cluster_id: Option<&str>,
        _key: &str,
    ) -> Option<String> {
        None
    }

    /// True when the engine's live link configs are the link's own settings
    /// (so `export` keeps the free-form ones); false when they are derived
    /// from the structured sections.
    fn exports_free_form_config(&self) -> bool;
}

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

impl ActionResult {
    pub fn done(summary: impl Into<String>) -> Self {
        Self::Done(Outcome {
            summary: summary.into(),
            cutover: None,
            warnings: Vec::new(),
        })
    }

    /// Done, with what a promotion or failover reports.
    pub fn cut_over(summary: impl Into<String>, report: CutoverReport) -> Self {
        Self::Done(Outcome {
            summary: summary.into(),
            cutover: Some(report),
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
    /// [`needed_by`]).
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

/// True when `manifest` needs the live links of the engine `model`: one of
/// its links uses it, links are pruned (then every engine's links on the
/// declared clusters must be seen), or a cluster declares the engine's
/// endpoint (a link that moved to another engine is seen where it was).
pub fn needed_by(manifest: &Manifest, model: &dyn EngineModel) -> bool {
    manifest.prune_links
        || manifest
            .links
            .values()
            .any(|l| super::registry::model(l.engine.value).name() == model.name())
        || manifest.clusters.values().any(|c| model.reads_cluster(c))
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
