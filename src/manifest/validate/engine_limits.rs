//! Limits each engine puts on values: prefix length, sync intervals.

use crate::manifest::diagnostic::Problem;
use crate::manifest::link_configs::{ACL_SYNC_MS, OFFSET_SYNC_MS, TOPIC_CONFIG_SYNC_MS};
use crate::manifest::located::Located;
use crate::manifest::model::{Engine, Link, Manifest};

/// Longest `cluster.link.prefix` Confluent accepts.
pub const CONFLUENT_MAX_PREFIX_LEN: usize = 12;
/// Smallest sync interval (ms) Confluent accepts for offset, ACL and topic config sync.
pub const CONFLUENT_MIN_INTERVAL_MS: u64 = 1000;
/// MirrorMaker 2 intervals are whole seconds.
pub const MM2_INTERVAL_UNIT_MS: u64 = 1000;

pub fn check(m: &Manifest, out: &mut Vec<Problem>) {
    for (name, link) in &m.links {
        let link_name = name.value.as_str();
        if let (Engine::Confluent, Some(p)) = (link.engine.value, &link.prefix) {
            let len = p.value.chars().count();
            if len > CONFLUENT_MAX_PREFIX_LEN {
                out.push(
                    Problem::error(
                        "linkctl::prefix_too_long",
                        format!("prefix `{}` of link `{link_name}` has {len} characters; Confluent allows at most {CONFLUENT_MAX_PREFIX_LEN}", p.value),
                    )
                    .at(p.span, format!("{len} characters"))
                    .help(format!("use a prefix of at most {CONFLUENT_MAX_PREFIX_LEN} characters, e.g. `{}.`", short(link.source.value.as_str()))),
                );
            }
        }
        for (setting, interval) in intervals(link) {
            check_interval(link, link_name, setting, interval, out);
        }
        for (key, value) in &link.config {
            if ![OFFSET_SYNC_MS, ACL_SYNC_MS, TOPIC_CONFIG_SYNC_MS].contains(&key.value.as_str()) {
                continue;
            }
            let text = value.value.text();
            if text.is_secret() {
                continue;
            }
            match text.expose().trim().parse::<u64>() {
                Ok(ms) => check_interval(
                    link,
                    link_name,
                    &key.value,
                    &Located {
                        value: ms,
                        span: value.span,
                    },
                    out,
                ),
                Err(_) => out.push(
                    Problem::error(
                        "linkctl::invalid_interval",
                        format!(
                            "`{}` of link `{link_name}` must be a whole number of milliseconds",
                            key.value
                        ),
                    )
                    .at(value.span, "not a number")
                    .help("write the interval in milliseconds, e.g. `5000`"),
                ),
            }
        }
    }
}

fn intervals(link: &Link) -> Vec<(&'static str, &Located<u64>)> {
    let mut v = Vec::new();
    if let Some(i) = link
        .consumer_offset_sync
        .as_ref()
        .and_then(|s| s.value.interval_ms.as_ref())
    {
        v.push(("consumer_offset_sync.interval_ms", i));
    }
    if let Some(i) = link
        .acl_sync
        .as_ref()
        .and_then(|s| s.value.interval_ms.as_ref())
    {
        v.push(("acl_sync.interval_ms", i));
    }
    if let Some(i) = link
        .topic_config_sync
        .as_ref()
        .and_then(|s| s.value.interval_ms.as_ref())
    {
        v.push(("topic_config_sync.interval_ms", i));
    }
    v
}

fn check_interval(
    link: &Link,
    link_name: &str,
    setting: &str,
    ms: &Located<u64>,
    out: &mut Vec<Problem>,
) {
    let value = ms.value;
    match link.engine.value {
        Engine::Confluent if value < CONFLUENT_MIN_INTERVAL_MS => out.push(
            Problem::error(
                "linkctl::interval_too_small",
                format!("`{setting}` of link `{link_name}` is {value} ms; Confluent's minimum is {CONFLUENT_MIN_INTERVAL_MS} ms"),
            )
            .at(ms.span, format!("below {CONFLUENT_MIN_INTERVAL_MS} ms"))
            .help(format!("use at least {CONFLUENT_MIN_INTERVAL_MS}")),
        ),
        Engine::Mirrormaker2 if value < MM2_INTERVAL_UNIT_MS => out.push(
            Problem::error(
                "linkctl::interval_too_small",
                format!("`{setting}` of link `{link_name}` is {value} ms; MirrorMaker 2 intervals are whole seconds, at least 1 s"),
            )
            .at(ms.span, "below 1000 ms")
            .help("use at least 1000"),
        ),
        Engine::Mirrormaker2 if !value.is_multiple_of(MM2_INTERVAL_UNIT_MS) => {
            let down = value / MM2_INTERVAL_UNIT_MS * MM2_INTERVAL_UNIT_MS;
            out.push(
                Problem::error(
                    "linkctl::interval_not_whole_seconds",
                    format!("`{setting}` of link `{link_name}` is {value} ms, which MirrorMaker 2 cannot express"),
                )
                .at(ms.span, "not a multiple of 1000")
                .help(format!(
                    "MirrorMaker 2 intervals are whole seconds: use {down} or {}",
                    down + MM2_INTERVAL_UNIT_MS
                )),
            )
        }
        _ => {}
    }
}

/// A short prefix suggestion from a cluster name.
fn short(name: &str) -> String {
    name.chars().take(CONFLUENT_MAX_PREFIX_LEN - 1).collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn confluent_prefix_limit() {
        let ok = with_link("    source: us\n    destination: europe\n    prefix: abcdefghijk.\n");
        assert!(codes(&ok).is_empty());
        let bad = ok.replace("abcdefghijk.", "abcdefghijkl.");
        assert_eq!(codes(&bad), ["linkctl::prefix_too_long"]);
    }

    #[test]
    fn confluent_minimum_intervals() {
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
    fn mm2_whole_seconds() {
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
}
