//! Bulk mirror actions: pause, resume, promote and failover of any number of
//! mirrors of one link in one request, then one wait for all of them.
//!
//! An HTTP 200 does not mean success: a mirror fails when its entry carries
//! an `error_code` other than 0 or a non-empty `error_message` (as Confluent's
//! CLI reads it), or when the response has no entry for it.

use std::collections::BTreeMap;

use reqwest::Method;

use super::client::{decode, ClusterClient};
use super::cutover;
use super::errors::ConfluentError;
use super::execute::{all_failed, failed_with, payload, reached, Step};
use super::retry::retry_write;
use super::wait::Goal;
use super::wire::{AlterMirrorsData, DataList, MirrorData};
use super::ConfluentBackend;
use crate::backend::{ActionResult, BackendError};
use crate::plan::payload::ConfluentPayload;
use crate::plan::ActionKind;
use crate::state::MirrorStatus;

/// What a verb waits for, and how the report words it.
fn targets(kind: ActionKind) -> (Vec<MirrorStatus>, &'static str) {
    match kind {
        ActionKind::PauseMirror => (vec![MirrorStatus::Paused], "paused"),
        ActionKind::ResumeMirror => (vec![MirrorStatus::Active], "resumed"),
        ActionKind::PromoteMirror => (vec![MirrorStatus::Stopped], "promoted"),
        _ => (vec![MirrorStatus::Stopped], "failed over"),
    }
}

