//! What the MirrorMaker 2 engine needs from a manifest link (a Kafka Connect
//! endpoint), the limits it puts on values (whole seconds), and what it
//! cannot express (errors) or does differently (warnings). Used by `validate`.

use crate::manifest::diagnostic::Problem;
use crate::manifest::model::{Link, LinkMode, Manifest, MirrorState};
use crate::manifest::validate::intervals::interval_settings;
use crate::manifest::Located;

const USE_CONFLUENT: &str = "or use `engine: confluent` (Cluster Linking)";

/// MirrorMaker 2 intervals are whole seconds.
pub const INTERVAL_UNIT_MS: u64 = 1000;

pub fn check_link(name: &Located<String>, link: &Link, m: &Manifest, out: &mut Vec<Problem>) {
    let n = name.value.as_str();
    connect_endpoint(n, link, m, out);
    intervals(n, link, out);
    let refuse = |what: String, help: String| {
        Problem::error("linkctl::unsupported_by_mirrormaker2", what).help(help)
    };
    out.push(
            Problem::warning(
                "linkctl::mm2_semantics",
                format!("link `{n}` uses MirrorMaker 2: its mirrors are not read-only, and consumer offsets are translated, not identical"),
            )
            .at(link.engine.span.or(name.span), "MirrorMaker 2 engine")
            .of_link(n)
            .help("producers can still write to mirror topics on the destination, and translated offsets may land slightly before the source's; use `engine: confluent` for byte-identical, read-only mirrors"),
        );
    for mirror in &link.mirrors {
        if mirror.state.value == MirrorState::Paused {
            out.push(
                    refuse(
                        format!("MirrorMaker 2 cannot pause one mirror (topic `{}` of link `{n}`)", mirror.topic.value),
                        format!("MirrorMaker 2 pauses whole connectors only: remove the mirror to stop replicating it, {USE_CONFLUENT}"),
                    )
                    .at(mirror.state.span, "per-topic pause"),
                );
        }
    }
    // Settings MirrorMaker 2 has no counterpart for: where one is set, what
    // it is, how to do without it, and its label.
    let unsupported = [
        (
            link.prefix.as_ref().map(|p| p.span),
            format!("link `{n}`: linkctl's MirrorMaker 2 engine keeps topic names (identity replication) and does not support a prefix"),
            "remove `prefix`",
            "prefix",
        ),
        (
            link.acl_sync.as_ref().map(|a| a.span),
            format!("link `{n}`: ACL sync is not available with MirrorMaker 2"),
            "remove `acl_sync`",
            "ACL sync",
        ),
        (
            link.auto_create_mirrors.as_ref().map(|a| a.span),
            format!("link `{n}`: automatic mirror creation is not available with MirrorMaker 2"),
            "list the topics under `mirrors:`",
            "auto-create mirrors",
        ),
    ];
    for (span, what, instead, label) in unsupported {
        if let Some(span) = span {
            out.push(refuse(what, format!("{instead}, {USE_CONFLUENT}")).at(span, label));
        }
    }
    if link.mode.value != LinkMode::DestinationInitiated {
        out.push(
                refuse(
                    format!("link `{n}`: MirrorMaker 2 links are always destination-initiated"),
                    format!("remove `mode` (MirrorMaker 2 runs on the destination's Kafka Connect), {USE_CONFLUENT}"),
                )
                .at(link.mode.span, "link mode"),
            );
    }
    for (key, value) in &link.config {
        if key
            .value
            .strip_prefix(crate::manifest::DESTINATION_CLIENT_PREFIX)
            == Some("")
        {
            out.push(
                refuse(
                    format!("link `{n}`: `{}` names no client property", key.value),
                    "write the Kafka client property after the prefix, e.g. `destination.security.protocol`".to_string(),
                )
                .at(key.span, "empty property"),
            );
        }
        if key.value != "metadata.max.age.ms" {
            continue;
        }
        let raw = value.value.text().expose();
        let ok = raw
            .trim()
            .parse::<u64>()
            .is_ok_and(|ms| ms >= 1000 && ms % 1000 == 0);
        if !ok {
            out.push(
                    refuse(
                        format!("link `{n}`: `metadata.max.age.ms` must be whole seconds (at least 1000 ms) with MirrorMaker 2"),
                        "it sets MirrorMaker 2's topic and group refresh intervals, which are whole seconds: e.g. 5000".to_string(),
                    )
                    .at(value.span.or(key.span), "refresh interval"),
                );
        }
    }
    if let Some(dest) = m.cluster(&link.destination.value) {
        if let Some(auth) = &dest.auth {
            if matches!(auth.value, crate::manifest::model::Auth::Mtls { .. }) {
                out.push(
                        refuse(
                            format!("link `{n}`: linkctl does not support mTLS to Kafka Connect (cluster `{}`)", link.destination.value),
                            "use `auth: { basic: … }` or `auth: { bearer: … }` for the Connect REST API".to_string(),
                        )
                        .at(auth.span, "mTLS"),
                    );
            }
        }
    }
    if let Some(sync) = &link.consumer_offset_sync {
        let groups = &sync.value.groups;
        if let Some(first_exclude) = groups.iter().position(|g| !g.value.is_include()) {
            if let Some(late) = groups[first_exclude..]
                .iter()
                .find(|g| g.value.is_include())
            {
                out.push(
                        Problem::error(
                            "linkctl::mm2_filter_order",
                            format!("link `{n}`: MirrorMaker 2 cannot re-include groups with an include after an exclude"),
                        )
                        .at(late.span, "include after an exclude")
                        .also(groups[first_exclude].span, "this exclude wins over it")
                        .help(format!("MirrorMaker 2 applies all excludes after all includes: list the includes first, {USE_CONFLUENT}")),
                    );
            }
        }
    }
}

