//! The plan's vocabulary: actions and the values they change.
//!
//! An action carries what it shows (`changes`, old → new, for people) and
//! what it sends (`payload`, exactly what its engine will send). A plan never
//! holds a secret: shown values are `Value::Sensitive`, sent values are
//! secret references (`plan::payload`), resolved only when the action runs.

use serde::{Deserialize, Serialize};

use crate::manifest::EngineName;
use crate::plan::payload::Payload;

/// Version of the JSON plan format. Bump on incompatible changes.
pub const PLAN_FORMAT_VERSION: u32 = 1;

/// What one action does.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    CreateLink,
    UpdateLinkConfigs,
    DeleteLink,
    CreateMirror,
    PauseMirror,
    ResumeMirror,
    PromoteMirror,
    FailoverMirror,
    DeleteMirrorTopic,
    // Adds a producer fence (`DENY Write` for every principal) on a
    // mirror's source topic, on the source cluster.
    FenceTopic,
    // Removes the producer fence of a source topic.
    UnfenceTopic,
    // Re-copies a mirror whose destination topic was deleted out of band:
    // deletes what the destination topic holds and mirrors the source
    // again from its start.
    RemirrorTopic,
}

impl ActionKind {
    /// Promote, failover, every delete and a re-copy (it deletes what the
    /// destination topic holds) cannot be undone.
    pub fn is_irreversible(self) -> bool {
        matches!(
            self,
            Self::DeleteLink
                | Self::PromoteMirror
                | Self::FailoverMirror
                | Self::DeleteMirrorTopic
                | Self::RemirrorTopic
        )
    }

    /// Fences: they act on the source cluster, the same way on every engine.
    pub fn is_fence(self) -> bool {
        matches!(self, Self::FenceTopic | Self::UnfenceTopic)
    }

    /// Pause, resume, promote and failover: the mirror state actions engines
    /// may merge into one bulk request per link.
    pub fn is_bulk(self) -> bool {
        matches!(
            self,
            Self::PauseMirror | Self::ResumeMirror | Self::PromoteMirror | Self::FailoverMirror
        )
    }
}

/// A config value as shown in a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Value {
    /// A plain string value.
    Plain(String),
    /// A write-only value: never shown, never stored in a plan.
    Sensitive,
}

/// Whether a change sets a value or resets it to the engine's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    Set,
    Reset,
}

/// One key an action changes, before → after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub key: String,
    pub op: ChangeOp,
    /// The live value (None when absent or default).
    pub before: Option<Value>,
    /// The desired value (None for a reset).
    pub after: Option<Value>,
}

/// Which link object an action addresses (source-initiated and bidirectional
/// links have one object per side).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectSide {
    /// The only object of a destination-initiated link, or the destination side.
    Destination,
    /// The source side of a source-initiated link, or the local object on the source
    /// cluster of a bidirectional link.
    Source,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// Stable id, unique in the plan (e.g. `europe/demo-link/mirror/demo:create`).
    pub id: String,
    pub kind: ActionKind,
    /// Manifest name of the cluster the action is executed on.
    pub cluster: String,
    /// Link name.
    pub link: String,
    pub engine: EngineName,
    /// Which link object.
    pub side: ObjectSide,
    /// Mirror topic name, for mirror actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<String>,
    /// Source topic name, for mirror creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_topic: Option<String>,
    /// What the action changes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
    /// Ids of actions that must finish first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    pub irreversible: bool,
    /// Human notes attached to the action (e.g. what MirrorMaker 2 cannot express).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Exactly what the engine will send (absent only on an action the plan
    /// refuses, which is then listed among the plan's errors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Payload>,
}
