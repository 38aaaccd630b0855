//! TLS verification switched off: librdkafka's (and Kafka's Java client's)
//! `enable.ssl.certificate.verification=false`, or an empty or `none`
//! `ssl.endpoint.identification.algorithm`, in a cluster's `kafka:`
//! settings or a link's `config:` (its `destination.*` settings too). The
//! connection then trusts any certificate (or any host name), so anyone on
//! the path can read the credentials it carries. A warning, an error with
//! `--strict`; the value is never quoted (it may come from `${env:…}`).

use std::collections::BTreeMap;

use crate::manifest::diagnostic::Problem;
use crate::manifest::link_configs::DESTINATION_CLIENT_PREFIX;
use crate::manifest::located::Located;
use crate::manifest::model::Manifest;
use crate::manifest::text::ConfigValue;

const VERIFICATION: &str = "enable.ssl.certificate.verification";
const IDENTIFICATION: &str = "ssl.endpoint.identification.algorithm";

pub fn check(m: &Manifest, out: &mut Vec<Problem>) {
    for (name, c) in &m.clusters {
        map(&c.kafka, &format!("cluster `{}`", name.value), "kafka", out);
    }
    for (name, l) in &m.links {
        map(&l.config, &format!("link `{}`", name.value), "config", out);
    }
}

/// What a setting switches off, if it does.
fn switched_off(key: &str, value: &str) -> Option<&'static str> {
    let key = key.to_ascii_lowercase();
    let key = key.strip_prefix(DESTINATION_CLIENT_PREFIX).unwrap_or(&key);
    let value = value.trim().to_ascii_lowercase();
    match key {
        VERIFICATION if value == "false" => Some("certificate verification"),
        IDENTIFICATION if value.is_empty() || value == "none" => Some("host name verification"),
        _ => None,
    }
}

fn map(
    settings: &BTreeMap<Located<String>, Located<ConfigValue>>,
    owner: &str,
    field: &str,
    out: &mut Vec<Problem>,
) {
    for (key, value) in settings {
        let text = value.value.text();
        let Some(what) = switched_off(&key.value, text.expose()) else {
            continue;
        };
        out.push(
            Problem::warning(
                "linkctl::tls_verification_off",
                format!("{owner}: `{field}.{}` switches TLS {what} off", key.value),
            )
            .at(value.span.or(text.span()).or(key.span), "TLS verification off")
            .help("remove it and trust the server's CA instead (`ssl.ca.location`, or the CA bundle the cluster's certificates chain to); without verification anyone on the path can impersonate the cluster and read the credentials"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn verification_off_is_a_warning_everywhere() {
        let y = CLUSTERS.replace(
            "    bootstrap: 127.0.0.1:19092\n",
            "    bootstrap: 127.0.0.1:19092\n    kafka:\n      enable.ssl.certificate.verification: \"false\"\n      ssl.endpoint.identification.algorithm: none\n",
        ) + "links:\n  l:\n    source: us\n    destination: europe\n    config:\n      ssl.endpoint.identification.algorithm: \"\"\n      destination.enable.ssl.certificate.verification: false\n      metadata.max.age.ms: 5000\n";
        let p = problems(&y);
        let off: Vec<_> = p
            .iter()
            .filter(|p| p.code == "linkctl::tls_verification_off")
            .collect();
        assert_eq!(off.len(), 4, "{p:?}");
        assert!(off.iter().all(|p| !p.is_error() && p.primary.is_some()));
        assert!(off[0].message.contains("`kafka.enable.ssl.certificate.verification` switches TLS certificate verification off"), "{:?}", off[0]);
    }

    #[test]
    fn verification_on_is_fine() {
        let y = CLUSTERS.replace(
            "    bootstrap: 127.0.0.1:19092\n",
            "    bootstrap: 127.0.0.1:19092\n    kafka:\n      enable.ssl.certificate.verification: \"true\"\n      ssl.endpoint.identification.algorithm: https\n",
        ) + "links: {}\n";
        assert!(codes(&y).is_empty(), "{:?}", codes(&y));
    }
}
