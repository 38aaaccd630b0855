//! Where an apply stands as a whole: how many actions are done, failed or
//! left out of how many, how fast they close, an estimate of what is left,
//! and the actions running longest (with what their executor last said).
//! Fed with the apply's events and the time since it started (a parameter,
//! so a test drives it with a fake clock); its [`Overall`] is the JSON
//! `apply_progress` event and the line a person reads.

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;

use super::events::ApplyEvent;

/// How many of the longest-running actions an [`Overall`] names.
pub const SLOWEST: usize = 3;

/// One running action, as the overall progress shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RunningAction {
    pub id: String,
    /// How long it has been running.
    pub running_ms: u64,
    /// What its executor last said (`120 of 300 mirrors ACTIVE`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The apply as a whole at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Overall {
    /// Actions of the plan.
    pub total: usize,
    pub done: usize,
    pub failed: usize,
    /// Not attempted, skipped or interrupted: closed without success.
    pub left_out: usize,
    pub running: usize,
    pub elapsed_ms: u64,
    /// What is left at the rate actions have closed so far; absent until
    /// one has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate_ms: Option<u64>,
    /// The actions running longest, longest first (at most [`SLOWEST`]).
    pub slowest: Vec<RunningAction>,
}

impl Overall {
    /// Actions closed (done, failed or left out).
    pub fn closed(&self) -> usize {
        self.done + self.failed + self.left_out
    }

    /// Actions closed per second so far.
    pub fn rate(&self) -> f64 {
        if self.elapsed_ms == 0 {
            return 0.0;
        }
        self.closed() as f64 * 1000.0 / self.elapsed_ms as f64
    }

    /// `120/300 done, 0 failed, 4.1 s elapsed, 29.3/s, ~6 s left`.
    pub fn line(&self) -> String {
        let mut s = format!("{}/{} done, {} failed", self.done, self.total, self.failed);
        if self.left_out > 0 {
            s.push_str(&format!(", {} not attempted", self.left_out));
        }
        s.push_str(&format!(
            ", {:.1} s elapsed",
            self.elapsed_ms as f64 / 1000.0
        ));
        if self.closed() > 0 {
            s.push_str(&format!(", {:.1}/s", self.rate()));
        }
        match self.estimate_ms {
            Some(ms) => s.push_str(&format!(", ~{} left", human(ms))),
            None if self.closed() < self.total => s.push_str(", time left unknown"),
            None => {}
        }
        s
    }

    /// `slowest: europe/l/mirror/a:create (8 s: 12 of 300 ACTIVE), …`,
    /// or nothing when nothing runs.
    pub fn slowest_line(&self) -> Option<String> {
        if self.slowest.is_empty() {
            return None;
        }
        let each: Vec<String> = self
            .slowest
            .iter()
            .map(|r| match &r.message {
                Some(m) => format!("{} ({}: {m})", r.id, human(r.running_ms)),
                None => format!("{} ({})", r.id, human(r.running_ms)),
            })
            .collect();
        Some(format!("running longest: {}", each.join("; ")))
    }
}

/// `850 ms`, `6 s`, `2 min 5 s`.
fn human(ms: u64) -> String {
    match ms {
        0..=999 => format!("{ms} ms"),
        1_000..=119_999 => format!("{} s", (ms + 500) / 1000),
        _ => {
            let s = (ms + 500) / 1000;
            format!("{} min {} s", s / 60, s % 60)
        }
    }
}

/// Counts an apply's events.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    total: usize,
    done: usize,
    failed: usize,
    left_out: usize,
    /// Running actions: when they started (since the apply began) and what
    /// their executor last said, in start order.
    running: BTreeMap<String, (Duration, Option<String>)>,
}

impl Tally {
    pub fn new(total: usize) -> Self {
        Self {
            total,
            ..Self::default()
        }
    }

    /// Takes in `e`, which happened `at` after the apply started.
    pub fn observe(&mut self, e: &ApplyEvent, at: Duration) {
        match e {
            ApplyEvent::ActionStarted { id, .. } => {
                self.running.insert(id.clone(), (at, None));
            }
            ApplyEvent::Progress { id, message } => {
                if let Some(r) = self.running.get_mut(id) {
                    r.1 = Some(message.clone());
                }
            }
            ApplyEvent::ActionDone { id, .. } => {
                self.running.remove(id);
                self.done += 1;
            }
            ApplyEvent::ActionFailed { id, .. } => {
                self.running.remove(id);
                self.failed += 1;
            }
            ApplyEvent::ActionNotAttempted { id } | ApplyEvent::ActionInterrupted { id, .. } => {
                self.running.remove(id);
                self.left_out += 1;
            }
            ApplyEvent::ActionSkipped { .. } => self.left_out += 1,
            _ => {}
        }
    }

