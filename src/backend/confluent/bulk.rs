//! Bulk mirror actions: pause, resume, promote and failover of any number of
//! mirrors of one link in one request, then one wait for all of them.
//!
//! An HTTP 200 does not mean success: a mirror fails when its entry carries
//! an `error_code` other than 0 or a non-empty `error_message` (as Confluent's
//! CLI reads it), or when the response has no entry for it.

use std::collections::BTreeMap;

use reqwest::Method;

use super::client::{decode, ClusterClient};
use super::errors::ConfluentError;
use super::execute::{all_failed, failed_with, payload, reached, Step};
use super::payload::ConfluentPayload;
use super::retry::retry_write;
use super::wait::Goal;
use super::wire::{AlterMirrorsData, DataList, MirrorData};
use super::ConfluentBackend;
use crate::backend::ActionResult;
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
        for a in step {
            match payload(a) {
                Ok(ConfluentPayload::AlterMirror {
                    verb: v,
                    mirror_topic_name,
                    ..
                }) => {
                    verb = v.clone();
                    names.push(mirror_topic_name.clone());
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
            .zip(&names)
            .map(|(a, n)| {
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
                    Ok(map) => reached(a, n, map.get(n), word),
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
