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
use crate::manifest::DESTINATION_CLIENT_PREFIX;
use crate::plan::payload::WireValue;

use super::mirror_lists::MirrorLists;

/// A connector config as planned: values may be secret references.
pub type WireConfig = BTreeMap<String, WireValue>;

pub const SOURCE_CLASS: &str = "org.apache.kafka.connect.mirror.MirrorSourceConnector";
pub const CHECKPOINT_CLASS: &str = "org.apache.kafka.connect.mirror.MirrorCheckpointConnector";
pub const IDENTITY_POLICY: &str = "org.apache.kafka.connect.mirror.IdentityReplicationPolicy";

/// Annotation prefix for canonical values.
pub const CANONICAL_PREFIX: &str = "linkctl.config.";
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
/// The client property holding a SASL identity (JAAS).
const SASL_JAAS_CONFIG: &str = "sasl.jaas.config";

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
/// (from the manifest's structured sections, or, for a section the
/// manifest leaves out, from the live link: see [`super::payload`]).
pub fn is_translated(key: &str) -> bool {
    TRANSLATED.contains(&key)
}

pub fn source_connector(link: &str) -> String {
    format!("{link}-source")
}
pub fn checkpoint_connector(link: &str) -> String {
    format!("{link}-checkpoint")
}

/// Everything needed to build the two connector configs (except the mirror
/// topic lists, which mirror actions own: see [`mirror_lists`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSpec {
    pub link: String,
    pub source_alias: String,
    pub target_alias: String,
    pub target_bootstrap: WireValue,
    /// Canonical link configs as sent to Kafka Connect. A value that came from
    /// `${env:…}` is sent in that raw form, which the Connect worker resolves
    /// from its own environment (its `EnvVarConfigProvider`): linkctl never
    /// sends such a secret to Connect in clear. A sensitive value written in
    /// clear in the manifest is a secret reference, resolved when sent.
    pub canonical: WireConfig,
    /// Fingerprints (`plan::secrets`) of the sensitive and `${env:…}` values,
    /// recorded as annotations instead of the values.
    pub fingerprints: BTreeMap<String, String>,
}

