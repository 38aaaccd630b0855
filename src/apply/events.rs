//! Apply events: one JSON object per line for `apply --format json`.
//!
//! With `--format json`, `linkctl apply` writes nothing else on stdout, for
//! every outcome: a `plan` event first (once the plan is known), then either
//! an `error` (refused before applying: invalid manifest, unreadable live
//! state, stale saved plan, plan errors, no approval, the apply lock held
//! elsewhere), a `summary` with zero counts (nothing to change), or the
//! action events (each action closed exactly once) and their `summary`;
//! after a successful apply, `converged` or a `warning` carrying
//! `remaining_actions`.

use std::io::Write;
use std::sync::Mutex;

use schemars::JsonSchema;
use serde::Serialize;

use crate::plan::ActionKind;

/// Version of the event stream format (`format_version` on every line).
/// Bump on incompatible changes; fields may be added without a bump.
pub const EVENTS_FORMAT_VERSION: u32 = 1;

/// One line of `apply --format json`: the format version and one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct EventLine<'a> {
    /// [`EVENTS_FORMAT_VERSION`].
    pub format_version: u32,
    #[serde(flatten)]
    pub event: &'a ApplyEvent,
}

/// The JSON Schema of one line of the event stream (committed as
/// `schema/apply-events.schema.json`, documented in `docs/apply-events.md`).
pub fn events_schema_json() -> String {
    let schema = schemars::schema_for!(EventLine<'static>);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_else(|_| "{}".to_string());
    s.push('\n');
    s
}

/// Something that happened during an apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ApplyEvent {
    /// The plan about to be applied, as `plan --format json` prints it.
    Plan {
        plan: serde_json::Value,
    },
    /// Nothing was changed: why (the human message also goes to stderr).
    Error {
        message: String,
    },
    ActionStarted {
        id: String,
        kind: ActionKind,
        cluster: String,
        link: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        mirror: Option<String>,
        irreversible: bool,
    },
    Progress {
        id: String,
        message: String,
    },
    /// The apply as a whole: once when it starts, then every few seconds
    /// while actions run (counts, elapsed time, an estimate of what is
    /// left, the actions running longest).
    ApplyProgress(super::tally::Overall),
    ActionDone {
        id: String,
        summary: String,
        elapsed_ms: u64,
        /// What a promotion or failover did (per partition what the
        /// destination lacked when the mirror stopped; where the covered
        /// consumer groups resume).
        #[serde(skip_serializing_if = "Option::is_none")]
        cutover: Option<crate::plan::cutover::CutoverReport>,
        /// What a link deletion left behind of mirrors that were still
        /// mirroring (MirrorMaker 2's `force_delete_links`), one report per
        /// mirror in the same shape as `cutover`.
        #[serde(skip_serializing_if = "Vec::is_empty", default)]
        left_behind: Vec<crate::plan::cutover::CutoverReport>,
    },
    ActionFailed {
        id: String,
        cluster: String,
        error: String,
        elapsed_ms: u64,
    },
    /// A started action whose step stopped before sending anything for it.
    ActionNotAttempted {
        id: String,
    },
    /// An action that never started, and why: an action it depends on did
    /// not succeed (`depends_on` names it: failed, interrupted or not
    /// attempted), the apply stopped at its first failure (`--fail-fast`),
    /// or the apply was interrupted first. Independent actions go on.
    ActionSkipped {
        id: String,
        reason: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        depends_on: Option<String>,
    },
    /// A started action stopped at a safe point by an interrupt: what it
    /// sent may or may not have taken effect (a new plan shows what is left).
    ActionInterrupted {
        id: String,
        message: String,
        elapsed_ms: u64,
    },
    /// Something that worked but needs attention (e.g. a link task in error,
    /// or a live state that still differs from the manifest after the apply:
    /// then `remaining_actions` says how many actions a new plan has).
    Warning {
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        remaining_actions: Option<usize>,
    },
    /// After the apply, the live state matches the manifest.
    Converged,
    Summary {
        done: usize,
        failed: usize,
        /// Present only when an interrupt stopped actions.
        #[serde(default, skip_serializing_if = "is_zero")]
        interrupted: usize,
        /// Every action not attempted: started but not sent, or skipped.
        not_attempted: usize,
        /// Of those, the ones skipped because an action they depend on did
        /// not succeed (present only when there are some).
        #[serde(default, skip_serializing_if = "is_zero")]
        blocked: usize,
        elapsed_ms: u64,
    },
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Receives apply events (a display, a JSON stream, a test's collector).
pub trait EventSink: Send + Sync {
    fn emit(&self, event: &ApplyEvent);
}

/// Writes each event as one JSON line.
pub struct JsonLines<W: Write + Send> {
    out: Mutex<W>,
}

impl<W: Write + Send> JsonLines<W> {
    pub fn new(out: W) -> Self {
        Self {
            out: Mutex::new(out),
        }
    }
    pub fn into_inner(self) -> W {
        match self.out.into_inner() {
            Ok(w) => w,
            Err(p) => p.into_inner(),
        }
    }
}

impl<W: Write + Send> EventSink for JsonLines<W> {
    fn emit(&self, event: &ApplyEvent) {
        let line = EventLine {
            format_version: EVENTS_FORMAT_VERSION,
            event,
        };
        let Ok(line) = serde_json::to_string(&line) else {
            return;
        };
        let mut out = match self.out.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        // A closed pipe must not abort an apply half-way.
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

/// Keeps every event (for tests and for building reports).
#[derive(Default)]
pub struct Collect(pub Mutex<Vec<ApplyEvent>>);

impl EventSink for Collect {
    fn emit(&self, event: &ApplyEvent) {
        if let Ok(mut v) = self.0.lock() {
            v.push(event.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_one_json_object_per_line() {
        let sink = JsonLines::new(Vec::new());
        sink.emit(&ApplyEvent::Progress {
            id: "a".into(),
            message: "waiting".into(),
        });
        sink.emit(&ApplyEvent::Summary {
            done: 1,
            failed: 0,
            interrupted: 0,
            not_attempted: 0,
            blocked: 0,
            elapsed_ms: 5,
        });
        sink.emit(&ApplyEvent::Warning {
            message: "1 action remains".into(),
            remaining_actions: Some(1),
        });
        sink.emit(&ApplyEvent::Converged);
        sink.emit(&ApplyEvent::Error {
            message: "stale".into(),
        });
        sink.emit(&ApplyEvent::Plan {
            plan: serde_json::json!({"format_version": 1}),
        });
        let text = String::from_utf8(sink.into_inner()).unwrap();
        assert_eq!(
            text,
            "{\"format_version\":1,\"event\":\"progress\",\"id\":\"a\",\"message\":\"waiting\"}\n\
             {\"format_version\":1,\"event\":\"summary\",\"done\":1,\"failed\":0,\"not_attempted\":0,\"elapsed_ms\":5}\n\
             {\"format_version\":1,\"event\":\"warning\",\"message\":\"1 action remains\",\"remaining_actions\":1}\n\
             {\"format_version\":1,\"event\":\"converged\"}\n\
             {\"format_version\":1,\"event\":\"error\",\"message\":\"stale\"}\n\
             {\"format_version\":1,\"event\":\"plan\",\"plan\":{\"format_version\":1}}\n"
        );
    }
}
