//! `Located<T>`: a value together with the byte span it was read from.
//!
//! Equality, ordering and hashing look at the value only, so a model that was
//! re-serialised and loaded again compares equal to the original. The JSON
//! Schema and the serialised form are those of `T`.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A byte range in the manifest text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSpan {
    pub offset: usize,
    pub len: usize,
}

impl ByteSpan {
    /// The same span `by` bytes further.
    pub fn shifted(self, by: usize) -> Self {
        Self {
            offset: self.offset + by,
            len: self.len,
        }
    }
}

impl From<ByteSpan> for miette::SourceSpan {
    fn from(s: ByteSpan) -> Self {
        (s.offset, s.len).into()
    }
}

/// A value with the span of the YAML node it came from (`None` when the value
/// was built in code rather than read from a file).
#[derive(Debug, Clone, Default)]
pub struct Located<T> {
    pub value: T,
    pub span: Option<ByteSpan>,
}

impl<T> Located<T> {
    pub fn new(value: T) -> Self {
        Self { value, span: None }
    }
    pub fn at(value: T, span: ByteSpan) -> Self {
        Self {
            value,
            span: Some(span),
        }
    }
    pub fn get(&self) -> &T {
        &self.value
    }
}

impl<T> Deref for Located<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: PartialEq> PartialEq for Located<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}
impl<T: Eq> Eq for Located<T> {}
impl<T: PartialOrd> PartialOrd for Located<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.value.partial_cmp(&other.value)
    }
}
impl<T: Ord> Ord for Located<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.value.cmp(&other.value)
    }
}
impl<T: Hash> Hash for Located<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state)
    }
}

impl<T> From<T> for Located<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: std::borrow::Borrow<str>> std::borrow::Borrow<str> for Located<T> {
    fn borrow(&self) -> &str {
        self.value.borrow()
    }
}

thread_local! {
    /// Where the file being parsed starts in the offset space of a set of
    /// manifest files (see [`super::load::SourceFile`]); 0 for one file.
    static SPAN_BASE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Runs `f` (a parse) with every span it reads moved by `base` bytes.
pub(crate) fn with_span_base<R>(base: usize, f: impl FnOnce() -> R) -> R {
    let previous = SPAN_BASE.with(|b| b.replace(base));
    let out = f();
    SPAN_BASE.with(|b| b.set(previous));
    out
}

/// The span of a parser location, moved to where the file being parsed
/// starts (see [`with_span_base`]).
pub(crate) fn span_of(loc: &serde_saphyr::Location) -> Option<ByteSpan> {
    let sp = loc.span();
    match (sp.byte_offset(), sp.byte_len()) {
        (Some(o), Some(l)) if *loc != serde_saphyr::Location::UNKNOWN => Some(ByteSpan {
            offset: usize::try_from(o).ok()? + SPAN_BASE.with(std::cell::Cell::get),
            len: usize::try_from(l).ok()?,
        }),
        _ => None,
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Located<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = serde_saphyr::Spanned::<T>::deserialize(d)?;
        Ok(Self {
            span: span_of(&s.referenced),
            value: s.value,
        })
    }
}

impl<T: Serialize> Serialize for Located<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

impl<T: JsonSchema> JsonSchema for Located<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}
