//! The overall progress of an apply, on a paused clock: the `apply_progress`
//! events (once at the start, then every few seconds while actions run)
//! and the lines a CI log shows for them.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use linkctl::apply::events::Collect;
use linkctl::apply::{apply, ApplyEvent, ApplyOptions, EventSink, HumanProgress};
use linkctl::plan::Action;
use support::fake_engine::{Fake, Only};

/// A link, then its two mirrors (one step), each step taking 7 s.
fn plan() -> Vec<Action> {
    support::link_and_two_mirrors()
}

async fn events_of_a_slow_apply() -> Vec<ApplyEvent> {
    let mut fake = Fake::new(&[]);
    fake.delay = Duration::from_secs(7);
    let m = support::manifest(
        "version: 1\nclusters:\n  europe:\n    bootstrap: x:1\n",
        &[],
    );
    let parts = support::CtxParts::new(&m);
    let sink = Collect::default();
    let report = apply(
        &plan(),
        &Only(&fake),
        parts.env(),
        &sink,
        &ApplyOptions::default(),
    )
    .await;
    assert!(report.is_success(), "{}", report.render_text());
    sink.0.into_inner().expect("events")
}

#[tokio::test(start_paused = true)]
async fn overall_progress_at_the_start_and_every_three_seconds() {
    let events = events_of_a_slow_apply().await;
    let overall: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            ApplyEvent::ApplyProgress(o) => Some(o.clone()),
            _ => None,
        })
        .collect();
    // 0 s (nothing started), 3 s and 6 s (the link's step), 9 s and 12 s
    // (the mirrors' step); the apply ends at 14 s.
    let at: Vec<u64> = overall.iter().map(|o| o.elapsed_ms).collect();
    assert_eq!(at, [0, 3000, 6000, 9000, 12000], "{overall:#?}");
    assert!(overall.iter().all(|o| o.total == 3));
    assert_eq!(overall[0].running, 0);
    assert_eq!(overall[1].slowest[0].id, "link");
    assert_eq!(
        overall[1].slowest[0].message.as_deref(),
        Some("waiting for the server")
    );
    // One of three done after 7 s: two left at that rate.
    assert_eq!(overall[3].done, 1);
    assert_eq!(overall[3].running, 2);
    assert_eq!(overall[3].estimate_ms, Some(18_000));
    // Every apply_progress event follows the committed schema.
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schema/apply-events.schema.json"
        ))
        .expect("schema"),
    )
    .expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    for e in events
        .iter()
        .filter(|e| matches!(e, ApplyEvent::ApplyProgress(_)))
    {
        let line = serde_json::to_value(linkctl::apply::events::EventLine {
            format_version: linkctl::apply::events::EVENTS_FORMAT_VERSION,
            event: e,
        })
        .expect("JSON");
        assert_eq!(line["event"], "apply_progress");
        assert!(validator.is_valid(&line), "{line}");
    }
}

/// What a writer shared with the test received.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut g) = self.0.lock() {
            g.extend_from_slice(b);
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn a_ci_log_shows_the_apply_as_a_whole_every_few_seconds() {
    let events = events_of_a_slow_apply().await;
    let out = Shared::default();
    let shown = HumanProgress::plain(Box::new(out.clone()));
    for e in &events {
        shown.emit(e);
    }
    let text = String::from_utf8(out.0.lock().expect("lock").clone()).expect("UTF-8");
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("apply_progress__plain", text);
    });
}
