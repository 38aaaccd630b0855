//! The plan for machines: versioned JSON, documented in `docs/plan-json.md`.

use serde::Serialize;

use crate::manifest::EngineName;
use crate::plan::action::{Action, ActionKind, Change, ObjectSide, Value};
use crate::plan::model::{Note, Plan, Summary, Unmanaged};
use crate::plan::payload::Payload;

use super::items::items;

#[derive(Serialize)]
struct JsonPlan<'a> {
    format_version: u32,
    live_fingerprint: &'a str,
    has_changes: bool,
    has_errors: bool,
    summary: &'a Summary,
    /// Actions that cannot be undone (promote, failover, deletions): a
    /// pipeline may ask for an extra approval when this is not 0.
    irreversible_actions: usize,
    actions: Vec<JsonAction<'a>>,
    unmanaged: &'a [Unmanaged],
    warnings: &'a [Note],
    errors: &'a [Note],
    /// What was observed of each mirror a promotion or failover stops (lag,
    /// whether the source is quiet), when the plan was made against the
    /// clusters: for the person deciding, not part of what is applied.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    readiness: &'a [crate::plan::cutover::Readiness],
}

#[derive(Serialize)]
struct JsonAction<'a> {
    id: &'a str,
    kind: ActionKind,
    target: Target<'a>,
    changes: Vec<JsonChange<'a>>,
    depends_on: &'a [String],
    irreversible: bool,
    notes: &'a [String],
    /// Exactly what the engine will send; secrets as references.
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<&'a Payload>,
}

#[derive(Serialize)]
struct JsonChange<'a> {
    #[serde(flatten)]
    change: &'a Change,
    /// For filter JSON and comma lists: the values as list items, so bots
    /// can diff them without parsing.
    #[serde(skip_serializing_if = "Option::is_none")]
    items: Option<Items>,
}

#[derive(Serialize)]
struct Items {
    before: Vec<String>,
    after: Vec<String>,
}

fn plain(v: &Option<Value>) -> Option<&str> {
    match v {
        Some(Value::Plain(s)) => Some(s),
        _ => None,
    }
}

fn change(c: &Change) -> JsonChange<'_> {
    let sensitive =
        matches!(c.before, Some(Value::Sensitive)) || matches!(c.after, Some(Value::Sensitive));
    let items = if sensitive {
        None
    } else {
        match (
            items(&c.key, plain(&c.before)),
            items(&c.key, plain(&c.after)),
        ) {
            (Some(before), Some(after)) => Some(Items { before, after }),
            _ => None,
        }
    };
    JsonChange { change: c, items }
}

#[derive(Serialize)]
struct Target<'a> {
    cluster: &'a str,
    link: &'a str,
    side: ObjectSide,
    engine: EngineName,
    #[serde(skip_serializing_if = "Option::is_none")]
    mirror: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_topic: Option<&'a str>,
}

fn action(a: &Action) -> JsonAction<'_> {
    JsonAction {
        id: &a.id,
        kind: a.kind,
        target: Target {
            cluster: &a.cluster,
            link: &a.link,
            side: a.side,
            engine: a.engine,
            mirror: a.mirror.as_deref(),
            source_topic: a.source_topic.as_deref(),
        },
        changes: a.changes.iter().map(change).collect(),
        depends_on: &a.depends_on,
        irreversible: a.irreversible,
        notes: &a.notes,
        payload: a.payload.as_ref(),
    }
}

/// Renders `plan` as pretty JSON (ends with a newline).
pub fn render_json(plan: &Plan) -> String {
    // Only strings, numbers, booleans and sequences: serialisation cannot fail.
    let mut s = serde_json::to_string_pretty(&view(plan)).unwrap_or_default();
    s.push('\n');
    s
}

/// The JSON plan object [`render_json`] prints, as a value (for embedding,
/// e.g. in `apply --format json`'s `plan` event).
pub fn render_json_value(plan: &Plan) -> serde_json::Value {
    serde_json::to_value(view(plan)).unwrap_or_default()
}

fn view(plan: &Plan) -> JsonPlan<'_> {
    JsonPlan {
        format_version: plan.format_version,
        live_fingerprint: &plan.live_fingerprint,
        has_changes: plan.has_changes(),
        has_errors: plan.has_errors(),
        summary: &plan.summary,
        irreversible_actions: plan.actions.iter().filter(|a| a.irreversible).count(),
        actions: plan.actions.iter().map(action).collect(),
        unmanaged: &plan.unmanaged,
        warnings: &plan.warnings,
        errors: &plan.errors,
        readiness: &plan.readiness,
    }
}
