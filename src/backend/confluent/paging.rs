//! Following `metadata.next` of a collection (`ResourceCollectionMetadata`):
//! every page of a list, with a bound.
//!
//! The published specs declare no paging parameter; a server that pages
//! says so with a non-null `metadata.next`, a URL to GET as it is. linkctl
//! follows it only on the endpoint's own origin (credentials never go
//! elsewhere), at most [`MAX_PAGES`] pages, and stops with an error naming
//! the URL when a server hands out a page link it already gave (a loop).

use std::collections::BTreeSet;

use reqwest::Url;
use serde::de::DeserializeOwned;

use super::client::ClusterClient;
use super::errors::ConfluentError;
use super::wire::DataList;

/// The most pages one list may have (a bound against servers that never end).
pub const MAX_PAGES: usize = 1000;

/// Where the page after `page` lives, or why it cannot be followed.
pub fn next_url(base: &Url, current: &Url, next: Option<&str>) -> Result<Option<Url>, String> {
    let Some(next) = next.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    let url = current
        .join(next)
        .map_err(|e| format!("its `metadata.next` {next:?} is not a URL ({e})"))?;
    let same_origin = url.scheme() == base.scheme()
        && url.host_str() == base.host_str()
        && url.port_or_known_default() == base.port_or_known_default();
    if !same_origin {
        return Err(format!(
            "its `metadata.next` points at another server ({}); linkctl only follows page links on {}",
            url.origin().ascii_serialization(),
            base.origin().ascii_serialization()
        ));
    }
    Ok(Some(url))
}

impl ClusterClient {
    /// Every item of the list at `segments`, following `metadata.next`.
    pub async fn get_all<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<Vec<T>, ConfluentError> {
        let first = self.url(segments, query).await?;
        self.get_all_url(first).await
    }

    /// [`Self::get_all`] from a full URL.
    pub async fn get_all_url<T: DeserializeOwned>(
        &self,
        first: Url,
    ) -> Result<Vec<T>, ConfluentError> {
        let mut items = Vec::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut url = first;
        for _ in 0..MAX_PAGES {
            seen.insert(url.to_string());
            let page: DataList<T> = self.get_url(url.clone()).await?;
            items.extend(page.data);
            let next = page.metadata.as_ref().and_then(|m| m.next.as_deref());
            let paging_error = |reason: String| ConfluentError::Paging {
                path: url.path().to_string(),
                reason,
            };
            match next_url(self.base_url(), &url, next).map_err(paging_error)? {
                None => return Ok(items),
                Some(n) if seen.contains(n.as_str()) => {
                    return Err(paging_error(format!(
                        "the server loops: its `metadata.next` {n} was already followed"
                    )))
                }
                Some(n) => url = n,
            }
        }
        Err(ConfluentError::Paging {
            path: url.path().to_string(),
            reason: format!("the list has more than {MAX_PAGES} pages; linkctl stops there"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn next_links_are_resolved_and_kept_on_the_endpoint() {
        let base = u("http://h:8090/kafka/v3");
        let cur = u("http://h:8090/kafka/v3/clusters/c/links");
        assert_eq!(next_url(&base, &cur, None), Ok(None));
        assert_eq!(next_url(&base, &cur, Some("")), Ok(None));
        assert_eq!(
            next_url(
                &base,
                &cur,
                Some("http://h:8090/kafka/v3/clusters/c/links?page_token=x")
            )
            .unwrap()
            .unwrap()
            .as_str(),
            "http://h:8090/kafka/v3/clusters/c/links?page_token=x"
        );
        assert_eq!(
            next_url(&base, &cur, Some("/kafka/v3/clusters/c/links?page_token=y"))
                .unwrap()
                .unwrap()
                .as_str(),
            "http://h:8090/kafka/v3/clusters/c/links?page_token=y"
        );
        let elsewhere = next_url(&base, &cur, Some("http://evil:8090/kafka/v3/x")).unwrap_err();
        assert!(
            elsewhere.contains("another server (http://evil:8090)"),
            "{elsewhere}"
        );
        assert!(next_url(&base, &cur, Some("https://h:8090/x")).is_err());
    }
}
