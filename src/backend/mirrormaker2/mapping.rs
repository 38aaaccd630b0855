//! How a link's canonical (Cluster Linking) configuration maps onto the
//! MirrorMaker 2 connectors, and back. Pure.
//!
//! A link `L` is two connectors on the destination's Kafka Connect cluster:
//! `L-source` (MirrorSourceConnector: the records) and `L-checkpoint`
//! (MirrorCheckpointConnector: consumer group offsets). Active mirror topics are
//! the source connector's `topics` list (exact names, identity replication
//! policy). linkctl also writes its own annotations (`linkctl.*` keys, which the
//! connectors ignore) so that live state reads back in the canonical
//! vocabulary: the canonical value of every managed key, and the mirrors that
//! were promoted or failed over (they are no longer mirrored, but not forgotten).

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::manifest::link_configs::{
    BOOTSTRAP_SERVERS, GROUP_FILTERS, OFFSET_SYNC_ENABLE, OFFSET_SYNC_MS, TOPIC_CONFIG_SYNC_MS,
};

pub const SOURCE_CLASS: &str = "org.apache.kafka.connect.mirror.MirrorSourceConnector";
pub const CHECKPOINT_CLASS: &str = "org.apache.kafka.connect.mirror.MirrorCheckpointConnector";
pub const IDENTITY_POLICY: &str = "org.apache.kafka.connect.mirror.IdentityReplicationPolicy";

/// Annotation prefix for canonical values.
pub const CANONICAL_PREFIX: &str = "linkctl.config.";
/// Annotation: mirrors that were promoted or failed over (comma list).
pub const STOPPED_MIRRORS: &str = "linkctl.mirrors.stopped";
/// Annotation: the link name (marks the connector as linkctl's).
pub const LINK_NAME: &str = "linkctl.link";
/// The `topics` (and `groups`) value that matches nothing. Leaving the key
/// out would mean MirrorMaker 2's default, `.*`; an empty list means none
/// (checked on Kafka 4.3.1: the connector runs with no task).
pub const NO_TOPICS: &str = "";
/// MirrorMaker 2's default `groups.exclude`, kept when linkctl sets excludes.
pub const DEFAULT_GROUP_EXCLUDES: &[&str] = &["console-consumer-.*", "connect-.*", "__.*"];

/// Canonical metadata refresh key (drives topic/group refresh in MirrorMaker 2).
pub const METADATA_MAX_AGE_MS: &str = "metadata.max.age.ms";

/// Keys translated rather than passed through.
const TRANSLATED: &[&str] = &[
    BOOTSTRAP_SERVERS,
    OFFSET_SYNC_ENABLE,
    OFFSET_SYNC_MS,
    GROUP_FILTERS,
    TOPIC_CONFIG_SYNC_MS,
    METADATA_MAX_AGE_MS,
];

/// True for canonical keys that are translated into connector settings
/// (they always come from the manifest's structured sections).
pub fn is_translated(key: &str) -> bool {
    TRANSLATED.contains(&key)
}

pub fn source_connector(link: &str) -> String {
    format!("{link}-source")
}
pub fn checkpoint_connector(link: &str) -> String {
    format!("{link}-checkpoint")
}

/// Everything needed to build the two connector configs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSpec {
    pub link: String,
    pub source_alias: String,
    pub target_alias: String,
    pub target_bootstrap: String,
    /// Extra client properties for each side (`source.cluster.*`, `target.cluster.*`).
    pub source_client: BTreeMap<String, String>,
    pub target_client: BTreeMap<String, String>,
    /// Canonical link configs as sent to Kafka Connect. A value that came from
    /// `${env:…}` is sent in that raw form, which the Connect worker resolves
    /// from its own environment (its `EnvVarConfigProvider`): linkctl never
    /// sends a secret to Connect in clear.
    pub canonical: BTreeMap<String, String>,
    /// Fingerprints (`plan::secrets`) of the sensitive and `${env:…}` values,
    /// recorded as annotations instead of the values.
    pub fingerprints: BTreeMap<String, String>,
    /// Active mirror topics.
    pub topics: Vec<String>,
    /// Promoted or failed-over mirror topics.
    pub stopped: Vec<String>,
}

