//! The one rule, shared by `plan` and `export`, for "this live link config
//! was set by the user". Pure.
//!
//! Servers disagree on how a config row says it is a default (reference
//! §3.2 and §9): the Cloud spec's `is_default`, the Platform SDK's `default`
//! (both read into [`LiveConfig::is_default`]), older models with no flag at
//! all, `source` (`DEFAULT_CONFIG`, `DYNAMIC_CLUSTER_LINK_CONFIG`, …), and a
//! captured Confluent CLI session in which *every* row says
//! `DYNAMIC_CLUSTER_LINK_CONFIG` with `is_default: false`, defaults
//! included. So, per key:
//!
//! 1. no row: not set;
//! 2. when the link's rows are *informative* (at least one row says it is
//!    a default, by flag or by a non-dynamic `source`), a row that says
//!    default is not set;
//! 3. a value equal to the key's default ([`documented_default`]: the
//!    documented defaults and the default rows recorded from Confluent
//!    Cloud, [`super::link_defaults`]) is not a user setting, whatever the
//!    flags say;
//! 4. any other non-empty value is a user setting;
//! 5. an empty or null value of a key the server returns in clear is unset;
//! 6. a null sensitive value (the server never returns secrets): set when
//!    informative rows say it is not a default, or when linkctl recorded a
//!    fingerprint for it (it wrote it); otherwise nobody can tell
//!    ([`Origin::Unknown`]).

use std::collections::BTreeMap;

use crate::manifest::sensitive::is_sensitive_key;
use crate::plan::normalize::same;
use crate::state::{LiveConfig, LiveLink};

/// The config source Kafka reports for a key set on the link itself.
pub const DYNAMIC_SOURCE: &str = "DYNAMIC_CLUSTER_LINK_CONFIG";

/// The default of `key` ([`super::link_defaults`]: documented, and
/// recorded from Confluent Cloud): `Some(None)` when it is unset by
/// default, `None` when the key is not in the table.
pub fn documented_default(key: &str) -> Option<Option<&'static str>> {
    super::link_defaults::default_of(key)
}

/// Where a live config's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Set on the link (by a user or a tool).
    User,
    /// A default, or unset.
    Default,
    /// A secret the rows cannot place: set or not, nobody can tell.
    Unknown,
}

/// Whether `configs` carry usable default flags: at least one row says it
/// is a default (not every row claims to be a dynamic, non-default value).
pub fn rows_are_informative(configs: &BTreeMap<String, LiveConfig>) -> bool {
    configs.values().any(says_default)
}

fn says_default(c: &LiveConfig) -> bool {
    c.is_default == Some(true)
        || c.source
            .as_deref()
            .is_some_and(|s| !s.eq_ignore_ascii_case(DYNAMIC_SOURCE))
}

fn says_set(c: &LiveConfig) -> bool {
    c.is_default == Some(false)
        || c.source
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(DYNAMIC_SOURCE))
}

/// The origin of config `key` of `link` (see the module documentation).
pub fn origin(link: &LiveLink, key: &str) -> Origin {
    let Some(c) = link.configs.get(key) else {
        return Origin::Default;
    };
    origin_of(
        key,
        c,
        rows_are_informative(&link.configs),
        link.secret_fingerprints.contains_key(key),
    )
}

/// [`origin`] of one row, given whether the link's rows are informative and
/// whether linkctl recorded a fingerprint for the key.
pub fn origin_of(key: &str, c: &LiveConfig, informative: bool, recorded: bool) -> Origin {
    if informative && says_default(c) {
        return Origin::Default;
    }
    let value = c.value.as_deref().map(str::trim).filter(|v| !v.is_empty());
    match (value, documented_default(key)) {
        (Some(v), Some(d)) if same(key, Some(v), d) => return Origin::Default,
        (Some(_), _) => return Origin::User,
        (None, _) => {}
    }
    if !(c.is_sensitive || is_sensitive_key(key)) {
        return Origin::Default;
    }
    if recorded || (informative && says_set(c)) {
        Origin::User
    } else {
        Origin::Unknown
    }
}

