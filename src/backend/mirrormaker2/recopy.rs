//! Copying topics again from the start of their source.
//!
//! MirrorMaker 2 resumes a topic from the offset its connector stored, even
//! when the topic left `topics` long ago or its destination topic was
//! deleted meanwhile: a re-declared mirror, or a destination topic deleted
//! out of band, would silently lack everything before that offset. Kafka
//! Connect forgets a source connector's stored offsets only while the
//! connector is stopped (KIP-875), so a re-copy:
//!
//! 1. stops the source connector (the link's other mirrors pause for the
//!    few seconds this takes; their offsets are committed on the way);
//! 2. forgets the stored offsets of the re-copied topics' partitions
//!    (`PATCH …/offsets`, `offset: null`);
//! 3. deletes the destination topics that are to be copied again (a
//!    repair) and waits until they are gone;
//! 4. writes the connector config (the new mirror lists) and resumes it:
//!    MirrorMaker 2 creates the missing destination topics at start and
//!    copies from the source's earliest offset.

use std::collections::BTreeMap;

use serde_json::json;

use super::connect_client::ConnectClient;
use super::mapping::source_connector;
use super::mirror_lists::MirrorLists;
use super::wait::{poll_until, wait_running, wait_stopped, wait_topics, Poll, SourceTopics};
use crate::backend::{BackendError, ExecContext};
use crate::plan::Action;

/// The stored offsets of `connector` that belong to `topics`, as the
/// `PATCH …/offsets` body that forgets them (`None`: there are none).
pub async fn stored_of(
    connect: &ConnectClient,
    connector: &str,
    topics: &[String],
) -> Result<Option<serde_json::Value>, BackendError> {
    let Some(stored) = connect.offsets(connector).await? else {
        return Ok(None);
    };
    let forget: Vec<serde_json::Value> = stored
        .offsets
        .iter()
        .filter(|o| {
            o.partition
                .get("topic")
                .and_then(|t| t.as_str())
                .is_some_and(|t| topics.iter().any(|x| x == t))
        })
        .map(|o| json!({"partition": o.partition, "offset": null}))
        .collect();
    Ok((!forget.is_empty()).then(|| json!({ "offsets": forget })))
}

/// Stops `connector`, forgets `forget` (a `PATCH …/offsets` body), deletes
/// `delete` on the destination, writes `config` and resumes the connector.
pub async fn restart_from_start(
    connect: &ConnectClient,
    connector: &str,
    config: &BTreeMap<String, String>,
    forget: Option<&serde_json::Value>,
    delete: &[String],
    a: &Action,
    ctx: &ExecContext<'_>,
) -> Result<(), BackendError> {
    ctx.progress.update(
        &a.id,
        &format!("stopping {connector} to forget its stored offsets of the re-copied topic(s)"),
    );
    super::execute::bounded(ctx, connect.stop(connector)).await?;
    wait_stopped(connect, connector, a, ctx).await?;
    if let Some(body) = forget {
        super::execute::bounded(ctx, connect.patch_offsets(connector, body)).await?;
    }
    if !delete.is_empty() {
        let dest = ctx.kafka.get(&a.cluster, ctx.clusters.get(&a.cluster)?);
        dest.delete_topics(delete).await?;
        let what = format!("{} destination topic(s) to be deleted", delete.len());
        let dest = &dest;
        poll_until(ctx, &a.cluster, &a.id, &what, || async move {
            let present = dest.partition_counts().await?;
            let left = delete.iter().filter(|t| present.contains_key(*t)).count();
            Ok(if left == 0 {
                Poll::Done
            } else {
                Poll::Waiting(format!("waiting for {left} topic(s) to be deleted"))
            })
        })
        .await?;
    }
    super::execute::bounded(ctx, connect.put_config(connector, config)).await?;
    super::execute::bounded(ctx, connect.resume(connector)).await?;
    wait_running(connect, a, ctx).await
}

/// Re-copies `topic`, whose destination topic was deleted out of band:
/// deletes what the destination topic holds now, forgets the connector's
/// stored offsets of it, copies it again from the source's start and
/// records the new topic's id.
pub async fn remirror(
    connect: &ConnectClient,
    topic: &str,
    a: &Action,
    ctx: &ExecContext<'_>,
) -> Result<String, BackendError> {
    let connector = source_connector(&a.link);
    let Some(live) = connect.config(&connector).await? else {
        return Err(BackendError::new(
            &a.cluster,
            format!("connector {connector} does not exist; apply the link first"),
        ));
    };
    let mut lists = MirrorLists::of(&live);
    lists.ids.remove(topic);
    lists.start(topic);
    let mut config = live.clone();
    lists.clone().sorted().apply_to(&mut config);
    let topics = [topic.to_string()];
    let dest = ctx.kafka.get(&a.cluster, ctx.clusters.get(&a.cluster)?);
    let held = dest.partition_counts().await?.contains_key(topic);
    let forget = stored_of(connect, &connector, &topics).await?;
    let delete: &[String] = if held { &topics } else { &[] };
    restart_from_start(
        connect,
        &connector,
        &config,
        forget.as_ref(),
        delete,
        a,
        ctx,
    )
    .await?;
    wait_topics(&a.cluster, &SourceTopics::of(&live, ctx), &topics, a, ctx).await?;
    lists.ids.extend(dest.topic_ids(&topics).await?);
    let mut config = connect.config(&connector).await?.unwrap_or(config);
    lists.sorted().apply_to(&mut config);
    super::execute::bounded(ctx, connect.put_config(&connector, &config)).await?;
    wait_running(connect, a, ctx).await?;
    Ok(format!(
        "{topic} is copied again from the start of its source into a new destination topic"
    ))
}
