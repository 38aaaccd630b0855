//! The plan itself: ordered actions plus what the planner refused, warned
//! about, or found outside the manifest.

use serde::{Deserialize, Serialize};

use super::action::{Action, ActionKind};

/// Options that change what a plan may do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// Restrict the plan to these links (`--link`, repeatable). Empty: every link.
    pub links: Vec<String>,
    /// Delete live links that the manifest does not declare (top-level opt-in).
    pub prune_links: bool,
    /// When deleting an undeclared link (`prune_links`), fail over its mirrors
    /// that are still mirroring first instead of refusing.
    pub force_delete_links: bool,
}

impl PlanOptions {
    /// True when `link` is in the plan's scope.
    pub fn in_scope(&self, link: &str) -> bool {
        self.links.is_empty() || self.links.iter().any(|l| l == link)
    }
}

/// A message about one object (`cluster/link[/mirror/name]`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Note {
    /// What the message is about, e.g. `europe/demo-link/mirror/demo`.
    pub target: String,
    /// Plain words.
    pub message: String,
}

/// A live object that the manifest does not manage; the plan leaves it alone.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Unmanaged {
    pub cluster: String,
    pub link: String,
    /// Set for a mirror topic, absent for a whole link object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<String>,
    /// Why it is listed (e.g. `link not in the manifest (3 mirrors)`).
    pub detail: String,
}

/// Counts of actions by what they do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Links and mirrors created.
    pub create: usize,
    /// Link config updates, pauses, resumes, fences and re-copies.
    pub change: usize,
    /// Mirrors promoted.
    pub promote: usize,
    /// Mirrors failed over.
    pub failover: usize,
    /// Links and mirror topics deleted.
    pub destroy: usize,
}

impl Summary {
    pub fn of<'a>(actions: impl IntoIterator<Item = &'a Action>) -> Self {
        let mut s = Summary::default();
        for a in actions {
            match a.kind {
                ActionKind::CreateLink | ActionKind::CreateMirror => s.create += 1,
                ActionKind::UpdateLinkConfigs
                | ActionKind::PauseMirror
                | ActionKind::ResumeMirror
                | ActionKind::FenceTopic
                | ActionKind::UnfenceTopic
                | ActionKind::RemirrorTopic => s.change += 1,
                ActionKind::PromoteMirror => s.promote += 1,
                ActionKind::FailoverMirror => s.failover += 1,
                ActionKind::DeleteLink | ActionKind::DeleteMirrorTopic => s.destroy += 1,
            }
        }
        s
    }
}

/// An ordered plan. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// [`super::PLAN_FORMAT_VERSION`].
    pub format_version: u32,
    /// Fingerprint of the live state (restricted to the plan's scope) the plan
    /// was computed against (`state::fingerprint`).
    pub live_fingerprint: String,
    /// Actions in a stable topological order of `depends_on`.
    pub actions: Vec<Action>,
    /// Live objects outside the manifest, left alone.
    pub unmanaged: Vec<Unmanaged>,
    pub warnings: Vec<Note>,
    /// Refusals: the plan must not be applied while there are any.
    pub errors: Vec<Note>,
    pub summary: Summary,
    /// What was observed of each mirror a promotion or failover stops, when
    /// the plan was made against the clusters (lag, whether the source is
    /// quiet): for the person deciding. Not part of what is applied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub readiness: Vec<super::cutover::Readiness>,
}

impl Plan {
    pub fn has_changes(&self) -> bool {
        !self.actions.is_empty()
    }
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
    pub fn action(&self, id: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.id == id)
    }
    /// `plan --strict`: every warning becomes an error (the plan then
    /// exits 1 and cannot be applied), as `validate --strict` does.
    pub fn warnings_as_errors(&mut self) {
        self.errors.append(&mut self.warnings);
    }
}
