//! Live link configs mapped back to the manifest's structured sections
//! (offset sync, ACL sync, topic config sync, auto-create mirrors), with
//! everything else in the free-form `config` map. Pure.
//!
//! Only keys a user set count: defaults, read-only keys and the immutable
//! keys (which become `mode` / `prefix`) are left out. Sensitive keys become
//! `${env:LINK_<LINK>_<KEY>}` placeholders; their values are never read.
//!
//! A section is only used when the configs it would produce are exactly the
//! live ones (checked with the planner's own normalisation); otherwise its
//! keys stay in `config`, which reproduces them verbatim.

use serde_json::Value as Json;

use crate::manifest::link_configs::{
    desired_link_configs, ACL_FILTERS, ACL_SYNC_ENABLE, ACL_SYNC_MS, AUTO_CREATE_ENABLE,
    AUTO_CREATE_FILTERS, BOOTSTRAP_SERVERS, CONNECTION_MODE, GROUP_FILTERS, LINK_MODE,
    OFFSET_SYNC_ENABLE, OFFSET_SYNC_MS, PREFIX, TOPIC_CONFIG_SYNC_INCLUDE, TOPIC_CONFIG_SYNC_MS,
};
use crate::manifest::sensitive::{is_sensitive_key, looks_secret};
use crate::manifest::{
    AclFilter, AclSync, AutoCreateMirrors, Cluster, ConfigValue, ConsumerOffsetSync, Filter, Link,
    Located, Pattern, PrefixPattern, Text, TopicConfigSync,
};
use crate::plan::normalize::same;
use crate::plan::user_set::{self, Origin};
use crate::state::LiveLink;

/// The environment variable that holds sensitive config `key` of `link`.
pub fn secret_env_name(link: &str, key: &str) -> String {
    let up = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!("LINK_{}_{}", up(link), up(key))
}

/// The keys a user set on a link object (the planner's rule,
/// [`user_set::origin`]): `(key, value)` with sensitive values replaced by
/// placeholders (see [`secret_env_name`]); and the sensitive keys nobody
/// can tell are set or not.
pub fn explicit_configs(link: &str, obj: &LiveLink) -> (Vec<(String, Text)>, Vec<String>) {
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    for (k, c) in &obj.configs {
        if c.is_read_only || [LINK_MODE, CONNECTION_MODE, PREFIX].contains(&k.as_str()) {
            continue;
        }
        let secret = c.is_sensitive
            || c.value.as_deref().is_some_and(|v| looks_secret(k, v))
            || is_sensitive_key(k);
        match user_set::origin(obj, k) {
            Origin::Default => {}
            Origin::Unknown => unknown.push(k.clone()),
            Origin::User if secret => {
                let placeholder = format!("${{env:{}}}", secret_env_name(link, k));
                out.push((k.clone(), Text::plain(placeholder)));
            }
            Origin::User => {
                if let Some(v) = &c.value {
                    out.push((k.clone(), Text::plain(v.clone())));
                }
            }
        }
    }
    (out, unknown)
}

