//! Kafka's rules for topic names.

/// Longest topic name Kafka accepts.
pub const MAX_TOPIC_NAME_LEN: usize = 249;

/// Why `name` is not a valid Kafka topic name, or `None` when it is.
pub fn topic_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a topic name cannot be empty".into());
    }
    if name == "." || name == ".." {
        return Some(format!("`{name}` is not allowed as a topic name"));
    }
    let len = name.chars().count();
    if len > MAX_TOPIC_NAME_LEN {
        return Some(format!(
            "{len} characters, more than Kafka's limit of {MAX_TOPIC_NAME_LEN}"
        ));
    }
    let bad: Vec<char> = name
        .chars()
        .filter(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .collect();
    if let Some(first) = bad.first() {
        return Some(format!(
            "contains {first:?}; Kafka names may only use letters, digits, `.`, `_` and `-`"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kafka_topic_rules() {
        assert_eq!(topic_name_problem("orders.v1_a-b"), None);
        assert!(topic_name_problem("").is_some());
        assert!(topic_name_problem("..").is_some());
        assert!(topic_name_problem("a b").unwrap().contains("' '"));
        assert!(topic_name_problem("ä").is_some());
        assert!(topic_name_problem(&"a".repeat(249)).is_none());
        assert!(topic_name_problem(&"a".repeat(250))
            .unwrap()
            .contains("250"));
    }
}
