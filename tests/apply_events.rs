//! The event stream of `apply --format json`: every line validates against
//! the committed schema (`schema/apply-events.schema.json`), and the stream
//! is well formed — every `action_started` is closed by exactly one of
//! `action_done`, `action_failed`, `action_interrupted`,
//! `action_not_attempted`, after it; the `summary` comes last and counts
//! what happened — for a real apply against the doubles, and for any apply
//! with random failures and an interrupt at a random point.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use linkctl::apply::events::{events_schema_json, Collect, EventLine, EVENTS_FORMAT_VERSION};
use linkctl::apply::{apply, ApplyEvent, ApplyOptions, EventSink};
use linkctl::plan::{Action, ActionKind};
use proptest::prelude::*;
use serde_json::Value;
use support::cli::CliEnv;
use support::fake_engine::{Fake, Only};

fn schema() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/apply-events.schema.json"
    ))
    .expect("schema/apply-events.schema.json is committed");
    serde_json::from_str(&text).expect("the schema is JSON")
}

#[test]
fn the_committed_schema_is_the_generated_one() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/apply-events.schema.json"
    ))
    .expect("committed");
    assert_eq!(
        committed,
        events_schema_json(),
        "regenerate: cargo run -q -- schema --events > schema/apply-events.schema.json"
    );
}

/// What is wrong with a stream (as JSON values), if anything.
fn well_formed(lines: &[Value]) -> Result<(), String> {
    let mut open: BTreeSet<String> = BTreeSet::new();
    let mut closed: BTreeSet<String> = BTreeSet::new();
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    let Some((last, body)) = lines.split_last() else {
        return Err("empty stream".into());
    };
    for (i, l) in body.iter().enumerate() {
        let event = l["event"].as_str().unwrap_or_default();
        let id = l["id"].as_str().unwrap_or_default().to_string();
        match event {
            "action_started" if closed.contains(&id) || !open.insert(id.clone()) => {
                return Err(format!("line {i}: {id} started twice"));
            }
            "action_done" | "action_failed" | "action_interrupted" | "action_not_attempted" => {
                if !open.remove(&id) {
                    return Err(format!("line {i}: {event} for {id}, which is not open"));
                }
                closed.insert(id);
                *counts.entry(event).or_default() += 1;
            }
            "summary" => return Err(format!("line {i}: a summary before the end")),
            _ => {}
        }
    }
    if !open.is_empty() {
        return Err(format!("started and never closed: {open:?}"));
    }
    if last["event"] != "summary" {
        return Err(format!("the last line is not the summary: {last}"));
    }
    let n = |k: &str| counts.get(k).copied().unwrap_or(0);
    if last["done"].as_u64() != Some(n("action_done"))
        || last["failed"].as_u64() != Some(n("action_failed"))
        || last["interrupted"].as_u64().unwrap_or(0) != n("action_interrupted")
    {
        return Err(format!(
            "the summary does not count the stream: {last} vs {counts:?}"
        ));
    }
    Ok(())
}

#[test]
fn a_real_apply_stream_validates_and_is_well_formed() {
    // The second mirror create fails for good: a stream with every kind of close.
    let env = CliEnv::second_of_three_mirrors_failing("unhappy");
    let r = env.run_exits(
        1,
        &[
            "apply",
            "--auto-approve",
            "--format",
            "json",
            "--parallelism",
            "1",
        ],
    );
    let validator = jsonschema::validator_for(&schema()).expect("a valid schema");
    let lines: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    for l in &lines {
        let errors: Vec<String> = validator.iter_errors(l).map(|e| e.to_string()).collect();
        assert!(
            errors.is_empty(),
            "{l} does not follow the schema: {errors:?}"
        );
        assert_eq!(l["format_version"], EVENTS_FORMAT_VERSION);
    }
    // The plan comes first; the actions follow; the stream is well formed.
    assert_eq!(lines[0]["event"], "plan");
    let actions: Vec<Value> = lines[1..]
        .iter()
        .filter(|l| l["event"] != "error")
        .cloned()
        .collect();
    well_formed(&actions).expect("well formed");
    let kinds: BTreeSet<&str> = actions.iter().filter_map(|l| l["event"].as_str()).collect();
    for k in [
        "action_started",
        "action_done",
        "action_failed",
        "action_not_attempted",
    ] {
        assert!(kinds.contains(k), "{k} missing from {kinds:?}");
    }
}

