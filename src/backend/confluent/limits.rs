//! What Cluster Linking needs from a manifest link and the limits it puts on
//! values (used by `validate`).

use crate::manifest::diagnostic::Problem;
use crate::manifest::validate::intervals::interval_settings;
use crate::manifest::{Link, LinkMode, Located, Manifest};

/// Longest `cluster.link.prefix` Confluent accepts.
pub const MAX_PREFIX_LEN: usize = 12;
/// Smallest sync interval (ms) Confluent accepts for offset, ACL and topic config sync.
pub const MIN_INTERVAL_MS: u64 = 1000;

pub fn check_link(name: &Located<String>, link: &Link, m: &Manifest, out: &mut Vec<Problem>) {
    let n = name.value.as_str();
    endpoints(n, link, m, out);
    for key in link.config.keys() {
        if key
            .value
            .starts_with(crate::manifest::DESTINATION_CLIENT_PREFIX)
        {
            out.push(
                Problem::error(
                    "linkctl::destination_client_on_cluster_link",
                    format!("link `{n}`: `{}` describes how MirrorMaker 2's connectors reach the destination; a Cluster Linking link lives on its destination cluster and has no such setting", key.value),
                )
                .at(key.span, "MirrorMaker 2 only")
                .help("remove it (the link reaches the source with the security settings in `config:` without a prefix)"),
            );
        }
    }
    for mirror in &link.mirrors {
        if let Some(adopt) = mirror.adopt.as_ref().filter(|a| a.value) {
            out.push(
                Problem::error(
                    "linkctl::adopt_on_cluster_link",
                    format!(
                        "mirror `{}` of link `{n}`: Cluster Linking cannot mirror into an existing topic",
                        mirror.topic.value
                    ),
                )
                .at(adopt.span, "MirrorMaker 2 only")
                .help("remove `adopt`; a Cluster Linking mirror topic is created by the link (delete the existing topic, or mirror into another name with a `prefix`)"),
            );
        }
    }
    if let Some(p) = &link.prefix {
        let len = p.value.chars().count();
        if len > MAX_PREFIX_LEN {
            let short: String = link.source.value.chars().take(MAX_PREFIX_LEN - 1).collect();
            out.push(
                Problem::error(
                    "linkctl::prefix_too_long",
                    format!("prefix `{}` of link `{n}` has {len} characters; Confluent allows at most {MAX_PREFIX_LEN}", p.value),
                )
                .at(p.span, format!("{len} characters"))
                .help(format!("use a prefix of at most {MAX_PREFIX_LEN} characters, e.g. `{short}.`")),
            );
        }
    }
    if let (Some(acl), Some(p)) = (&link.acl_sync, &link.prefix) {
        if acl.value.enabled {
            out.push(
                Problem::error(
                    "linkctl::prefix_with_acl_sync",
                    format!(
                        "link `{n}` combines a prefix with ACL sync, which Cluster Linking refuses"
                    ),
                )
                .at(acl.span, "ACL sync")
                .also(p.span, "prefix")
                .help("remove `prefix` or disable `acl_sync`"),
            );
        }
    }
    for (setting, ms) in interval_settings(link) {
        if ms.value < MIN_INTERVAL_MS {
            out.push(
                Problem::error(
                    "linkctl::interval_too_small",
                    format!("`{setting}` of link `{n}` is {} ms; Confluent's minimum is {MIN_INTERVAL_MS} ms", ms.value),
                )
                .at(ms.span, format!("below {MIN_INTERVAL_MS} ms"))
                .help(format!("use at least {MIN_INTERVAL_MS}")),
            );
        }
    }
}

/// Every cluster with a REST endpoint is read by this engine: one on
/// Confluent Cloud (`*.confluent.cloud`) must pin its `cluster_id`, which
/// Cloud's REST API cannot tell (it serves no `GET /v3/clusters`).
pub fn check_clusters(m: &Manifest, out: &mut Vec<Problem>) {
    for (name, cluster) in &m.clusters {
        let Some(rest) = &cluster.rest else { continue };
        if cluster.cluster_id.is_some() || !super::endpoint::is_confluent_cloud(rest.value.expose())
        {
            continue;
        }
        out.push(
            Problem::error(
                "linkctl::cloud_cluster_id_missing",
                format!(
                    "cluster `{}` is on Confluent Cloud and has no `cluster_id`; Confluent Cloud's REST API does not say which cluster an endpoint serves",
                    name.value
                ),
            )
            .at(rest.value.span().or(rest.span), "a Confluent Cloud endpoint")
            .also(name.span, "declared here")
            .help("add `cluster_id: lkc-…` (the cluster's id, shown by `confluent kafka cluster list`) next to `rest`"),
        );
    }
}

