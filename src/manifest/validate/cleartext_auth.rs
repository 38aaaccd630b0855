//! Credentials that would cross the network in clear: `auth: basic` or
//! `auth: bearer` on a cluster whose `rest` or `connect` URL is `http://` to
//! a host other than this machine. linkctl still sends them (a lab, a
//! sidecar proxy that adds TLS), so it is a warning, which `--strict` turns
//! into a failure.

use crate::manifest::diagnostic::Problem;
use crate::manifest::model::{Auth, Manifest};

use super::urls::strict_url;

pub fn check(m: &Manifest, out: &mut Vec<Problem>) {
    for (name, c) in &m.clusters {
        let Some(auth) = &c.auth else {
            continue;
        };
        let kind = match auth.value {
            Auth::Basic { .. } => "basic",
            Auth::Bearer { .. } => "bearer",
            // A client certificate needs TLS: there is nothing to send in clear.
            Auth::Mtls { .. } => continue,
        };
        for (field, url) in c.http_urls() {
            // A URL that is not strict is an error of its own (`urls`).
            let Some(parsed) = strict_url(url.value.expose()) else {
                continue;
            };
            let Some(host) = parsed.host() else {
                continue;
            };
            if parsed.scheme() != "http" || is_loopback(&host) {
                continue;
            }
            // A URL from `${env:…}` is a secret: its host is not named.
            let to = if url.value.is_secret() {
                String::new()
            } else {
                format!(" to {host}")
            };
            out.push(
                Problem::warning(
                    "linkctl::credentials_in_clear",
                    format!(
                        "cluster `{}` sends its `{kind}` credentials{to} over plain HTTP (`{field}`)",
                        name.value
                    ),
                )
                .at(url.span, "http://, not https://")
                .help(format!(
                    "use an https:// URL for `{field}` (and `https_ca` for a private CA), so that the credentials are encrypted on the way"
                )),
            );
        }
    }
}

fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    fn with_auth(url: &str, auth: &str) -> String {
        CLUSTERS.replace(
            "    connect: http://127.0.0.1:28083\n",
            &format!("    connect: {url}\n    auth: {auth}\n"),
        ) + "links: {}\n"
    }

    #[test]
    fn basic_or_bearer_over_plain_http_to_another_host_is_a_warning() {
        let basic = "{ basic: { username: u, password: \"${env:SET}\" } }";
        let bearer = "{ bearer: { token: \"${env:SET}\" } }";
        let code = ["linkctl::credentials_in_clear"];
        assert_eq!(
            codes(&with_auth("http://connect.example.com:8083", basic)),
            code
        );
        assert_eq!(codes(&with_auth("HTTP://10.0.0.7:8083/", bearer)), code);
        let p = problems(&with_auth("http://connect.example.com", basic));
        assert!(p[0]
            .message
            .contains("to connect.example.com over plain HTTP (`connect`)"));
    }

    /// Issue 17, finding 6: what used to slip past this check (a leading
    /// space, `http:/`, a tab in the scheme) is an invalid URL now, and a
    /// zero-width no-break space inside the scheme no longer panics.
    #[test]
    fn lenient_spellings_are_errors_not_bypasses() {
        let basic = "{ basic: { username: u, password: \"${env:SET}\" } }";
        for url in [
            "\" http://connect.example.com:8083\"",
            "\"http:/connect.example.com:8083\"",
            "\"ht\\ttp://connect.example.com:8083\"",
            "\"https\u{feff}://pkc-1.us-east-1.aws.confluent.cloud\"",
        ] {
            let c = codes(&with_auth(url, basic));
            assert_eq!(c, ["linkctl::invalid_url"], "{url}");
        }
    }

    #[test]
    fn https_loopback_and_client_certificates_are_fine() {
        let basic = "{ basic: { username: u, password: \"${env:SET}\" } }";
        for url in [
            "https://connect.example.com:8443",
            "http://127.0.0.1:28083",
            "http://localhost:8083",
            "http://[::1]:8083",
        ] {
            assert!(codes(&with_auth(url, basic)).is_empty(), "{url}");
        }
        let mtls = "{ mtls: { cert: c.pem, key: k.pem } }";
        assert!(codes(&with_auth("http://connect.example.com", mtls)).is_empty());
    }
}
