//! The default values of link configs, each row with where it comes from.
//! Pure data, used by [`super::user_set`] where a server's config rows do
//! not say which values are defaults (every row dynamic, or no flags).
//!
//! Defaults are version-dependent: a server whose default differs shows the
//! key as set (docs/confluent-engine.md, guesses and gaps).

use crate::manifest::link_configs::{
    ACL_FILTERS, ACL_SYNC_ENABLE, ACL_SYNC_MS, AUTO_CREATE_ENABLE, AUTO_CREATE_FILTERS,
    CONNECTION_MODE, GROUP_FILTERS, LINK_MODE, OFFSET_SYNC_ENABLE, OFFSET_SYNC_MS, PREFIX,
    TOPIC_CONFIG_SYNC_MS,
};

/// Where a default comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// Reference §5.1: the 2020 broker's `ClusterLinkConfigDefaults`, the
    /// Platform docs.
    Documented,
    /// A row with `is_default: true` / `source: DEFAULT_CONFIG` in the link
    /// configs Confluent Cloud answered, as recorded by Confluent's
    /// Terraform provider (`internal/testdata/cluster_link/
    /// read_created_cluster_link_config.json` @ 3d2b922, and the same rows
    /// in `read_updated_cluster_link_config.json` @ e26cebc); linkctl's copy:
    /// `tests/fixtures/confluent_cloud/link_configs_created.json`.
    RecordedCloud,
}

use Evidence::{Documented, RecordedCloud};

/// `(key, default, evidence)`; `None`: unset by default. A key both
/// documented and recorded names the documentation.
pub const LINK_DEFAULTS: &[(&str, Option<&str>, Evidence)] = &[
    (LINK_MODE, Some("DESTINATION"), Documented),
    (CONNECTION_MODE, Some("OUTBOUND"), Documented),
    (PREFIX, None, Documented),
    ("consumer.group.prefix.enable", Some("false"), Documented),
    (OFFSET_SYNC_ENABLE, Some("false"), Documented),
    (OFFSET_SYNC_MS, Some("30000"), Documented),
    (GROUP_FILTERS, None, Documented),
    (ACL_SYNC_ENABLE, Some("false"), Documented),
    (ACL_SYNC_MS, Some("5000"), Documented),
    (ACL_FILTERS, None, Documented),
    (AUTO_CREATE_ENABLE, Some("false"), Documented),
    (AUTO_CREATE_FILTERS, None, Documented),
    (TOPIC_CONFIG_SYNC_MS, Some("5000"), Documented),
    ("mirror.start.offset.spec", Some("earliest"), Documented),
    ("cluster.link.paused", Some("false"), Documented),
    ("cluster.link.retry.timeout.ms", Some("300000"), Documented),
    ("metadata.max.age.ms", Some("300000"), Documented),
    ("client.dns.lookup", Some("use_all_dns_ips"), Documented),
    // Client settings of the link towards the source, and `local.*`
    // towards its own cluster.
    ("local.sasl.mechanism", Some("GSSAPI"), RecordedCloud),
    ("local.security.protocol", Some("PLAINTEXT"), RecordedCloud),
    ("local.ssl.cipher.suites", None, RecordedCloud),
    (
        "local.ssl.enabled.protocols",
        Some("TLSv1.2,TLSv1.3"),
        RecordedCloud,
    ),
    (
        "local.ssl.endpoint.identification.algorithm",
        Some("https"),
        RecordedCloud,
    ),
    ("local.ssl.keystore.type", Some("JKS"), RecordedCloud),
    ("local.ssl.protocol", Some("TLSv1.3"), RecordedCloud),
    ("local.ssl.truststore.type", Some("JKS"), RecordedCloud),
    ("ssl.cipher.suites", None, RecordedCloud),
    (
        "ssl.enabled.protocols",
        Some("TLSv1.2,TLSv1.3"),
        RecordedCloud,
    ),
    (
        "ssl.endpoint.identification.algorithm",
        Some("https"),
        RecordedCloud,
    ),
    ("ssl.keystore.type", Some("JKS"), RecordedCloud),
    ("ssl.protocol", Some("TLSv1.3"), RecordedCloud),
    ("ssl.truststore.type", Some("JKS"), RecordedCloud),
    // Fetcher and connection settings (all but the receive buffer are
    // read-only on Cloud).
    ("connections.max.idle.ms", Some("600000"), RecordedCloud),
    ("num.cluster.link.fetchers", Some("1"), RecordedCloud),
    ("replica.fetch.backoff.ms", Some("1000"), RecordedCloud),
    ("replica.fetch.max.bytes", Some("5242880"), RecordedCloud),
    ("replica.fetch.min.bytes", Some("1"), RecordedCloud),
    (
        "replica.fetch.response.max.bytes",
        Some("10485760"),
        RecordedCloud,
    ),
    ("replica.fetch.wait.max.ms", Some("500"), RecordedCloud),
    (
        "replica.socket.receive.buffer.bytes",
        Some("-1"),
        RecordedCloud,
    ),
    ("replica.socket.timeout.ms", Some("30000"), RecordedCloud),
    ("request.timeout.ms", Some("30000"), RecordedCloud),
    ("retry.backoff.ms", Some("100"), RecordedCloud),
    (
        "socket.connection.setup.timeout.max.ms",
        Some("30000"),
        RecordedCloud,
    ),
    (
        "socket.connection.setup.timeout.ms",
        Some("10000"),
        RecordedCloud,
    ),
];

/// The default of `key`: `Some(None)` when it is unset by default, `None`
/// when the key is not in the table.
pub fn default_of(key: &str) -> Option<Option<&'static str>> {
    LINK_DEFAULTS
        .iter()
        .find(|(k, ..)| *k == key)
        .map(|(_, v, _)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_one_row() {
        let mut keys: Vec<&str> = LINK_DEFAULTS.iter().map(|(k, ..)| *k).collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n, "a key appears twice");
    }
}
