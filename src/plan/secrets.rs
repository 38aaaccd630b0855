//! Sensitive link configs: how a plan decides to re-send a secret it cannot read.
//!
//! Engines return sensitive configs (`sasl.jaas.config`, `ssl.keystore.key`, …)
//! as `null`, so they can never be diffed by value, and a plan never holds
//! them (`Value::Sensitive`). Instead:
//!
//! 1. **Fingerprint.** Whenever linkctl writes a sensitive value it records
//!    [`fingerprint`]`(link, key, rotation, value)`: `argon2id:` + hex of a
//!    hash of the value's slow, salted core ([`super::secret_hash`]) and the
//!    manifest link's `rotation` field (empty when absent).
//!    Backends report what they recorded in `LiveLink.secret_fingerprints`
//!    (by config key). The fingerprint is salted by link and key, so equal
//!    secrets on two links do not give equal fingerprints; it is one-way,
//!    and testing a guess against it costs an Argon2id derivation.
//! 2. **Decision** ([`decide`]), for each sensitive key the manifest declares,
//!    from where the live value comes from ([`crate::plan::user_set`]):
//!    - the key is not set on the link → send it;
//!    - a recorded fingerprint differs from the manifest's → send it (the
//!      local secret changed, or `rotation` was bumped);
//!    - a recorded fingerprint matches → nothing to do;
//!    - the key is (or may be) set but no fingerprint was recorded (the link
//!      was created by another tool, or by a linkctl that kept none): with a
//!      `rotation` on the link it is sent once (which records one);
//!      otherwise nothing is sent and the plan warns.
//! 3. **Rotation.** Changing the manifest's `rotation` string changes every
//!    fingerprint of the link, so every sensitive value is re-sent once.
//!
//! Where the fingerprints are recorded is the engine's business (Confluent:
//! a link config of linkctl's own, `linkctl.fingerprints`; MirrorMaker 2:
//! connector annotations); see docs/secret-rotation.md.

use crate::plan::user_set::Origin;

/// The fingerprint linkctl records for a sensitive value it wrote: slow
/// and salted ([`super::secret_hash`]), then tied to the link's rotation.
pub fn fingerprint(link: &str, key: &str, rotation: Option<&str>, value: &str) -> String {
    let core = super::secret_hash::core(link, key, value);
    super::secret_hash::fingerprint_of(&core, &["record", rotation.unwrap_or("")])
}

/// Whether a recorded value is a fingerprint (of this version, or the
/// `sha256:` ones older versions recorded, which no longer match: the
/// secret is sent once more and recorded anew).
pub fn is_fingerprint(v: &str) -> bool {
    v.starts_with("argon2id:") || v.starts_with("sha256:")
}

/// What to do with one sensitive key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretDecision {
    /// Live matches the manifest's fingerprint.
    Unchanged,
    /// Send the manifest's value; `reason` says why in plain words.
    Send { reason: &'static str },
    /// Set (or maybe set) on the server, but linkctl cannot tell whether it
    /// matches.
    Unknown,
}

/// Decides whether a sensitive key must be (re-)sent: `origin` says whether
/// the server has a value, `recorded` is the fingerprint linkctl recorded
/// when it last wrote it, `rotation_declared` whether the link has `rotation`.
pub fn decide(
    origin: Origin,
    recorded: Option<&String>,
    desired_fingerprint: &str,
    rotation_declared: bool,
) -> SecretDecision {
    match (origin, recorded) {
        (Origin::Default, _) => SecretDecision::Send {
            reason: "not set on the link",
        },
        (_, Some(fp)) if fp == desired_fingerprint => SecretDecision::Unchanged,
        (_, Some(_)) => SecretDecision::Send {
            reason: "the local secret or the rotation changed since linkctl last wrote it",
        },
        (_, None) if rotation_declared => SecretDecision::Send {
            reason: "linkctl has no fingerprint of the value on the server, and the link declares `rotation`: it is sent once, and its fingerprint recorded",
        },
        (_, None) => SecretDecision::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(a.len(), "argon2id:".len() + 64);
    }

    #[test]
    fn decisions() {
        let fp = fingerprint("l", "k", None, "v");
        let other = "argon2id:00".to_string();
        let send = |d| matches!(d, SecretDecision::Send { .. });
        assert!(send(decide(Origin::Default, None, &fp, false)));
        assert!(send(decide(Origin::Default, Some(&fp), &fp, false)));
        assert_eq!(
            decide(Origin::User, Some(&fp), &fp, false),
            SecretDecision::Unchanged
        );
        assert!(send(decide(Origin::User, Some(&other), &fp, false)));
        assert_eq!(
            decide(Origin::User, None, &fp, false),
            SecretDecision::Unknown
        );
        assert_eq!(
            decide(Origin::Unknown, None, &fp, false),
            SecretDecision::Unknown
        );
        assert!(send(decide(Origin::User, None, &fp, true)));
        assert!(send(decide(Origin::Unknown, None, &fp, true)));
    }
}