    /// Where the apply stands `at` after it started.
    pub fn overall(&self, at: Duration) -> Overall {
        let elapsed_ms = millis(at);
        let closed = self.done + self.failed + self.left_out;
        let left = self.total.saturating_sub(closed);
        let estimate_ms = (closed > 0 && left > 0)
            .then(|| (elapsed_ms as f64 / closed as f64 * left as f64).round() as u64);
        let mut slowest: Vec<RunningAction> = self
            .running
            .iter()
            .map(|(id, (since, message))| RunningAction {
                id: id.clone(),
                running_ms: millis(at.saturating_sub(*since)),
                message: message.clone(),
            })
            .collect();
        slowest.sort_by(|a, b| b.running_ms.cmp(&a.running_ms).then(a.id.cmp(&b.id)));
        let running = slowest.len();
        slowest.truncate(SLOWEST);
        Overall {
            total: self.total,
            done: self.done,
            failed: self.failed,
            left_out: self.left_out,
            running,
            elapsed_ms,
            estimate_ms,
            slowest,
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::ActionKind;

    fn started(id: &str) -> ApplyEvent {
        ApplyEvent::ActionStarted {
            id: id.into(),
            kind: ActionKind::CreateMirror,
            cluster: "europe".into(),
            link: "l".into(),
            mirror: None,
            irreversible: false,
        }
    }

    fn done(id: &str) -> ApplyEvent {
        ApplyEvent::ActionDone {
            id: id.into(),
            summary: "ok".into(),
            elapsed_ms: 0,
            cutover: None,
            left_behind: Vec::new(),
        }
    }

    #[test]
    fn counts_rate_estimate_and_the_slowest_on_a_fake_clock() {
        let mut t = Tally::new(300);
        let s = Duration::from_secs;
        for i in 0..5 {
            t.observe(&started(&format!("m{i}")), s(i));
        }
        t.observe(
            &ApplyEvent::Progress {
                id: "m0".into(),
                message: "12 of 300 ACTIVE".into(),
            },
            s(5),
        );
        let o = t.overall(s(6));
        assert_eq!((o.done, o.running, o.estimate_ms), (0, 5, None));
        assert_eq!(
            o.line(),
            "0/300 done, 0 failed, 6.0 s elapsed, time left unknown"
        );
        for i in 1..5 {
            t.observe(&done(&format!("m{i}")), s(8));
        }
        // 4 closed in 8 s: 296 left at 0.5/s.
        let o = t.overall(s(8));
        assert_eq!(o.estimate_ms, Some(592_000));
        assert_eq!(
            o.line(),
            "4/300 done, 0 failed, 8.0 s elapsed, 0.5/s, ~9 min 52 s left"
        );
        assert_eq!(
            o.slowest_line().as_deref(),
            Some("running longest: m0 (8 s: 12 of 300 ACTIVE)")
        );
    }

    #[test]
    fn failures_and_skips_close_actions_too() {
        let mut t = Tally::new(3);
        t.observe(&started("a"), Duration::ZERO);
        t.observe(
            &ApplyEvent::ActionFailed {
                id: "a".into(),
                cluster: "europe".into(),
                error: "refused".into(),
                elapsed_ms: 0,
            },
            Duration::from_millis(400),
        );
        t.observe(
            &ApplyEvent::ActionSkipped {
                id: "b".into(),
                reason: "depends on a, which failed".into(),
                depends_on: Some("a".into()),
            },
            Duration::from_millis(400),
        );
        let o = t.overall(Duration::from_millis(500));
        assert_eq!((o.failed, o.left_out, o.running), (1, 1, 0));
        assert_eq!(
            o.line(),
            "0/3 done, 1 failed, 1 not attempted, 0.5 s elapsed, 4.0/s, ~250 ms left"
        );
        assert_eq!(o.slowest_line(), None);
    }

    #[test]
    fn the_slowest_are_the_longest_running_at_most_three() {
        let mut t = Tally::new(10);
        for (i, id) in ["a", "b", "c", "d", "e"].iter().enumerate() {
            t.observe(&started(id), Duration::from_secs(i as u64));
        }
        let o = t.overall(Duration::from_secs(10));
        let ids: Vec<&str> = o.slowest.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(o.running, 5);
    }
}
