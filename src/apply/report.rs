//! The final report of an apply: done (with outcome summaries), failed (with
//! the server's words), not attempted.

use std::fmt::Write as _;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoneEntry {
    pub id: String,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedEntry {
    pub id: String,
    pub cluster: String,
    pub error: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    pub done: Vec<DoneEntry>,
    pub failed: Vec<FailedEntry>,
    /// Action ids, in plan order.
    pub not_attempted: Vec<String>,
}

impl ApplyReport {
    pub fn is_success(&self) -> bool {
        self.failed.is_empty() && self.not_attempted.is_empty()
    }

    /// Plain text (the CLI adds colour).
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        let verdict = if self.is_success() {
            "Apply complete"
        } else {
            "Apply failed"
        };
        let _ = writeln!(
            s,
            "{verdict}: {} done, {} failed, {} not attempted.",
            self.done.len(),
            self.failed.len(),
            self.not_attempted.len()
        );
        for d in &self.done {
            let _ = writeln!(s, "  done    {}: {}", d.id, d.summary);
        }
        for f in &self.failed {
            let _ = writeln!(s, "  FAILED  {}: {}", f.id, f.error);
        }
        for n in &self.not_attempted {
            let _ = writeln!(s, "  skipped {n} (not attempted)");
        }
        s
    }
}
