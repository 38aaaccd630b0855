//! Two entries under `clusters:` that name the same Kafka cluster: the same
//! `rest` URL, a bootstrap server in common, or the same `cluster_id`. The
//! usual cause is a copied entry left half edited; a link between the two
//! would replicate a cluster into itself. Each problem points at both
//! places and never quotes the value (it may come from `${env:…}`).

use std::collections::BTreeSet;

use crate::manifest::diagnostic::Problem;
use crate::manifest::located::{ByteSpan, Located};
use crate::manifest::model::{Cluster, Manifest};

use super::urls::strict_url;

/// One identifying field of a cluster: its name in the manifest, what
/// compares equal, where it is written.
struct Field<'a> {
    cluster: &'a str,
    key: BTreeSet<String>,
    span: Option<ByteSpan>,
}

/// The `rest` URL as compared: scheme, host (any case), port (the
/// scheme's default when absent) and path without a trailing `/`.
fn rest_key(c: &Cluster) -> Option<(BTreeSet<String>, Option<ByteSpan>)> {
    let rest = c.rest.as_ref()?;
    let url = strict_url(rest.value.expose())?;
    let key = format!(
        "{}://{}:{}{}",
        url.scheme(),
        url.host_str()?.to_ascii_lowercase(),
        url.port_or_known_default()?,
        url.path().trim_end_matches('/')
    );
    Some((BTreeSet::from([key]), rest.span))
}

/// The bootstrap servers as compared: each `host:port` of the list, any
/// case, without a `protocol://` prefix.
fn bootstrap_key(c: &Cluster) -> Option<(BTreeSet<String>, Option<ByteSpan>)> {
    let servers: BTreeSet<String> = c
        .bootstrap
        .value
        .expose()
        .split(',')
        .map(|s| s.trim())
        .map(|s| s.split_once("://").map_or(s, |(_, rest)| rest))
        .map(|s| s.trim_end_matches('/').to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    (!servers.is_empty()).then_some((servers, c.bootstrap.span))
}

fn cluster_id_key(c: &Cluster) -> Option<(BTreeSet<String>, Option<ByteSpan>)> {
    let id: &Located<String> = c.cluster_id.as_ref()?;
    let value = id.value.trim();
    (!value.is_empty()).then(|| (BTreeSet::from([value.to_string()]), id.span))
}

pub fn check(m: &Manifest, out: &mut Vec<Problem>) {
    type KeyOf = fn(&Cluster) -> Option<(BTreeSet<String>, Option<ByteSpan>)>;
    let fields: [(&str, &str, KeyOf); 3] = [
        ("rest", "the same `rest` URL", rest_key),
        ("bootstrap", "a bootstrap server in common", bootstrap_key),
        ("cluster_id", "the same `cluster_id`", cluster_id_key),
    ];
    // In the order they are written: the later entry is the copy.
    let mut clusters: Vec<(&Located<String>, &Cluster)> = m.clusters.iter().collect();
    clusters.sort_by_key(|(name, _)| name.span.map_or(usize::MAX, |s| s.offset));
    for (field, what, key_of) in fields {
        let mut seen: Vec<Field> = Vec::new();
        for (name, cluster) in &clusters {
            let Some((key, span)) = key_of(cluster) else {
                continue;
            };
            let here = Field {
                cluster: &name.value,
                key,
                span,
            };
            if let Some(first) = seen.iter().find(|f| !f.key.is_disjoint(&here.key)) {
                out.push(problem(field, what, first, &here));
            }
            seen.push(here);
        }
    }
}

fn problem(field: &str, what: &str, first: &Field, second: &Field) -> Problem {
    let (a, b) = (first.cluster, second.cluster);
    Problem::error(
        "linkctl::same_cluster_twice",
        format!("clusters `{a}` and `{b}` have {what}: they are one Kafka cluster"),
    )
    .at(second.span, format!("same `{field}` as cluster `{a}`"))
    .also(first.span, format!("`{field}` of cluster `{a}`"))
    .help(format!(
        "each entry under `clusters:` is a different Kafka cluster: fix the `{field}` of \
         `{a}` or `{b}` (a copied entry left half edited?); a link between them would \
         replicate a cluster into itself"
    ))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    fn two(us: &str, europe: &str) -> String {
        format!("version: 1\nclusters:\n  us:\n{us}  europe:\n{europe}")
    }

    fn same(yaml: &str) -> Vec<String> {
        problems(yaml)
            .into_iter()
            .filter(|p| p.code == "linkctl::same_cluster_twice")
            .map(|p| {
                assert_eq!(p.secondary.len(), 1, "points at both places");
                p.message
            })
            .collect()
    }

    #[test]
    fn distinct_clusters_pass() {
        assert_eq!(same(CLUSTERS), Vec::<String>::new());
        let y = two(
            "    bootstrap: a:9092\n    rest: http://a:8090/kafka\n    cluster_id: A\n",
            "    bootstrap: b:9092\n    rest: http://a:8091/kafka\n    cluster_id: B\n",
        );
        assert_eq!(same(&y), Vec::<String>::new());
    }

    #[test]
    fn the_same_rest_url_up_to_case_default_port_and_trailing_slash() {
        for (a, b) in [
            ("http://a:8090/kafka", "http://a:8090/kafka"),
            (
                "https://Pkc-1.Example.com/kafka",
                "https://pkc-1.example.com:443/kafka/",
            ),
        ] {
            let y = two(
                &format!("    bootstrap: a:9092\n    rest: {a}\n"),
                &format!("    bootstrap: b:9092\n    rest: {b}\n"),
            );
            assert_eq!(
                same(&y),
                ["clusters `us` and `europe` have the same `rest` URL: they are one Kafka cluster"],
                "{a} {b}"
            );
        }
    }

    #[test]
    fn a_bootstrap_server_in_common() {
        let y = two(
            "    bootstrap: a-1:9092,a-2:9092\n",
            "    bootstrap: \"b-1:9092, A-2:9092\"\n",
        );
        assert_eq!(
            same(&y),
            ["clusters `us` and `europe` have a bootstrap server in common: they are one Kafka cluster"]
        );
        let y = two("    bootstrap: a:9092\n", "    bootstrap: a:9093\n");
        assert_eq!(same(&y), Vec::<String>::new());
    }

    #[test]
    fn the_same_cluster_id() {
        let y = two(
            "    bootstrap: a:9092\n    cluster_id: lkc-1\n",
            "    bootstrap: b:9092\n    cluster_id: lkc-1\n",
        );
        assert_eq!(
            same(&y),
            ["clusters `us` and `europe` have the same `cluster_id`: they are one Kafka cluster"]
        );
    }

    #[test]
    fn a_value_from_the_environment_is_compared_and_never_quoted() {
        let y = two(
            "    bootstrap: \"${env:SET}\"\n",
            "    bootstrap: s3cr3t-value\n",
        );
        let p = problems(&y);
        let p: Vec<_> = p
            .iter()
            .filter(|p| p.code == "linkctl::same_cluster_twice")
            .collect();
        assert_eq!(p.len(), 1);
        assert!(!format!("{p:?}").contains("s3cr3t"), "{p:?}");
    }
}
