//! The URLs of a cluster (`rest`, `connect`), parsed strictly: exactly
//! `http://` or `https://`, a host, no whitespace or control character
//! anywhere, and no credentials in the URL (they belong in `auth:`, where
//! they are secrets; in a URL they would be printed wherever the URL is).
//! The `url` crate alone is lenient (it trims spaces, drops tabs, reads
//! `http:/host` as `http://host`), so the text is checked before it is
//! parsed. A value from `${env:…}` is checked too, and never quoted.

use crate::manifest::diagnostic::Problem;
use crate::manifest::located::Located;
use crate::manifest::model::Manifest;
use crate::manifest::text::Text;

/// What is wrong with a URL, in words that never quote it.
pub fn url_problem(raw: &str) -> Option<&'static str> {
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("holds whitespace or a control character (nothing is trimmed)");
    }
    let scheme = raw.split_once("://").map(|(s, _)| s);
    match scheme {
        Some(s) if s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https") => {}
        Some(_) => return Some("has a scheme other than `http://` or `https://`"),
        None => return Some("does not start with `http://` or `https://`"),
    }
    let Ok(url) = url::Url::parse(raw) else {
        return Some("is not a valid URL");
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Some("holds credentials (`user:password@`)");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Some("names no host");
    }
    None
}

/// The parsed URL, when [`url_problem`] finds nothing.
pub fn strict_url(raw: &str) -> Option<url::Url> {
    url_problem(raw).map_or_else(|| url::Url::parse(raw).ok(), |_| None)
}

pub fn check(m: &Manifest, out: &mut Vec<Problem>) {
    for (name, c) in &m.clusters {
        for (field, url) in c.http_urls() {
            if let Some(p) = problem(&name.value, field, &url) {
                out.push(p);
            }
        }
    }
}

fn problem(cluster: &str, field: &str, url: &Located<Text>) -> Option<Problem> {
    let text = &url.value;
    let what = url_problem(text.expose())?;
    let from_env = if text.is_secret() {
        " (its value comes from the environment)"
    } else {
        ""
    };
    let p = Problem::error(
        "linkctl::invalid_url",
        format!("cluster `{cluster}`: `{field}` {what}{from_env}"),
    )
    .at(url.span.or(text.span()), "not a strict http(s) URL");
    Some(if what.starts_with("holds credentials") {
        p.help(format!(
            "remove `user:password@` from `{field}` and give the credentials under the cluster's `auth:` (e.g. `auth: {{ basic: {{ username: …, password: \"${{env:…}}\" }} }}`)"
        ))
    } else {
        p.help(format!(
            "write `{field}` as `https://host:port/path` (or `http://`), with nothing around it"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    #[test]
    fn strict_urls() {
        for ok in [
            "http://127.0.0.1:8090/kafka",
            "HTTPS://pkc-1.confluent.cloud:443/kafka",
            "http://[::1]:8083",
        ] {
            assert_eq!(url_problem(ok), None, "{ok}");
        }
        for bad in [
            " http://host/kafka",
            "http://host/kafka ",
            "http:/host/kafka",
            "ht\ttp://host",
            "https\u{feff}://pkc-1.confluent.cloud",
            "ftp://host",
            "host:8090",
            "http://user:pw@host/kafka",
            "http://user@host",
            "http://",
        ] {
            assert!(url_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn credentials_in_a_url_point_at_auth_and_are_never_quoted() {
        let y = CLUSTERS.replace(
            "rest: http://127.0.0.1:18090/kafka",
            "rest: http://user:hunter2-secret@127.0.0.1:18090/kafka",
        ) + "links: {}\n";
        let p = problems(&y);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].code, "linkctl::invalid_url");
        assert!(p[0].is_error());
        assert!(p[0].help.as_deref().unwrap().contains("auth:"));
        assert!(!format!("{p:?}").contains("hunter2"));
    }

    #[test]
    fn values_from_the_environment_are_checked_without_being_quoted() {
        let y = CLUSTERS.replace("rest: http://127.0.0.1:18090/kafka", "rest: \"${env:SET}\"")
            + "links: {}\n";
        let p = problems(&y);
        assert_eq!(p[0].code, "linkctl::invalid_url");
        assert!(p[0].message.contains("comes from the environment"));
        assert!(!format!("{p:?}").contains("s3cr3t-value"));
    }
}
