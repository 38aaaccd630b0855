//! Values shown as lists: filter JSON as one line per filter, comma lists as
//! one line per item, so that a change renders as a list diff.

use serde_json::Value as Json;

use crate::plan::normalize::{canonical_json, is_json_key, is_list_key};

/// The value of `key` as list items, when `key` is a list-like config and the
/// value parses. `None` (absent) gives an empty list.
pub fn items(key: &str, value: Option<&str>) -> Option<Vec<String>> {
    let v = value.map(str::trim).unwrap_or("");
    if is_list_key(key) {
        return Some(
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| format!("\"{s}\""))
                .collect(),
        );
    }
    if !is_json_key(key) {
        return None;
    }
    if v.is_empty() {
        return Some(Vec::new());
    }
    let json: Json = serde_json::from_str(v).ok()?;
    let array = match &json {
        Json::Array(a) => a.clone(),
        Json::Object(o) => o.values().find_map(|v| v.as_array().cloned())?,
        _ => return None,
    };
    Some(array.into_iter().map(item_line).collect())
}

/// `include "name"`, `exclude prefix "tmp-"`, or the filter's compact JSON.
fn item_line(item: Json) -> String {
    let field = |k: &str| item.get(k).and_then(Json::as_str).map(str::to_string);
    if let (Some(name), Some(ft)) = (field("name"), field("filterType")) {
        let ft = match ft.to_ascii_uppercase().as_str() {
            "INCLUDE" | "WHITELIST" => "include".to_string(),
            "EXCLUDE" | "BLACKLIST" => "exclude".to_string(),
            other => other.to_ascii_lowercase(),
        };
        let prefixed = field("patternType").is_some_and(|p| p.eq_ignore_ascii_case("PREFIXED"));
        let name = Json::String(name).to_string();
        return if prefixed {
            format!("{ft} prefix {name}")
        } else {
            format!("{ft} {name}")
        };
    }
    canonical_json(item).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_filters_become_lines() {
        let v = r#"{"groupFilters":[{"name":"*","patternType":"LITERAL","filterType":"INCLUDE"},{"name":"app-","patternType":"PREFIXED","filterType":"EXCLUDE"}]}"#;
        assert_eq!(
            items("consumer.offset.group.filters", Some(v)).unwrap(),
            vec!["include \"*\"", "exclude prefix \"app-\""]
        );
        assert_eq!(items("metadata.max.age.ms", Some("1")), None);
        assert_eq!(
            items("consumer.offset.group.filters", None).unwrap(),
            Vec::<String>::new()
        );
    }
}
