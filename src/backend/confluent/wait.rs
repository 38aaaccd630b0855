//! Waiting instead of sleeping: poll with backoff until the target state,
//! bounded by the caller's timeout; FAILED, LINK_FAILED and state-transition
//! errors end a wait at once with the server's words.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use super::client::ClusterClient;
use super::errors::ConfluentError;
use super::wire::{DataList, LinkData, MirrorData};
use crate::backend::Progress;
use crate::state::MirrorStatus;

/// Poll intervals: `initial`, doubling up to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    pub initial: Duration,
    pub max: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(10),
        }
    }
}

/// What a wait is bounded by and reports to.
pub struct WaitCtx<'a> {
    pub poll: PollPolicy,
    pub timeout: Duration,
    /// 404s within this time after the start are eventual consistency.
    pub not_found_grace: Duration,
    pub progress: &'a dyn Progress,
    pub action_id: &'a str,
}

struct Ticker {
    started: Instant,
    next: Duration,
    max: Duration,
}

impl Ticker {
    fn new(p: PollPolicy) -> Self {
        Self {
            started: Instant::now(),
            next: p.initial,
            max: p.max,
        }
    }
    fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
    /// Sleeps before the next poll, never past the deadline.
    async fn sleep(&mut self, timeout: Duration) {
        let left = timeout.saturating_sub(self.elapsed());
        tokio::time::sleep(self.next.min(left)).await;
        self.next = (self.next * 2).min(self.max);
    }
}

fn terminal_failure(m: &MirrorData) -> Option<ConfluentError> {
    let status = MirrorStatus::parse(&m.mirror_status);
    let transition: Vec<String> = m
        .mirror_state_transition_errors
        .iter()
        .map(|e| {
            e.error_message
                .clone()
                .or_else(|| e.error_code.clone())
                .unwrap_or_default()
        })
        .filter(|s| !s.is_empty())
        .collect();
    let failed = matches!(status, MirrorStatus::Failed | MirrorStatus::LinkFailed);
    if !failed && transition.is_empty() {
        return None;
    }
    let mut words = Vec::new();
    if let Some(e) = m
        .mirror_topic_error
        .as_deref()
        .filter(|e| *e != "NO_ERROR" && *e != "NOT_SET")
    {
        words.push(e.to_string());
    }
    words.extend(transition);
    Some(ConfluentError::WaitFailed {
        what: format!("mirror {}", m.mirror_topic_name),
        status: if failed {
            m.mirror_status.clone()
        } else {
            format!("{} with a state-transition error", m.mirror_status)
        },
        message: if words.is_empty() {
            None
        } else {
            Some(words.join("; "))
        },
    })
}

