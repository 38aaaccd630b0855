//! Credentials that would cross the network in clear: `auth: basic` or
//! `auth: bearer` on a cluster whose `rest` or `connect` URL is `http://` to
//! a host other than this machine. linkctl still sends them (a lab, a
//! sidecar proxy that adds TLS), so it is a warning, which `--strict` turns
//! into a failure.

use crate::manifest::diagnostic::Problem;
use crate::manifest::model::{Auth, Manifest};

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
        for (field, url) in [("rest", &c.rest), ("connect", &c.connect)] {
            let Some(url) = url else {
                continue;
            };
            let Some(host) = plain_http_host(url.value.expose()) else {
                continue;
            };
            if is_loopback(host) {
                continue;
            }
            out.push(
                Problem::warning(
                    "linkctl::credentials_in_clear",
                    format!(
                        "cluster `{}` sends its `{kind}` credentials to {host} over plain HTTP (`{field}`)",
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

/// The host of an `http://` URL (`None` for any other scheme).
fn plain_http_host(url: &str) -> Option<&str> {
    let scheme_len = "http://".len();
    if url.len() < scheme_len || !url[..scheme_len].eq_ignore_ascii_case("http://") {
        return None;
    }
    let authority = url[scheme_len..].split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    Some(match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => host_port.split(':').next()?,
    })
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

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
        let p = problems(&with_auth("http://user@connect.example.com", basic));
        assert!(p[0]
            .message
            .contains("to connect.example.com over plain HTTP (`connect`)"));
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

    #[test]
    fn hosts_of_urls() {
        assert_eq!(plain_http_host("http://a.b:1/x"), Some("a.b"));
        assert_eq!(plain_http_host("http://[fe80::1]:8083"), Some("fe80::1"));
        assert_eq!(plain_http_host("https://a.b"), None);
    }
}
