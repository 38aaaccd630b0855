//! What each action sends to Kafka Connect, computed at plan time.
//!
//! | action | requests |
//! |---|---|
//! | create link, update link configs | `PUT /connectors/{c}/config` for the checkpoint connector, then the source connector |
//! | create, promote, fail over, delete mirrors | one `PUT /connectors/{link}-source/config` per step with the final mirror lists (plus one topic deletion request for deleted mirrors) |
//! | delete link | per connector: `PUT …/stop`, `DELETE …/offsets`, `DELETE …` |
//!
//! A link config write carries the whole connector configs except the
//! mirror lists (`topics` and linkctl's stopped-mirrors annotation), which
//! belong to the mirror actions and are kept as they are live; and except
//! the live canonical keys named in `keep_live` (set on the link, not
//! declared, not reset: the plan leaves unmanaged keys alone, so the write
//! must too). An undeclared, unreset key that becomes connector settings
//! (an absent `consumer_offset_sync`, …) is written with its live value,
//! taken at plan time.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::super::engine::PlanContext;
use super::super::payload::Payload;
use super::mapping::{
    checkpoint_config, checkpoint_connector, is_translated, source_config, source_connector,
};
use super::spec::link_spec;
use crate::manifest::Filter;
use crate::plan::cutover::Gate;
use crate::plan::payload::WireValue;
use crate::plan::{Action, ActionKind, ChangeOp};

/// One connector's full config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorConfig {
    pub name: String,
    pub config: BTreeMap<String, WireValue>,
}

/// The request(s) of one action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mm2Payload {
    /// `PUT /connectors/{name}/config` for each, in order.
    WriteConnectors {
        connectors: Vec<ConnectorConfig>,
        /// Canonical keys whose live settings the write keeps.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        keep_live: Vec<String>,
    },
    /// `topic` joins the `topics` of `connector`; `adopt`: the destination
    /// topic may exist already (its records stay in front).
    StartMirror {
        connector: String,
        topic: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        adopt: bool,
    },
    /// `topic` leaves `topics` and is remembered as stopped. A promotion
    /// (`gate`) first waits until the destination holds every record of the
    /// source and the source is quiet, and syncs the offsets of the groups
    /// `groups` covers; a failover stops at once and reports what it left.
    StopMirror {
        connector: String,
        topic: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        gate: Option<Gate>,
        /// The consumer groups whose offsets the link syncs (its filters).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        groups: Vec<Filter>,
    },
    /// The destination topic was deleted out of band: stop the connector,
    /// forget its stored offsets for `topic`, delete what the destination
    /// topic holds, and mirror `topic` again from the source's start.
    Remirror { connector: String, topic: String },
    /// `topic` leaves both lists, and the topic is deleted on the destination.
    DeleteMirrorTopic { connector: String, topic: String },
    /// Per connector: stop, reset its stored offsets, delete.
    DeleteConnectors { connectors: Vec<String> },
}

fn mirror(a: &Action) -> Result<String, String> {
    a.mirror
        .clone()
        .ok_or_else(|| format!("{} names no mirror", a.id))
}

fn write_connectors(a: &Action, cx: &PlanContext<'_>) -> Result<Mm2Payload, String> {
    let mut spec = link_spec(cx.manifest, &a.link)?;
    let resets: Vec<&str> = a
        .changes
        .iter()
        .filter(|c| c.op == ChangeOp::Reset)
        .map(|c| c.key.as_str())
        .collect();
    let live = match a.kind {
        ActionKind::CreateLink => None,
        _ => cx
            .live
            .clusters
            .get(&a.cluster)
            .and_then(|c| c.links.get(&a.link)),
    };
    // Live keys the manifest does not declare and the plan does not reset
    // are left alone (an absent section, a free-form key dropped without
    // `prune`). Translated ones (offset sync, topic config sync, metadata
    // refresh) become connector settings: they are written again with their
    // live value, which the plan knows now. The others keep their live
    // connector settings, read when the write is sent.
    let kept = |k: &String| !spec.canonical.contains_key(k) && !resets.contains(&k.as_str());
    let mut keep_live = Vec::new();
    let mut translated = Vec::new();
    for (k, c) in live.map(|l| &l.configs).into_iter().flatten() {
        match (kept(k), is_translated(k), &c.value) {
            (false, ..) => {}
            (true, false, _) => keep_live.push(k.clone()),
            (true, true, Some(v)) if !c.is_sensitive => {
                translated.push((k.clone(), WireValue::Plain(v.clone())));
            }
            (true, true, _) => {}
        }
    }
    spec.canonical.extend(translated);
    let cp = checkpoint_config(&spec).map_err(|e| e.0)?;
    let src = source_config(&spec).map_err(|e| e.0)?;
    Ok(Mm2Payload::WriteConnectors {
        connectors: vec![
            ConnectorConfig {
                name: checkpoint_connector(&a.link),
                config: cp,
            },
            ConnectorConfig {
                name: source_connector(&a.link),
                config: src,
            },
        ],
        keep_live,
    })
}

/// The payload of `a`.
pub fn build(a: &Action, cx: &PlanContext<'_>) -> Result<Payload, String> {
    let connector = source_connector(&a.link);
    let p = match a.kind {
        ActionKind::CreateLink | ActionKind::UpdateLinkConfigs => write_connectors(a, cx)?,
        ActionKind::DeleteLink => Mm2Payload::DeleteConnectors {
            connectors: vec![checkpoint_connector(&a.link), connector],
        },
        ActionKind::CreateMirror => {
            let topic = mirror(a)?;
            let adopt = cx
                .manifest
                .link(&a.link)
                .and_then(|l| l.mirrors.iter().find(|m| m.mirror_name(l) == topic))
                .is_some_and(crate::manifest::Mirror::adopts);
            Mm2Payload::StartMirror {
                connector,
                topic,
                adopt,
            }
        }
        ActionKind::PromoteMirror | ActionKind::FailoverMirror => {
            let link = cx.manifest.link(&a.link);
            let promote = a.kind == ActionKind::PromoteMirror;
            Mm2Payload::StopMirror {
                connector,
                topic: mirror(a)?,
                gate: promote.then(|| Gate {
                    settle_ms: link.map_or(crate::manifest::DEFAULT_SETTLE_MS, |l| l.settle_ms()),
                }),
                groups: link.map(|l| l.synced_groups()).unwrap_or_default(),
            }
        }
        ActionKind::RemirrorTopic => Mm2Payload::Remirror {
            connector,
            topic: mirror(a)?,
        },
        ActionKind::FenceTopic | ActionKind::UnfenceTopic => {
            return crate::backend::kafka::fence::payload(a)
        }
        ActionKind::DeleteMirrorTopic => Mm2Payload::DeleteMirrorTopic {
            connector,
            topic: mirror(a)?,
        },
        ActionKind::PauseMirror | ActionKind::ResumeMirror => {
            return Err(format!(
                "{}: MirrorMaker 2 cannot pause or resume a single topic",
                a.id
            ))
        }
    };
    Ok(Payload::Mirrormaker2(p))
}
