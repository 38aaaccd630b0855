//! Link config updates: set what differs (after normalisation), re-send
//! write-only values whose fingerprint changed, reset keys that are no longer
//! declared.
//!
//! **Write-only keys.** A key is compared by fingerprint (see
//! [`crate::plan::secrets`]) only when the server cannot return it: the live
//! config says `is_sensitive`, or the key's name is sensitive
//! ([`is_sensitive_key`]) and the live value is null. Every other key is
//! compared by its normalised value, including one whose manifest value comes
//! from `${env:…}`; such a change still renders both sides as
//! `(sensitive value)`, so a secret never reaches a plan.
//!
//! **When is a key "managed", so that the plan resets it to its default
//! when the manifest does not set it?** A live key is reset when all of
//! these hold:
//! - the manifest object does not declare it;
//! - it is set on the link, by the rule `export` shares
//!   ([`crate::plan::user_set`]: the row's default flags and `source`, and
//!   the known defaults);
//! - it is not read-only and not immutable (`cluster.link.prefix`,
//!   `link.mode`, `connection.mode`);
//! - and either the manifest declares the structured section that derives
//!   it ([`declared_section`]: `consumer_offset_sync`, `acl_sync`,
//!   `topic_config_sync`, `auto_create_mirrors`) on an object that carries
//!   behaviour configs — a declared section is the whole truth about its
//!   keys —, or the link has `prune: true` (then the manifest is the whole
//!   truth for every key, free-form ones included).
//!
//! A section that is absent leaves its keys alone, and so does a free-form
//! `config` key dropped from the manifest, unless the link says `prune:
//! true`: linkctl cannot tell a setting the manifest forgot, or one made by
//! another tool, from one it should undo (docs/confluent-engine.md, "What
//! the manifest manages"). Every reset says why, in a note on the action.

use std::collections::BTreeMap;

use crate::manifest::link_configs::{declared_section, section_of, IMMUTABLE_KEYS};
use crate::manifest::sensitive::{is_sensitive_key, looks_secret};
use crate::manifest::Link;
use crate::plan::action::{Action, ActionKind, Change, ChangeOp, Value};
use crate::plan::desired::ExpectedObject;
use crate::plan::normalize::same;
use crate::plan::secrets::{decide, fingerprint, SecretDecision};
use crate::plan::user_set::{self, Origin};
use crate::state::{LiveConfig, LiveLink};

use super::{engine_notes, link_target, new_action, Builder};

pub use crate::plan::user_set::DYNAMIC_SOURCE;

/// The update action for an existing object, if anything differs.
pub(super) fn update_action(
    b: &mut Builder,
    name: &str,
    link: &Link,
    o: &ExpectedObject,
    live: &LiveLink,
) -> Option<Action> {
    let target = link_target(&o.cluster, name);
    let rotation = link.rotation.as_ref().map(|r| r.value.as_str());
    let mut changes = Vec::new();
    let mut notes = Vec::new();
    for (key, d) in &o.configs {
        if IMMUTABLE_KEYS.contains(&key.as_str()) {
            continue;
        }
        let lc = live.configs.get(key);
        if is_write_only(key, lc) {
            let fp = fingerprint(name, key, rotation, d.value.expose());
            let origin = user_set::origin(live, key);
            match decide(
                origin,
                live.secret_fingerprints.get(key),
                &fp,
                rotation.is_some(),
            ) {
                SecretDecision::Unchanged => {}
                SecretDecision::Send { reason } => {
                    notes.push(format!("`{key}` is sent: {reason}"));
                    changes.push(Change {
                        key: key.clone(),
                        op: ChangeOp::Set,
                        before: (origin != Origin::Default).then_some(Value::Sensitive),
                        after: Some(Value::Sensitive),
                    });
                }
                SecretDecision::Unknown => b.warn(
                    target.clone(),
                    format!(
                        "sensitive config `{key}` {} on the link, but linkctl has no fingerprint of it, \
                         so it cannot tell whether it matches the manifest; nothing is sent. \
                         Set `rotation` on the link to send it once and record its fingerprint.",
                        if origin == Origin::Unknown { "may be set" } else { "is set" }
                    ),
                ),
            }
            continue;
        }
        // The server returns this key in clear: compare by value, but never
        // show a value that came from a secret or looks like one (nor the
        // live one beside it).
        let have = lc.and_then(|c| c.value.as_deref());
        let hidden =
            d.sensitive || d.value.is_secret() || have.is_some_and(|h| looks_secret(key, h));
        let want = d.value.expose();
        if same(key, have, Some(want)) {
            continue;
        }
        let shown = |v: &str| {
            if hidden {
                Value::Sensitive
            } else {
                Value::Plain(v.to_string())
            }
        };
        if lc.is_some_and(|c| c.is_read_only) {
            let (live_text, want_text) = if hidden {
                ("set".to_string(), "(sensitive value)".to_string())
            } else {
                (
                    have.map_or("unset".to_string(), |h| format!("\"{h}\"")),
                    format!("\"{want}\""),
                )
            };
            b.error(
                target.clone(),
                format!(
                    "`{key}` is read-only on `{}` (live {live_text}, manifest {want_text}); remove it from the manifest or declare the live value",
                    o.cluster,
                ),
            );
            continue;
        }
        if hidden {
            notes.push(format!(
                "`{key}` is sent: its live value differs from the manifest's"
            ));
        }
        changes.push(Change {
            key: key.clone(),
            op: ChangeOp::Set,
            before: have.map(shown),
            after: Some(shown(want)),
        });
    }
    // Per absent section, the live keys it would manage (left alone).
    let mut left_alone: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (key, lc) in &live.configs {
        if o.configs.contains_key(key) {
            continue;
        }
        let Some(why) = why_reset(key, lc, live, o, link) else {
            if let Some(section) = absent_section_setting(key, lc, live, o, link) {
                left_alone.entry(section).or_default().push(key);
            }
            continue;
        };
        notes.push(format!("`{key}` is reset to its default: {why}"));
        changes.push(Change {
            key: key.clone(),
            op: ChangeOp::Reset,
            // Secret-ness travels with the key: a key linkctl recorded a
            // fingerprint for held a secret, whatever its name.
            before: Some(if live.holds_secret(key) {
                Value::Sensitive
            } else {
                Value::Plain(lc.value.clone().unwrap_or_default())
            }),
            after: None,
        });
    }
    for (section, keys) in left_alone {
        b.unmanaged(
            &o.cluster,
            name,
            None,
            format!(
                "`{section}` is not in the manifest, so the link's {} {}; declare the section, or set `prune: true` on the link, to manage {}",
                keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "),
                if keys.len() == 1 { "stays as it is" } else { "stay as they are" },
                if keys.len() == 1 { "it" } else { "them" },
            ),
        );
    }
    if changes.is_empty() {
        return None;
    }
    let mut a = new_action(
        ActionKind::UpdateLinkConfigs,
        &o.cluster,
        name,
        link.engine.value,
        o.side,
        None,
    );
    a.changes = changes;
    a.notes = notes;
    a.notes.extend(engine_notes(
        &b.engines,
        link.engine.value,
        ActionKind::UpdateLinkConfigs,
    ));
    Some(a)
}