/// Waits until every mirror of `mirrors` (on `link`) has one of `targets`.
/// One mirror is polled with `GET …/mirrors/{m}?include_state_transition_errors=true`;
/// several with one `GET …/links/{link}/mirrors` per poll.
/// Returns, per mirror, the status reached and the time it took.
pub async fn wait_mirrors(
    client: &ClusterClient,
    link: &str,
    mirrors: &[String],
    targets: &[MirrorStatus],
    w: &WaitCtx<'_>,
) -> Result<BTreeMap<String, (MirrorStatus, Duration)>, ConfluentError> {
    let mut ticker = Ticker::new(w.poll);
    let mut pending: BTreeSet<String> = mirrors.iter().cloned().collect();
    let mut reached = BTreeMap::new();
    let mut last_status: BTreeMap<String, String> = BTreeMap::new();
    loop {
        let observed: Vec<Result<MirrorData, (String, ConfluentError)>> = if mirrors.len() == 1 {
            let m = &mirrors[0];
            match client
                .get::<MirrorData>(
                    &["links", link, "mirrors", m],
                    &[("include_state_transition_errors", "true")],
                )
                .await
            {
                Ok(d) => vec![Ok(d)],
                Err(e) if e.is_not_found() => vec![Err((m.clone(), e))],
                Err(e) => return Err(e),
            }
        } else {
            match client
                .get::<DataList<MirrorData>>(&["links", link, "mirrors"], &[])
                .await
            {
                Ok(list) => {
                    let mut seen = BTreeSet::new();
                    let mut v: Vec<_> = list
                        .data
                        .into_iter()
                        .filter(|d| pending.contains(&d.mirror_topic_name))
                        .inspect(|d| {
                            seen.insert(d.mirror_topic_name.clone());
                        })
                        .map(Ok)
                        .collect();
                    for m in pending.iter().filter(|m| !seen.contains(*m)) {
                        v.push(Err((
                            m.clone(),
                            ConfluentError::Http {
                                method: "GET".into(),
                                path: format!("links/{link}/mirrors"),
                                status: 404,
                                error_code: Some(404),
                                message: Some(format!("mirror {m} not listed")),
                            },
                        )));
                    }
                    v
                }
                Err(e) => return Err(e),
            }
        };
        for o in observed {
            match o {
                Ok(d) => {
                    if let Some(err) = terminal_failure(&d) {
                        return Err(err);
                    }
                    let status = MirrorStatus::parse(&d.mirror_status);
                    if targets.contains(&status) {
                        pending.remove(&d.mirror_topic_name);
                        reached.insert(d.mirror_topic_name.clone(), (status, ticker.elapsed()));
                    } else {
                        last_status.insert(d.mirror_topic_name.clone(), d.mirror_status.clone());
                    }
                }
                Err((m, e)) => {
                    if ticker.elapsed() >= w.not_found_grace {
                        return Err(e);
                    }
                    last_status.insert(m, "not found yet".to_string());
                }
            }
        }
        if pending.is_empty() {
            return Ok(reached);
        }
        let elapsed = ticker.elapsed();
        if elapsed >= w.timeout {
            let first = pending.iter().next().cloned().unwrap_or_default();
            let status = last_status
                .get(&first)
                .cloned()
                .unwrap_or_else(|| "unknown".into());
            let what = if pending.len() == 1 {
                format!("mirror {first}")
            } else {
                format!("mirror {first} (and {} more)", pending.len() - 1)
            };
            return Err(ConfluentError::WaitTimeout {
                what,
                status,
                waited: elapsed,
                timeout: w.timeout,
            });
        }
        let summary = pending
            .iter()
            .take(3)
            .map(|m| {
                format!(
                    "{m} {}",
                    last_status.get(m).map(String::as_str).unwrap_or("?")
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        w.progress.update(
            w.action_id,
            &format!(
                "waiting {:.1} s: {summary}{}",
                elapsed.as_secs_f64(),
                if pending.len() > 3 { ", …" } else { "" }
            ),
        );
        ticker.sleep(w.timeout).await;
    }
}

/// Waits until `GET` of the path answers 404 (after a delete).
pub async fn wait_gone(
    client: &ClusterClient,
    segments: &[&str],
    what: &str,
    w: &WaitCtx<'_>,
) -> Result<Duration, ConfluentError> {
    let mut ticker = Ticker::new(w.poll);
    loop {
        match client.get::<serde_json::Value>(segments, &[]).await {
            Err(e) if e.is_not_found() => return Ok(ticker.elapsed()),
            Err(e) => return Err(e),
            Ok(_) => {}
        }
        let elapsed = ticker.elapsed();
        if elapsed >= w.timeout {
            return Err(ConfluentError::WaitTimeout {
                what: what.to_string(),
                status: "present".into(),
                waited: elapsed,
                timeout: w.timeout,
            });
        }
        w.progress.update(
            w.action_id,
            &format!(
                "waiting for {what} to disappear ({:.1} s)",
                elapsed.as_secs_f64()
            ),
        );
        ticker.sleep(w.timeout).await;
    }
}

/// Waits until a just-created link can be read (tolerating early 404s);
/// fails at once when it reports FAILED.
pub async fn wait_link_visible(
    client: &ClusterClient,
    link: &str,
    w: &WaitCtx<'_>,
) -> Result<(LinkData, Duration), ConfluentError> {
    let mut ticker = Ticker::new(w.poll);
    loop {
        match client.get::<LinkData>(&["links", link], &[]).await {
            Ok(l) => {
                if l.link_state.as_deref() == Some("FAILED") {
                    return Err(ConfluentError::WaitFailed {
                        what: format!("link {link}"),
                        status: "FAILED".into(),
                        message: l.link_error_message.clone().or(l.link_error.clone()),
                    });
                }
                return Ok((l, ticker.elapsed()));
            }
            Err(e) if e.is_not_found() && ticker.elapsed() < w.not_found_grace.min(w.timeout) => {}
            Err(e) => return Err(e),
        }
        w.progress
            .update(w.action_id, &format!("waiting for link {link} to appear"));
        ticker.sleep(w.timeout.min(w.not_found_grace)).await;
    }
}
