//! Apply events: one JSON object per line for `apply --format json`.

use std::io::Write;
use std::sync::Mutex;

use serde::Serialize;

use crate::plan::ActionKind;

/// Something that happened during an apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ApplyEvent {
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
    ActionDone {
        id: String,
        summary: String,
        elapsed_ms: u64,
    },
    ActionFailed {
        id: String,
        cluster: String,
        error: String,
        elapsed_ms: u64,
    },
    /// Something that worked but needs attention (e.g. a link task in error).
    Warning {
        message: String,
    },
    Summary {
        done: usize,
        failed: usize,
        not_attempted: usize,
        elapsed_ms: u64,
    },
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
        let Ok(line) = serde_json::to_string(event) else {
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
            not_attempted: 0,
            elapsed_ms: 5,
        });
        let text = String::from_utf8(sink.into_inner()).unwrap();
        assert_eq!(
            text,
            "{\"event\":\"progress\",\"id\":\"a\",\"message\":\"waiting\"}\n{\"event\":\"summary\",\"done\":1,\"failed\":0,\"not_attempted\":0,\"elapsed_ms\":5}\n"
        );
    }
}