/// A problem translating a canonical config (e.g. a filter MirrorMaker 2
/// cannot express).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MappingError(pub String);

fn secs(ms: &str, key: &str) -> Result<String, MappingError> {
    let v: u64 = ms.trim().parse().map_err(|_| {
        MappingError(format!(
            "{key} must be a number of milliseconds, got {ms:?}"
        ))
    })?;
    Ok(v.div_ceil(1000).max(1).to_string())
}

/// Escapes a topic or group name for a MirrorMaker 2 regex list.
pub fn regex_escape(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if ".^$|?*+()[]{}\\".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn regex_unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `consumer.offset.group.filters` JSON → (`groups`, `groups.exclude`).
pub fn group_filters_to_regex(json: &str) -> Result<(String, String), MappingError> {
    let doc: Json = serde_json::from_str(json)
        .map_err(|e| MappingError(format!("group filters are not valid JSON: {e}")))?;
    let items = doc
        .get("groupFilters")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let mut includes = Vec::new();
    let mut excludes: Vec<String> = DEFAULT_GROUP_EXCLUDES
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut seen_exclude = false;
    for f in items {
        let name = f.get("name").and_then(Json::as_str).unwrap_or_default();
        let prefixed = f.get("patternType").and_then(Json::as_str) == Some("PREFIXED");
        let include = f.get("filterType").and_then(Json::as_str) != Some("EXCLUDE");
        let re = if !prefixed && name == "*" {
            ".*".to_string()
        } else if prefixed {
            format!("{}.*", regex_escape(name))
        } else {
            regex_escape(name)
        };
        if include {
            if seen_exclude {
                return Err(MappingError(format!(
                    "MirrorMaker 2 cannot express an include ({name:?}) after an exclude: its excludes always win"
                )));
            }
            includes.push(re);
        } else {
            seen_exclude = true;
            excludes.push(re);
        }
    }
    let groups = if includes.is_empty() {
        NO_TOPICS.to_string()
    } else {
        includes.join(",")
    };
    Ok((groups, excludes.join(",")))
}

fn common(spec: &LinkSpec, class: &str) -> Result<BTreeMap<String, String>, MappingError> {
    let mut c = BTreeMap::new();
    let mut put = |k: &str, v: &str| {
        c.insert(k.to_string(), v.to_string());
    };
    put("connector.class", class);
    put("source.cluster.alias", &spec.source_alias);
    put("target.cluster.alias", &spec.target_alias);
    put("target.cluster.bootstrap.servers", &spec.target_bootstrap);
    put("replication.policy.class", IDENTITY_POLICY);
    put(LINK_NAME, &spec.link);
    for (k, v) in &spec.source_client {
        c.insert(format!("source.cluster.{k}"), v.clone());
    }
    for (k, v) in &spec.target_client {
        c.insert(format!("target.cluster.{k}"), v.clone());
    }
    // Pass-through keys: client security settings describe how the link
    // reaches the source cluster (`source.cluster.*`); everything else is
    // MirrorMaker 2's own settings written in `config:`.
    for (k, v) in &spec.canonical {
        if TRANSLATED.contains(&k.as_str()) {
            continue;
        }
        if is_client_security_key(k) {
            c.insert(format!("source.cluster.{k}"), v.clone());
        } else {
            c.insert(k.clone(), v.clone());
        }
    }
    if let Some(b) = spec.canonical.get(BOOTSTRAP_SERVERS) {
        c.insert("source.cluster.bootstrap.servers".into(), b.clone());
    }
    if let Some(ms) = spec.canonical.get(METADATA_MAX_AGE_MS) {
        let s = secs(ms, METADATA_MAX_AGE_MS)?;
        c.insert("refresh.topics.interval.seconds".into(), s.clone());
        c.insert("refresh.groups.interval.seconds".into(), s);
    }
    Ok(c)
}

/// Client settings of the connection to the source cluster.
pub fn is_client_security_key(key: &str) -> bool {
    key.starts_with("security.")
        || key.starts_with("sasl.")
        || key.starts_with("ssl.")
        || key == "client.dns.lookup"
}

/// Annotations recording the canonical values (fingerprints for secrets).
fn annotate(spec: &LinkSpec, c: &mut BTreeMap<String, String>) {
    for (k, v) in &spec.canonical {
        let value = spec.fingerprints.get(k).unwrap_or(v).clone();
        c.insert(format!("{CANONICAL_PREFIX}{k}"), value);
    }
}

/// The source connector's config.
pub fn source_config(spec: &LinkSpec) -> Result<BTreeMap<String, String>, MappingError> {
    let mut c = common(spec, SOURCE_CLASS)?;
    let topics: Vec<String> = spec.topics.iter().map(|t| regex_escape(t)).collect();
    c.insert(
        "topics".into(),
        if topics.is_empty() {
            NO_TOPICS.to_string()
        } else {
            topics.join(",")
        },
    );
    c.insert("sync.topic.acls.enabled".into(), "false".into());
    if let Some(ms) = spec.canonical.get(TOPIC_CONFIG_SYNC_MS) {
        c.insert(
            "sync.topic.configs.interval.seconds".into(),
            secs(ms, TOPIC_CONFIG_SYNC_MS)?,
        );
    }
    if !spec.stopped.is_empty() {
        c.insert(STOPPED_MIRRORS.into(), spec.stopped.join(","));
    }
    annotate(spec, &mut c);
    Ok(c)
}

/// The checkpoint connector's config.
pub fn checkpoint_config(spec: &LinkSpec) -> Result<BTreeMap<String, String>, MappingError> {
    let mut c = common(spec, CHECKPOINT_CLASS)?;
    let enabled = spec
        .canonical
        .get(OFFSET_SYNC_ENABLE)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    c.insert("sync.group.offsets.enabled".into(), enabled.to_string());
    c.insert("emit.checkpoints.enabled".into(), "true".into());
    if let Some(ms) = spec.canonical.get(OFFSET_SYNC_MS) {
        let s = secs(ms, OFFSET_SYNC_MS)?;
        c.insert("sync.group.offsets.interval.seconds".into(), s.clone());
        c.insert("emit.checkpoints.interval.seconds".into(), s);
    }
    let filters = spec
        .canonical
        .get(GROUP_FILTERS)
        .map(String::as_str)
        .unwrap_or(r#"{"groupFilters":[]}"#);
    let (groups, excludes) = group_filters_to_regex(filters)?;
    c.insert("groups".into(), groups);
    c.insert("groups.exclude".into(), excludes);
    Ok(c)
}

/// What a source connector's config says, in linkctl's terms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadBack {
    /// Canonical values from the annotations (sensitive ones as `sha256:…`).
    pub canonical: BTreeMap<String, String>,
    pub topics: Vec<String>,
    pub stopped: Vec<String>,
}

/// Reads the canonical view back from a source connector's config.
pub fn read_back(source: &BTreeMap<String, String>) -> ReadBack {
    let canonical = source
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix(CANONICAL_PREFIX)
                .map(|k| (k.to_string(), v.clone()))
        })
        .collect();
    let topics = source
        .get("topics")
        .map(|t| {
            t.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty() && *t != NO_TOPICS)
                .map(regex_unescape)
                .collect()
        })
        .unwrap_or_default();
    let stopped = source
        .get(STOPPED_MIRRORS)
        .map(|t| {
            t.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    ReadBack {
        canonical,
        topics,
        stopped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> LinkSpec {
        let mut canonical = BTreeMap::new();
        canonical.insert(BOOTSTRAP_SERVERS.into(), "127.0.0.1:19092".into());
        canonical.insert(OFFSET_SYNC_ENABLE.into(), "true".into());
        canonical.insert(OFFSET_SYNC_MS.into(), "3000".into());
        canonical.insert(
            GROUP_FILTERS.into(),
            r#"{"groupFilters":[{"name":"*","patternType":"LITERAL","filterType":"INCLUDE"},{"name":"my-consumer-group","patternType":"LITERAL","filterType":"EXCLUDE"}]}"#.into(),
        );
        canonical.insert("replication.factor".into(), "1".into());
        LinkSpec {
            link: "demo-link".into(),
            source_alias: "us".into(),
            target_alias: "europe".into(),
            target_bootstrap: "127.0.0.1:29092".into(),
            source_client: BTreeMap::new(),
            target_client: BTreeMap::new(),
            canonical,
            fingerprints: BTreeMap::new(),
            topics: vec!["demo".into(), "a.b".into()],
            stopped: vec!["old".into()],
        }
    }

    #[test]
    fn source_connector_round_trips() {
        let s = spec();
        let c = source_config(&s).unwrap();
        assert_eq!(c["topics"], r"demo,a\.b");
        assert_eq!(c["replication.policy.class"], IDENTITY_POLICY);
        assert_eq!(c["source.cluster.bootstrap.servers"], "127.0.0.1:19092");
        assert_eq!(c["replication.factor"], "1");
        let back = read_back(&c);
        assert_eq!(back.topics, vec!["demo", "a.b"]);
        assert_eq!(back.stopped, vec!["old"]);
        assert_eq!(back.canonical, s.canonical);
    }

    #[test]
    fn checkpoint_translates_filters_and_intervals() {
        let c = checkpoint_config(&spec()).unwrap();
        assert_eq!(c["groups"], ".*");
        assert_eq!(
            c["groups.exclude"],
            "console-consumer-.*,connect-.*,__.*,my-consumer-group"
        );
        assert_eq!(c["sync.group.offsets.enabled"], "true");
        assert_eq!(c["sync.group.offsets.interval.seconds"], "3");
        assert_eq!(c["emit.checkpoints.interval.seconds"], "3");
    }

    #[test]
    fn secrets_travel_as_references_and_security_keys_scope_to_the_source() {
        let mut s = spec();
        s.canonical
            .insert("sasl.jaas.config".into(), "${env:US_LINK_JAAS}".into());
        s.canonical
            .insert("security.protocol".into(), "SASL_SSL".into());
        s.fingerprints
            .insert("sasl.jaas.config".into(), "sha256:abc".into());
        let c = source_config(&s).unwrap();
        assert_eq!(c["source.cluster.sasl.jaas.config"], "${env:US_LINK_JAAS}");
        assert_eq!(c["source.cluster.security.protocol"], "SASL_SSL");
        assert!(!c.contains_key("sasl.jaas.config"));
        assert_eq!(c["linkctl.config.sasl.jaas.config"], "sha256:abc");
        assert_eq!(read_back(&c).canonical["sasl.jaas.config"], "sha256:abc");
    }

    #[test]
    fn intervals_must_be_numbers() {
        let mut s = spec();
        s.canonical
            .insert(METADATA_MAX_AGE_MS.into(), "soon".into());
        assert!(source_config(&s).is_err());
        s.canonical
            .insert(METADATA_MAX_AGE_MS.into(), "5000".into());
        assert_eq!(
            source_config(&s).unwrap()["refresh.topics.interval.seconds"],
            "5"
        );
    }

    #[test]
    fn include_after_exclude_is_refused() {
        let json = r#"{"groupFilters":[{"name":"a","patternType":"PREFIXED","filterType":"EXCLUDE"},{"name":"ab","patternType":"LITERAL","filterType":"INCLUDE"}]}"#;
        assert!(group_filters_to_regex(json).is_err());
    }

    #[test]
    fn no_topics_matches_nothing() {
        let mut s = spec();
        s.topics.clear();
        let c = source_config(&s).unwrap();
        assert_eq!(c["topics"], NO_TOPICS);
        assert!(read_back(&c).topics.is_empty());
    }
}
