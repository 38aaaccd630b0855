//! `Text`: a manifest string with `${env:NAME}` interpolation.
//!
//! Interpolation happens while the manifest is deserialised, through a
//! thread-local [`Interpolator`] installed by the loader. A value that used
//! any `${env:…}` reference is a secret: its resolved form is never printed
//! (`Display` and `Debug` redact it) and it serialises back to its raw form,
//! so re-serialising a manifest never leaks what the environment held.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::located::{span_of, ByteSpan};

/// What a redacted value looks like wherever it is shown.
pub const REDACTED: &str = "(sensitive value)";

/// A string from the manifest, interpolated.
#[derive(Clone, Default)]
pub struct Text {
    raw: String,
    resolved: String,
    secret: bool,
    span: Option<ByteSpan>,
}

impl Text {
    /// A plain (non-secret) text built in code.
    pub fn plain(s: impl Into<String>) -> Self {
        let s = s.into();
        Self {
            raw: s.clone(),
            resolved: s,
            secret: false,
            span: None,
        }
    }
    /// The text as written in the manifest (with `${env:…}` references).
    pub fn raw(&self) -> &str {
        &self.raw
    }
    /// The interpolated value. Callers must not print it when [`Text::is_secret`].
    pub fn expose(&self) -> &str {
        &self.resolved
    }
    /// True when the value came (in part) from the environment.
    pub fn is_secret(&self) -> bool {
        self.secret
    }
    pub fn span(&self) -> Option<ByteSpan> {
        self.span
    }
    /// The value for display: the resolved text, or [`REDACTED`] for secrets.
    pub fn display(&self) -> &str {
        if self.secret {
            REDACTED
        } else {
            &self.resolved
        }
    }
    /// The text for a message (a path, a URL): as written when it came from
    /// the environment (`${env:…}` references, never their values), else the value.
    pub fn for_message(&self) -> &str {
        if self.secret {
            &self.raw
        } else {
            &self.resolved
        }
    }
    /// Mark this value as sensitive (e.g. a known-sensitive config key) so it is
    /// redacted even when written in clear.
    pub fn into_secret(mut self) -> Self {
        self.secret = true;
        self
    }

    pub(crate) fn from_raw(raw: String, span: Option<ByteSpan>) -> Self {
        let (resolved, secret) = INTERPOLATOR.with(|cell| {
            let mut guard = cell.borrow_mut();
            match guard.as_mut() {
                Some(interp) => interp.resolve(&raw, span),
                None => match parse_refs(&raw) {
                    Ok(parts) if parts.iter().any(|p| matches!(p, Part::Env(_))) => {
                        (String::new(), true)
                    }
                    Ok(parts) => (join_literals(&parts), false),
                    Err(_) => (raw.clone(), false),
                },
            }
        });
        Self {
            raw,
            resolved,
            secret,
            span,
        }
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}
impl Eq for Text {}
impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Text {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.raw.cmp(&other.raw)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.secret {
            write!(f, "Text({:?} => {REDACTED})", self.raw)
        } else {
            write!(f, "Text({:?})", self.resolved)
        }
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display())
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = serde_saphyr::Spanned::<String>::deserialize(d)?;
        Ok(Text::from_raw(s.value, span_of(&s.referenced)))
    }
}

/// Implements [`JsonSchema`] for a scalar type of the manifest: always
/// inlined, with its name and its schema (a [`schemars::json_schema!`] body).
macro_rules! inline_json_schema {
    ($ty:ty, $name:literal, $schema:tt) => {
        impl JsonSchema for $ty {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> Cow<'static, str> {
                $name.into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                schemars::json_schema!($schema)
            }
        }
    };
}

inline_json_schema!(Text, "Text", {
    "type": "string",
    "description": "A string; `${env:NAME}` is replaced by the environment variable NAME (and the value is then treated as a secret)."
});

/// A value of a free-form config map: strings, numbers and booleans are all
/// accepted and normalised to their string form (link configs are strings on
/// the wire).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct ConfigValue(pub Text);

impl ConfigValue {
    pub fn text(&self) -> &Text {
        &self.0
    }
}

impl fmt::Display for ConfigValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for ConfigValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

struct ScalarToString;

impl Visitor<'_> for ScalarToString {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string, number or boolean")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
}

struct ScalarString(String);

impl<'de> Deserialize<'de> for ScalarString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarToString).map(ScalarString)
    }
}

impl<'de> Deserialize<'de> for ConfigValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = serde_saphyr::Spanned::<ScalarString>::deserialize(d)?;
        Ok(ConfigValue(Text::from_raw(
            s.value.0,
            span_of(&s.referenced),
        )))
    }
}

inline_json_schema!(ConfigValue, "ConfigValue", {
    "type": ["string", "number", "boolean"],
    "description": "A config value; numbers and booleans are normalised to strings. `${env:NAME}` is interpolated."
});

// ---------------------------------------------------------------------------
// Interpolation

