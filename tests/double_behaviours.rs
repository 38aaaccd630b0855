//! The Confluent double's switchable server behaviours, shown with raw HTTP:
//! what the double answers with each one on (linkctl's reaction to them is
//! tested elsewhere). All are off by default.

mod support;

use serde_json::{json, Value};
use support::confluent_double::{BulkEntry, ConfigRowStyle, Double, LinkInUseRefusal};

const LINKS: &str = "/clusters/eu-cluster/links";

async fn double() -> Double {
    Double::with_demo_link(&["a", "b", "c"]).await
}

/// Every answer validated against the Cloud spec's response schemas.
fn answers_follow_the_spec(d: &Double) {
    assert_eq!(d.response_problems(), Vec::<String>::new());
}

/// Follows `metadata.next` from `first`; returns every page's `data`.
async fn pages(d: &Double, first: &str) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    let mut a = d.req("GET", first, None).await;
    loop {
        assert_eq!(a.status, 200, "{}", a.text);
        let v = a.json();
        out.push(v["data"].as_array().cloned().unwrap_or_default());
        match v["metadata"]["next"].as_str() {
            Some(next) => {
                assert!(
                    next.starts_with(&d.api_url()),
                    "absolute URL of the double: {next}"
                );
                assert!(next.contains("page_token="), "{next}");
                a = d.call_url("GET", next, None).await.expect("next page");
            }
            None => return out,
        }
    }
}

/// Sets each of `values` with `set`; `GET path` then answers it as `field`.
async fn read_back(d: &Double, values: &[&str], path: &str, field: &str, set: impl Fn(&str)) {
    for v in values {
        set(v);
        assert_eq!(d.get_json(path).await[field], *v, "{field} {v}");
    }
}

