//! Bulk mirror actions: pause, resume, promote and failover of any number of
//! mirrors of one link in one request, every per-topic `error_code` checked
//! (an HTTP 200 does not mean success), then one wait for all of them.

use std::collections::BTreeMap;

use reqwest::Method;

use super::client::{decode, ClusterClient};
use super::errors::ConfluentError;
use super::execute::mirror_of;
use super::retry::retry_write;
use super::wait::wait_mirrors;
use super::wire::{AlterMirrorsData, AlterMirrorsRequest, DataList, MirrorData};
use super::ConfluentBackend;
use crate::backend::{BackendError, ExecContext, Outcome};
use crate::plan::{Action, ActionKind};
use crate::state::MirrorStatus;

impl ConfluentBackend {
    /// One bulk request for all `actions` (same cluster, link and kind), every
    /// per-topic `error_code` checked, then one wait for all accepted mirrors.
    pub(super) async fn mirror_action(
        &self,
        actions: &[&Action],
        ctx: &ExecContext<'_>,
    ) -> Result<Vec<Result<Outcome, BackendError>>, ConfluentError> {
        let first = actions[0];
        let client = self.client(ctx.manifest, &first.cluster)?;
        let (verb, targets, word): (&str, Vec<MirrorStatus>, &str) = match first.kind {
            ActionKind::PauseMirror => ("mirrors:pause", vec![MirrorStatus::Paused], "paused"),
            ActionKind::ResumeMirror => ("mirrors:resume", vec![MirrorStatus::Active], "resumed"),
            ActionKind::PromoteMirror => {
                ("mirrors:promote", vec![MirrorStatus::Stopped], "promoted")
            }
            _ => (
                "mirrors:failover",
                vec![MirrorStatus::Stopped],
                "failed over",
            ),
        };
        let names: Vec<String> = actions
            .iter()
            .map(|a| mirror_of(a).map(str::to_string))
            .collect::<Result<_, _>>()?;
        let body = serde_json::to_value(AlterMirrorsRequest {
            mirror_topic_names: names.clone(),
        })
        .map_err(|e| ConfluentError::Manifest(format!("internal: {e}")))?;
        let accepted_states: Vec<MirrorStatus> = match first.kind {
            ActionKind::PromoteMirror | ActionKind::FailoverMirror => {
                vec![MirrorStatus::Stopped, MirrorStatus::PendingStopped]
            }
            _ => targets.clone(),
        };
        let link = first.link.clone();
        let action_path = ["links", link.as_str(), verb];
        let resp = retry_write(
            &client.retry,
            || client.write_once(Method::POST, &action_path, &[], Some(&body)),
            || all_in(&client, &link, &names, &accepted_states),
        )
        .await?;
        let mut topic_errors: BTreeMap<String, String> = BTreeMap::new();
        if let Some(bytes) = resp {
            let list: DataList<AlterMirrorsData> = decode(&bytes, "POST", verb)?;
            for d in list.data.into_iter().filter(|d| d.is_error()) {
                let msg = d
                    .error_message
                    .clone()
                    .unwrap_or_else(|| format!("error_code {}", d.error_code.unwrap_or_default()));
                topic_errors.insert(d.mirror_topic_name, msg);
            }
        }
        let to_wait: Vec<String> = names
            .iter()
            .filter(|n| !topic_errors.contains_key(*n))
            .cloned()
            .collect();
        let waited = if to_wait.is_empty() {
            Ok(BTreeMap::new())
        } else {
            wait_mirrors(
                &client,
                &link,
                &to_wait,
                &targets,
                &self.wait_ctx(ctx, first),
            )
            .await
        };
        Ok(actions
            .iter()
            .zip(&names)
            .map(|(a, n)| {
                if let Some(m) = topic_errors.get(n) {
                    return Err(ConfluentError::TopicErrors {
                        action: verb.to_string(),
                        failures: vec![(n.clone(), m.clone())],
                    }
                    .into_backend(&a.cluster));
                }
                match &waited {
                    Ok(map) => {
                        let (st, d) = map
                            .get(n)
                            .cloned()
                            .unwrap_or((targets[0].clone(), Default::default()));
                        Ok(Outcome {
                            summary: format!(
                                "mirror {n} {word}: {} after {:.1} s",
                                st.as_str(),
                                d.as_secs_f64()
                            ),
                        })
                    }
                    Err(e) => Err(e.clone().into_backend(&a.cluster)),
                }
            })
            .collect())
    }
}

async fn all_in(
    client: &ClusterClient,
    link: &str,
    names: &[String],
    states: &[MirrorStatus],
) -> Result<bool, ConfluentError> {
    let list: DataList<MirrorData> = client.get(&["links", link, "mirrors"], &[]).await?;
    Ok(names.iter().all(|n| {
        list.data.iter().any(|m| {
            &m.mirror_topic_name == n && states.contains(&MirrorStatus::parse(&m.mirror_status))
        })
    }))
}