/// Collects the stream as JSON lines and cancels the token after `after`
/// closing events (the interrupt of a user who pressed Ctrl-C then).
struct InterruptAfter<'a> {
    lines: Mutex<Vec<Value>>,
    closes: AtomicUsize,
    after: Option<usize>,
    cancel: &'a tokio_util::sync::CancellationToken,
}

impl EventSink for InterruptAfter<'_> {
    fn emit(&self, event: &ApplyEvent) {
        let line = EventLine {
            format_version: EVENTS_FORMAT_VERSION,
            event,
        };
        if let Ok(v) = serde_json::to_value(&line) {
            if let Ok(mut g) = self.lines.lock() {
                g.push(v);
            }
        }
        if matches!(
            event,
            ApplyEvent::ActionDone { .. } | ApplyEvent::ActionFailed { .. }
        ) {
            let n = self.closes.fetch_add(1, Ordering::SeqCst) + 1;
            if self.after == Some(n) {
                self.cancel.cancel();
            }
        }
    }
}

/// A random plan: links 0..L, each a create then mirror actions depending on it.
fn random_plan(shape: &[(u8, u8)]) -> Vec<Action> {
    let mut out = Vec::new();
    for (l, (mirrors, kind)) in shape.iter().enumerate() {
        let link = format!("l{l}");
        let mut create = support::action(ActionKind::CreateLink, "europe", &link, None);
        create.id = format!("{link}:create");
        out.push(create);
        for m in 0..*mirrors {
            let k = [
                ActionKind::CreateMirror,
                ActionKind::PromoteMirror,
                ActionKind::PauseMirror,
            ][usize::from(*kind) % 3];
            let mut a = support::action(k, "europe", &link, Some(&format!("m{m}")));
            a.id = format!("{link}/m{m}");
            a.depends_on = vec![format!("{link}:create")];
            out.push(a);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_apply_stream_is_well_formed(
        shape in prop::collection::vec((0u8..5, 0u8..3), 1..5),
        fail in prop::collection::vec(any::<prop::sample::Index>(), 0..3),
        interrupt in prop::option::of(0usize..8),
    ) {
        let actions = random_plan(&shape);
        let failing: Vec<String> = fail.iter().map(|i| actions[i.index(actions.len())].id.clone()).collect();
        let failing: Vec<&str> = failing.iter().map(String::as_str).collect();
        let fake = Fake::new(&failing);
        let m = support::manifest("version: 1\nclusters:\n  europe:\n    bootstrap: x:1\n", &[]);
        let parts = support::CtxParts::new(&m);
        let sink = InterruptAfter {
            lines: Mutex::new(Vec::new()),
            closes: AtomicUsize::new(0),
            after: interrupt,
            cancel: parts.cancel(),
        };
        if interrupt == Some(0) {
            parts.cancel().cancel();
        }
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
        let report = rt.block_on(apply(&actions, &Only(&fake), parts.env(), &sink, &ApplyOptions::default()));
        let lines = sink.lines.lock().expect("lines").clone();
        if let Err(e) = well_formed(&lines) {
            return Err(TestCaseError::fail(format!("{e}\n{lines:#?}")));
        }
        // The report and the stream agree.
        let summary = lines.last().expect("summary");
        prop_assert_eq!(summary["done"].as_u64(), Some(report.done.len() as u64));
        prop_assert_eq!(summary["not_attempted"].as_u64(), Some(report.not_attempted.len() as u64));
        prop_assert_eq!(
            report.done.len() + report.failed.len() + report.interrupted.len() + report.not_attempted.len(),
            actions.len()
        );
        if interrupt.is_some() && report.was_interrupted {
            prop_assert!(!report.is_success());
        }
        let _ = Collect::default();
    }
}
