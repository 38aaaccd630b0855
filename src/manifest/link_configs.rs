//! The canonical link configuration a manifest link asks for.
//!
//! Every engine speaks this vocabulary (Cluster Linking's config names): the
//! Confluent engine sends it as is, the MirrorMaker 2 engine translates it to
//! connector settings and back. Pure: no I/O.

use std::collections::BTreeMap;

use serde_json::json;

use super::located::Located;
use super::model::{AclFilter, Cluster, Filter, Link, Pattern};
use super::sensitive::looks_secret;
use super::text::Text;

pub const OFFSET_SYNC_ENABLE: &str = "consumer.offset.sync.enable";
pub const OFFSET_SYNC_MS: &str = "consumer.offset.sync.ms";
pub const GROUP_FILTERS: &str = "consumer.offset.group.filters";
pub const ACL_SYNC_ENABLE: &str = "acl.sync.enable";
pub const ACL_SYNC_MS: &str = "acl.sync.ms";
pub const ACL_FILTERS: &str = "acl.filters";
pub const TOPIC_CONFIG_SYNC_MS: &str = "topic.config.sync.ms";
pub const TOPIC_CONFIG_SYNC_INCLUDE: &str = "topic.config.sync.include";
pub const AUTO_CREATE_ENABLE: &str = "auto.create.mirror.topics.enable";
pub const AUTO_CREATE_FILTERS: &str = "auto.create.mirror.topics.filters";
pub const PREFIX: &str = "cluster.link.prefix";
pub const BOOTSTRAP_SERVERS: &str = "bootstrap.servers";
pub const LINK_MODE: &str = "link.mode";
pub const CONNECTION_MODE: &str = "connection.mode";
/// `destination.<property>` keys: Kafka client properties with which an
/// engine that runs outside the destination cluster (MirrorMaker 2's
/// connectors) reaches it. Keys without the prefix that are client
/// properties describe how the link reaches the source.
pub const DESTINATION_CLIENT_PREFIX: &str = "destination.";

/// Keys whose values are JSON documents, compared structurally.
pub const JSON_KEYS: &[&str] = &[GROUP_FILTERS, ACL_FILTERS, AUTO_CREATE_FILTERS];

/// Keys that cannot change once the link exists.
pub const IMMUTABLE_KEYS: &[&str] = &[PREFIX, LINK_MODE, CONNECTION_MODE];

/// One desired config value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredConfig {
    /// The value (interpolated). Secret values must never be printed.
    pub value: Text,
    /// Write-only on the server: never diffed by value.
    pub sensitive: bool,
}

impl DesiredConfig {
    fn plain(v: impl Into<String>) -> Self {
        Self {
            value: Text::plain(v),
            sensitive: false,
        }
    }
}

/// The canonical config map of `link`, whose source cluster is `source`.
///
/// Includes `bootstrap.servers` (the source's bootstrap unless the link's
/// `config` sets it) and `cluster.link.prefix` when a prefix is declared.
pub fn desired_link_configs(link: &Link, source: &Cluster) -> BTreeMap<String, DesiredConfig> {
    let mut out = BTreeMap::new();
    out.insert(
        BOOTSTRAP_SERVERS.to_string(),
        DesiredConfig {
            value: source.bootstrap.value.clone(),
            sensitive: false,
        },
    );
    for (key, value) in structured_configs(link) {
        if let Some(v) = value {
            out.insert(key.to_string(), DesiredConfig::plain(v));
        }
    }
    // The free-form map wins over everything derived above.
    for (k, v) in &link.config {
        let text = v.value.text();
        let sensitive = looks_secret(&k.value, text.raw()) || text.is_secret();
        out.insert(
            k.value.clone(),
            DesiredConfig {
                value: v.value.text().clone(),
                sensitive,
            },
        );
    }
    out
}