/// A problem found while interpolating `${env:…}` references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterpolationProblem {
    pub kind: InterpolationProblemKind,
    pub span: Option<ByteSpan>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterpolationProblemKind {
    /// `${env:NAME}` where NAME is not set.
    Unset { name: String },
    /// `${…}` that is not a well-formed `${env:NAME}` reference.
    Malformed { reference: String },
}

/// Looks up an environment variable by name.
pub type EnvLookup = Box<dyn Fn(&str) -> Option<String>>;

/// Resolves `${env:NAME}` through a lookup function and collects problems.
pub struct Interpolator {
    lookup: EnvLookup,
    problems: Vec<InterpolationProblem>,
}

thread_local! {
    static INTERPOLATOR: RefCell<Option<Interpolator>> = const { RefCell::new(None) };
}

impl Interpolator {
    /// Runs `f` with this interpolator installed for the current thread and
    /// returns its result with the problems found.
    pub fn run<R>(
        lookup: impl Fn(&str) -> Option<String> + 'static,
        f: impl FnOnce() -> R,
    ) -> (R, Vec<InterpolationProblem>) {
        let previous = INTERPOLATOR.with(|cell| {
            cell.replace(Some(Interpolator {
                lookup: Box::new(lookup),
                problems: Vec::new(),
            }))
        });
        let out = f();
        let mine = INTERPOLATOR.with(|cell| cell.replace(previous));
        (out, mine.map(|i| i.problems).unwrap_or_default())
    }

    fn resolve(&mut self, raw: &str, span: Option<ByteSpan>) -> (String, bool) {
        match parse_refs(raw) {
            Err(reference) => {
                self.problems.push(InterpolationProblem {
                    kind: InterpolationProblemKind::Malformed { reference },
                    span,
                });
                (String::new(), false)
            }
            Ok(parts) => {
                let mut out = String::new();
                let mut secret = false;
                for p in parts {
                    match p {
                        Part::Lit(s) => out.push_str(&s),
                        Part::Env(name) => {
                            secret = true;
                            match (self.lookup)(&name) {
                                Some(v) => out.push_str(&v),
                                None => self.problems.push(InterpolationProblem {
                                    kind: InterpolationProblemKind::Unset { name },
                                    span,
                                }),
                            }
                        }
                    }
                }
                (out, secret)
            }
        }
    }
}

#[derive(Debug, PartialEq)]
enum Part {
    Lit(String),
    Env(String),
}

fn join_literals(parts: &[Part]) -> String {
    parts
        .iter()
        .map(|p| match p {
            Part::Lit(s) => s.as_str(),
            Part::Env(_) => "",
        })
        .collect()
}

/// Splits a raw string into literals and `${env:NAME}` references.
/// `$${` is an escaped literal `${`. Returns the offending reference text on error.
fn parse_refs(raw: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut rest = raw;
    while let Some(pos) = rest.find('$') {
        lit.push_str(&rest[..pos]);
        let after = &rest[pos..];
        if let Some(stripped) = after.strip_prefix("$${") {
            lit.push_str("${");
            rest = stripped;
        } else if let Some(body_start) = after.strip_prefix("${") {
            let Some(end) = body_start.find('}') else {
                return Err(after.to_string());
            };
            let body = &body_start[..end];
            let reference = &after[..end + 3];
            let Some(name) = body.strip_prefix("env:") else {
                return Err(reference.to_string());
            };
            let valid = !name.is_empty()
                && name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(reference.to_string());
            }
            if !lit.is_empty() {
                parts.push(Part::Lit(std::mem::take(&mut lit)));
            }
            parts.push(Part::Env(name.to_string()));
            rest = &body_start[end + 1..];
        } else {
            lit.push('$');
            rest = &after[1..];
        }
    }
    lit.push_str(rest);
    if !lit.is_empty() {
        parts.push(Part::Lit(lit));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references_and_escapes() {
        assert_eq!(
            parse_refs("a${env:X}b$${c}$d").unwrap(),
            vec![
                Part::Lit("a".into()),
                Part::Env("X".into()),
                Part::Lit("b${c}$d".into())
            ]
        );
        assert!(parse_refs("${env:}").is_err());
        assert!(parse_refs("${file:x}").is_err());
        assert!(parse_refs("${env:X").is_err());
        assert!(parse_refs("${env:1X}").is_err());
    }

    #[test]
    fn interpolated_values_are_secret_and_redacted() {
        let (t, problems) = Interpolator::run(
            |n| (n == "K").then(|| "hunter2".to_string()),
            || Text::from_raw("user:${env:K}".into(), None),
        );
        assert!(problems.is_empty());
        assert!(t.is_secret());
        assert_eq!(t.expose(), "user:hunter2");
        assert_eq!(t.to_string(), REDACTED);
        assert!(!format!("{t:?}").contains("hunter2"));
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"user:${env:K}\"");
    }

    #[test]
    fn unset_variables_are_reported() {
        let (_, problems) =
            Interpolator::run(|_| None, || Text::from_raw("${env:NOPE}".into(), None));
        assert_eq!(
            problems[0].kind,
            InterpolationProblemKind::Unset {
                name: "NOPE".into()
            }
        );
    }
}