impl ConfluentBackend {
    /// One bulk request for all actions of `step` (one link and verb), every
    /// entry checked, then one wait for all accepted mirrors.
    pub(super) async fn mirror_action(&self, s: &Step<'_>) -> Vec<ActionResult> {
        let (client, first, step) = (s.client, s.first, s.actions);
        let mut names = Vec::new();
        let mut verb = String::new();
        let mut settle_ms = 0;
        for a in step {
            match payload(a) {
                Ok(ConfluentPayload::AlterMirror {
                    verb: v,
                    mirror_topic_name,
                    gate,
                    ..
                }) => {
                    verb = v.clone();
                    names.push(mirror_topic_name.clone());
                    settle_ms = settle_ms.max(gate.map_or(0, |g| g.settle_ms));
                }
                Ok(_) => {
                    let e = ConfluentError::Manifest(format!(
                        "internal: {} is not a mirror state action",
                        a.id
                    ));
                    return failed_with(step, &e);
                }
                Err(e) => return all_failed(step, &e),
            }
        }
        // A promotion waits until its mirror caught up and its source is
        // quiet; those that do not within the wait are refused, unsent. A
        // failover reports the lag it leaves behind.
        let mut held: BTreeMap<String, String> = BTreeMap::new();
        let mut lags_at_send = None;
        match first.kind {
            ActionKind::PromoteMirror => {
                let settle = std::time::Duration::from_millis(settle_ms);
                match cutover::gate(client, &first.link, &names, settle, first, s.ctx).await {
                    Ok(g) => {
                        for (n, r) in &g.not_ready {
                            held.insert(n.clone(), r.refusal(g.waited.as_secs_f64()));
                        }
                    }
                    Err(e) => return failed_with(step, &e),
                }
            }
            ActionKind::FailoverMirror => {
                lags_at_send = cutover::lags_now(client, &first.link).await.ok();
            }
            _ => {}
        }
        let all_names = names;
        let names: Vec<String> = all_names
            .iter()
            .filter(|n| !held.contains_key(*n))
            .cloned()
            .collect();
        if names.is_empty() {
            return step
                .iter()
                .zip(&all_names)
                .map(|(a, n)| {
                    ActionResult::Failed(BackendError::new(
                        &a.cluster,
                        held.get(n).cloned().unwrap_or_default(),
                    ))
                })
                .collect();
        }
        let (wanted, word) = targets(first.kind);
        let accepted_states: Vec<MirrorStatus> = match first.kind {
            ActionKind::PromoteMirror | ActionKind::FailoverMirror => {
                vec![MirrorStatus::Stopped, MirrorStatus::PendingStopped]
            }
            _ => wanted.clone(),
        };
        let path_verb = format!("mirrors:{verb}");
        let action_path = ["links", first.link.as_str(), path_verb.as_str()];
        let body = serde_json::json!({ "mirror_topic_names": names });
        let sent = retry_write(
            &client.retry,
            self.options.not_found_grace,
            || client.write_once(Method::POST, &action_path, &[], Some(&body)),
            || all_in(client, &first.link, &names, &accepted_states),
        )
        .await;
        let entries: Option<Vec<AlterMirrorsData>> = match sent {
            Ok(Some(bytes)) => {
                match decode::<DataList<AlterMirrorsData>>(&bytes, "POST", &path_verb) {
                    Ok(list) => Some(list.data),
                    Err(e) => return failed_with(step, &e),
                }
            }
            // A retried request found every mirror already there.
            Ok(None) => None,
            Err(e) => return failed_with(step, &e),
        };
        let mut refused: BTreeMap<String, String> = BTreeMap::new();
        if let Some(entries) = &entries {
            for n in &names {
                match entries.iter().find(|d| &d.mirror_topic_name == n) {
                    None => {
                        refused.insert(n.clone(), "the response has no entry for it".into());
                    }
                    Some(d)
                        if d.is_error()
                            || d.error_message.as_deref().is_some_and(|m| !m.is_empty()) =>
                    {
                        let msg = d.error_message.clone().unwrap_or_else(|| {
                            format!("error_code {}", d.error_code.unwrap_or_default())
                        });
                        refused.insert(n.clone(), msg);
                    }
                    Some(_) => {}
                }
            }
        }
        let to_wait: Vec<String> = names
            .iter()
            .filter(|n| !refused.contains_key(*n))
            .cloned()
            .collect();
        let tolerate: &[MirrorStatus] = if first.kind == ActionKind::FailoverMirror {
            &[MirrorStatus::LinkFailed]
        } else {
            &[]
        };
        let goal = Goal {
            reach: &wanted,
            word,
            tolerate,
        };
        let waited = self.wait_step_mirrors(s, &to_wait, &goal).await;
        step.iter()
            .zip(&all_names)
            .map(|(a, n)| {
                if let Some(m) = held.get(n) {
                    return ActionResult::Failed(BackendError::new(&a.cluster, m.clone()));
                }
                if let Some(m) = refused.get(n) {
                    return ActionResult::Failed(
                        ConfluentError::TopicErrors {
                            action: path_verb.clone(),
                            failures: vec![(n.clone(), m.clone())],
                        }
                        .into_backend(&a.cluster),
                    );
                }
                match &waited {
                    Ok(map) => match (reached(a, n, map.get(n), word), &lags_at_send) {
                        (ActionResult::Done(o), Some(lags)) => {
                            let report = cutover::failover_report(n, lags);
                            ActionResult::cut_over(
                                format!(
                                    "{}; {} (mirror_lags when the failover was sent)",
                                    o.summary,
                                    report.recovery_point()
                                ),
                                report,
                            )
                        }
                        (r, _) => r,
                    },
                    Err(e) => ActionResult::Failed(e.clone().into_backend(&a.cluster)),
                }
            })
            .collect()
    }
}

async fn all_in(
    client: &ClusterClient,
    link: &str,
    names: &[String],
    states: &[MirrorStatus],
) -> Result<bool, ConfluentError> {
    let list: Vec<MirrorData> = client.get_all(&["links", link, "mirrors"], &[]).await?;
    Ok(names.iter().all(|n| {
        list.iter().any(|m| {
            &m.mirror_topic_name == n && states.contains(&MirrorStatus::parse(&m.mirror_status))
        })
    }))
}