/// True when `key` of `link` was set on the link.
pub fn is_user_set(link: &LiveLink, key: &str) -> bool {
    origin(link, key) == Origin::User
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(value: Option<&str>, is_default: Option<bool>, source: Option<&str>) -> LiveConfig {
        LiveConfig {
            source: source.map(str::to_string),
            ..LiveConfig::plain(value, is_default)
        }
    }

    fn secret(is_default: Option<bool>, source: Option<&str>) -> LiveConfig {
        LiveConfig {
            is_sensitive: true,
            ..row(None, is_default, source)
        }
    }

    const DYN: Option<&str> = Some(DYNAMIC_SOURCE);
    const DEF: Option<&str> = Some("DEFAULT_CONFIG");

    #[test]
    fn flags_and_source_decide_when_the_rows_are_informative() {
        let o = |k, c: LiveConfig| origin_of(k, &c, true, false);
        assert_eq!(
            o("acl.sync.ms", row(Some("6000"), Some(true), DYN)),
            Origin::Default
        );
        assert_eq!(
            o("acl.sync.ms", row(Some("6000"), None, DEF)),
            Origin::Default
        );
        assert_eq!(
            o("acl.sync.ms", row(Some("6000"), Some(false), DYN)),
            Origin::User
        );
        assert_eq!(o("x.custom", row(Some("1"), None, None)), Origin::User);
        // Set explicitly to the documented default: not a user setting.
        assert_eq!(
            o("acl.sync.ms", row(Some("5000"), Some(false), DYN)),
            Origin::Default
        );
        assert_eq!(
            o("sasl.jaas.config", secret(Some(false), DYN)),
            Origin::User
        );
        assert_eq!(
            o("sasl.jaas.config", secret(Some(true), DEF)),
            Origin::Default
        );
        assert_eq!(o("sasl.jaas.config", secret(None, None)), Origin::Unknown);
    }

    #[test]
    fn all_dynamic_rows_fall_back_to_the_documented_defaults() {
        let o = |k, c: LiveConfig| origin_of(k, &c, false, false);
        for (k, v) in [
            ("consumer.offset.sync.ms", "30000"),
            ("acl.sync.enable", "FALSE"),
            ("consumer.offset.group.filters", ""),
            ("link.mode", "DESTINATION"),
            ("metadata.max.age.ms", "300000"),
            // Default rows recorded from Confluent Cloud.
            ("local.security.protocol", "PLAINTEXT"),
            ("ssl.endpoint.identification.algorithm", "https"),
            ("replica.socket.receive.buffer.bytes", "-1"),
        ] {
            assert_eq!(o(k, row(Some(v), Some(false), DYN)), Origin::Default, "{k}");
        }
        assert_eq!(
            o("bootstrap.servers", row(None, Some(false), DYN)),
            Origin::Default
        );
        assert_eq!(
            o(
                "consumer.offset.sync.ms",
                row(Some("3000"), Some(false), DYN)
            ),
            Origin::User
        );
        // A secret: only linkctl's own record tells.
        assert_eq!(
            o("sasl.jaas.config", secret(Some(false), DYN)),
            Origin::Unknown
        );
        assert_eq!(
            origin_of("sasl.jaas.config", &secret(Some(false), DYN), false, true),
            Origin::User
        );
    }

    #[test]
    fn rows_without_any_flag_are_not_informative() {
        let mut m = BTreeMap::new();
        m.insert("a".to_string(), row(Some("1"), None, None));
        m.insert("b".to_string(), row(Some("2"), Some(false), DYN));
        assert!(!rows_are_informative(&m));
        m.insert("c".to_string(), row(Some("3"), None, DEF));
        assert!(rows_are_informative(&m));
    }
}
