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

use super::mapping::{
    checkpoint_config, checkpoint_connector, is_translated, source_config, source_connector,
};
use super::spec::link_spec;
use crate::plan::cutover::Gate;
use crate::plan::engine_model::PlanContext;
use crate::plan::payload::mirrormaker2::{ConnectorConfig, Mm2Payload};
use crate::plan::payload::{Payload, WireValue};
use crate::plan::{Action, ActionKind, ChangeOp};

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