#[tokio::test]
async fn page_size_cuts_lists_and_links_the_next_page() {
    let d = double().await;
    d.seed_link("second", "us-cluster", &[]);
    d.seed_link("third", "us-cluster", &[]);
    d.quirks(|q| q.page_size = Some(2));
    let links = pages(&d, LINKS).await;
    let sizes: Vec<usize> = links.iter().map(Vec::len).collect();
    assert_eq!(sizes, [2, 1]);
    let names: Vec<&str> = links
        .iter()
        .flatten()
        .map(|l| l["link_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["demo-link", "second", "third"]);
    for path in [
        format!("{LINKS}/-/mirrors"),
        format!("{LINKS}/demo-link/mirrors"),
    ] {
        let sizes: Vec<usize> = pages(&d, &path).await.iter().map(Vec::len).collect();
        assert_eq!(sizes, [2, 1], "{path}");
    }
    // Other query parameters are kept in the next URL.
    let filtered = pages(&d, &format!("{LINKS}/-/mirrors?mirror_status=ACTIVE")).await;
    assert_eq!(filtered.iter().map(Vec::len).sum::<usize>(), 3);
    let rows = pages(&d, &format!("{LINKS}/demo-link/configs")).await;
    assert!(rows.len() > 2 && rows.iter().all(|p| p.len() <= 2));
    // A token the double did not issue is not part of the API.
    let a = d
        .req("GET", &format!("{LINKS}?page_token=made-up"), None)
        .await;
    assert_eq!(a.status, 400);
    d.clear_violations();
    answers_follow_the_spec(&d);
}

#[tokio::test]
async fn stale_reads_after_write_show_the_previous_values() {
    let d = double().await;
    d.quirks(|q| q.stale_reads_after_write = 2);
    let value = |v: &Value| v["value"].as_str().map(str::to_string);
    let row = |rows: &Value, k: &str| {
        rows["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == k)
            .cloned()
            .unwrap()
    };
    let configs = format!("{LINKS}/demo-link/configs");
    let one = format!("{configs}/acl.sync.ms");
    let body = json!({"data": [{"name": "acl.sync.ms", "value": "6000"}]});
    let alter = format!("{configs}:alter");
    assert_eq!(d.req("PUT", &alter, Some(&body)).await.status, 204);
    let list = d.get_json(&configs).await;
    assert_eq!(value(&row(&list, "acl.sync.ms")).as_deref(), Some("5000"));
    assert_eq!(value(&d.get_json(&one).await).as_deref(), Some("5000"));
    assert_eq!(value(&d.get_json(&one).await).as_deref(), Some("6000"));
    // The per-key calls open the window too.
    let put = json!({"value": "7000"});
    assert_eq!(d.req("PUT", &one, Some(&put)).await.status, 204);
    assert_eq!(value(&d.get_json(&one).await).as_deref(), Some("6000"));
    d.req("GET", &configs, None).await;
    assert_eq!(d.req("DELETE", &one, None).await.status, 204);
    assert_eq!(value(&d.get_json(&one).await).as_deref(), Some("7000"));
    assert_eq!(
        d.link_configs("demo-link").unwrap().get("acl.sync.ms"),
        None
    );
    answers_follow_the_spec(&d);
}

#[tokio::test]
async fn minimal_fields_leave_out_every_optional_property() {
    let d = double().await;
    d.quirks(|q| q.minimal_fields = true);
    let link = d.get_json(&format!("{LINKS}/demo-link")).await;
    let mut keys: Vec<&String> = link.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "cluster_link_id",
            "kind",
            "link_name",
            "metadata",
            "topic_names"
        ]
    );
    assert_eq!(
        link["metadata"].as_object().unwrap().len(),
        1,
        "only self: {link}"
    );
    let list = d.get_json(LINKS).await;
    assert!(list["metadata"].get("next").is_none(), "{list}");
    assert!(list["data"][0].get("source_cluster_id").is_none());
    let m = d.get_json(&format!("{LINKS}/demo-link/mirrors/a")).await;
    assert!(
        m.get("mirror_topic_error").is_none() && m.get("mirror_status").is_some(),
        "{m}"
    );
    let row = d
        .get_json(&format!("{LINKS}/demo-link/configs/acl.sync.ms"))
        .await;
    assert!(
        row.get("is_default").is_some(),
        "required by the Cloud spec: {row}"
    );
    answers_follow_the_spec(&d);
}

#[tokio::test]
async fn config_row_styles() {
    let d = double().await;
    let flags = |row: &Value| -> Vec<String> {
        let mut k: Vec<String> = row
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| {
                [
                    "is_default",
                    "is_read_only",
                    "is_sensitive",
                    "default",
                    "read_only",
                    "sensitive",
                ]
                .contains(&k.as_str())
            })
            .cloned()
            .collect();
        k.sort();
        k
    };
    let path = format!("{LINKS}/demo-link/configs/acl.sync.ms");
    let row = d.get_json(&path).await;
    assert_eq!(flags(&row), ["is_default", "is_read_only", "is_sensitive"]);
    assert_eq!(
        (row["source"].as_str(), row["is_default"].as_bool()),
        (Some("DEFAULT_CONFIG"), Some(true))
    );
    for (style, want) in [
        (
            ConfigRowStyle::DefaultField,
            vec!["default", "read_only", "sensitive"],
        ),
        (
            ConfigRowStyle::NoDefaultField,
            vec!["read_only", "sensitive"],
        ),
        (ConfigRowStyle::NoFlags, vec![]),
    ] {
        d.quirks(|q| q.config_row_style = style);
        let row = d.get_json(&path).await;
        assert_eq!(flags(&row), want, "{style:?}");
    }
    d.quirks(|q| q.config_row_style = ConfigRowStyle::AllDynamic);
    let list = d.get_json(&format!("{LINKS}/demo-link/configs")).await;
    for row in list["data"].as_array().unwrap() {
        assert_eq!(row["source"], "DYNAMIC_CLUSTER_LINK_CONFIG", "{row}");
        assert_eq!(row["is_default"], false, "{row}");
    }
    // Only the Cloud spellings validate against the Cloud spec.
    let problems = d.response_problems();
    assert!(
        problems
            .iter()
            .all(|p| p.contains("is a required property")),
        "{problems:#?}"
    );
    assert_eq!(
        problems
            .iter()
            .filter(|p| p.contains("\"is_default\""))
            .count(),
        3
    );
}

