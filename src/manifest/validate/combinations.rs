//! Settings that only make sense together: endpoints an engine needs, ACL sync
//! and its filters, structured settings shadowed by the free-form `config`.

use crate::manifest::diagnostic::Problem;
use crate::manifest::link_configs as keys;
use crate::manifest::located::Located;
use crate::manifest::model::{Engine, Link, LinkMode, Manifest};

/// Free-form `config` keys that a structured setting of the link manages.
const MANAGED: &[(&str, &str)] = &[
    (keys::OFFSET_SYNC_ENABLE, "consumer_offset_sync.enabled"),
    (keys::OFFSET_SYNC_MS, "consumer_offset_sync.interval_ms"),
    (keys::GROUP_FILTERS, "consumer_offset_sync.groups"),
    (keys::ACL_SYNC_ENABLE, "acl_sync.enabled"),
    (keys::ACL_SYNC_MS, "acl_sync.interval_ms"),
    (keys::ACL_FILTERS, "acl_sync.filters"),
    (keys::TOPIC_CONFIG_SYNC_MS, "topic_config_sync.interval_ms"),
    (keys::TOPIC_CONFIG_SYNC_INCLUDE, "topic_config_sync.include"),
    (keys::AUTO_CREATE_ENABLE, "auto_create_mirrors.enabled"),
    (keys::AUTO_CREATE_FILTERS, "auto_create_mirrors.topics"),
    (keys::PREFIX, "prefix"),
    (keys::LINK_MODE, "mode"),
    (keys::CONNECTION_MODE, "mode"),
];

pub fn check(m: &Manifest, out: &mut Vec<Problem>) {
    for (name, link) in &m.links {
        let n = name.value.as_str();
        endpoints(m, n, link, out);
        if let Some(acl) = &link.acl_sync {
            if acl.value.enabled && acl.value.filters.is_empty() {
                out.push(
                    Problem::error("linkctl::acl_sync_without_filters", format!("link `{n}` enables ACL sync without ACL filters"))
                        .at(acl.span, "no `filters`")
                        .help("add `filters:` (e.g. `- { resource_type: topic, pattern_type: prefixed, resource_name: app- }`); without them the sync task fails"),
                );
            }
            if acl.value.enabled && link.engine.value == Engine::Confluent {
                if let Some(p) = &link.prefix {
                    out.push(
                        Problem::error("linkctl::prefix_with_acl_sync", format!("link `{n}` combines a prefix with ACL sync, which Cluster Linking refuses"))
                            .at(acl.span, "ACL sync")
                            .also(p.span, "prefix")
                            .help("remove `prefix` or disable `acl_sync`"),
                    );
                }
            }
        }
        if let Some(sync) = &link.consumer_offset_sync {
            if sync.value.enabled && sync.value.groups.is_empty() {
                out.push(
                    Problem::warning("linkctl::offset_sync_without_groups", format!("link `{n}` syncs consumer offsets of no group"))
                        .at(sync.span, "no `groups` filter")
                        .help("an empty filter list matches no group: add `groups: [include: \"*\"]` to sync every group"),
                );
            }
        }
        for (key, value) in &link.config {
            if let Some((_, setting)) = MANAGED.iter().find(|(k, _)| *k == key.value) {
                out.push(
                    Problem::warning(
                        "linkctl::managed_key_in_config",
                        format!(
                            "link `{n}` sets `{}` in `config`, which `{setting}` manages",
                            key.value
                        ),
                    )
                    .at(key.span, "overrides the structured setting")
                    .also(value.span, "this value wins")
                    .help(format!("remove it from `config` and use `{setting}`")),
                );
            }
        }
    }
}

/// The REST / Connect endpoints the link's engine and mode need.
fn endpoints(m: &Manifest, n: &str, link: &Link, out: &mut Vec<Problem>) {
    let needs: Vec<&Located<String>> = match (link.engine.value, link.mode.value) {
        (Engine::Confluent, LinkMode::DestinationInitiated) => vec![&link.destination],
        (Engine::Confluent, _) => vec![&link.destination, &link.source],
        (Engine::Mirrormaker2, _) => vec![&link.destination],
    };
    for cluster_ref in needs {
        let Some((cluster_key, cluster)) = m.clusters.get_key_value(cluster_ref.value.as_str())
        else {
            continue; // reported as an unknown cluster
        };
        let c = cluster_ref.value.as_str();
        match link.engine.value {
            Engine::Confluent if cluster.rest.is_none() => {
                let why = match link.mode.value {
                    LinkMode::DestinationInitiated => "the link object lives on the destination".to_string(),
                    LinkMode::SourceInitiated => "a source-initiated link has a link object on both clusters".to_string(),
                    LinkMode::Bidirectional => "a bidirectional link has a link object on both clusters".to_string(),
                };
                out.push(
                    Problem::error("linkctl::missing_rest", format!("link `{n}` needs the Confluent REST endpoint of cluster `{c}` ({why})"))
                        .at(cluster_ref.span, "this cluster has no `rest`")
                        .also(cluster_key.span, "declared here")
                        .help(format!("add `rest: https://…/kafka` to cluster `{c}`")),
                );
            }
            Engine::Mirrormaker2 if cluster.connect.is_none() => out.push(
                Problem::error("linkctl::missing_connect", format!("link `{n}` runs MirrorMaker 2 on the Kafka Connect cluster of `{c}`, which has no `connect` endpoint"))
                    .at(cluster_ref.span, "this cluster has no `connect`")
                    .also(cluster_key.span, "declared here")
                    .help(format!("add `connect: http://…:8083` (the Kafka Connect REST URL next to `{c}`) to cluster `{c}`")),
            ),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn acl_sync_needs_filters() {
        let y = with_link(
            "    source: us\n    destination: europe\n    acl_sync: {interval_ms: 5000}\n",
        );
        assert_eq!(codes(&y), ["linkctl::acl_sync_without_filters"]);
        let off =
            with_link("    source: us\n    destination: europe\n    acl_sync: {enabled: false}\n");
        assert!(codes(&off).is_empty());
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

    #[test]
    fn mm2_needs_connect_on_destination() {
        let y = "version: 1\nclusters:\n  us: {bootstrap: a:1}\n  europe: {bootstrap: b:1}\nlinks:\n  l:\n    source: us\n    destination: europe\n    engine: mirrormaker2\n";
        assert!(codes(y).contains(&"linkctl::missing_connect"));
    }

    #[test]
    fn warns_on_offset_sync_without_groups_and_shadowed_keys() {
        let y = with_link("    source: us\n    destination: europe\n    consumer_offset_sync: {interval_ms: 5000}\n    config:\n      consumer.offset.sync.ms: 5000\n");
        let p = problems(&y);
        assert!(p.iter().all(|p| !p.is_error()));
        let c: Vec<_> = p.iter().map(|p| p.code).collect();
        assert_eq!(
            c,
            [
                "linkctl::offset_sync_without_groups",
                "linkctl::managed_key_in_config"
            ]
        );
    }
}
