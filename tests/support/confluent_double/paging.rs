//! The `page_size` quirk: list endpoints answer one page and a
//! `metadata.next` URL for the rest.
//!
//! The spec declares no paging parameter for any list (only
//! `ResourceCollectionMetadata.next`, a nullable string), and the reference
//! calls it unverified whether `next` is ever non-null. So `next` is opaque:
//! an absolute URL of the double carrying `page_token=<token>`, the
//! parameter name Confluent Cloud's other APIs use with the same
//! `metadata.next` envelope. A client only follows it; the request check
//! accepts `page_token` only with a token the double issued for that path.

use serde_json::{json, Value};

use super::spec::Matched;
use super::state::DState;

pub const PAGE_TOKEN: &str = "page_token";

/// The operations that page.
const LIST_OPS: &[&str] = &[
    "listKafkaLinks",
    "listKafkaMirrorTopics",
    "listKafkaMirrorTopicsUnderLink",
    "listKafkaLinkConfigs",
    "listKafkaTopics",
    "listKafkaAllTopicConfigs",
];

/// Whether `k=v` is a page token this double handed out for `path`.
pub fn is_issued_token(st: &DState, path: &str, k: &str, v: &str) -> bool {
    k == PAGE_TOKEN && st.pages.get(v).is_some_and(|(p, _)| p == path)
}

/// Cuts the list in `v` to the page its request asks for.
pub fn paginate(st: &mut DState, m: &Matched, path: &str, v: &mut Value) {
    let Some(size) = st.quirks.page_size.map(|s| s.max(1)) else {
        return;
    };
    if !LIST_OPS.contains(&m.id.as_str()) {
        return;
    }
    let offset = m
        .query
        .iter()
        .find(|(k, _)| k == PAGE_TOKEN)
        .and_then(|(_, t)| st.pages.get(t))
        .map_or(0, |(_, o)| *o);
    let Some(data) = v["data"].as_array_mut() else {
        return;
    };
    let total = data.len();
    let page: Vec<Value> = data.drain(..).skip(offset).take(size).collect();
    *data = page;
    let next_offset = if offset + size < total {
        offset + size
    } else if st.quirks.paging_loops && total > size {
        size
    } else {
        if v["metadata"].get("next").is_some() {
            v["metadata"]["next"] = Value::Null;
        }
        return;
    };
    // One token per (path, offset): a loop hands out a link already followed.
    let existing = st
        .pages
        .iter()
        .find(|(_, (p, o))| p == path && *o == next_offset)
        .map(|(t, _)| t.clone());
    let token = match existing {
        Some(t) => t,
        None => {
            st.page_counter += 1;
            let t = format!("pt{:06}", st.page_counter);
            st.pages.insert(t.clone(), (path.to_string(), next_offset));
            t
        }
    };
    let mut url = reqwest::Url::parse(&format!("{}{path}", st.base_url)).expect("double URL");
    {
        let mut q = url.query_pairs_mut();
        for (k, val) in m.query.iter().filter(|(k, _)| k != PAGE_TOKEN) {
            q.append_pair(k, val);
        }
        q.append_pair(PAGE_TOKEN, &token);
    }
    v["metadata"]["next"] = json!(url.to_string());
}
