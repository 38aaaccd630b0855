//! What the planner asks of a replication engine, defined here (where it is
//! called) and implemented by the engines in `src/backend/` (their
//! `model.rs`).
//!
//! [`EngineModel`] is the pure half of an engine: the validation rules
//! ([`EngineRules`], which the manifest layer defines), what each plan
//! action sends, how actions batch into steps, and the notes it adds. It is
//! used by validation, the planner, `status` and `export` without any I/O.
//! [`EngineModels`] is the set the composition root (`cli`) hands in, taken
//! from `backend::registry`.

use crate::manifest::{Cluster, EngineRules, EngineTable, Manifest};
use crate::state::LiveState;

use super::action::{Action, ActionKind};
use super::payload::Payload;

/// The pure half of every engine linkctl is built with, by manifest name.
pub type EngineModels = EngineTable<dyn EngineModel>;

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

/// The pure half of an engine (its validation rules, and what the planner,
/// the apply engine's batching, `status` and `export` need to know).
pub trait EngineModel: EngineRules {
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