/// Fills `link`'s structured sections and `config` from `explicit` configs;
/// `source` is the cluster the link's `bootstrap.servers` defaults to.
pub fn fill(link: &mut Link, explicit: &[(String, Text)], source: &Cluster) {
    let get = |k: &str| {
        explicit
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.raw().to_string())
    };
    let mut used: Vec<&str> = Vec::new();

    let enabled = |k: &str| get(k).map(|v| v == "true");
    // Offset sync.
    if [OFFSET_SYNC_ENABLE, OFFSET_SYNC_MS, GROUP_FILTERS]
        .iter()
        .any(|k| get(k).is_some())
    {
        let on = enabled(OFFSET_SYNC_ENABLE).unwrap_or(false);
        let groups = if on {
            get(GROUP_FILTERS).map(|j| parse_filters(&j, "groupFilters"))
        } else {
            None
        };
        let section = ConsumerOffsetSync {
            enabled: on,
            interval_ms: get(OFFSET_SYNC_MS)
                .and_then(|v| v.parse().ok())
                .map(Located::new),
            groups: match groups {
                Some(Some(g)) => g,
                _ => Vec::new(),
            },
        };
        let mut trial = link.clone();
        trial.consumer_offset_sync = Some(Located::new(section));
        if reproduces(
            &trial,
            source,
            explicit,
            &[OFFSET_SYNC_ENABLE, OFFSET_SYNC_MS, GROUP_FILTERS],
        ) {
            *link = trial;
            used.extend([OFFSET_SYNC_ENABLE, OFFSET_SYNC_MS, GROUP_FILTERS]);
        }
    }
    // ACL sync.
    if [ACL_SYNC_ENABLE, ACL_SYNC_MS, ACL_FILTERS]
        .iter()
        .any(|k| get(k).is_some())
    {
        let on = enabled(ACL_SYNC_ENABLE).unwrap_or(false);
        let filters = if on {
            get(ACL_FILTERS).and_then(|j| parse_acl_filters(&j))
        } else {
            None
        };
        let section = AclSync {
            enabled: on,
            interval_ms: get(ACL_SYNC_MS)
                .and_then(|v| v.parse().ok())
                .map(Located::new),
            filters: filters.unwrap_or_default(),
        };
        let mut trial = link.clone();
        trial.acl_sync = Some(Located::new(section));
        if reproduces(
            &trial,
            source,
            explicit,
            &[ACL_SYNC_ENABLE, ACL_SYNC_MS, ACL_FILTERS],
        ) {
            *link = trial;
            used.extend([ACL_SYNC_ENABLE, ACL_SYNC_MS, ACL_FILTERS]);
        }
    }
    // Topic config sync.
    if [TOPIC_CONFIG_SYNC_MS, TOPIC_CONFIG_SYNC_INCLUDE]
        .iter()
        .any(|k| get(k).is_some())
    {
        let section = TopicConfigSync {
            interval_ms: get(TOPIC_CONFIG_SYNC_MS)
                .and_then(|v| v.parse().ok())
                .map(Located::new),
            include: get(TOPIC_CONFIG_SYNC_INCLUDE)
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| Located::new(s.to_string()))
                        .collect()
                })
                .unwrap_or_default(),
        };
        let mut trial = link.clone();
        trial.topic_config_sync = Some(Located::new(section));
        if reproduces(
            &trial,
            source,
            explicit,
            &[TOPIC_CONFIG_SYNC_MS, TOPIC_CONFIG_SYNC_INCLUDE],
        ) {
            *link = trial;
            used.extend([TOPIC_CONFIG_SYNC_MS, TOPIC_CONFIG_SYNC_INCLUDE]);
        }
    }
    // Auto-create mirrors.
    if [AUTO_CREATE_ENABLE, AUTO_CREATE_FILTERS]
        .iter()
        .any(|k| get(k).is_some())
    {
        let on = enabled(AUTO_CREATE_ENABLE).unwrap_or(false);
        let topics = if on {
            get(AUTO_CREATE_FILTERS).and_then(|j| parse_filters(&j, "topicFilters"))
        } else {
            None
        };
        let section = AutoCreateMirrors {
            enabled: on,
            topics: topics.unwrap_or_default(),
        };
        let mut trial = link.clone();
        trial.auto_create_mirrors = Some(Located::new(section));
        if reproduces(
            &trial,
            source,
            explicit,
            &[AUTO_CREATE_ENABLE, AUTO_CREATE_FILTERS],
        ) {
            *link = trial;
            used.extend([AUTO_CREATE_ENABLE, AUTO_CREATE_FILTERS]);
        }
    }
    // Everything else, verbatim; `bootstrap.servers` only when it is not the source's.
    for (k, v) in explicit {
        if used.contains(&k.as_str()) {
            continue;
        }
        if k == BOOTSTRAP_SERVERS && v.raw() == source.bootstrap.value.raw() {
            continue;
        }
        link.config.insert(
            Located::new(k.clone()),
            Located::new(ConfigValue(v.clone())),
        );
    }
}

/// True when `trial` asks for exactly the live values of `keys`: set where
/// live sets them, and not set (or equal to the default the server reports
/// as default, i.e. absent from `explicit`) elsewhere.
fn reproduces(trial: &Link, source: &Cluster, explicit: &[(String, Text)], keys: &[&str]) -> bool {
    let desired = desired_link_configs(trial, source);
    keys.iter().all(|k| {
        let live = explicit
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.raw());
        let want = desired.get(*k).map(|d| d.value.raw());
        match (live, want) {
            (Some(l), Some(w)) => same(k, Some(l), Some(w)),
            (None, None) => true,
            // The section would set a key the server reports as default (or not
            // set one that is set): the plan would show a change.
            _ => false,
        }
    })
}

