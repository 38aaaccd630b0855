//! The slow, salted hash behind every fingerprint of a secret that leaves
//! linkctl (the record on a server, the references of saved and JSON plans).
//!
//! A fingerprint lets linkctl tell whether a secret changed without keeping
//! it, and whoever reads a plan file or a link's configs can see it. A fast
//! hash would let that reader confirm a guess of the secret at the speed of
//! SHA-256; this one costs a memory-hard Argon2id derivation per guess:
//!
//! `core = Argon2id(m = 19 MiB, t = 2, p = 1, password = value,
//!                  salt = SHA-256("linkctl-secret-v2" \0 link \0 key)[..16])`
//!
//! and every fingerprint is a fast hash of `core` with what it is about
//! (its rotation, its place in a payload). The salt is deterministic, so
//! the same inputs give the same plan, byte for byte; it differs per link
//! and key, so one guess tests one secret of one link, and nothing
//! computed for one deployment's key serves another's. The threat model and
//! the measured cost are in docs/secret-rotation.md.
//!
//! Pure: the derivation of each (link, key, value) is remembered for the
//! rest of the process (by a hash of the three, never the value), so a
//! plan pays it once per secret however many fingerprints use it.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};

/// Argon2id memory in KiB (19 MiB), passes and lanes: the first of OWASP's
/// recommended settings for Argon2id.
pub const MEMORY_KIB: u32 = 19 * 1024;
pub const PASSES: u32 = 2;
pub const LANES: u32 = 1;

type Memo = Mutex<Option<HashMap<[u8; 32], [u8; 32]>>>;
static MEMO: Memo = Mutex::new(None);

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
        h.update([0u8]);
    }
    h.finalize().into()
}

/// The slow core of every fingerprint of `value`, the secret under `key`
/// of link `link`.
pub fn core(link: &str, key: &str, value: &str) -> [u8; 32] {
    let id = sha256(&[
        b"linkctl-memo",
        link.as_bytes(),
        key.as_bytes(),
        value.as_bytes(),
    ]);
    if let Some(found) = MEMO
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .and_then(|m| m.get(&id))
    {
        return *found;
    }
    let derived = derive(link, key, value);
    MEMO.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get_or_insert_with(HashMap::new)
        .insert(id, derived);
    derived
}

fn derive(link: &str, key: &str, value: &str) -> [u8; 32] {
    let salt = sha256(&[b"linkctl-secret-v2", link.as_bytes(), key.as_bytes()]);
    let mut out = [0u8; 32];
    // Constant, valid parameters and a 16-byte salt: Argon2 cannot refuse
    // them; should it ever, the fallback still never equals a real core.
    let hashed = Params::new(MEMORY_KIB, PASSES, LANES, Some(out.len()))
        .map(|p| Argon2::new(Algorithm::Argon2id, Version::V0x13, p))
        .and_then(|a| a.hash_password_into(value.as_bytes(), &salt[..16], &mut out));
    if hashed.is_err() {
        out = sha256(&[b"linkctl-argon2-unavailable", &salt, value.as_bytes()]);
    }
    out
}

/// `argon2id:` + hex of a fast hash of `core` and `context` (what the
/// fingerprint is about).
pub fn fingerprint_of(core: &[u8; 32], context: &[&str]) -> String {
    let mut parts: Vec<&[u8]> = vec![b"linkctl-fingerprint-v2", core];
    parts.extend(context.iter().map(|c| c.as_bytes()));
    format!(
        "argon2id:{}",
        crate::state::fingerprint::hex(&sha256(&parts))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_salted_and_remembered() {
        let a = core("l1", "k", "s3cret");
        assert_eq!(a, core("l1", "k", "s3cret"));
        assert_ne!(a, core("l2", "k", "s3cret"));
        assert_ne!(a, core("l1", "k2", "s3cret"));
        assert_eq!(
            a,
            derive("l1", "k", "s3cret"),
            "the memo holds the derivation"
        );
        let fp = fingerprint_of(&a, &["x"]);
        assert!(fp.starts_with("argon2id:") && fp.len() == "argon2id:".len() + 64);
        assert_ne!(fp, fingerprint_of(&a, &["y"]));
    }
}
