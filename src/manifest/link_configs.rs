//! The canonical link configuration a manifest link asks for.
//!
//! Every engine speaks this vocabulary (Cluster Linking's config names): the
//! Confluent engine sends it as is, the MirrorMaker 2 engine translates it to
//! connector settings and back. Pure: no I/O.

use std::collections::BTreeMap;

use serde_json::json;

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
    if let Some(p) = &link.prefix {
        out.insert(PREFIX.to_string(), DesiredConfig::plain(p.value.clone()));
    }
    if let Some(sync) = &link.consumer_offset_sync {
        out.insert(
            OFFSET_SYNC_ENABLE.to_string(),
            DesiredConfig::plain(sync.enabled.to_string()),
        );
        if let Some(ms) = &sync.interval_ms {
            out.insert(
                OFFSET_SYNC_MS.to_string(),
                DesiredConfig::plain(ms.value.to_string()),
            );
        }
        if sync.enabled {
            let filters: Vec<&Filter> = sync.groups.iter().map(|f| &f.value).collect();
            out.insert(
                GROUP_FILTERS.to_string(),
                DesiredConfig::plain(filters_json("groupFilters", &filters)),
            );
        }
    }
    if let Some(acl) = &link.acl_sync {
        out.insert(
            ACL_SYNC_ENABLE.to_string(),
            DesiredConfig::plain(acl.enabled.to_string()),
        );
        if let Some(ms) = &acl.interval_ms {
            out.insert(
                ACL_SYNC_MS.to_string(),
                DesiredConfig::plain(ms.value.to_string()),
            );
        }
        if acl.enabled {
            let filters: Vec<&AclFilter> = acl.filters.iter().map(|f| &f.value).collect();
            out.insert(
                ACL_FILTERS.to_string(),
                DesiredConfig::plain(acl_filters_json(&filters)),
            );
        }
    }
    if let Some(tcs) = &link.topic_config_sync {
        if let Some(ms) = &tcs.interval_ms {
            out.insert(
                TOPIC_CONFIG_SYNC_MS.to_string(),
                DesiredConfig::plain(ms.value.to_string()),
            );
        }
        if !tcs.include.is_empty() {
            let list: Vec<&str> = tcs.include.iter().map(|s| s.value.as_str()).collect();
            out.insert(
                TOPIC_CONFIG_SYNC_INCLUDE.to_string(),
                DesiredConfig::plain(list.join(",")),
            );
        }
    }
    if let Some(auto) = &link.auto_create_mirrors {
        out.insert(
            AUTO_CREATE_ENABLE.to_string(),
            DesiredConfig::plain(auto.enabled.to_string()),
        );
        if auto.enabled {
            let filters: Vec<&Filter> = auto.topics.iter().map(|f| &f.value).collect();
            out.insert(
                AUTO_CREATE_FILTERS.to_string(),
                DesiredConfig::plain(filters_json("topicFilters", &filters)),
            );
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
