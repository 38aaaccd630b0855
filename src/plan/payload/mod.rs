//! What an action sends, as data: the payload every plan action carries.
//!
//! A plan's action carries exactly what its engine will send ([`Payload`]):
//! the engine's pure model computes it at plan time
//! ([`EngineModel::payload`](super::engine_model::EngineModel::payload)),
//! the executor in `src/backend/` sends exactly that and never reads the
//! manifest. The request types of each engine ([`confluent`],
//! [`mirrormaker2`], and [`kafka`] for fences) are data only: no code here
//! builds or sends them.
//!
//! Every value is a [`WireValue`]: a plain string, or a [`SecretRef`]
//! naming where the secret comes from. A plan never holds a secret:
//! references are resolved only when the action is executed
//! (`apply::secrets`), from the manifest the plan was made from, and the
//! resolved value must match the fingerprint recorded at plan time.

pub mod confluent;
pub mod kafka;
pub mod mirrormaker2;

use super::action::ObjectSide;
use crate::manifest::Text;
use serde::{Deserialize, Serialize};

pub use confluent::ConfluentPayload;
pub use kafka::KafkaPayload;
pub use mirrormaker2::Mm2Payload;

/// The engine-specific request(s) of one action (`kafka`: a request over
/// the Kafka protocol, the same whatever the link's engine: fences).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "engine", content = "request", rename_all = "lowercase")]
pub enum Payload {
    Confluent(ConfluentPayload),
    Mirrormaker2(Mm2Payload),
    Kafka(KafkaPayload),
}

/// One value on the wire.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WireValue {
    /// Sent as is.
    Plain(String),
    /// A secret, resolved at execution time.
    Secret(SecretRef),
}

/// Where a secret value comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretSource {
    /// A config of a manifest link's object (`plan::desired`).
    LinkConfig {
        link: String,
        side: ObjectSide,
        key: String,
    },
}

/// A reference to a secret, with the fingerprint of the value it stood for
/// when the plan was made.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SecretRef {
    pub secret: SecretSource,
    /// The manifest's text when it is a `${env:…}` reference (never the value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written: Option<String>,
    /// [`wire_fingerprint`] of the value (slow and salted).
    pub fingerprint: String,
}

impl SecretRef {
    /// The reference for `text` found at `source`.
    pub fn new(source: SecretSource, text: &Text) -> Self {
        let fingerprint = wire_fingerprint(&source, text.expose());
        Self {
            written: (text.raw().contains("${env:")).then(|| text.raw().to_string()),
            secret: source,
            fingerprint,
        }
    }
}

/// The fingerprint of `value` at `source`: `argon2id:` + hex of a hash of
/// its slow, salted core ([`super::secret_hash`]) and the source, so that
/// testing a guess against a plan file costs an Argon2id derivation.
pub fn wire_fingerprint(source: &SecretSource, value: &str) -> String {
    let SecretSource::LinkConfig { link, key, .. } = source;
    let core = super::secret_hash::core(link, key, value);
    let place = serde_json::to_string(source).unwrap_or_default();
    super::secret_hash::fingerprint_of(&core, &["wire", &place])
}

impl WireValue {
    /// `text` as a wire value: a reference when it must not be shown
    /// (`hidden`: a sensitive key, or a value from `${env:…}`), else plain.
    pub fn of(text: &Text, hidden: bool, source: impl FnOnce() -> SecretSource) -> Self {
        if hidden || text.is_secret() {
            Self::Secret(SecretRef::new(source(), text))
        } else {
            Self::Plain(text.expose().to_string())
        }
    }

    /// The plain value, if it is one.
    pub fn plain(&self) -> Option<&str> {
        match self {
            Self::Plain(s) => Some(s),
            Self::Secret(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_become_references_with_salted_fingerprints() {
        let src = || SecretSource::LinkConfig {
            link: "l".into(),
            side: ObjectSide::Destination,
            key: "sasl.jaas.config".into(),
        };
        let v = WireValue::of(&Text::plain("s3cret"), true, src);
        let WireValue::Secret(r) = &v else {
            panic!("a reference")
        };
        assert_eq!(r.written, None);
        assert!(!serde_json::to_string(&v).unwrap().contains("s3cret"));
        assert_eq!(r.fingerprint, wire_fingerprint(&src(), "s3cret"));
        let other = SecretSource::LinkConfig {
            link: "other".into(),
            side: ObjectSide::Destination,
            key: "sasl.jaas.config".into(),
        };
        assert_ne!(r.fingerprint, wire_fingerprint(&other, "s3cret"));
        assert_eq!(
            WireValue::of(&Text::plain("5000"), false, src),
            WireValue::Plain("5000".into())
        );
    }

    #[test]
    fn wire_values_round_trip_untagged() {
        let v = vec![
            WireValue::Plain("x".into()),
            WireValue::Secret(SecretRef {
                secret: SecretSource::LinkConfig {
                    link: "l".into(),
                    side: ObjectSide::Destination,
                    key: "k".into(),
                },
                written: Some("${env:K}".into()),
                fingerprint: "argon2id:00".into(),
            }),
        ];
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(
            json,
            r#"["x",{"secret":{"link_config":{"link":"l","side":"destination","key":"k"}},"written":"${env:K}","fingerprint":"argon2id:00"}]"#
        );
        assert_eq!(serde_json::from_str::<Vec<WireValue>>(&json).unwrap(), v);
    }
}
