//! Waiting instead of sleeping: poll with backoff until the target state,
//! bounded by the caller's timeout. One wait covers every mirror of a step:
//! one `GET links/{link}/mirrors` per round, whatever the number of mirrors.
//! FAILED and LINK_FAILED end a mirror's wait at once with the server's
//! words; state-transition errors end it only while the target is not
//! reached (a mirror that reached its target keeps old errors as a warning).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::client::ClusterClient;
use super::errors::ConfluentError;
use super::wire::{LinkData, MirrorData};
pub use crate::backend::wait::PollPolicy;
use crate::backend::wait::{Tick, Ticker};
use crate::backend::Progress;
use crate::state::MirrorStatus;

/// What a wait is bounded by and reports to.
pub struct WaitCtx<'a> {
    pub poll: PollPolicy,
    pub timeout: Duration,
    /// 404s within this time after the start are eventual consistency.
    pub not_found_grace: Duration,
    pub progress: &'a dyn Progress,
    /// The action id progress lines are reported under.
    pub action_id: &'a str,
    /// Set when the command is interrupted: the wait stops at once.
    pub cancel: &'a CancellationToken,
}

impl WaitCtx<'_> {
    pub(super) fn ticker(&self) -> Ticker {
        Ticker::new(self.poll, self.timeout, self.cancel)
    }
}

/// How the wait of one mirror ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MirrorWait {
    /// Reached a target status after this long; `warning` holds
    /// state-transition errors the server still reports.
    Reached {
        status: MirrorStatus,
        after: Duration,
        warning: Option<String>,
    },
    /// Failed, or timed out.
    Failed(ConfluentError),
}

