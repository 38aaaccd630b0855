//! Producer fences on source topics, the same for every engine: a fence is
//! a Kafka ACL on the source cluster (see [`super::admin`]'s `fence`).
//! A step fences or unfences every topic of its actions in one request.

use crate::backend::engine::payload_of;
use crate::backend::{ActionResult, BackendError, ExecContext};
use crate::plan::payload::{KafkaPayload, Payload};
use crate::plan::{Action, ActionKind};

/// The payload of a fence action (its source topic).
pub fn payload(a: &Action) -> Result<Payload, String> {
    let topic = a
        .source_topic
        .clone()
        .ok_or_else(|| format!("{} names no source topic", a.id))?;
    Ok(Payload::Kafka(match a.kind {
        ActionKind::UnfenceTopic => KafkaPayload::Unfence { topic },
        _ => KafkaPayload::Fence { topic },
    }))
}

/// Runs a step of fence (or unfence) actions of one cluster: one request.
pub async fn run_step(step: &[&Action], ctx: &ExecContext<'_>) -> Vec<ActionResult> {
    let Some(first) = step.first() else {
        return Vec::new();
    };
    let result = async {
        let mut fence = Vec::new();
        let mut unfence = Vec::new();
        for a in step {
            match payload_of(a, |p| match p {
                Payload::Kafka(k) => Some(k),
                _ => None,
            })? {
                KafkaPayload::Fence { topic } => fence.push(topic.clone()),
                KafkaPayload::Unfence { topic } => unfence.push(topic.clone()),
            }
        }
        let admin = ctx
            .kafka
            .get(&first.cluster, ctx.clusters.get(&first.cluster)?);
        admin.fence(&fence).await?;
        admin.unfence(&unfence).await?;
        Ok::<_, BackendError>(())
    }
    .await;
    step.iter()
        .map(|a| match &result {
            Ok(()) => ActionResult::done(match a.kind {
                ActionKind::UnfenceTopic => format!(
                    "the producer fence of {}/{} is removed",
                    a.cluster,
                    a.source_topic.as_deref().unwrap_or("?")
                ),
                _ => format!(
                    "{}/{} is fenced: every producer of it is refused (DENY Write for User:*)",
                    a.cluster,
                    a.source_topic.as_deref().unwrap_or("?")
                ),
            }),
            Err(e) => ActionResult::Failed(e.clone()),
        })
        .collect()
}
