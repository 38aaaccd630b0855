//! Values of the link configs linkctl knows, in the free-form `config:` map:
//! durations in milliseconds, booleans, filter JSON and enums are checked
//! before any server sees them (a server refuses them mid-apply otherwise).
//! The sync intervals have their own, engine-aware checks (`intervals`);
//! values from `${env:…}` are secrets and not checked (nor ever quoted).

use serde_json::Value as Json;

use crate::manifest::diagnostic::Problem;
use crate::manifest::link_configs::{
    ACL_FILTERS, ACL_SYNC_ENABLE, ACL_SYNC_MS, AUTO_CREATE_ENABLE, AUTO_CREATE_FILTERS,
    GROUP_FILTERS, OFFSET_SYNC_ENABLE, OFFSET_SYNC_MS, TOPIC_CONFIG_SYNC_MS,
};
use crate::manifest::model::Manifest;

/// What a known key's value must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A whole number of milliseconds (`*.ms`).
    Millis,
    /// A whole number of at least 1.
    Count,
    Bool,
    /// `{"<field>": [{"name", "patternType", "filterType"}, …]}`.
    NameFilters(&'static str),
    /// `{"aclFilters": [ … ]}`.
    AclFilters,
    Enum(&'static [&'static str]),
}

fn kind(key: &str) -> Option<Kind> {
    const SECURITY: &[&str] = &["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"];
    const MECHANISMS: &[&str] = &[
        "PLAIN",
        "SCRAM-SHA-256",
        "SCRAM-SHA-512",
        "GSSAPI",
        "OAUTHBEARER",
    ];
    const DNS: &[&str] = &[
        "use_all_dns_ips",
        "resolve_canonical_bootstrap_servers_only",
    ];
    Some(match key {
        // Checked, engine by engine, by `intervals`.
        OFFSET_SYNC_MS | ACL_SYNC_MS | TOPIC_CONFIG_SYNC_MS => return None,
        OFFSET_SYNC_ENABLE | ACL_SYNC_ENABLE | AUTO_CREATE_ENABLE => Kind::Bool,
        GROUP_FILTERS => Kind::NameFilters("groupFilters"),
        AUTO_CREATE_FILTERS => Kind::NameFilters("topicFilters"),
        ACL_FILTERS => Kind::AclFilters,
        "link.mode" => Kind::Enum(&["DESTINATION", "SOURCE", "BIDIRECTIONAL"]),
        "connection.mode" => Kind::Enum(&["OUTBOUND", "INBOUND"]),
        "security.protocol" | "local.security.protocol" => Kind::Enum(SECURITY),
        "sasl.mechanism" | "local.sasl.mechanism" => Kind::Enum(MECHANISMS),
        "client.dns.lookup" => Kind::Enum(DNS),
        "tasks.max" | "replication.factor" => Kind::Count,
        k if k.ends_with(".replication.factor") => Kind::Count,
        k if k.ends_with(".ms") => Kind::Millis,
        _ => return None,
    })
}

/// Why `value` is not a `kind`, in the rule's words.
fn problem(kind: Kind, value: &str) -> Option<(String, &'static str, String)> {
    let v = value.trim();
    match kind {
        Kind::Millis => v.parse::<u64>().is_err().then(|| {
            (
                "must be a whole number of milliseconds".to_string(),
                "not a number of milliseconds",
                "write milliseconds as digits, e.g. `5000` for five seconds".to_string(),
            )
        }),
        Kind::Count => (v.parse::<u32>().unwrap_or(0) == 0).then(|| {
            (
                "must be a whole number of at least 1".to_string(),
                "not a positive whole number",
                "e.g. `1` or `3`".to_string(),
            )
        }),
        Kind::Bool => (!v.eq_ignore_ascii_case("true") && !v.eq_ignore_ascii_case("false"))
            .then(|| {
                (
                    "must be `true` or `false`".to_string(),
                    "not a boolean",
                    "write `true` or `false`".to_string(),
                )
            }),
        Kind::Enum(allowed) => (!allowed.iter().any(|a| a.eq_ignore_ascii_case(v))).then(|| {
            (
                format!("must be one of {}", allowed.join(", ")),
                "not an allowed value",
                format!("write one of {}", allowed.join(", ")),
            )
        }),
        Kind::NameFilters(field) => name_filters(field, v).map(|why| {
            (
                format!("is not valid filter JSON: {why}"),
                "invalid filter JSON",
                format!(
                    "write `{{\"{field}\":[{{\"name\":\"*\",\"patternType\":\"LITERAL\",\"filterType\":\"INCLUDE\"}}]}}`, or use the link's structured filter settings"
                ),
            )
        }),
        Kind::AclFilters => {
            let ok = serde_json::from_str::<Json>(v)
                .ok()
                .is_some_and(|d| d.get("aclFilters").is_some_and(Json::is_array));
            (!ok).then(|| {
                (
                    "is not valid ACL filter JSON (`{\"aclFilters\":[…]}`)".to_string(),
                    "invalid ACL filter JSON",
                    "use `acl_sync.filters` instead of the raw JSON".to_string(),
                )
            })
        }
    }
}