/// Each key the structured settings of `link` (prefix, offset sync, ACL
/// sync, topic config sync, auto-create mirrors) can set, with its value,
/// or `None` where the manifest leaves it unset. Filters are sent only
/// while their sync is enabled.
fn structured_configs(link: &Link) -> [(&'static str, Option<String>); 11] {
    let offsets = link.consumer_offset_sync.as_deref();
    let acl = link.acl_sync.as_deref();
    let topic_configs = link.topic_config_sync.as_deref();
    let auto = link.auto_create_mirrors.as_deref();
    let ms = |ms: &Option<Located<u64>>| ms.as_ref().map(|ms| ms.value.to_string());
    [
        (PREFIX, link.prefix.as_ref().map(|p| p.value.clone())),
        (OFFSET_SYNC_ENABLE, offsets.map(|s| s.enabled.to_string())),
        (OFFSET_SYNC_MS, offsets.and_then(|s| ms(&s.interval_ms))),
        (
            GROUP_FILTERS,
            offsets
                .filter(|s| s.enabled)
                .map(|s| filters_json("groupFilters", &values(&s.groups))),
        ),
        (ACL_SYNC_ENABLE, acl.map(|a| a.enabled.to_string())),
        (ACL_SYNC_MS, acl.and_then(|a| ms(&a.interval_ms))),
        (
            ACL_FILTERS,
            acl.filter(|a| a.enabled)
                .map(|a| acl_filters_json(&values(&a.filters))),
        ),
        (
            TOPIC_CONFIG_SYNC_MS,
            topic_configs.and_then(|t| ms(&t.interval_ms)),
        ),
        (
            TOPIC_CONFIG_SYNC_INCLUDE,
            topic_configs.filter(|t| !t.include.is_empty()).map(|t| {
                let list: Vec<&str> = t.include.iter().map(|s| s.value.as_str()).collect();
                list.join(",")
            }),
        ),
        (AUTO_CREATE_ENABLE, auto.map(|a| a.enabled.to_string())),
        (
            AUTO_CREATE_FILTERS,
            auto.filter(|a| a.enabled)
                .map(|a| filters_json("topicFilters", &values(&a.topics))),
        ),
    ]
}

/// The structured section (its manifest name) that derives `key`, if any.
pub fn section_of(key: &str) -> Option<&'static str> {
    match key {
        OFFSET_SYNC_ENABLE | OFFSET_SYNC_MS | GROUP_FILTERS => Some("consumer_offset_sync"),
        ACL_SYNC_ENABLE | ACL_SYNC_MS | ACL_FILTERS => Some("acl_sync"),
        TOPIC_CONFIG_SYNC_MS | TOPIC_CONFIG_SYNC_INCLUDE => Some("topic_config_sync"),
        AUTO_CREATE_ENABLE | AUTO_CREATE_FILTERS => Some("auto_create_mirrors"),
        _ => None,
    }
}

/// The structured section of `link` that derives `key`, when `link`
/// declares it (then linkctl manages every key of the section: what the
/// section does not set is reset to its default).
pub fn declared_section(link: &Link, key: &str) -> Option<&'static str> {
    let section = section_of(key)?;
    let declared = match section {
        "consumer_offset_sync" => link.consumer_offset_sync.is_some(),
        "acl_sync" => link.acl_sync.is_some(),
        "topic_config_sync" => link.topic_config_sync.is_some(),
        _ => link.auto_create_mirrors.is_some(),
    };
    declared.then_some(section)
}

/// The values of located items.
fn values<T>(items: &[Located<T>]) -> Vec<&T> {
    items.iter().map(|i| &i.value).collect()
}

/// `{"groupFilters":[{"name":…,"patternType":…,"filterType":…}]}` (compact).
pub fn filters_json(field: &str, filters: &[&Filter]) -> String {
    let items: Vec<serde_json::Value> = filters
        .iter()
        .map(|f| {
            let (name, pattern_type) = match f.pattern() {
                Pattern::Literal(n) => (n.as_str(), "LITERAL"),
                Pattern::Prefix(p) => (p.prefix.as_str(), "PREFIXED"),
            };
            json!({
                "name": name,
                "patternType": pattern_type,
                "filterType": if f.is_include() { "INCLUDE" } else { "EXCLUDE" },
            })
        })
        .collect();
    let mut obj = serde_json::Map::new();
    obj.insert(field.to_string(), serde_json::Value::Array(items));
    serde_json::Value::Object(obj).to_string()
}

/// `{"aclFilters":[{"resourceFilter":{…},"accessFilter":{…}}]}` (compact).
pub fn acl_filters_json(filters: &[&AclFilter]) -> String {
    let items: Vec<serde_json::Value> = filters
        .iter()
        .map(|f| {
            let mut resource = serde_json::Map::new();
            resource.insert("resourceType".into(), json!(f.resource_type));
            if let Some(n) = &f.resource_name {
                resource.insert("name".into(), json!(n));
            }
            resource.insert("patternType".into(), json!(f.pattern_type));
            let mut access = serde_json::Map::new();
            if let Some(p) = &f.principal {
                access.insert("principal".into(), json!(p));
            }
            if let Some(h) = &f.host {
                access.insert("host".into(), json!(h));
            }
            access.insert("operation".into(), json!(f.operation));
            access.insert("permissionType".into(), json!(f.permission_type));
            json!({"resourceFilter": resource, "accessFilter": access})
        })
        .collect();
    json!({ "aclFilters": items }).to_string()
}