#[tokio::test]
async fn link_states_other_than_active_and_a_missing_link_state() {
    let d = double().await;
    let states = [
        "AVAILABLE",
        "UNAVAILABLE",
        "UNMANAGED_SOURCE",
        "FAILED",
        "PAUSED",
    ];
    let link = format!("{LINKS}/demo-link");
    read_back(&d, &states, &link, "link_state", |state| {
        d.set_link_state("demo-link", Some(state))
    })
    .await;
    d.set_link_state("demo-link", None);
    let list = d.get_json(LINKS).await;
    assert!(list["data"][0].get("link_state").is_none(), "{list}");
    // `link_state` is an extensible enum: all of these are within the spec.
    answers_follow_the_spec(&d);
}

#[tokio::test]
async fn mirror_statuses_settable_on_seeded_mirrors() {
    let d = double().await;
    let statuses = [
        "LINK_FAILED",
        "LINK_PAUSED",
        "SOURCE_UNAVAILABLE",
        "PENDING_SYNCHRONIZE",
        "PENDING_SETUP_FOR_RESTORE",
        "PENDING_RESTORE",
    ];
    let mirror = format!("{LINKS}/demo-link/mirrors/a");
    read_back(&d, &statuses, &mirror, "mirror_status", |status| {
        d.set_mirror_status("demo-link", "a", status)
    })
    .await;
    answers_follow_the_spec(&d);
    // UNKNOWN is the Platform SDK's; the Cloud spec's enum is closed.
    d.set_mirror_status("demo-link", "a", "UNKNOWN");
    let list = d.get_json(&format!("{LINKS}/-/mirrors")).await;
    assert_eq!(list["data"][0]["mirror_status"], "UNKNOWN");
    let p = d.response_problems();
    assert_eq!(p.len(), 1, "{p:#?}");
    assert!(
        p[0].contains("mirror_status: \"UNKNOWN\" is not one of"),
        "{}",
        p[0]
    );
}

#[tokio::test]
async fn transition_errors_of_settled_mirrors_only_with_the_quirk() {
    let d = double().await;
    d.set_transition_errors(
        "demo-link",
        "a",
        &[("UNKNOWN_TOPIC_OR_PARTITION", "earlier failure")],
    );
    let path = format!("{LINKS}/demo-link/mirrors/a?include_state_transition_errors=true");
    let m = d.get_json(&path).await;
    assert_eq!(m["mirror_state_transition_errors"], json!([]));
    d.quirks(|q| q.mirror_transition_errors_when_active = true);
    for status in ["ACTIVE", "STOPPED"] {
        d.set_mirror_status("demo-link", "a", status);
        let m = d.get_json(&path).await;
        assert_eq!(
            m["mirror_state_transition_errors"],
            json!([{"error_code": "UNKNOWN_TOPIC_OR_PARTITION", "error_message": "earlier failure"}])
        );
    }
    answers_follow_the_spec(&d);
}

#[tokio::test]
async fn bulk_entries_with_a_message_but_no_error_code_or_missing() {
    let d = double().await;
    d.quirks(|q| {
        q.bulk_entries
            .insert("a".into(), BulkEntry::NullCodeWithMessage("not now".into()));
        q.bulk_entries.insert(
            "b".into(),
            BulkEntry::ZeroCodeWithMessage("lag is not zero".into()),
        );
        q.bulk_entries.insert("c".into(), BulkEntry::Missing);
    });
    let body = json!({"mirror_topic_names": ["a", "b", "c"]});
    let r = d
        .req(
            "POST",
            &format!("{LINKS}/demo-link/mirrors:pause"),
            Some(&body),
        )
        .await;
    assert_eq!(r.status, 200);
    let data = r.json()["data"].clone();
    let entries: Vec<(Value, Value, Value)> = data
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["mirror_topic_name"].clone(),
                e["error_code"].clone(),
                e["error_message"].clone(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            (json!("a"), Value::Null, json!("not now")),
            (json!("b"), json!(0), json!("lag is not zero")),
        ]
    );
    assert_eq!(d.mirror_status("demo-link", "a").as_deref(), Some("ACTIVE"));
    assert_eq!(d.mirror_status("demo-link", "b").as_deref(), Some("ACTIVE"));
    assert_eq!(
        d.mirror_status("demo-link", "c").as_deref(),
        Some("PAUSED"),
        "carried out, not reported"
    );
    answers_follow_the_spec(&d);
}

