//! Which consumer groups an offset-sync filter list covers. Pure.

use crate::manifest::{Filter, Pattern};

fn matches(p: &Pattern, name: &str) -> bool {
    match p {
        Pattern::Literal(l) => l == "*" || l == name,
        Pattern::Prefix(pre) => name.starts_with(&pre.prefix),
    }
}

/// True when `group` is synced: it matches an include and no exclude.
pub fn covers(filters: &[&Filter], group: &str) -> bool {
    let included = filters
        .iter()
        .any(|f| f.is_include() && matches(f.pattern(), group));
    let excluded = filters
        .iter()
        .any(|f| !f.is_include() && matches(f.pattern(), group));
    included && !excluded
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::PrefixPattern;

    #[test]
    fn include_all_but_excluded() {
        let all = Filter::Include(Pattern::Literal("*".into()));
        let ex = Filter::Exclude(Pattern::Literal("my-consumer-group".into()));
        let app = Filter::Include(Pattern::Prefix(PrefixPattern {
            prefix: "app-".into(),
        }));
        assert!(covers(&[&all], "my-consumer-group"));
        assert!(!covers(&[&all, &ex], "my-consumer-group"));
        assert!(covers(&[&all, &ex], "other"));
        assert!(covers(&[&app], "app-1"));
        assert!(!covers(&[&app], "web"));
        assert!(!covers(&[], "any"));
    }
}