/// The Kafka Connect endpoint of the destination, where the connectors run.
fn connect_endpoint(n: &str, link: &Link, m: &Manifest, out: &mut Vec<Problem>) {
    let cluster_ref = &link.destination;
    let Some((cluster_key, cluster)) = m.clusters.get_key_value(cluster_ref.value.as_str()) else {
        return; // reported as an unknown cluster
    };
    if cluster.connect.is_none() {
        let c = cluster_ref.value.as_str();
        out.push(
            Problem::error("linkctl::missing_connect", format!("link `{n}` runs MirrorMaker 2 on the Kafka Connect cluster of `{c}`, which has no `connect` endpoint"))
                .at(cluster_ref.span, "this cluster has no `connect`")
                .also(cluster_key.span, "declared here")
                .help(format!("add `connect: http://…:8083` (the Kafka Connect REST URL next to `{c}`) to cluster `{c}`")),
        );
    }
}

/// Sync intervals become whole seconds of at least one.
fn intervals(n: &str, link: &Link, out: &mut Vec<Problem>) {
    for (setting, ms) in interval_settings(link) {
        let value = ms.value;
        if value < INTERVAL_UNIT_MS {
            out.push(
                Problem::error(
                    "linkctl::interval_too_small",
                    format!("`{setting}` of link `{n}` is {value} ms; MirrorMaker 2 intervals are whole seconds, at least 1 s"),
                )
                .at(ms.span, "below 1000 ms")
                .help("use at least 1000"),
            );
        } else if !value.is_multiple_of(INTERVAL_UNIT_MS) {
            let down = value / INTERVAL_UNIT_MS * INTERVAL_UNIT_MS;
            out.push(
                Problem::error(
                    "linkctl::interval_not_whole_seconds",
                    format!("`{setting}` of link `{n}` is {value} ms, which MirrorMaker 2 cannot express"),
                )
                .at(ms.span, "not a multiple of 1000")
                .help(format!(
                    "MirrorMaker 2 intervals are whole seconds: use {down} or {}",
                    down + INTERVAL_UNIT_MS
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::backend::registry::test_support::*;

    fn mm2(extra: &str) -> String {
        with_link(&format!(
            "    source: us\n    destination: europe\n    engine: mirrormaker2\n{extra}"
        ))
    }

    #[test]
    fn warns_about_semantics() {
        let p = problems(&mm2("    mirrors: [{topic: demo}]\n"));
        assert_eq!(p.len(), 1);
        assert!(!p[0].is_error());
    }

    #[test]
    fn refuses_what_it_cannot_express() {
        for extra in [
            "    mirrors: [{topic: demo, state: paused}]\n",
            "    prefix: us.\n",
            "    acl_sync: {filters: [{}]}\n",
            "    auto_create_mirrors: {topics: [include: \"*\"]}\n",
            "    mode: source-initiated\n",
            "    mode: bidirectional\n",
        ] {
            let c = codes(&mm2(extra));
            assert!(
                c.contains(&"linkctl::unsupported_by_mirrormaker2"),
                "{extra}: {c:?}"
            );
        }
        let p = codes(&mm2("    mirrors: [{topic: demo, state: promoted}]\n"));
        assert_eq!(p, ["linkctl::mm2_semantics"]);
        let c = codes(&mm2(
            "    consumer_offset_sync:\n      groups: [exclude: a, include: b]\n",
        ));
        assert!(c.contains(&"linkctl::mm2_filter_order"), "{c:?}");
        let c = codes(&mm2("    config: {metadata.max.age.ms: 1500}\n"));
        assert!(c.contains(&"linkctl::unsupported_by_mirrormaker2"), "{c:?}");
        let c = codes(&mm2("    config: {metadata.max.age.ms: 5000}\n"));
        assert_eq!(c, ["linkctl::mm2_semantics"]);
    }

    #[test]
    fn whole_seconds() {
        let base = with_link("    source: us\n    destination: europe\n    engine: mirrormaker2\n    consumer_offset_sync:\n      interval_ms: 3000\n      groups: [include: \"*\"]\n");
        assert_eq!(codes(&base), ["linkctl::mm2_semantics"]);
        let bad = base.replace("3000", "1500");
        let p = problems(&bad);
        let p = p
            .iter()
            .find(|p| p.code == "linkctl::interval_not_whole_seconds")
            .expect("refused");
        assert_eq!(
            p.help.as_deref(),
            Some("MirrorMaker 2 intervals are whole seconds: use 1000 or 2000")
        );
        let small = base.replace("3000", "500");
        assert!(codes(&small).contains(&"linkctl::interval_too_small"));
    }

    #[test]
    fn needs_connect_on_destination() {
        let y = "version: 1\nclusters:\n  us: {bootstrap: a:1}\n  europe: {bootstrap: b:1}\nlinks:\n  l:\n    source: us\n    destination: europe\n    engine: mirrormaker2\n";
        assert!(codes(y).contains(&"linkctl::missing_connect"));
    }
}