/// The REST endpoints the link needs: its object's cluster, and the source
/// too when the link has an object on both sides.
fn endpoints(n: &str, link: &Link, m: &Manifest, out: &mut Vec<Problem>) {
    let needs: Vec<&Located<String>> = match link.mode.value {
        LinkMode::DestinationInitiated => vec![&link.destination],
        _ => vec![&link.destination, &link.source],
    };
    for cluster_ref in needs {
        let Some((cluster_key, cluster)) = m.clusters.get_key_value(cluster_ref.value.as_str())
        else {
            continue; // reported as an unknown cluster
        };
        if cluster.rest.is_some() {
            continue;
        }
        let c = cluster_ref.value.as_str();
        let why = match link.mode.value {
            LinkMode::DestinationInitiated => "the link object lives on the destination",
            LinkMode::SourceInitiated => {
                "a source-initiated link has a link object on both clusters"
            }
            LinkMode::Bidirectional => "a bidirectional link has a link object on both clusters",
        };
        out.push(
            Problem::error(
                "linkctl::missing_rest",
                format!("link `{n}` needs the Confluent REST endpoint of cluster `{c}` ({why})"),
            )
            .at(cluster_ref.span, "this cluster has no `rest`")
            .also(cluster_key.span, "declared here")
            .help(format!("add `rest: https://…/kafka` to cluster `{c}`")),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::backend::registry::test_support::*;

    #[test]
    fn prefix_limit() {
        let ok = with_link("    source: us\n    destination: europe\n    prefix: abcdefghijk.\n");
        assert!(codes(&ok).is_empty());
        let bad = ok.replace("abcdefghijk.", "abcdefghijkl.");
        assert_eq!(codes(&bad), ["linkctl::prefix_too_long"]);
    }

    #[test]
    fn minimum_intervals() {
        let y = with_link("    source: us\n    destination: europe\n    consumer_offset_sync:\n      interval_ms: 999\n      groups: [include: \"*\"]\n    topic_config_sync:\n      interval_ms: 1000\n    config:\n      acl.sync.ms: 10\n");
        let c: Vec<_> = codes(&y)
            .into_iter()
            .filter(|c| c.starts_with("linkctl::interval"))
            .collect();
        assert_eq!(
            c,
            ["linkctl::interval_too_small", "linkctl::interval_too_small"]
        );
    }

    #[test]
    fn confluent_cloud_endpoints_need_a_pinned_cluster_id() {
        let y = "version: 1\nclusters:\n  us: {bootstrap: a:1, rest: http://a/kafka}\n  europe:\n    bootstrap: b:1\n    rest: https://pkc-1.eu-west-1.aws.confluent.cloud:443/kafka\nlinks:\n  l:\n    source: us\n    destination: europe\n";
        assert_eq!(codes(y), ["linkctl::cloud_cluster_id_missing"]);
        let pinned = y.replace(
            "confluent.cloud:443/kafka\n",
            "confluent.cloud:443/kafka\n    cluster_id: lkc-abc\n",
        );
        assert!(codes(&pinned).is_empty());
    }

    #[test]
    fn source_initiated_needs_rest_on_both_sides() {
        let y = "version: 1\nclusters:\n  us: {bootstrap: a:1}\n  europe: {bootstrap: b:1, rest: http://b}\nlinks:\n  l:\n    source: us\n    destination: europe\n";
        assert!(
            codes(y).is_empty(),
            "destination-initiated only needs the destination"
        );
        let si = y.replace(
            "destination: europe\n",
            "destination: europe\n    mode: source-initiated\n",
        );
        assert_eq!(codes(&si), ["linkctl::missing_rest"]);
    }
}
