//! Mirror topics: duplicates, names, and collisions on a destination.

use std::collections::BTreeMap;

use crate::manifest::diagnostic::Problem;
use crate::manifest::located::ByteSpan;
use crate::manifest::model::Manifest;

use super::topic_names::topic_name_problem;

pub fn check(m: &Manifest, out: &mut Vec<Problem>) {
    // (destination, mirror name) -> (link, span of the first declaration)
    let mut on_destination: BTreeMap<(&str, String), (&str, Option<ByteSpan>)> = BTreeMap::new();
    for (link_name, link) in &m.links {
        let prefix = link.prefix_str();
        if let Some(p) = &link.prefix {
            if let Some(why) = prefix_problem(&p.value) {
                out.push(
                    Problem::error("linkctl::invalid_prefix", format!("invalid prefix `{}`: {why}", p.value))
                        .at(p.span, "not usable in a topic name")
                        .help("a prefix becomes part of topic names: use letters, digits, `.`, `_` and `-`, e.g. `us.`"),
                );
            }
        }
        let mut seen: BTreeMap<&str, Option<ByteSpan>> = BTreeMap::new();
        for mirror in &link.mirrors {
            let topic = mirror.topic.value.as_str();
            if let Some(first) = seen.get(topic) {
                out.push(
                    Problem::error(
                        "linkctl::duplicate_mirror",
                        format!(
                            "topic `{topic}` is mirrored twice by link `{}`",
                            link_name.value
                        ),
                    )
                    .at(mirror.topic.span, "declared again here")
                    .also(*first, "first declared here")
                    .help("remove one of the two entries"),
                );
                continue;
            }
            seen.insert(topic, mirror.topic.span);
            if let Some(why) = topic_name_problem(topic) {
                out.push(
                    Problem::error(
                        "linkctl::invalid_topic_name",
                        format!("invalid source topic name `{}`: {why}", shorten(topic)),
                    )
                    .at(mirror.topic.span, "not a valid Kafka topic name")
                    .help("write the source topic's exact name"),
                );
                continue;
            }
            let expected = format!("{prefix}{topic}");
            if let Some(name) = &mirror.name {
                if name.value != expected {
                    let help = if prefix.is_empty() {
                        format!("this link has no prefix, so the mirror of `{topic}` is named `{topic}`: remove `name`")
                    } else {
                        format!("with prefix `{prefix}` the mirror of `{topic}` is named `{expected}`: remove `name` or write `name: {expected}`")
                    };
                    out.push(
                        Problem::error(
                            "linkctl::mirror_name_mismatch",
                            format!("mirror name `{}` is not the link prefix + source topic (`{expected}`)", name.value),
                        )
                        .at(name.span, format!("expected `{expected}`"))
                        .help(help),
                    );
                    continue;
                }
            }
            if prefix_problem(prefix).is_none() {
                if let Some(why) = topic_name_problem(&expected) {
                    out.push(
                        Problem::error(
                            "linkctl::invalid_topic_name",
                            format!(
                                "mirror topic name `{}` is invalid: {why}",
                                shorten(&expected)
                            ),
                        )
                        .at(
                            mirror.topic.span,
                            "prefix + this name is not a valid topic name",
                        )
                        .help("shorten the prefix or the topic name"),
                    );
                    continue;
                }
            }
            let key = (link.destination.value.as_str(), expected.clone());
            match on_destination.get(&key) {
                Some((other_link, first)) => out.push(
                    Problem::error(
                        "linkctl::mirror_name_conflict",
                        format!(
                            "links `{other_link}` and `{}` both mirror into topic `{expected}` on cluster `{}`",
                            link_name.value, link.destination.value
                        ),
                    )
                    .at(mirror.topic.span, format!("mirrored into `{expected}` here"))
                    .also(*first, format!("and by link `{other_link}` here"))
                    .help("a topic can be the mirror of one source only: give one of the links a different `prefix`, or drop one mirror"),
                ),
                None => {
                    on_destination.insert(key, (link_name.value.as_str(), mirror.topic.span));
                }
            }
        }
    }
}

/// A name short enough for a one-line message.
fn shorten(name: &str) -> String {
    const MAX: usize = 40;
    if name.chars().count() <= MAX {
        name.to_string()
    } else {
        format!("{}…", name.chars().take(MAX).collect::<String>())
    }
}

/// Why a link prefix cannot start topic names (empty is "no prefix" and fine).
fn prefix_problem(prefix: &str) -> Option<String> {
    if prefix.is_empty() {
        return None;
    }
    if prefix == "*" {
        return Some("`*` is not a wildcard here".into());
    }
    prefix
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .map(|c| format!("contains {c:?}"))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn duplicate_mirror_points_at_both() {
        let y = with_link("    source: us\n    destination: europe\n    mirrors:\n      - topic: demo\n      - topic: demo\n");
        let p = problems(&y);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].code, "linkctl::duplicate_mirror");
        assert_eq!(p[0].secondary.len(), 1);
    }

    #[test]
    fn explicit_name_must_be_prefix_plus_topic() {
        let ok = with_link("    source: us\n    destination: europe\n    prefix: us.\n    mirrors:\n      - topic: demo\n        name: us.demo\n");
        assert!(codes(&ok).is_empty(), "{:?}", codes(&ok));
        let bad = ok.replace("name: us.demo", "name: demo");
        assert_eq!(codes(&bad), ["linkctl::mirror_name_mismatch"]);
    }

    #[test]
    fn two_links_into_the_same_topic() {
        let y = format!(
            "{CLUSTERS}links:\n  a:\n    source: us\n    destination: europe\n    mirrors: [{{topic: demo}}]\n  b:\n    source: us\n    destination: europe\n    mirrors: [{{topic: demo}}]\n"
        );
        assert_eq!(codes(&y), ["linkctl::mirror_name_conflict"]);
        let prefixed = y.replace(
            "  b:\n    source: us\n",
            "  b:\n    source: us\n    prefix: b.\n",
        );
        assert!(codes(&prefixed).is_empty());
    }

    #[test]
    fn invalid_topic_and_prefix() {
        let y = with_link(
            "    source: us\n    destination: europe\n    mirrors:\n      - topic: \"my topic\"\n",
        );
        assert_eq!(codes(&y), ["linkctl::invalid_topic_name"]);
        let y = with_link("    source: us\n    destination: europe\n    prefix: \"a/\"\n");
        assert_eq!(codes(&y), ["linkctl::invalid_prefix"]);
    }
}
