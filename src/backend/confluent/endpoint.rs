//! The REST endpoint of a cluster as the manifest writes it, normalised, and
//! what kind of server it names. Pure.
//!
//! - `rest:` is the URL *before* `/v3` (`http://broker:8090/kafka`,
//!   `https://pkc-….confluent.cloud:443/kafka`); a trailing `/` or `/v3`
//!   (or both) is dropped, as Confluent's CLI does, so that linkctl never
//!   asks for `…/v3/v3/clusters`.
//! - Confluent Cloud endpoints are recognised by their host name: it ends in
//!   `.confluent.cloud` (every public and private Cloud REST endpoint does,
//!   e.g. `pkc-xxxxx.us-east-1.aws.confluent.cloud`). Cloud serves no
//!   `GET /v3/clusters`, so a Cloud cluster needs its `cluster_id` pinned.

use reqwest::Url;

/// The API base `<rest>/v3` of a `rest:` value.
pub fn api_base(rest: &str) -> Result<Url, String> {
    // Strict: `validate` refuses whitespace, so none is trimmed here.
    let mut raw = rest.trim_end_matches('/');
    while let Some(stripped) = raw.strip_suffix("/v3") {
        raw = stripped.trim_end_matches('/');
    }
    let url = Url::parse(&format!("{raw}/v3")).map_err(|e| e.to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("scheme `{}` is not http or https", url.scheme()));
    }
    Ok(url)
}

/// True when `rest` names a Confluent Cloud endpoint (`*.confluent.cloud`).
pub fn is_confluent_cloud(rest: &str) -> bool {
    Url::parse(rest)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
        })
        .is_some_and(|h| h == "confluent.cloud" || h.ends_with(".confluent.cloud"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_and_trailing_slashes_are_dropped() {
        for rest in [
            "http://h:8090/kafka",
            "http://h:8090/kafka/",
            "http://h:8090/kafka/v3",
            "http://h:8090/kafka/v3/",
            "http://h:8090/kafka//v3//",
        ] {
            assert_eq!(
                api_base(rest).unwrap().as_str(),
                "http://h:8090/kafka/v3",
                "{rest}"
            );
        }
        assert_eq!(
            api_base("http://h:8082").unwrap().as_str(),
            "http://h:8082/v3"
        );
        assert_eq!(
            api_base("http://h:8082/v3").unwrap().as_str(),
            "http://h:8082/v3"
        );
        assert!(api_base("not a url").is_err());
        assert!(api_base("ftp://h/kafka").is_err());
    }

    #[test]
    fn cloud_endpoints_are_recognised_by_host() {
        assert!(is_confluent_cloud(
            "https://pkc-abc12.us-east-1.aws.confluent.cloud:443/kafka"
        ));
        assert!(is_confluent_cloud(
            "https://lkc-1.dom.eu-west-1.aws.private.confluent.cloud/kafka"
        ));
        assert!(!is_confluent_cloud("http://127.0.0.1:8090/kafka"));
        assert!(!is_confluent_cloud(
            "https://confluent.cloud.example.com/kafka"
        ));
        assert!(!is_confluent_cloud("https://notconfluent.cloud/kafka"));
    }
}