/// True when `key` cannot be read back from the server, so it is compared by
/// fingerprint instead of by value: the live config says it is sensitive, or
/// its name says so and the server returns no value for it. A key the server
/// returns in clear is compared by value, even when the manifest's value is a
/// `${env:…}` secret.
fn is_write_only(key: &str, lc: Option<&LiveConfig>) -> bool {
    match lc {
        Some(c) if c.is_sensitive => true,
        Some(c) => c.value.is_none() && is_sensitive_key(key),
        None => is_sensitive_key(key),
    }
}

/// Why a live key the manifest object does not declare is reset (see the
/// module documentation); `None`: it is left alone.
fn why_reset(
    key: &str,
    lc: &LiveConfig,
    live: &LiveLink,
    o: &ExpectedObject,
    link: &Link,
) -> Option<String> {
    if !user_set::is_user_set(live, key) || lc.is_read_only || IMMUTABLE_KEYS.contains(&key) {
        return None;
    }
    if let Some(section) = declared_section(link, key).filter(|_| o.behaviour) {
        return Some(format!(
            "the link declares `{section}`, which does not set it"
        ));
    }
    link.prune
        .then(|| "the link says `prune: true` and does not declare it".to_string())
}

/// The structured section, absent from the manifest, whose live setting
/// `key` is left alone (set on the link, not read-only, on the object that
/// carries behaviour configs, and the link does not prune); `None` for any
/// other key.
fn absent_section_setting(
    key: &str,
    lc: &LiveConfig,
    live: &LiveLink,
    o: &ExpectedObject,
    link: &Link,
) -> Option<&'static str> {
    let section = section_of(key)?;
    let left = o.behaviour
        && !link.prune
        && declared_section(link, key).is_none()
        && !lc.is_read_only
        && user_set::is_user_set(live, key);
    left.then_some(section)
}

#[cfg(test)]
mod tests {
    use super::is_write_only;
    use crate::state::LiveConfig;

    fn live(value: Option<&str>, is_sensitive: bool) -> LiveConfig {
        LiveConfig {
            value: value.map(str::to_string),
            is_default: Some(false),
            is_read_only: false,
            is_sensitive,
            source: Some(super::DYNAMIC_SOURCE.to_string()),
        }
    }

    #[test]
    fn write_only_follows_the_live_config() {
        // The server says it is sensitive: whatever the key's name.
        assert!(is_write_only(
            "metadata.max.age.ms",
            Some(&live(None, true))
        ));
        assert!(is_write_only("sasl.jaas.config", Some(&live(None, true))));
        // A sensitive name the server returns as null.
        assert!(is_write_only("sasl.jaas.config", Some(&live(None, false))));
        // Absent on the server: the name decides.
        assert!(is_write_only("ssl.key.password", None));
        assert!(!is_write_only("metadata.max.age.ms", None));
        // Returned in clear: compared by value, even for a sensitive name.
        assert!(!is_write_only(
            "sasl.jaas.config",
            Some(&live(Some("x"), false))
        ));
        assert!(!is_write_only(
            "metadata.max.age.ms",
            Some(&live(Some("5000"), false))
        ));
        // A non-sensitive key with no value is compared by value (unset).
        assert!(!is_write_only(
            "metadata.max.age.ms",
            Some(&live(None, false))
        ));
    }
}
