//! `connect:` of a cluster: one Kafka Connect REST URL, or the URLs of
//! several workers of one Connect cluster (linkctl sends to the first that
//! answers; any worker forwards a write to the group's leader itself).

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::located::span_of;
use super::text::Text;

/// The worker URLs of one Kafka Connect cluster, in the manifest's order
/// (never empty once loaded).
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectUrls(Vec<Text>);

impl ConnectUrls {
    /// One URL built in code.
    pub fn one(url: Text) -> Self {
        Self(vec![url])
    }
    /// Every worker URL, each with its own span.
    pub fn urls(&self) -> &[Text] {
        &self.0
    }
    /// The first worker URL (the one named in messages).
    pub fn first(&self) -> Option<&Text> {
        self.0.first()
    }
}

/// What the YAML node holds, before interpolation.
enum Raw {
    One(String),
    Many(Vec<serde_saphyr::Spanned<String>>),
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Kafka Connect URL, or a list of the URLs of its workers")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::One(v.to_string()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut all = Vec::new();
        while let Some(url) = seq.next_element::<serde_saphyr::Spanned<String>>()? {
            all.push(url);
        }
        if all.is_empty() {
            return Err(de::Error::invalid_length(0, &"at least one worker URL"));
        }
        Ok(Raw::Many(all))
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

impl<'de> Deserialize<'de> for ConnectUrls {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let node = serde_saphyr::Spanned::<Raw>::deserialize(d)?;
        Ok(Self(match node.value {
            Raw::One(raw) => vec![Text::from_raw(raw, span_of(&node.referenced))],
            Raw::Many(all) => all
                .into_iter()
                .map(|u| Text::from_raw(u.value, span_of(&u.referenced)))
                .collect(),
        }))
    }
}

impl Serialize for ConnectUrls {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => one.serialize(s),
            all => {
                let mut seq = s.serialize_seq(Some(all.len()))?;
                for u in all {
                    seq.serialize_element(u)?;
                }
                seq.end()
            }
        }
    }
}

impl JsonSchema for ConnectUrls {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "ConnectUrls".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "description": "A Kafka Connect REST URL, or the URLs of several workers of one Connect cluster (linkctl uses the next when one does not answer). `${env:NAME}` is replaced by the environment variable NAME.",
            "anyOf": [
                { "type": "string" },
                { "type": "array", "items": { "type": "string" }, "minItems": 1 }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::manifest::SourceFile;

    fn load(connect: &str) -> Vec<String> {
        let yaml = format!(
            "version: 1\nclusters:\n  us:\n    bootstrap: a:1\n    connect: {connect}\nlinks: {{}}\n"
        );
        let src = SourceFile::new("m.yaml", &yaml);
        let m = crate::manifest::load::parse(&src, |_| None)
            .expect("parses")
            .manifest;
        let urls = m.clusters.values().next().and_then(|c| c.connect.clone());
        urls.map(|u| {
            u.urls()
                .iter()
                .map(|t| {
                    let s = t.span().expect("span");
                    format!("{} @{}", t.expose(), &yaml[s.offset..s.offset + s.len])
                })
                .collect()
        })
        .unwrap_or_default()
    }

    #[test]
    fn one_url_or_a_list_each_with_its_span() {
        assert_eq!(load("http://w1:8083"), ["http://w1:8083 @http://w1:8083"]);
        assert_eq!(
            load("[http://w1:8083, \"http://w2:8083\"]"),
            [
                "http://w1:8083 @http://w1:8083",
                "http://w2:8083 @\"http://w2:8083\""
            ]
        );
    }
}
