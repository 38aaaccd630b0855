//! The redaction layer: everything linkctl prints or writes passes through
//! [`text`], which replaces every secret resolved in this run, in every
//! form it may take ([`forms`]), by [`MARK`]; text from a server is also
//! made terminal-safe ([`terminal`]).
//!
//! Secrets are registered as they become known: each `${env:…}` value when
//! the manifest is read, each value of a sensitive key, the `user:password`
//! of Basic credentials, the content of a client key file when it is read.
//! The set only grows during a run. Values shorter than [`MIN_LEN`]
//! characters are not filtered: they would blank ordinary words of the
//! output, and no credential is that short.
//!
//! A leaf module: it depends on no other part of linkctl, so every layer
//! (backends reading key files, the CLI printing) can use it.

pub mod forms;
pub mod terminal;

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::{PoisonError, RwLock};

use aho_corasick::{AhoCorasick, MatchKind};

pub use terminal::{printable, server_text};

/// What a secret is replaced by.
pub const MARK: &str = "(redacted)";

/// Shorter values are not filtered (see the module documentation).
pub const MIN_LEN: usize = 6;

#[derive(Default)]
struct Secrets {
    forms: BTreeSet<String>,
    /// Values never filtered: names that identify, not authenticate (a
    /// user name read from `${env:…}`; often a word of linkctl's own output).
    spared: BTreeSet<String>,
    matcher: Option<AhoCorasick>,
}

impl Secrets {
    fn rebuild(&mut self) {
        self.matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(self.forms.iter())
            .ok();
    }
}

static SECRETS: RwLock<Secrets> = RwLock::new(Secrets {
    forms: BTreeSet::new(),
    spared: BTreeSet::new(),
    matcher: None,
});

/// Registers a secret value (and the values of `password=` / `secret=`
/// settings inside it, as in a JAAS line).
pub fn register(secret: &str) {
    let mut found = vec![secret.to_string()];
    found.extend(embedded(secret));
    let new: Vec<String> = found
        .iter()
        .map(|s| s.trim())
        .filter(|s| s.chars().count() >= MIN_LEN)
        .flat_map(forms::forms)
        .collect();
    if new.is_empty() {
        return;
    }
    let mut guard = SECRETS.write().unwrap_or_else(PoisonError::into_inner);
    let before = guard.forms.len();
    let spared = guard.spared.clone();
    guard.forms.extend(
        new.into_iter()
            .filter(|f| !f.is_empty() && !spared.contains(f)),
    );
    if guard.forms.len() != before {
        guard.rebuild();
    }
}

/// Never filters `name` (as written): a user name is an identity, not a
/// credential, and filtering it would blank words of every message (the
/// secure stack's user is called `linkctl`). Its password stays filtered.
pub fn spare(name: &str) {
    let name = name.trim();
    if name.is_empty() {
        return;
    }
    let mut guard = SECRETS.write().unwrap_or_else(PoisonError::into_inner);
    guard.spared.insert(name.to_string());
    if guard.forms.remove(name) {
        guard.rebuild();
    }
}

/// Registers Basic credentials: the password, and `user:password` as a
/// whole (what an `Authorization: Basic` header encodes).
pub fn register_basic(user: &str, password: &str) {
    register(password);
    if password.chars().count() >= MIN_LEN {
        register(&format!("{user}:{password}"));
    }
}

/// `s` with every registered secret, in every form, replaced by [`MARK`].
pub fn text(s: &str) -> Cow<'_, str> {
    let guard = SECRETS.read().unwrap_or_else(PoisonError::into_inner);
    match &guard.matcher {
        Some(m) if m.is_match(s) => Cow::Owned(m.replace_all(s, &vec![MARK; guard.forms.len()])),
        _ => Cow::Borrowed(s),
    }
}

/// `s` ready for a terminal or a log: secrets replaced, escape sequences
/// and control characters removed (SGR colour kept when `colour`).
pub fn output(s: &str, colour: bool) -> String {
    printable(&text(s), colour).into_owned()
}

/// The values of `password=…` and `secret=…` settings in `value`.
fn embedded(value: &str) -> Vec<String> {
    embedded_ranges(value)
        .into_iter()
        .map(|r| value[r].to_string())
        .collect()
}

/// Where the values of `password=…` and `secret=…` settings are in `value`
/// (as in a JAAS line), quoted or not, without their quotes.
pub fn embedded_ranges(value: &str) -> Vec<std::ops::Range<usize>> {
    let lower = value.to_ascii_lowercase();
    let mut out = Vec::new();
    for word in ["password=", "secret="] {
        let mut from = 0;
        while let Some(at) = lower[from..].find(word) {
            let start = from + at + word.len();
            let rest = &value[start..];
            let range = match rest.strip_prefix('"') {
                Some(q) => start + 1..start + 1 + q.find('"').unwrap_or(q.len()),
                None => {
                    let end = rest
                        .find(|c: char| c.is_whitespace() || matches!(c, ';' | ',' | '\'' | '"'))
                        .unwrap_or(rest.len());
                    start..start + end
                }
            };
            out.push(range);
            from = start;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_are_replaced_in_every_form() {
        register("org.x.PlainLoginModule required username=\"u\" password=\"Redact-T3st-pw\";");
        register_basic("key", "Redact-T3st-rest");
        let header = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            "key:Redact-T3st-rest",
        );
        let s =
            format!("a Redact-T3st-pw b {header} c {{\\\"password\\\":\\\"Redact-T3st-pw\\\"}}");
        let out = text(&s);
        assert!(!out.contains("T3st"), "{out}");
        assert!(out.starts_with("a (redacted) b"), "{out}");
        assert_eq!(text("nothing here"), "nothing here");
    }

    #[test]
    fn short_values_are_not_filtered() {
        register("abc");
        assert_eq!(text("abcabc"), "abcabc");
    }

    #[test]
    fn embedded_passwords() {
        assert_eq!(
            embedded("x password=\"a b\"; secret=c2;"),
            vec!["a b".to_string(), "c2".to_string()]
        );
    }
}
