//! "Did you mean …?" suggestions.

/// The candidate closest to `input`, when it is close enough to be a likely typo.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let input_l = input.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&input_l, &c.to_lowercase()), c))
        .filter(|(d, c)| {
            let longest = input.chars().count().max(c.chars().count());
            *c != input && *d <= longest / 3 + usize::from(longest > 6)
        })
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// `a, b and c` with backquotes, for help lines.
pub fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.len() {
        0 => "(none)".to_string(),
        1 => quoted[0].clone(),
        n => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let c = ["bootstrap", "rest", "cluster_id", "connect"];
        assert_eq!(closest("bootstarp", c), Some("bootstrap"));
        assert_eq!(closest("rset", c), Some("rest"));
        assert_eq!(closest("Connect", c), Some("connect"));
        assert_eq!(closest("zzzzzz", c), None);
        assert_eq!(closest("bootstrap", c), None, "exact match is no typo");
        assert_eq!(closest("eu", ["europe", "us"]), None);
        assert_eq!(closest("europa", ["europe", "us"]), Some("europe"));
    }

    #[test]
    fn lists_items() {
        assert_eq!(list(&["a"]), "`a`");
        assert_eq!(list(&["a", "b", "c"]), "`a`, `b` and `c`");
        assert_eq!(list(&[]), "(none)");
    }
}
