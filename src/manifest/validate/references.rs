//! The manifest version and references between links and clusters.

use crate::manifest::diagnostic::Problem;
use crate::manifest::model::{Manifest, MANIFEST_VERSION};

use super::suggest;
use super::topic_names::topic_name_problem;

pub fn check(m: &Manifest, out: &mut Vec<Problem>) {
    if m.version.value != MANIFEST_VERSION {
        out.push(
            Problem::error(
                "linkctl::unsupported_version",
                format!("unsupported manifest version {}", m.version.value),
            )
            .at(m.version.span, "only version 1 is supported")
            .help(format!("write `version: {MANIFEST_VERSION}`")),
        );
    }
    let known: Vec<&str> = m.clusters.keys().map(|k| k.value.as_str()).collect();
    for (cluster_name, cluster) in &m.clusters {
        if cluster.bootstrap.value.raw().trim().is_empty() {
            out.push(
                Problem::error(
                    "linkctl::empty_bootstrap",
                    format!("cluster `{}` has an empty `bootstrap`", cluster_name.value),
                )
                .at(cluster.bootstrap.span, "empty")
                .help("write the Kafka bootstrap servers, e.g. `broker-1:9092,broker-2:9092`"),
            );
        }
    }
    for (name, link) in &m.links {
        // The name travels in URL paths (REST, Kafka Connect) and in
        // connector names: Kafka's topic name rules fit every engine.
        if let Some(why) = topic_name_problem(&name.value) {
            out.push(
                Problem::error(
                    "linkctl::invalid_link_name",
                    format!("link name `{}` cannot be used: {why}", name.value),
                )
                .at(name.span, "invalid link name")
                .help("name links with letters, digits, `.`, `_` and `-` (e.g. `us-to-europe`)"),
            );
        }
        for (role, reference) in [("source", &link.source), ("destination", &link.destination)] {
            if m.clusters.contains_key(reference.value.as_str()) {
                continue;
            }
            let mut help = match suggest::closest(&reference.value, known.iter().copied()) {
                Some(s) => format!("did you mean `{s}`? "),
                None => String::new(),
            };
            if known.is_empty() {
                help.push_str("no cluster is declared: add it under `clusters:`");
            } else {
                help.push_str(&format!("known clusters: {}", suggest::list(&known)));
            }
            out.push(
                Problem::error(
                    "linkctl::unknown_cluster",
                    format!(
                        "link `{}` names unknown {role} cluster `{}`",
                        name.value, reference.value
                    ),
                )
                .at(reference.span, "not declared under `clusters:`")
                .help(help),
            );
        }
        if link.source.value == link.destination.value {
            out.push(
                Problem::error(
                    "linkctl::same_source_and_destination",
                    format!(
                        "link `{}` replicates cluster `{}` into itself",
                        name.value, link.source.value
                    ),
                )
                .at(link.destination.span, "destination is the source")
                .also(link.source.span, "source")
                .help("a link copies topics between two different clusters: change `source` or `destination`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn version_must_be_1() {
        let y = CLUSTERS.replace("version: 1", "version: 2");
        assert_eq!(codes(&y), ["linkctl::unsupported_version"]);
    }

    #[test]
    fn unknown_cluster_suggests_and_lists() {
        let y = with_link("    source: europa\n    destination: europe\n");
        let p = problems(&y);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].code, "linkctl::unknown_cluster");
        assert_eq!(
            p[0].help.as_deref(),
            Some("did you mean `europe`? known clusters: `europe` and `us`")
        );
    }

    #[test]
    fn source_equal_destination() {
        let y = with_link("    source: us\n    destination: us\n");
        let p = problems(&y);
        assert!(p
            .iter()
            .any(|p| p.code == "linkctl::same_source_and_destination" && p.secondary.len() == 1));
    }
}
