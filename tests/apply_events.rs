//! The event stream of `apply --format json`: every line validates against
//! the committed schema (`schema/apply-events.schema.json`), and the stream
//! is well formed — every `action_started` is closed by exactly one of
//! `action_done`, `action_failed`, `action_interrupted`,
//! `action_not_attempted`, after it; an action that never starts is closed
//! by one `action_skipped`; every action of the plan is closed; the
//! `summary` comes last and counts what happened — for a real apply
//! against the doubles, and for any apply with random failures, with or
//! without `--fail-fast`, and an interrupt at a random point.

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

/// What is wrong with a stream (as JSON values) of a plan of `actions`
/// actions, if anything.
fn well_formed(lines: &[Value], actions: usize) -> Result<(), String> {
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
            "action_skipped" => {
                if open.contains(&id) || !closed.insert(id.clone()) {
                    return Err(format!("line {i}: {id} skipped after it started or closed"));
                }
                if l["reason"].as_str().is_none_or(str::is_empty) {
                    return Err(format!("line {i}: {id} skipped without a reason"));
                }
                *counts.entry(event).or_default() += 1;
                if l["depends_on"].is_string() {
                    *counts.entry("blocked").or_default() += 1;
                }
            }
            "summary" => return Err(format!("line {i}: a summary before the end")),
            _ => {}
        }
    }
    if !open.is_empty() {
        return Err(format!("started and never closed: {open:?}"));
    }
    if closed.len() != actions {
        return Err(format!(
            "{} of {actions} actions closed: {closed:?}",
            closed.len()
        ));
    }
    if last["event"] != "summary" {
        return Err(format!("the last line is not the summary: {last}"));
    }
    let n = |k: &str| counts.get(k).copied().unwrap_or(0);
    if last["done"].as_u64() != Some(n("action_done"))
        || last["failed"].as_u64() != Some(n("action_failed"))
        || last["interrupted"].as_u64().unwrap_or(0) != n("action_interrupted")
        || last["not_attempted"].as_u64() != Some(n("action_not_attempted") + n("action_skipped"))
        || last["blocked"].as_u64().unwrap_or(0) != n("blocked")
    {
        return Err(format!(
            "the summary does not count the stream: {last} vs {counts:?}"
        ));
    }
    Ok(())
}

/// The JSON lines of a real apply of three mirrors whose second create
/// fails for good, each checked against the schema.
fn real_stream(extra: &[&str]) -> Vec<Value> {
    let env = CliEnv::second_of_three_mirrors_failing("unhappy");
    let mut args = vec![
        "apply",
        "--auto-approve",
        "--format",
        "json",
        "--parallelism",
        "1",
    ];
    args.extend_from_slice(extra);
    let r = env.run_exits(1, &args);
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
    let planned = lines[0]["plan"]["actions"].as_array().map_or(0, Vec::len);
    let actions: Vec<Value> = lines[1..]
        .iter()
        .filter(|l| l["event"] != "error")
        .cloned()
        .collect();
    well_formed(&actions, planned).expect("well formed");
    actions
}

fn kinds(lines: &[Value]) -> BTreeSet<&str> {
    lines.iter().filter_map(|l| l["event"].as_str()).collect()
}

#[test]
fn a_real_apply_stream_validates_and_is_well_formed() {
    let lines = real_stream(&[]);
    let kinds = kinds(&lines);
    for k in ["action_started", "action_done", "action_failed"] {
        assert!(kinds.contains(k), "{k} missing from {kinds:?}");
    }
    // Without --fail-fast, the create after the failed one went on.
    assert!(!kinds.contains("action_not_attempted"), "{kinds:?}");
    let lines = real_stream(&["--fail-fast"]);
    assert!(
        kinds_of(&lines).contains("action_not_attempted"),
        "{lines:#?}"
    );
}

fn kinds_of(lines: &[Value]) -> BTreeSet<String> {
    kinds(lines).into_iter().map(str::to_string).collect()
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
        fail_fast in any::<bool>(),
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
        let opts = ApplyOptions { fail_fast, ..ApplyOptions::default() };
        let report = rt.block_on(apply(&actions, &Only(&fake), parts.env(), &sink, &opts));
        let lines = sink.lines.lock().expect("lines").clone();
        if let Err(e) = well_formed(&lines, actions.len()) {
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
        // Without --fail-fast and without an interrupt, only what depends
        // on a failure is left out: every action whose link create did not
        // fail (and that did not fail itself) is done.
        if !fail_fast && !report.was_interrupted {
            for a in &actions {
                let blocked = a.depends_on.iter().any(|d| failing.contains(&d.as_str()));
                let done = report.done.iter().any(|d| d.id == a.id);
                prop_assert_eq!(done, !blocked && !failing.contains(&a.id.as_str()), "{}", a.id);
            }
        }
        let _ = Collect::default();
    }
}
