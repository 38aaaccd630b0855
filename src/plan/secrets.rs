//! Sensitive link configs: how a plan decides to re-send a secret it cannot read.
//!
//! Engines return sensitive configs (`sasl.jaas.config`, `ssl.keystore.key`, …)
//! as `null`, so they can never be diffed by value, and a plan never holds
//! them (`Value::Sensitive`). Instead:
//!
//! 1. **Fingerprint.** Whenever linkctl writes a sensitive value it records
//!    [`fingerprint`]`(link, key, rotation, value)` =
//!    `sha256:` + hex SHA-256 of `linkctl-secret-v1 \0 link \0 key \0 rotation \0 value`
//!    (`rotation` is the manifest link's `rotation` field, empty when absent).
//!    Backends report what they recorded in `LiveLink.secret_fingerprints`
//!    (by config key). The fingerprint is salted by link and key, so equal
//!    secrets on two links do not give equal fingerprints, and it is one-way.
//! 2. **Decision** ([`decide`]), for each sensitive key the manifest declares:
//!    - the live link has no value for the key (absent or default) → send it;
//!    - a recorded fingerprint differs from the manifest's → send it (the
//!      local secret changed, or `rotation` was bumped);
//!    - a recorded fingerprint matches → nothing to do;
//!    - the key is set on the server but no fingerprint was recorded (the link
//!      was created by another tool) → nothing is sent and the plan warns; bump
//!      `rotation` to force a re-send, which also records a fingerprint.
//! 3. **Rotation.** Changing the manifest's `rotation` string changes every
//!    fingerprint of the link, so every sensitive value is re-sent once.

use sha2::{Digest, Sha256};

use crate::state::LiveConfig;

/// The fingerprint linkctl records for a sensitive value it wrote.
pub fn fingerprint(link: &str, key: &str, rotation: Option<&str>, value: &str) -> String {
    let mut h = Sha256::new();
    for part in [
        "linkctl-secret-v1",
        link,
        key,
        rotation.unwrap_or(""),
        value,
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    format!("sha256:{}", hex(&h.finalize()))
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// What to do with one sensitive key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretDecision {
    /// Live matches the manifest's fingerprint.
    Unchanged,
    /// Send the manifest's value; `reason` says why in plain words.
    Send { reason: &'static str },
    /// Set on the server, but linkctl cannot tell whether it matches.
    Unknown,
}

/// Decides whether the sensitive `key` must be (re-)sent.
pub fn decide(
    live: Option<&LiveConfig>,
    recorded: Option<&String>,
    desired_fingerprint: &str,
) -> SecretDecision {
    let set_on_server = live.is_some_and(|c| !c.is_default);
    match (set_on_server, recorded) {
        (false, _) => SecretDecision::Send {
            reason: "not set on the link",
        },
        (true, Some(fp)) if fp == desired_fingerprint => SecretDecision::Unchanged,
        (true, Some(_)) => SecretDecision::Send {
            reason: "the local secret or the rotation changed",
        },
        (true, None) => SecretDecision::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> LiveConfig {
        LiveConfig {
            value: None,
            is_default: false,
            is_read_only: false,
            is_sensitive: true,
            source: Some("DYNAMIC_CLUSTER_LINK_CONFIG".into()),
        }
    }

    #[test]
    fn fingerprint_is_salted_and_rotates() {
        let a = fingerprint("l1", "sasl.jaas.config", None, "s3cret");
        assert_ne!(a, fingerprint("l2", "sasl.jaas.config", None, "s3cret"));
        assert_ne!(
            a,
            fingerprint("l1", "sasl.jaas.config", Some("2"), "s3cret")
        );
        assert_eq!(a, fingerprint("l1", "sasl.jaas.config", None, "s3cret"));
        assert!(!a.contains("s3cret"));
        assert_eq!(a.len(), "sha256:".len() + 64);
    }

    #[test]
    fn decisions() {
        let fp = fingerprint("l", "k", None, "v");
        assert!(matches!(
            decide(None, None, &fp),
            SecretDecision::Send { .. }
        ));
        assert_eq!(
            decide(Some(&set()), Some(&fp), &fp),
            SecretDecision::Unchanged
        );
        assert!(matches!(
            decide(Some(&set()), Some(&"sha256:00".to_string()), &fp),
            SecretDecision::Send { .. }
        ));
        assert_eq!(decide(Some(&set()), None, &fp), SecretDecision::Unknown);
    }
}
