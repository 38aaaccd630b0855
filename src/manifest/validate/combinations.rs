//! Settings that only make sense together: ACL sync and its filters, offset
//! sync and its groups, structured settings shadowed by the free-form
//! `config`. (The endpoints each engine needs are checked by the engine.)

use crate::manifest::diagnostic::Problem;
use crate::manifest::link_configs as keys;
use crate::manifest::model::Manifest;

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
        if let Some(acl) = &link.acl_sync {
            if acl.value.enabled && acl.value.filters.is_empty() {
                out.push(
                    Problem::error("linkctl::acl_sync_without_filters", format!("link `{n}` enables ACL sync without ACL filters"))
                        .at(acl.span, "no `filters`")
                        .help("add `filters:` (e.g. `- { resource_type: topic, pattern_type: prefixed, resource_name: app- }`); without them the sync task fails"),
                );
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