fn transition_errors(m: &MirrorData) -> Vec<String> {
    m.mirror_state_transition_errors
        .iter()
        .map(|e| {
            e.error_message
                .clone()
                .or_else(|| e.error_code.clone())
                .unwrap_or_default()
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// What a wait of mirrors is for.
pub struct Goal<'a> {
    /// The statuses that end the wait.
    pub reach: &'a [MirrorStatus],
    /// The action waited for, in words ("created", "promoted", …).
    pub word: &'a str,
    /// Statuses that would otherwise end the wait as failed but are where
    /// the action starts from (a failover of a mirror whose link failed).
    pub tolerate: &'a [MirrorStatus],
}

/// The terminal failure of a mirror that has not reached its target.
fn terminal_failure(m: &MirrorData, goal: &Goal<'_>) -> Option<ConfluentError> {
    let waited_for = goal.word;
    let status = MirrorStatus::parse(&m.mirror_status);
    let transition = transition_errors(m);
    let failed = matches!(status, MirrorStatus::Failed | MirrorStatus::LinkFailed)
        && !goal.tolerate.contains(&status);
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
        what: format!("mirror {} ({waited_for})", m.mirror_topic_name),
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

/// Waits until every mirror of `mirrors` (on `link`) reaches the goal;
/// its word names the action in messages ("created", "promoted", …).
/// One mirror is polled with `GET …/mirrors/{m}?include_state_transition_errors=true`;
/// several with one `GET …/links/{link}/mirrors` per round. A request that
/// fails (other than a 404 within the grace period) fails the whole wait.
pub async fn wait_mirrors(
    client: &ClusterClient,
    link: &str,
    mirrors: &[String],
    goal: &Goal<'_>,
    w: &WaitCtx<'_>,
) -> Result<BTreeMap<String, MirrorWait>, ConfluentError> {
    let (targets, waited_for) = (goal.reach, goal.word);
    let mut ticker = w.ticker();
    let mut pending: BTreeSet<String> = mirrors.iter().cloned().collect();
    let mut done: BTreeMap<String, MirrorWait> = BTreeMap::new();
    let mut last_status: BTreeMap<String, String> = BTreeMap::new();
    loop {
        // Reads only: abandoned at once on an interrupt.
        let observed = tokio::select! {
            r = observe(client, link, &pending) => Some(r?),
            _ = w.cancel.cancelled() => None,
        };
        let (found, missing) = observed.unwrap_or_default();
        for d in found {
            let name = d.mirror_topic_name.clone();
            let status = MirrorStatus::parse(&d.mirror_status);
            if targets.contains(&status) {
                let errors = transition_errors(&d);
                pending.remove(&name);
                done.insert(
                    name,
                    MirrorWait::Reached {
                        status,
                        after: ticker.elapsed(),
                        warning: (!errors.is_empty()).then(|| errors.join("; ")),
                    },
                );
            } else if let Some(err) = terminal_failure(&d, goal) {
                pending.remove(&name);
                done.insert(name, MirrorWait::Failed(err));
            } else {
                last_status.insert(name, d.mirror_status.clone());
            }
        }
        for m in missing {
            if ticker.elapsed() >= w.not_found_grace {
                pending.remove(&m);
                done.insert(
                    m.clone(),
                    MirrorWait::Failed(ConfluentError::WaitFailed {
                        what: format!("mirror {m} ({waited_for})"),
                        status: "missing".into(),
                        message: Some(format!(
                            "link {link} still does not list it (HTTP 404) {:.1} s later",
                            ticker.elapsed().as_secs_f64()
                        )),
                    }),
                );
            } else {
                last_status.insert(m, "not found yet".to_string());
            }
        }
        if pending.is_empty() {
            return Ok(done);
        }
        let elapsed = ticker.elapsed();
        if ticker.interrupted() {
            for m in std::mem::take(&mut pending) {
                done.insert(
                    m.clone(),
                    MirrorWait::Failed(ConfluentError::Interrupted {
                        what: format!("mirror {m} ({waited_for})"),
                    }),
                );
            }
            return Ok(done);
        }
        if elapsed >= w.timeout {
            for m in std::mem::take(&mut pending) {
                let status = last_status
                    .get(&m)
                    .cloned()
                    .unwrap_or_else(|| "unknown".into());
                done.insert(
                    m.clone(),
                    MirrorWait::Failed(ConfluentError::WaitTimeout {
                        what: format!("mirror {m} ({waited_for})"),
                        status,
                        waited: elapsed,
                        timeout: w.timeout,
                    }),
                );
            }
            return Ok(done);
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
                "still waiting after {:.1} s for {} mirror(s): {summary}{}",
                elapsed.as_secs_f64(),
                pending.len(),
                if pending.len() > 3 { ", …" } else { "" }
            ),
        );
        ticker.tick().await;
    }
}

/// One round: the pending mirrors the server reports, and those it does not.
async fn observe(
    client: &ClusterClient,
    link: &str,
    pending: &BTreeSet<String>,
) -> Result<(Vec<MirrorData>, Vec<String>), ConfluentError> {
    if pending.len() == 1 {
        let m = pending.iter().next().cloned().unwrap_or_default();
        return match client
            .get::<MirrorData>(
                &["links", link, "mirrors", &m],
                &[("include_state_transition_errors", "true")],
            )
            .await
        {
            Ok(d) if d.mirror_topic_name == m => Ok((vec![d], vec![])),
            Ok(d) => Err(ConfluentError::Decode {
                method: "GET".into(),
                path: format!("links/{link}/mirrors/{m}"),
                reason: format!("the answer describes mirror {:?}", d.mirror_topic_name),
            }),
            Err(e) if e.is_not_found() => Ok((vec![], vec![m])),
            Err(e) => Err(e),
        };
    }
    let list: Vec<MirrorData> = client.get_all(&["links", link, "mirrors"], &[]).await?;
    let mut seen = BTreeSet::new();
    let found: Vec<MirrorData> = list
        .into_iter()
        .filter(|d| pending.contains(&d.mirror_topic_name))
        .filter(|d| seen.insert(d.mirror_topic_name.clone()))
        .collect();
    let missing = pending
        .iter()
        .filter(|m| !seen.contains(*m))
        .cloned()
        .collect();
    Ok((found, missing))
}

/// Waits until none of `mirrors` is listed on `link` (after topic deletes):
/// one `GET links/{link}/mirrors` per round. Returns the mirrors still
/// listed when the wait timed out.
pub async fn wait_mirrors_gone(
    client: &ClusterClient,
    link: &str,
    mirrors: &[String],
    w: &WaitCtx<'_>,
) -> Result<(Duration, Vec<String>), ConfluentError> {
    let mut ticker = w.ticker();
    loop {
        let listed: BTreeSet<String> = match client
            .get_all::<MirrorData>(&["links", link, "mirrors"], &[])
            .await
        {
            Ok(list) => list.into_iter().map(|m| m.mirror_topic_name).collect(),
            // The link itself is gone: so are its mirrors.
            Err(e) if e.is_not_found() => BTreeSet::new(),
            Err(e) => return Err(e),
        };
        let left: Vec<String> = mirrors
            .iter()
            .filter(|m| listed.contains(*m))
            .cloned()
            .collect();
        let elapsed = ticker.elapsed();
        if left.is_empty() || elapsed >= w.timeout {
            return Ok((elapsed, left));
        }
        if ticker.interrupted() {
            return Err(ConfluentError::Interrupted {
                what: format!("{} mirror topic(s) to disappear", left.len()),
            });
        }
        w.progress.update(
            w.action_id,
            &format!(
                "still waiting after {:.1} s for {} mirror topic(s) to disappear",
                elapsed.as_secs_f64(),
                left.len()
            ),
        );
        ticker.tick().await;
    }
}

/// Waits until `GET` of the path answers 404 (after a delete).
pub async fn wait_gone(
    client: &ClusterClient,
    segments: &[&str],
    what: &str,
    w: &WaitCtx<'_>,
) -> Result<Duration, ConfluentError> {
    let mut ticker = w.ticker();
    loop {
        match client.get::<serde_json::Value>(segments, &[]).await {
            Err(e) if e.is_not_found() => return Ok(ticker.elapsed()),
            Err(e) => return Err(e),
            Ok(_) => {}
        }
        let elapsed = ticker.elapsed();
        w.progress.update(
            w.action_id,
            &format!(
                "waiting for {what} to disappear ({:.1} s)",
                elapsed.as_secs_f64()
            ),
        );
        match ticker.tick().await {
            Tick::Poll => {}
            Tick::TimedOut => {
                return Err(ConfluentError::WaitTimeout {
                    what: what.to_string(),
                    status: "present".into(),
                    waited: elapsed,
                    timeout: w.timeout,
                })
            }
            Tick::Interrupted => {
                return Err(ConfluentError::Interrupted {
                    what: format!("{what} to disappear"),
                })
            }
        }
    }
}

/// Waits until a just-created link can be read (tolerating early 404s);
/// fails at once when it reports FAILED.
pub async fn wait_link_visible(
    client: &ClusterClient,
    link: &str,
    w: &WaitCtx<'_>,
) -> Result<(LinkData, Duration), ConfluentError> {
    let mut ticker = w.ticker();
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
        if ticker.tick().await == Tick::Interrupted {
            return Err(ConfluentError::Interrupted {
                what: format!("link {link} to appear"),
            });
        }
    }
}
