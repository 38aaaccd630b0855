//! Sync intervals: every interval a link sets, as numbers with their spans
//! (structured settings, and the interval keys of `config`, which must be
//! whole numbers of milliseconds). Each engine checks the values against its
//! own limits (`backend::*::limits`).

use crate::manifest::diagnostic::Problem;
use crate::manifest::link_configs::{ACL_SYNC_MS, OFFSET_SYNC_MS, TOPIC_CONFIG_SYNC_MS};
use crate::manifest::located::Located;
use crate::manifest::model::{Link, Manifest};

/// Reports interval keys of `config` that are not whole numbers.
pub fn check(m: &Manifest, out: &mut Vec<Problem>) {
    for (name, link) in &m.links {
        for (key, value) in &link.config {
            if !is_interval_key(&key.value) {
                continue;
            }
            let text = value.value.text();
            if !text.is_secret() && text.expose().trim().parse::<u64>().is_err() {
                out.push(
                    Problem::error(
                        "linkctl::invalid_interval",
                        format!(
                            "`{}` of link `{}` must be a whole number of milliseconds",
                            key.value, name.value
                        ),
                    )
                    .at(value.span, "not a number")
                    .help("write the interval in milliseconds, e.g. `5000`"),
                );
            }
        }
    }
}

fn is_interval_key(key: &str) -> bool {
    [OFFSET_SYNC_MS, ACL_SYNC_MS, TOPIC_CONFIG_SYNC_MS].contains(&key)
}

/// Every sync interval `link` sets, named as written, with its span.
pub fn interval_settings(link: &Link) -> Vec<(String, Located<u64>)> {
    let mut v = Vec::new();
    let structured = [
        (
            "consumer_offset_sync.interval_ms",
            link.consumer_offset_sync
                .as_ref()
                .and_then(|s| s.value.interval_ms.as_ref()),
        ),
        (
            "acl_sync.interval_ms",
            link.acl_sync
                .as_ref()
                .and_then(|s| s.value.interval_ms.as_ref()),
        ),
        (
            "topic_config_sync.interval_ms",
            link.topic_config_sync
                .as_ref()
                .and_then(|s| s.value.interval_ms.as_ref()),
        ),
    ];
    for (setting, i) in structured {
        if let Some(i) = i {
            v.push((setting.to_string(), i.clone()));
        }
    }
    for (key, value) in &link.config {
        let text = value.value.text();
        if !is_interval_key(&key.value) || text.is_secret() {
            continue;
        }
        if let Ok(ms) = text.expose().trim().parse::<u64>() {
            v.push((
                key.value.clone(),
                Located {
                    value: ms,
                    span: value.span,
                },
            ));
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn interval_keys_of_config_must_be_numbers() {
        let y = with_link(
            "    source: us\n    destination: europe\n    config:\n      acl.sync.ms: soon\n",
        );
        assert!(codes(&y).contains(&"linkctl::invalid_interval"));
    }
}
