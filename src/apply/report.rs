//! The final report of an apply: done (with outcome summaries), failed (with
//! the server's words), not attempted (with why, when the action never
//! started: the action it depends on that did not succeed, or how the apply
//! ended).

use std::fmt::Write as _;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoneEntry {
    pub id: String,
    pub summary: String,
    /// What a promotion or failover did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cutover: Option<crate::plan::cutover::CutoverReport>,
    /// What a link deletion left behind of mirrors that were still
    /// mirroring (MirrorMaker 2's forced deletion).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_behind: Vec<crate::plan::cutover::CutoverReport>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedEntry {
    pub id: String,
    pub cluster: String,
    pub error: String,
}

/// Why an action never started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotAttemptedWhy {
    /// The action it depends on (directly or not) that did not succeed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<String>,
    /// In words: `depends on X, which failed`, or how the apply ended.
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    pub done: Vec<DoneEntry>,
    pub failed: Vec<FailedEntry>,
    /// Actions stopped at a safe point by an interrupt: sent, not confirmed.
    pub interrupted: Vec<FailedEntry>,
    /// Action ids, in plan order.
    pub not_attempted: Vec<String>,
    /// Why, for the not-attempted actions that never started (the others
    /// started with their step, which stopped before sending them).
    pub why_not_attempted: std::collections::BTreeMap<String, NotAttemptedWhy>,
    /// The user interrupted the apply (Ctrl-C, SIGTERM).
    pub was_interrupted: bool,
}

impl ApplyReport {
    pub fn is_success(&self) -> bool {
        self.failed.is_empty()
            && self.interrupted.is_empty()
            && self.not_attempted.is_empty()
            && !self.was_interrupted
    }

    /// How many actions were not attempted because an action they depend
    /// on did not succeed.
    pub fn blocked(&self) -> usize {
        self.why_not_attempted
            .values()
            .filter(|w| w.depends_on.is_some())
            .count()
    }

    /// Plain text (the CLI adds colour): each action, then the verdict.
    pub fn render_text(&self) -> String {
        self.render_actions() + &self.verdict()
    }

    /// The verdict line: `Apply complete: 3 done, 0 failed, 0 not attempted.`
    pub fn verdict(&self) -> String {
        let verdict = if self.was_interrupted {
            "Apply interrupted"
        } else if self.is_success() {
            "Apply complete"
        } else {
            "Apply failed"
        };
        let interrupted = if self.interrupted.is_empty() {
            String::new()
        } else {
            format!(" {} interrupted,", self.interrupted.len())
        };
        let blocked = match self.blocked() {
            0 => String::new(),
            n => format!(" ({n} of them depend on an action that did not succeed)"),
        };
        format!(
            "{verdict}: {} done, {} failed,{interrupted} {} not attempted{blocked}.\n",
            self.done.len(),
            self.failed.len(),
            self.not_attempted.len()
        )
    }

    /// A line per action: done (with what a cut-over did), failed,
    /// interrupted, not attempted and why.
    pub fn render_actions(&self) -> String {
        let mut s = String::new();
        for d in &self.done {
            let _ = writeln!(s, "  done    {}: {}", d.id, d.summary);
            // (What a deletion left behind is in its summary already.)
            if let Some(c) = &d.cutover {
                for line in c.lines() {
                    let _ = writeln!(s, "          {line}");
                }
            }
        }
        for f in &self.failed {
            let _ = writeln!(s, "  FAILED  {}: {}", f.id, f.error);
        }
        for f in &self.interrupted {
            let _ = writeln!(
                s,
                "  INTERRUPTED {}: {} (sent; it may or may not have taken effect)",
                f.id, f.error
            );
        }
        for n in &self.not_attempted {
            match self.why_not_attempted.get(n) {
                Some(why) => {
                    let _ = writeln!(s, "  skipped {n} (not attempted: {})", why.reason);
                }
                None => {
                    let _ = writeln!(s, "  skipped {n} (not attempted)");
                }
            }
        }
        s
    }
}