impl LinkSpec {
    /// The plain canonical value of a translated key (never a secret).
    fn plain(&self, key: &str) -> Result<Option<&str>, MappingError> {
        match self.canonical.get(key) {
            None => Ok(None),
            Some(WireValue::Plain(v)) => Ok(Some(v)),
            Some(WireValue::Secret(_)) => Err(MappingError(format!(
                "{key} is translated into MirrorMaker 2 settings and cannot be a secret"
            ))),
        }
    }
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

fn common(spec: &LinkSpec, class: &str) -> Result<WireConfig, MappingError> {
    let mut c = WireConfig::new();
    let mut put = |k: &str, v: &str| {
        c.insert(k.to_string(), WireValue::Plain(v.to_string()));
    };
    put("connector.class", class);
    put("source.cluster.alias", &spec.source_alias);
    put("target.cluster.alias", &spec.target_alias);
    put("replication.policy.class", IDENTITY_POLICY);
    put(LINK_NAME, &spec.link);
    c.insert(
        "target.cluster.bootstrap.servers".into(),
        spec.target_bootstrap.clone(),
    );
    // Pass-through keys: client security settings describe how the link
    // reaches the source cluster (`source.cluster.*`); `destination.*` keys
    // how the connectors reach the destination (`target.cluster.*`), whose
    // SASL identity also replaces the worker producer's, which writes the
    // mirrored records (`producer.override.sasl.jaas.config`: the worker
    // already reaches its own cluster, only the principal changes);
    // everything else is MirrorMaker 2's own settings written in `config:`.
    for (k, v) in &spec.canonical {
        if TRANSLATED.contains(&k.as_str()) {
            continue;
        }
        if let Some(prop) = k.strip_prefix(DESTINATION_CLIENT_PREFIX) {
            c.insert(format!("target.cluster.{prop}"), v.clone());
            if prop == SASL_JAAS_CONFIG {
                c.insert(format!("producer.override.{prop}"), v.clone());
            }
        } else if is_client_security_key(k) {
            c.insert(format!("source.cluster.{k}"), v.clone());
        } else {
            c.insert(k.clone(), v.clone());
        }
    }
    if let Some(b) = spec.canonical.get(BOOTSTRAP_SERVERS) {
        c.insert("source.cluster.bootstrap.servers".into(), b.clone());
    }
    if let Some(ms) = spec.plain(METADATA_MAX_AGE_MS)? {
        let s = WireValue::Plain(secs(ms, METADATA_MAX_AGE_MS)?);
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
fn annotate(spec: &LinkSpec, c: &mut WireConfig) {
    for (k, v) in &spec.canonical {
        let value = match spec.fingerprints.get(k) {
            Some(fp) => WireValue::Plain(fp.clone()),
            None => v.clone(),
        };
        c.insert(format!("{CANONICAL_PREFIX}{k}"), value);
    }
}

/// The source connector's config, without its mirror lists.
pub fn source_config(spec: &LinkSpec) -> Result<WireConfig, MappingError> {
    let mut c = common(spec, SOURCE_CLASS)?;
    c.insert(
        "sync.topic.acls.enabled".into(),
        WireValue::Plain("false".into()),
    );
    if let Some(ms) = spec.plain(TOPIC_CONFIG_SYNC_MS)? {
        c.insert(
            "sync.topic.configs.interval.seconds".into(),
            WireValue::Plain(secs(ms, TOPIC_CONFIG_SYNC_MS)?),
        );
    }
    annotate(spec, &mut c);
    Ok(c)
}

/// The checkpoint connector's config.
pub fn checkpoint_config(spec: &LinkSpec) -> Result<WireConfig, MappingError> {
    let mut c = common(spec, CHECKPOINT_CLASS)?;
    let plain = |v: &str| WireValue::Plain(v.to_string());
    let enabled = spec
        .plain(OFFSET_SYNC_ENABLE)?
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    c.insert(
        "sync.group.offsets.enabled".into(),
        plain(&enabled.to_string()),
    );
    c.insert("emit.checkpoints.enabled".into(), plain("true"));
    if let Some(ms) = spec.plain(OFFSET_SYNC_MS)? {
        let s = plain(&secs(ms, OFFSET_SYNC_MS)?);
        c.insert("sync.group.offsets.interval.seconds".into(), s.clone());
        c.insert("emit.checkpoints.interval.seconds".into(), s);
    }
    let filters = spec
        .plain(GROUP_FILTERS)?
        .unwrap_or(r#"{"groupFilters":[]}"#);
    let (groups, excludes) = group_filters_to_regex(filters)?;
    c.insert("groups".into(), plain(&groups));
    c.insert("groups.exclude".into(), plain(&excludes));
    Ok(c)
}

/// The topics a MirrorMaker 2 source task replicates, from its generated
/// config's `task.assigned.partitions` (`topic-partition` list; a topic
/// name may itself hold `-`, the partition is after the last one).
pub fn assigned_topics(task_config: &BTreeMap<String, String>) -> Vec<String> {
    task_config
        .get("task.assigned.partitions")
        .map(|list| {
            list.split(',')
                .filter_map(|tp| tp.trim().rsplit_once('-'))
                .filter(|(_, p)| p.parse::<u32>().is_ok())
                .map(|(t, _)| t.to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// What a source connector's config says, in linkctl's terms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadBack {
    /// Canonical values from the annotations (sensitive ones as `sha256:…`).
    pub canonical: BTreeMap<String, String>,
    pub lists: MirrorLists,
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
    ReadBack {
        canonical,
        lists: MirrorLists::of(source),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(v: &str) -> WireValue {
        WireValue::Plain(v.to_string())
    }

    /// The config with every value plain (tests use no secret references).
    fn plain(c: WireConfig) -> BTreeMap<String, String> {
        c.into_iter()
            .map(|(k, v)| (k, v.plain().expect("plain").to_string()))
            .collect()
    }

    fn spec() -> LinkSpec {
        let mut canonical = WireConfig::new();
        canonical.insert(BOOTSTRAP_SERVERS.into(), p("127.0.0.1:19092"));
        canonical.insert(OFFSET_SYNC_ENABLE.into(), p("true"));
        canonical.insert(OFFSET_SYNC_MS.into(), p("3000"));
        canonical.insert(
            GROUP_FILTERS.into(),
            p(r#"{"groupFilters":[{"name":"*","patternType":"LITERAL","filterType":"INCLUDE"},{"name":"my-consumer-group","patternType":"LITERAL","filterType":"EXCLUDE"}]}"#),
        );
        canonical.insert("replication.factor".into(), p("1"));
        LinkSpec {
            link: "demo-link".into(),
            source_alias: "us".into(),
            target_alias: "europe".into(),
            target_bootstrap: p("127.0.0.1:29092"),
            canonical,
            fingerprints: BTreeMap::new(),
        }
    }

    #[test]
    fn source_connector_round_trips() {
        let s = spec();
        let mut c = plain(source_config(&s).unwrap());
        assert!(
            !c.contains_key("topics"),
            "mirror lists are not link settings"
        );
        let lists = MirrorLists {
            topics: vec!["demo".into(), "a.b".into()],
            stopped: vec!["old".into()],
            ids: BTreeMap::new(),
        };
        c.extend(lists.settings());
        assert_eq!(c["topics"], r"demo,a\.b");
        assert_eq!(c["replication.policy.class"], IDENTITY_POLICY);
        assert_eq!(c["source.cluster.bootstrap.servers"], "127.0.0.1:19092");
        assert_eq!(c["replication.factor"], "1");
        let back = read_back(&c);
        assert_eq!(back.lists, lists);
        let canonical: BTreeMap<String, String> = plain(s.canonical.clone());
        assert_eq!(back.canonical, canonical);
    }

    #[test]
    fn checkpoint_translates_filters_and_intervals() {
        let c = plain(checkpoint_config(&spec()).unwrap());
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
            .insert("sasl.jaas.config".into(), p("${env:US_LINK_JAAS}"));
        s.canonical
            .insert("security.protocol".into(), p("SASL_SSL"));
        s.fingerprints
            .insert("sasl.jaas.config".into(), "sha256:abc".into());
        let c = plain(source_config(&s).unwrap());
        assert_eq!(c["source.cluster.sasl.jaas.config"], "${env:US_LINK_JAAS}");
        assert_eq!(c["source.cluster.security.protocol"], "SASL_SSL");
        assert!(!c.contains_key("sasl.jaas.config"));
        assert_eq!(c["linkctl.config.sasl.jaas.config"], "sha256:abc");
        assert_eq!(read_back(&c).canonical["sasl.jaas.config"], "sha256:abc");
    }

    #[test]
    fn destination_keys_reach_the_target_and_its_identity_the_worker_producer() {
        let mut s = spec();
        for (k, v) in [
            ("destination.security.protocol", "SASL_SSL"),
            ("destination.sasl.jaas.config", "${env:EU_LINK_JAAS}"),
            ("destination.ssl.truststore.location", "/etc/ca.pem"),
        ] {
            s.canonical.insert(k.into(), p(v));
        }
        for c in [
            plain(source_config(&s).unwrap()),
            plain(checkpoint_config(&s).unwrap()),
        ] {
            assert_eq!(c["target.cluster.security.protocol"], "SASL_SSL");
            assert_eq!(c["target.cluster.sasl.jaas.config"], "${env:EU_LINK_JAAS}");
            assert_eq!(c["target.cluster.ssl.truststore.location"], "/etc/ca.pem");
            // Only the identity of the producer that writes the records.
            assert_eq!(
                c["producer.override.sasl.jaas.config"],
                "${env:EU_LINK_JAAS}"
            );
            assert!(!c.contains_key("producer.override.security.protocol"));
            assert!(!c.keys().any(|k| k.starts_with("source.cluster.ssl")));
            assert!(!c.keys().any(|k| k.starts_with("destination.")));
        }
        // Read back in the manifest's terms (the source connector holds them).
        let c = plain(source_config(&s).unwrap());
        assert_eq!(
            read_back(&c).canonical["destination.security.protocol"],
            "SASL_SSL"
        );
    }

    #[test]
    fn intervals_must_be_numbers() {
        let mut s = spec();
        s.canonical.insert(METADATA_MAX_AGE_MS.into(), p("soon"));
        assert!(source_config(&s).is_err());
        s.canonical.insert(METADATA_MAX_AGE_MS.into(), p("5000"));
        assert_eq!(
            plain(source_config(&s).unwrap())["refresh.topics.interval.seconds"],
            "5"
        );
    }

    #[test]
    fn include_after_exclude_is_refused() {
        let json = r#"{"groupFilters":[{"name":"a","patternType":"PREFIXED","filterType":"EXCLUDE"},{"name":"ab","patternType":"LITERAL","filterType":"INCLUDE"}]}"#;
        assert!(group_filters_to_regex(json).is_err());
    }

    #[test]
    fn assigned_topics_split_at_the_last_dash() {
        let mut c = BTreeMap::new();
        c.insert(
            "task.assigned.partitions".to_string(),
            "chk-000-0,chk-000-1,a-b-12".to_string(),
        );
        assert_eq!(assigned_topics(&c), ["chk-000", "chk-000", "a-b"]);
        assert!(assigned_topics(&BTreeMap::new()).is_empty());
    }
}
