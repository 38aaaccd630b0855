//! Value normalisation before comparing link configs.
//!
//! Link configs are strings on the wire, so `true`/`TRUE`, `5000`/`5000.0`
//! and filter JSON written with other whitespace or key order must compare
//! equal. Rules, in order:
//!
//! - an empty (or whitespace-only) value is the same as an absent one;
//! - keys in [`JSON_KEYS`] are parsed as JSON and compared structurally:
//!   object key order is ignored, array order matters, the enum-like fields
//!   (`filterType`, `patternType`, `resourceType`, `operation`,
//!   `permissionType`) compare case-insensitively, and the legacy
//!   `WHITELIST`/`BLACKLIST` mean `INCLUDE`/`EXCLUDE`;
//! - comma-separated list keys (`bootstrap.servers`,
//!   `topic.config.sync.include`) compare item by item, spaces trimmed;
//! - `true`/`false` in any case are booleans;
//! - numbers compare by value (`5000` = `5000.0` = `5e3`);
//! - anything else compares as trimmed text.

use serde_json::Value as Json;

use crate::manifest::link_configs::{BOOTSTRAP_SERVERS, JSON_KEYS, TOPIC_CONFIG_SYNC_INCLUDE};

/// A config value reduced to its meaning.
#[derive(Debug, Clone, PartialEq)]
pub enum Normalized {
    Absent,
    Bool(bool),
    Int(i128),
    Float(f64),
    Json(Json),
    List(Vec<String>),
    Text(String),
}

const LIST_KEYS: &[&str] = &[BOOTSTRAP_SERVERS, TOPIC_CONFIG_SYNC_INCLUDE];
const ENUM_FIELDS: &[&str] = &[
    "filterType",
    "patternType",
    "resourceType",
    "operation",
    "permissionType",
];

/// True when `key` holds a JSON document.
pub fn is_json_key(key: &str) -> bool {
    JSON_KEYS.contains(&key)
}

/// True when `key` holds a comma-separated list.
pub fn is_list_key(key: &str) -> bool {
    LIST_KEYS.contains(&key)
}

/// The meaning of `value` for config `key`.
pub fn normalize(key: &str, value: Option<&str>) -> Normalized {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Normalized::Absent;
    };
    if is_json_key(key) {
        return match serde_json::from_str::<Json>(v) {
            Ok(j) => Normalized::Json(canonical_json(j)),
            Err(_) => Normalized::Text(v.to_string()),
        };
    }
    if is_list_key(key) {
        return Normalized::List(
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        );
    }
    if v.eq_ignore_ascii_case("true") {
        return Normalized::Bool(true);
    }
    if v.eq_ignore_ascii_case("false") {
        return Normalized::Bool(false);
    }
    if let Some(n) = number(v) {
        return n;
    }
    Normalized::Text(v.to_string())
}

/// True when the two values mean the same for config `key`.
pub fn same(key: &str, a: Option<&str>, b: Option<&str>) -> bool {
    normalize(key, a) == normalize(key, b)
}

fn number(v: &str) -> Option<Normalized> {
    let looks_numeric = v.bytes().any(|b| b.is_ascii_digit())
        && v.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    if !looks_numeric {
        return None;
    }
    if let Ok(i) = v.parse::<i128>() {
        return Some(Normalized::Int(i));
    }
    let f = v.parse::<f64>().ok().filter(|f| f.is_finite())?;
    if f.fract() == 0.0 && f.abs() < 1e30 {
        // Exact for every integer a config can hold.
        #[allow(clippy::cast_possible_truncation)]
        return Some(Normalized::Int(f as i128));
    }
    Some(Normalized::Float(f))
}

/// Sorts object keys, upper-cases enum-like fields and maps legacy words.
pub fn canonical_json(j: Json) -> Json {
    match j {
        Json::Object(map) => {
            let mut entries: Vec<(String, Json)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out = serde_json::Map::new();
            for (k, v) in entries {
                let v = match v {
                    Json::String(s) if ENUM_FIELDS.contains(&k.as_str()) => {
                        Json::String(enum_word(&s))
                    }
                    other => canonical_json(other),
                };
                out.insert(k, v);
            }
            Json::Object(out)
        }
        Json::Array(items) => Json::Array(items.into_iter().map(canonical_json).collect()),
        other => other,
    }
}

fn enum_word(s: &str) -> String {
    let up = s.trim().to_ascii_uppercase();
    match up.as_str() {
        "WHITELIST" => "INCLUDE".to_string(),
        "BLACKLIST" => "EXCLUDE".to_string(),
        _ => up,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_and_numbers_compare_by_meaning() {
        assert!(same(
            "consumer.offset.sync.enable",
            Some("true"),
            Some("TRUE")
        ));
        assert!(same("metadata.max.age.ms", Some("5000"), Some("5000.0")));
        assert!(same("metadata.max.age.ms", Some("5000"), Some(" 5e3 ")));
        assert!(!same("metadata.max.age.ms", Some("5000"), Some("5001")));
        assert!(!same(
            "consumer.offset.sync.enable",
            Some("true"),
            Some("false")
        ));
        assert!(same("cluster.link.prefix", None, Some("")));
        assert!(!same("cluster.link.prefix", None, Some("eu.")));
    }

    #[test]
    fn filters_compare_structurally() {
        let a = r#"{"groupFilters":[{"name":"*","patternType":"LITERAL","filterType":"INCLUDE"}]}"#;
        let b = r#"{ "groupFilters": [ {"filterType":"include", "name":"*", "patternType":"literal"} ] }"#;
        let c =
            r#"{"groupFilters":[{"name":"*","patternType":"LITERAL","filterType":"WHITELIST"}]}"#;
        assert!(same("consumer.offset.group.filters", Some(a), Some(b)));
        assert!(same("consumer.offset.group.filters", Some(a), Some(c)));
        let two = r#"{"groupFilters":[{"name":"a","patternType":"LITERAL","filterType":"INCLUDE"},{"name":"b","patternType":"LITERAL","filterType":"INCLUDE"}]}"#;
        let swapped = r#"{"groupFilters":[{"name":"b","patternType":"LITERAL","filterType":"INCLUDE"},{"name":"a","patternType":"LITERAL","filterType":"INCLUDE"}]}"#;
        assert!(!same(
            "consumer.offset.group.filters",
            Some(two),
            Some(swapped)
        ));
        // The names themselves stay case-sensitive.
        let upper = a.replace("\"*\"", "\"A\"");
        let lower = a.replace("\"*\"", "\"a\"");
        assert!(!same(
            "consumer.offset.group.filters",
            Some(&upper),
            Some(&lower)
        ));
    }

    #[test]
    fn lists_trim_items() {
        assert!(same("bootstrap.servers", Some("a:1, b:2"), Some("a:1,b:2")));
        assert!(!same("bootstrap.servers", Some("a:1,b:2"), Some("b:2,a:1")));
    }
}
