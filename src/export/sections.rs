//! Live link configs mapped back to the manifest's structured sections
//! (offset sync, ACL sync, topic config sync, auto-create mirrors), with
//! everything else in the free-form `config` map. Pure.
//!
//! Only keys a user set count: defaults, read-only keys and the immutable
//! keys (which become `mode` / `prefix`) are left out. Sensitive keys become
//! `${env:LINK_<LINK>_<KEY>}` placeholders; their values are never read.
//!
//! A section is used whenever the configs it would produce are the live
//! ones (checked with the planner's own normalisation): its keys a user set,
//! with their values, and the others at the value the server reports (a
//! section that declares `enabled: false` where the live flag is a default
//! `false` reproduces it). Otherwise its keys stay in `config`, which
//! reproduces them verbatim (and which `validate` warns about: a section
//! manages them).

use serde_json::Value as Json;

use crate::manifest::link_configs::{
    desired_link_configs, ACL_FILTERS, ACL_SYNC_ENABLE, ACL_SYNC_MS, AUTO_CREATE_ENABLE,
    AUTO_CREATE_FILTERS, BOOTSTRAP_SERVERS, CONNECTION_MODE, GROUP_FILTERS, LINK_MODE,
    OFFSET_SYNC_ENABLE, OFFSET_SYNC_MS, PREFIX, TOPIC_CONFIG_SYNC_INCLUDE, TOPIC_CONFIG_SYNC_MS,
};
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
        let secret = obj.holds_secret(k);
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

/// Fills `link`'s structured sections and `config` from `explicit` configs
/// (those a user set on `live`, the link object exported); `source` is the
/// cluster the link's `bootstrap.servers` defaults to.
pub fn fill(link: &mut Link, explicit: &[(String, Text)], live: &LiveLink, source: &Cluster) {
    let get = |k: &str| {
        explicit
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.raw().to_string())
    };
    let mut used: Vec<&str> = Vec::new();

    let interval = |k: &str| get(k).and_then(|v| v.parse().ok()).map(Located::new);
    let mut section = |keys: &[&'static str], set: &dyn Fn(&mut Link)| {
        use_section(link, (source, live), explicit, keys, &mut used, set);
    };
    // Offset sync.
    section(
        &[OFFSET_SYNC_ENABLE, OFFSET_SYNC_MS, GROUP_FILTERS],
        &|trial| {
            let (on, groups) = enabled_filters(&get, OFFSET_SYNC_ENABLE, GROUP_FILTERS, |j| {
                parse_filters(j, "groupFilters")
            });
            trial.consumer_offset_sync = Some(Located::new(ConsumerOffsetSync {
                enabled: on,
                interval_ms: interval(OFFSET_SYNC_MS),
                groups,
            }));
        },
    );
    // ACL sync.
    section(&[ACL_SYNC_ENABLE, ACL_SYNC_MS, ACL_FILTERS], &|trial| {
        let (on, filters) = enabled_filters(&get, ACL_SYNC_ENABLE, ACL_FILTERS, parse_acl_filters);
        trial.acl_sync = Some(Located::new(AclSync {
            enabled: on,
            interval_ms: interval(ACL_SYNC_MS),
            filters,
        }));
    });
    // Topic config sync.
    section(
        &[TOPIC_CONFIG_SYNC_MS, TOPIC_CONFIG_SYNC_INCLUDE],
        &|trial| {
            trial.topic_config_sync = Some(Located::new(TopicConfigSync {
                interval_ms: interval(TOPIC_CONFIG_SYNC_MS),
                include: get(TOPIC_CONFIG_SYNC_INCLUDE)
                    .map(|v| {
                        v.split(',')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(|s| Located::new(s.to_string()))
                            .collect()
                    })
                    .unwrap_or_default(),
            }));
        },
    );
    // Auto-create mirrors.
    section(&[AUTO_CREATE_ENABLE, AUTO_CREATE_FILTERS], &|trial| {
        let (on, topics) = enabled_filters(&get, AUTO_CREATE_ENABLE, AUTO_CREATE_FILTERS, |j| {
            parse_filters(j, "topicFilters")
        });
        trial.auto_create_mirrors = Some(Located::new(AutoCreateMirrors {
            enabled: on,
            topics,
        }));
    });
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

/// One structured section: when any of its `keys` is set live, `set` writes
/// the section into a copy of `link`, which replaces `link` (and the keys
/// count as `used`) if it reproduces the live values of `keys`.
fn use_section(
    link: &mut Link,
    (source, live): (&Cluster, &LiveLink),
    explicit: &[(String, Text)],
    keys: &[&'static str],
    used: &mut Vec<&'static str>,
    set: &dyn Fn(&mut Link),
) {
    if !keys
        .iter()
        .any(|k| explicit.iter().any(|(key, _)| key == k))
    {
        return;
    }
    let mut trial = link.clone();
    set(&mut trial);
    if reproduces(&trial, (source, live), explicit, keys) {
        *link = trial;
        used.extend(keys);
    }
}

/// Whether a sync section's `enable` key is `true`, and its filters (the
/// JSON of `key`, read by `parse`) while it is: a disabled sync's filters
/// are left out.
fn enabled_filters<T>(
    get: &dyn Fn(&str) -> Option<String>,
    enable: &str,
    key: &str,
    parse: impl Fn(&str) -> Option<Vec<T>>,
) -> (bool, Vec<T>) {
    let on = get(enable).is_some_and(|v| v == "true");
    let filters = if on {
        get(key).and_then(|j| parse(&j))
    } else {
        None
    };
    (on, filters.unwrap_or_default())
}

/// True when `trial` asks for exactly the live values of `keys`, so that
/// planning it shows no change: a key a user set (in `explicit`) is set to
/// its value; a key at its default is either not set, or set to the value
/// the server reports for it.
fn reproduces(
    trial: &Link,
    (source, live): (&Cluster, &LiveLink),
    explicit: &[(String, Text)],
    keys: &[&str],
) -> bool {
    let desired = desired_link_configs(trial, source);
    keys.iter().all(|k| {
        let set = explicit
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.raw());
        let want = desired.get(*k).map(|d| d.value.raw());
        match (set, want) {
            (Some(l), Some(w)) => same(k, Some(l), Some(w)),
            (None, None) => true,
            (None, Some(w)) => live
                .configs
                .get(*k)
                .is_some_and(|c| !c.is_sensitive && same(k, c.value.as_deref(), Some(w))),
            // The section would not set a key a user set: a declared
            // section resets it.
            (Some(_), None) => false,
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