/// What is wrong with a name-filter document, if anything.
fn name_filters(field: &str, text: &str) -> Option<String> {
    let doc: Json = match serde_json::from_str(text) {
        Ok(d) => d,
        Err(e) => return Some(format!("not JSON ({e})")),
    };
    let Some(items) = doc.get(field).and_then(Json::as_array) else {
        return Some(format!("expected an object with a `{field}` list"));
    };
    for (i, f) in items.iter().enumerate() {
        let field_is = |k: &str, allowed: &[&str]| {
            f.get(k)
                .and_then(Json::as_str)
                .is_some_and(|v| allowed.is_empty() || allowed.contains(&v))
        };
        if !field_is("name", &[]) {
            return Some(format!("entry {} has no `name` string", i + 1));
        }
        if !field_is("patternType", &["LITERAL", "PREFIXED"]) {
            return Some(format!(
                "entry {} needs `patternType` LITERAL or PREFIXED",
                i + 1
            ));
        }
        if !field_is("filterType", &["INCLUDE", "EXCLUDE"]) {
            return Some(format!(
                "entry {} needs `filterType` INCLUDE or EXCLUDE",
                i + 1
            ));
        }
    }
    None
}

pub fn check(m: &Manifest, out: &mut Vec<Problem>) {
    for (name, link) in &m.links {
        for (key, value) in &link.config {
            let text = value.value.text();
            let Some(kind) = kind(&key.value) else {
                continue;
            };
            // Secrets are not checked (nor quoted); a malformed reference
            // is reported as such.
            if text.is_secret() || text.raw().contains("${") {
                continue;
            }
            if let Some((rule, label, help)) = problem(kind, text.expose()) {
                out.push(
                    Problem::error(
                        "linkctl::invalid_config_value",
                        format!("`{}` of link `{}` {rule}", key.value, name.value),
                    )
                    .at(value.span.or(key.span), label)
                    .help(help),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    fn with_config(lines: &str) -> Vec<&'static str> {
        codes(&with_link(&format!(
            "    source: us\n    destination: europe\n    config:\n{lines}"
        )))
        .into_iter()
        .filter(|c| *c == "linkctl::invalid_config_value")
        .collect()
    }

    #[test]
    fn known_values_are_checked() {
        for bad in [
            "      metadata.max.age.ms: five seconds\n",
            "      consumer.offset.group.filters: \"not json\"\n",
            "      consumer.offset.group.filters: '{\"groupFilters\":[{\"name\":\"a\",\"patternType\":\"GLOB\",\"filterType\":\"INCLUDE\"}]}'\n",
            "      acl.sync.enable: maybe\n",
            "      security.protocol: SASL_TLS\n",
            "      tasks.max: 0\n",
            "      acl.filters: '[]'\n",
        ] {
            assert_eq!(with_config(bad), ["linkctl::invalid_config_value"], "{bad}");
        }
        for good in [
            "      metadata.max.age.ms: 5000\n",
            "      consumer.offset.group.filters: '{\"groupFilters\":[{\"name\":\"*\",\"patternType\":\"LITERAL\",\"filterType\":\"INCLUDE\"}]}'\n",
            "      security.protocol: SASL_SSL\n",
            "      some.unknown.key: anything\n",
            "      sasl.jaas.config: \"${env:SET}\"\n",
        ] {
            assert!(with_config(good).is_empty(), "{good}");
        }
    }
}