/// `{"groupFilters":[{"name":…,"patternType":…,"filterType":…}]}` → filters;
/// `None` when the document holds anything the manifest cannot express.
pub fn parse_filters(json: &str, field: &str) -> Option<Vec<Located<Filter>>> {
    let v: Json = serde_json::from_str(json).ok()?;
    let items = v.get(field)?.as_array()?;
    items
        .iter()
        .map(|f| {
            let name = f.get("name")?.as_str()?.to_string();
            let pattern = match f
                .get("patternType")
                .and_then(Json::as_str)
                .unwrap_or("LITERAL")
            {
                "LITERAL" => Pattern::Literal(name),
                "PREFIXED" => Pattern::Prefix(PrefixPattern { prefix: name }),
                _ => return None,
            };
            match f
                .get("filterType")
                .and_then(Json::as_str)
                .unwrap_or("INCLUDE")
            {
                "INCLUDE" => Some(Located::new(Filter::Include(pattern))),
                "EXCLUDE" => Some(Located::new(Filter::Exclude(pattern))),
                _ => None,
            }
        })
        .collect()
}

/// `{"aclFilters":[{"resourceFilter":{…},"accessFilter":{…}}]}` → filters.
pub fn parse_acl_filters(json: &str) -> Option<Vec<Located<AclFilter>>> {
    let v: Json = serde_json::from_str(json).ok()?;
    let items = v.get("aclFilters")?.as_array()?;
    let s = |o: Option<&Json>, k: &str| {
        o.and_then(|o| o.get(k))
            .and_then(Json::as_str)
            .map(str::to_string)
    };
    items
        .iter()
        .map(|f| {
            let r = f.get("resourceFilter");
            let a = f.get("accessFilter");
            Some(Located::new(AclFilter {
                resource_type: s(r, "resourceType").unwrap_or_else(|| "any".into()),
                resource_name: s(r, "name"),
                pattern_type: s(r, "patternType").unwrap_or_else(|| "any".into()),
                principal: s(a, "principal"),
                host: s(a, "host"),
                operation: s(a, "operation").unwrap_or_else(|| "any".into()),
                permission_type: s(a, "permissionType").unwrap_or_else(|| "any".into()),
            }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::link_configs::filters_json;

    #[test]
    fn filters_round_trip() {
        let fs = [
            Filter::Include(Pattern::Literal("*".into())),
            Filter::Exclude(Pattern::Literal("my-consumer-group".into())),
            Filter::Include(Pattern::Prefix(PrefixPattern {
                prefix: "app-".into(),
            })),
        ];
        let json = filters_json("groupFilters", &fs.iter().collect::<Vec<_>>());
        let back = parse_filters(&json, "groupFilters").expect("parses");
        assert_eq!(back.into_iter().map(|f| f.value).collect::<Vec<_>>(), fs);
        assert_eq!(
            parse_filters(
                r#"{"groupFilters":[{"name":"x","patternType":"REGEX"}]}"#,
                "groupFilters"
            ),
            None
        );
    }

    #[test]
    fn secret_placeholders_name_link_and_key() {
        assert_eq!(
            secret_env_name("demo-link", "sasl.jaas.config"),
            "LINK_DEMO_LINK_SASL_JAAS_CONFIG"
        );
        let row = |value: Option<&str>, is_default, sensitive| crate::state::LiveConfig {
            is_sensitive: sensitive,
            ..crate::state::LiveConfig::plain(value, Some(is_default))
        };
        let mut link: LiveLink = serde_json::from_value(serde_json::json!({
            "name": "demo-link", "side": "DESTINATION", "connection_mode": "OUTBOUND", "state": "ACTIVE"
        }))
        .expect("link");
        link.configs
            .insert("sasl.jaas.config".into(), row(None, false, true));
        link.configs
            .insert("acl.sync.ms".into(), row(Some("5000"), true, false));
        let (e, unknown) = explicit_configs("demo-link", &link);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].1.raw(), "${env:LINK_DEMO_LINK_SASL_JAAS_CONFIG}");
        assert!(unknown.is_empty());
    }
}