#[tokio::test]
async fn lose_create_response_applies_the_create_and_drops_the_connection() {
    let d = double().await;
    d.quirks(|q| q.lose_create_response = 2);
    let body = json!({"source_cluster_id": "us-cluster", "configs": []});
    let create = d.url(&format!("{LINKS}?link_name=lost"));
    let e = d.call_url("POST", &create, Some(&body)).await;
    assert!(e.is_err(), "no answer: {e:?}");
    assert!(
        d.link_names().contains("lost"),
        "the create was carried out"
    );
    let mirror = json!({"source_topic_name": "t"});
    let e = d
        .call_url(
            "POST",
            &d.url(&format!("{LINKS}/lost/mirrors")),
            Some(&mirror),
        )
        .await;
    assert!(e.is_err(), "no answer: {e:?}");
    assert!(d.mirror_status("lost", "t").is_some());
    // A retry finds them there; the quirk is used up.
    let again = d
        .req("POST", &format!("{LINKS}?link_name=lost"), Some(&body))
        .await;
    assert_eq!(again.status_and_code(), (409, Some(40902)));
    let log = d.log();
    assert_eq!(
        log.iter().filter(|r| r.status == 0).count(),
        2,
        "logged as unanswered"
    );
}

#[tokio::test]
async fn retry_after_sends_429_with_the_header() {
    let d = double().await;
    d.quirks(|q| q.retry_after = Some(7));
    let a = d.req("GET", LINKS, None).await;
    assert_eq!(a.status, 429);
    assert_eq!(a.header("retry-after"), Some("7"));
    assert_eq!(a.header("content-type"), Some("text/html"));
    assert_eq!(
        d.req("GET", LINKS, None).await.status,
        200,
        "one request by default"
    );
    d.quirks(|q| {
        q.retry_after = Some(1);
        q.rate_limit_next = 2;
    });
    for _ in 0..2 {
        let a = d.req("GET", LINKS, None).await;
        assert_eq!((a.status, a.header("retry-after")), (429, Some("1")));
    }
    assert_eq!(d.req("GET", LINKS, None).await.status, 200);
    answers_follow_the_spec(&d);
}

#[tokio::test]
async fn no_clusters_endpoint_answers_404_like_confluent_cloud() {
    let d = double().await;
    assert_eq!(d.req("GET", "/clusters", None).await.status, 200);
    d.quirks(|q| q.no_clusters_endpoint = true);
    let a = d.req("GET", "/clusters", None).await;
    assert_eq!(a.status, 404);
    assert_eq!(a.json()["error_code"], 404);
    assert_eq!(d.req("GET", "/clusters/eu-cluster", None).await.status, 200);
    answers_follow_the_spec(&d);
}

#[tokio::test]
async fn deleting_a_link_with_live_mirrors_is_refused_403_or_400() {
    let d = double().await;
    let path = format!("{LINKS}/demo-link");
    let a = d.req("DELETE", &path, None).await;
    assert_eq!(a.status_and_code(), (403, Some(40301)));
    d.quirks(|q| q.link_in_use_refusal = LinkInUseRefusal::BadRequest);
    let a = d.req("DELETE", &path, None).await;
    assert_eq!(a.status_and_code(), (400, Some(40002)));
    assert!(a.json()["message"]
        .as_str()
        .unwrap()
        .contains("established mirror topics"));
    assert!(d.link_names().contains("demo-link"));
    answers_follow_the_spec(&d);
}
