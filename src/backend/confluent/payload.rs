//! What each action sends to Confluent REST v3, computed at plan time.
//!
//! | action | request |
//! |---|---|
//! | create link | `POST links?link_name=…` with the cluster id of the other side and every config |
//! | update link configs | `PUT links/{l}/configs:alter` (per-key `PUT`/`DELETE` where the batch call is refused), then reads the configs until they show the write |
//! | delete link | `DELETE links/{l}` |
//! | create mirror | `POST links/{l}/mirrors` |
//! | pause, resume, promote, failover | `POST links/{l}/mirrors:{verb}`, one request per link and verb for the whole step |
//! | delete mirror topic | `DELETE topics/{t}` |
//!
//! Which link object lives where (reference §5.4), from [`expected_objects`]:
//!
//! | manifest mode | side | link.mode / connection.mode | names the other cluster in |
//! |---|---|---|---|
//! | destination-initiated | destination | DESTINATION / OUTBOUND | `source_cluster_id` |
//! | source-initiated | destination | DESTINATION / INBOUND | `source_cluster_id` |
//! | source-initiated | source | SOURCE / OUTBOUND | `destination_cluster_id` |
//! | bidirectional | both | BIDIRECTIONAL / OUTBOUND | `remote_cluster_id` |
//!
//! **Fingerprint record.** A create or config change that writes sensitive
//! values also carries `fingerprints`: the record of
//! [`crate::plan::secrets::fingerprint`]s of the object's secrets that
//! linkctl keeps in the link config [`FINGERPRINTS_CONFIG`] (no secret, only
//! the fingerprints). The executor writes it only after the values were
//! confirmed written. docs/secret-rotation.md says why it lives there.

use std::collections::BTreeMap;

use crate::manifest::link_configs::{CONNECTION_MODE, LINK_MODE};
use crate::plan::cutover::Gate;
use crate::plan::desired::{expected_objects, ExpectedObject};
use crate::plan::engine_model::PlanContext;
use crate::plan::payload::confluent::{AlterEntry, AlterOp, ConfluentPayload, NamedValue};
use crate::plan::payload::{Payload, SecretSource, WireValue};
use crate::plan::secrets::fingerprint;
use crate::plan::{Action, ActionKind, ChangeOp, Value};
use crate::state::{ConnectionMode, LinkSide};

/// The link config in which linkctl records the fingerprints of the
/// sensitive values it wrote on a link object (a JSON object: key →
/// fingerprint). Not sensitive, and never a setting of the link itself.
pub const FINGERPRINTS_CONFIG: &str = "linkctl.fingerprints";

/// The record value: compact JSON of `fingerprints` (keys sorted).
pub fn record_value(fingerprints: &BTreeMap<String, String>) -> String {
    serde_json::to_string(fingerprints).unwrap_or_else(|_| "{}".to_string())
}

/// The fingerprints a record value holds (an unreadable record holds none).
pub fn parse_record(value: &str) -> BTreeMap<String, String> {
    serde_json::from_str(value).unwrap_or_default()
}

/// The fingerprints of every secret the object of `o` declares.
fn secret_fingerprints(
    a: &Action,
    o: &ExpectedObject,
    cx: &PlanContext<'_>,
) -> BTreeMap<String, String> {
    let rotation = cx
        .manifest
        .link(&a.link)
        .and_then(|l| l.rotation.as_ref())
        .map(|r| r.value.as_str());
    o.configs
        .iter()
        .filter(|(_, d)| d.sensitive || d.value.is_secret())
        .map(|(k, d)| {
            (
                k.clone(),
                fingerprint(&a.link, k, rotation, d.value.expose()),
            )
        })
        .collect()
}

/// The bulk verb of a mirror state action.
pub fn mirror_verb(kind: ActionKind) -> Option<&'static str> {
    match kind {
        ActionKind::PauseMirror => Some("pause"),
        ActionKind::ResumeMirror => Some("resume"),
        ActionKind::PromoteMirror => Some("promote"),
        ActionKind::FailoverMirror => Some("failover"),
        _ => None,
    }
}

fn object_of(a: &Action, cx: &PlanContext<'_>) -> Result<ExpectedObject, String> {
    let link = cx
        .manifest
        .link(&a.link)
        .ok_or_else(|| format!("link `{}` is not in the manifest", a.link))?;
    expected_objects(link, cx.manifest)?
        .into_iter()
        .find(|o| o.side == a.side)
        .ok_or_else(|| format!("link `{}` has no {:?} object", a.link, a.side))
}

fn secret_source(a: &Action, key: &str) -> SecretSource {
    SecretSource::LinkConfig {
        link: a.link.clone(),
        side: a.side,
        key: key.to_string(),
    }
}

fn side_word(s: LinkSide) -> &'static str {
    match s {
        LinkSide::Destination => "DESTINATION",
        LinkSide::Source => "SOURCE",
        LinkSide::Bidirectional => "BIDIRECTIONAL",
    }
}

/// The cluster id the link names for `remote`: pinned in the manifest, else
/// as read from its REST endpoint.
fn remote_id(remote: &str, cx: &PlanContext<'_>) -> Result<String, String> {
    cx.manifest
        .cluster(remote)
        .and_then(|c| c.cluster_id.as_ref().map(|i| i.value.clone()))
        .or_else(|| {
            cx.live
                .clusters
                .get(remote)
                .and_then(|c| c.cluster_id.clone())
        })
        .ok_or_else(|| {
            format!(
                "the cluster id of `{remote}` is unknown: set `cluster_id` on it, or give it a `rest` endpoint linkctl can read it from"
            )
        })
}

fn create_link(a: &Action, cx: &PlanContext<'_>) -> Result<ConfluentPayload, String> {
    let o = object_of(a, cx)?;
    let id = remote_id(&o.remote, cx)?;
    let (mut source, mut destination, mut remote) = (None, None, None);
    match o.live_side {
        LinkSide::Destination => source = Some(id),
        LinkSide::Source => destination = Some(id),
        LinkSide::Bidirectional => remote = Some(id),
    }
    let mut configs: Vec<NamedValue> = o
        .configs
        .iter()
        .map(|(k, d)| NamedValue {
            name: k.clone(),
            value: WireValue::of(&d.value, d.sensitive, || secret_source(a, k)),
        })
        .collect();
    let connection = match o.connection_mode {
        Some(ConnectionMode::Inbound) => "INBOUND",
        _ => "OUTBOUND",
    };
    for (name, value) in [
        (LINK_MODE, side_word(o.live_side)),
        (CONNECTION_MODE, connection),
    ] {
        configs.retain(|c| c.name != name);
        configs.push(NamedValue {
            name: name.to_string(),
            value: WireValue::Plain(value.to_string()),
        });
    }
    configs.sort_by(|x, y| x.name.cmp(&y.name));
    Ok(ConfluentPayload::CreateLink {
        link_name: a.link.clone(),
        source_cluster_id: source,
        destination_cluster_id: destination,
        remote_cluster_id: remote,
        configs,
        fingerprints: secret_fingerprints(a, &o, cx),
    })
}

fn alter_configs(a: &Action, cx: &PlanContext<'_>) -> Result<ConfluentPayload, String> {
    let object = object_of(a, cx)?;
    let mut entries = Vec::new();
    for ch in &a.changes {
        let entry = match (ch.op, &ch.after) {
            (ChangeOp::Reset, _) => AlterEntry {
                name: ch.key.clone(),
                operation: AlterOp::Delete,
                value: None,
            },
            (ChangeOp::Set, Some(Value::Plain(v))) => AlterEntry {
                name: ch.key.clone(),
                operation: AlterOp::Set,
                value: Some(WireValue::Plain(v.clone())),
            },
            (ChangeOp::Set, Some(Value::Sensitive)) => {
                let d = object.configs.get(&ch.key).ok_or_else(|| {
                    format!("`{}` of link `{}` is not in the manifest", ch.key, a.link)
                })?;
                AlterEntry {
                    name: ch.key.clone(),
                    operation: AlterOp::Set,
                    value: Some(WireValue::of(&d.value, true, || secret_source(a, &ch.key))),
                }
            }
            (ChangeOp::Set, None) => return Err(format!("{} sets `{}` to nothing", a.id, ch.key)),
        };
        entries.push(entry);
    }
    // The new record: what this change sends, what was recorded before for
    // the secrets still declared, nothing for the others.
    let declared = secret_fingerprints(a, &object, cx);
    let before = cx
        .live
        .clusters
        .get(&a.cluster)
        .and_then(|c| c.links.get(&a.link))
        .map(|l| l.secret_fingerprints.clone())
        .unwrap_or_default();
    let mut record: BTreeMap<String, String> = before
        .iter()
        .filter(|(k, _)| declared.contains_key(*k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for e in &entries {
        if let (AlterOp::Set, Some(WireValue::Secret(_)), Some(fp)) =
            (e.operation, &e.value, declared.get(&e.name))
        {
            record.insert(e.name.clone(), fp.clone());
        }
    }
    Ok(ConfluentPayload::AlterConfigs {
        link_name: a.link.clone(),
        entries,
        fingerprints: (record != before).then_some(record),
    })
}

fn mirror_name(a: &Action) -> Result<String, String> {
    a.mirror
        .clone()
        .ok_or_else(|| format!("{} names no mirror", a.id))
}

/// The payload of `a`.
pub fn build(a: &Action, cx: &PlanContext<'_>) -> Result<Payload, String> {
    let p = match a.kind {
        ActionKind::CreateLink => create_link(a, cx)?,
        ActionKind::UpdateLinkConfigs => alter_configs(a, cx)?,
        ActionKind::DeleteLink => ConfluentPayload::DeleteLink {
            link_name: a.link.clone(),
        },
        ActionKind::CreateMirror => {
            let mirror = mirror_name(a)?;
            let source = a.source_topic.clone().unwrap_or_else(|| mirror.clone());
            ConfluentPayload::CreateMirror {
                link_name: a.link.clone(),
                mirror_topic_name: (mirror != source).then_some(mirror),
                source_topic_name: source,
            }
        }
        ActionKind::DeleteMirrorTopic => ConfluentPayload::DeleteTopic {
            topic_name: mirror_name(a)?,
        },
        ActionKind::FenceTopic | ActionKind::UnfenceTopic => {
            return crate::backend::kafka::fence::payload(a)
        }
        ActionKind::RemirrorTopic => {
            return Err(format!(
                "{}: Confluent Cluster Linking cannot re-copy a mirror into its topic; delete the topic and declare the mirror again",
                a.id
            ))
        }
        kind => ConfluentPayload::AlterMirror {
            link_name: a.link.clone(),
            verb: mirror_verb(kind).unwrap_or_default().to_string(),
            mirror_topic_name: mirror_name(a)?,
            gate: (kind == ActionKind::PromoteMirror).then(|| Gate {
                settle_ms: cx.manifest.link(&a.link).map_or(
                    crate::manifest::DEFAULT_SETTLE_MS,
                    crate::manifest::Link::settle_ms,
                ),
            }),
        },
    };
    Ok(Payload::Confluent(p))
}
