//! The Confluent double holds its clients to the published REST v3 API:
//! requests that do not follow the spec are answered 400 and recorded (and
//! fail the test when the double is dropped), and the double's own answers
//! validate against the spec's response schemas.

mod support;

use std::collections::BTreeSet;

use serde_json::{json, Value};
use support::cli::CliEnv;
use support::confluent_double::{ConfigRowStyle, Double};

const LINKS: &str = "/clusters/eu-cluster/links";

async fn double() -> Double {
    Double::with_demo_link(&["demo"]).await
}

/// The single recorded violation, cleared; the answer was a 400 saying so.
fn one_violation(d: &Double, a: &support::confluent_double::raw::Answer) -> String {
    assert_eq!(a.status, 400, "{}", a.text);
    let msg = a.json()["message"].as_str().unwrap_or_default().to_string();
    assert!(
        msg.starts_with("request does not follow the published API: "),
        "{msg}"
    );
    let v = d.violations();
    assert_eq!(v.len(), 1, "{v:#?}");
    d.clear_violations();
    v[0].clone()
}

/// `METHOD path` with `body` is refused as one violation (cleared) that says
/// `says` (an empty `says`: whatever it says).
async fn refused(d: &Double, method: &str, path: &str, body: Option<Value>, says: &str) {
    let a = d.req(method, path, body.as_ref()).await;
    let v = one_violation(d, &a);
    assert!(v.contains(says), "{method} {path}: {v}");
}

#[tokio::test]
async fn valid_requests_pass_and_are_matched_to_their_operation() {
    let d = double().await;
    let link = json!({"source_cluster_id": "us-cluster",
        "configs": [{"name": "bootstrap.servers", "value": "x:9092"}]});
    let alter = json!({"data": [{"name": "acl.sync.ms", "value": "6000", "operation": "SET"},
        {"name": "consumer.offset.sync.ms", "value": null, "operation": "DELETE"}]});
    for (method, path, body, status) in [
        (
            "GET",
            format!("{LINKS}/demo-link?include_tasks=true"),
            None,
            200,
        ),
        (
            "POST",
            format!("{LINKS}?link_name=second&validate_link=false"),
            Some(&link),
            204,
        ),
        (
            "PUT",
            format!("{LINKS}/second/configs:alter"),
            Some(&alter),
            204,
        ),
        ("GET", "/clusters".to_string(), None, 200),
    ] {
        let a = d.req(method, &path, body).await;
        assert_eq!(a.status, status, "{method} {path}: {}", a.text);
    }
    assert_eq!(d.violations(), Vec::<String>::new());
    let ops: Vec<Option<String>> = d.log().into_iter().map(|r| r.operation).collect();
    assert_eq!(
        ops,
        [
            Some("getKafkaLink (cloud)".to_string()),
            Some("createKafkaLink (cloud)".to_string()),
            Some("updateKafkaLinkConfigBatch (cloud)".to_string()),
            Some("listKafkaClusters (platform)".to_string()),
        ]
    );
}

#[tokio::test]
async fn an_unknown_query_parameter_is_caught() {
    let d = double().await;
    for (method, path, body, says) in [
        (
            "GET",
            format!("{LINKS}?include_tasks=true"),
            None,
            "query parameter `include_tasks` is not declared by listKafkaLinks (declared: none)",
        ),
        (
            "DELETE",
            format!("{LINKS}/demo-link?force=yes"),
            None,
            "`force` is a boolean (`true`/`false`), got `yes`",
        ),
        (
            "GET",
            format!("{LINKS}/-/mirrors?mirror_status=RUNNING"),
            None,
            "query `mirror_status`",
        ),
        (
            "POST",
            LINKS.to_string(),
            Some(json!({"source_cluster_id": "us-cluster"})),
            "required query parameter `link_name` is missing",
        ),
    ] {
        refused(&d, method, &path, body, says).await;
    }
    assert!(d.link_names().len() == 1, "nothing was created");
}

#[tokio::test]
async fn a_wrong_body_type_is_caught() {
    let d = double().await;
    for (method, path, body, says) in [
        (
            "PUT",
            format!("{LINKS}/demo-link/configs/acl.sync.ms"),
            Some(json!({"value": 6000})),
            "body/value: 6000 is not of type \"string\"",
        ),
        (
            "PUT",
            format!("{LINKS}/demo-link/configs:alter"),
            Some(json!({"data": {"name": "x"}})),
            "body/data",
        ),
        (
            "POST",
            format!("{LINKS}/demo-link/mirrors:promote"),
            Some(json!({"mirror_topic_names": "demo"})),
            "",
        ),
        // A body where the operation takes none, and a body that is not JSON.
        (
            "GET",
            LINKS.to_string(),
            Some(json!({})),
            "listKafkaLinks takes no request body",
        ),
    ] {
        refused(&d, method, &path, body, says).await;
    }
    assert_eq!(
        d.mirror_status("demo-link", "demo").as_deref(),
        Some("ACTIVE")
    );
}

#[tokio::test]
async fn a_missing_required_field_is_caught() {
    let d = double().await;
    for (method, path, body, says) in [
        (
            "POST",
            format!("{LINKS}/demo-link/mirrors"),
            Some(json!({"mirror_topic_name": "x"})),
            "\"source_topic_name\" is a required property",
        ),
        (
            "PUT",
            format!("{LINKS}/demo-link/configs:alter"),
            Some(json!({"data": [{"value": "1"}]})),
            "body/data/0: \"name\" is a required property",
        ),
        (
            "POST",
            format!("{LINKS}?link_name=x"),
            Some(json!({"source_cluster_id": "u", "configs": [{"name": "a"}]})),
            "\"value\" is a required property",
        ),
    ] {
        refused(&d, method, &path, body, says).await;
    }
}

#[tokio::test]
async fn an_undeclared_path_or_method_is_caught() {
    let d = double().await;
    for (method, path, body, says) in [
        (
            "POST",
            format!("{LINKS}/demo-link/mirrors:bogus"),
            Some(json!({})),
            "no path of the spec matches /kafka/v3/clusters/eu-cluster/links/demo-link/mirrors:bogus",
        ),
        // The batch config call is a PUT; KCP's POST is not in the spec.
        (
            "POST",
            format!("{LINKS}/demo-link/configs:alter"),
            Some(json!({"data": []})),
            "method POST is not defined",
        ),
        // No mirror delete endpoint: mirrors are deleted as topics.
        (
            "DELETE",
            format!("{LINKS}/demo-link/mirrors/demo"),
            None,
            "",
        ),
    ] {
        refused(&d, method, &path, body, says).await;
    }
    // The standalone proxy base (`/v3`) is not what the double serves.
    let url = format!("http://{}/v3/clusters", d.addr);
    let a = d.call_url("GET", &url, None).await.expect("answer");
    let v = one_violation(&d, &a);
    assert!(v.contains("is not under the API base /kafka/v3"), "{v}");
}

#[tokio::test]
#[should_panic(expected = "received 1 request(s) that do not follow the published API")]
async fn a_violation_fails_the_test_when_the_double_is_dropped() {
    let d = double().await;
    let a = d.req("GET", &format!("{LINKS}?page_size=10"), None).await;
    assert_eq!(a.status, 400);
}

#[tokio::test]
async fn the_response_check_catches_answers_outside_the_cloud_spec() {
    let d = double().await;
    d.quirks(|q| q.null_config_values = true);
    d.req("GET", &format!("{LINKS}/demo-link/configs"), None)
        .await;
    let p = d.response_problems();
    assert!(
        p.iter()
            .any(|p| p.contains("/value: null is not of type \"string\"")),
        "{p:#?}"
    );
    d.clear_response_problems();
    d.quirks(|q| {
        q.null_config_values = false;
        q.config_row_style = ConfigRowStyle::DefaultField;
    });
    d.req(
        "GET",
        &format!("{LINKS}/demo-link/configs/acl.sync.ms"),
        None,
    )
    .await;
    let p = d.response_problems();
    assert!(
        p.iter()
            .any(|p| p.contains("\"is_default\" is a required property")),
        "{p:#?}"
    );
}

/// Debug check: linkctl's whole seed flow (plan, server-side validation,
/// apply, status) against the two doubles sends only requests the spec
/// allows, and every answer of the doubles validates.
#[test]
fn the_seed_flow_follows_the_spec_both_ways() {
    let env = CliEnv::start();
    for step in [
        "01-link.yaml",
        "02-mirror.yaml",
        "05-exclude-group.yaml",
        "10-promote.yaml",
        "11-delete-link.yaml",
    ] {
        env.seed_step(step);
        let v = env.run(&["plan", "--server-validate"]);
        assert_eq!(v.code, 0, "{step}: {v:#?}");
        let a = env.run(&["apply", "--auto-approve"]);
        assert_eq!(a.code, 0, "{step}: {a:#?}");
        let s = env.run_no_kafka(&["status", "--format", "json"]);
        assert_eq!(s.code, 0, "{step}: {s:#?}");
    }
    let mut ops = BTreeSet::new();
    for (name, d) in [("us", &env.us), ("europe", &env.eu)] {
        assert_eq!(d.violations(), Vec::<String>::new(), "{name}: requests");
        assert_eq!(
            d.response_problems(),
            Vec::<String>::new(),
            "{name}: answers"
        );
        ops.extend(d.log().into_iter().filter_map(|r| r.operation));
    }
    for op in [
        "listKafkaClusters",
        "listKafkaLinks",
        "createKafkaLink",
        "getKafkaLink",
        "listKafkaLinkConfigs",
        "updateKafkaLinkConfigBatch",
        "listKafkaMirrorTopics",
        "createKafkaMirrorTopic",
        "updateKafkaMirrorTopicsPromote",
        "deleteKafkaLink",
    ] {
        assert!(
            ops.iter().any(|o| o.starts_with(op)),
            "{op} not exercised: {ops:#?}"
        );
    }
}

/// Where Cloud and Platform both define an operation, a request valid for
/// either passes and the match says which (the subset file has no such
/// overlap today: its only Platform operation is `GET /clusters`).
#[test]
fn an_operation_in_both_specs_accepts_a_request_valid_for_either() {
    use support::confluent_double::spec::{Request, Spec};
    let op = |id: &str, schema: &str, source: &str| {
        json!({"path": "/things/{id}", "method": "PUT", "operationId": id,
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"content_type": "application/json", "required": true,
                "schema": {"$ref": format!("#/components/schemas/{schema}")}},
            "responses": {"204": {"content_types": [], "schema": null}}, "source": source})
    };
    let doc = json!({
        "base_path": "/kafka/v3",
        "sources": {"cloud": "cloud-repo a.yaml", "platform": "platform-repo b.yaml"},
        "operations": [op("putCloud", "A", "cloud-repo a.yaml"), op("putPlatform", "B", "platform-repo b.yaml")],
        "schemas": {
            "A": {"type": "object", "required": ["value"], "properties": {"value": {"type": "string", "nullable": true}}},
            "B": {"type": "object", "required": ["v"], "additionalProperties": false,
                  "properties": {"v": {"type": "integer", "format": "int32"}}},
            "Error": {"type": "object"}
        }
    });
    let spec = Spec::from_doc(&doc);
    let check = |body: Value| {
        let bytes = body.to_string().into_bytes();
        let req = Request {
            method: "PUT",
            path: "/kafka/v3/things/t1",
            query: None,
            content_type: Some("application/json"),
            body: &bytes,
        };
        spec.check_request(&req, &|_, _| false)
            .map(|m| (m.id, m.sources))
    };
    assert_eq!(
        check(json!({"value": null})),
        Ok(("putCloud".into(), vec!["cloud".into()]))
    );
    assert_eq!(
        check(json!({"v": 1})),
        Ok(("putPlatform".into(), vec!["platform".into()]))
    );
    // Open in Cloud, closed (additionalProperties: false) in Platform.
    assert_eq!(
        check(json!({"value": "x", "v": 1})),
        Ok(("putCloud".into(), vec!["cloud".into()]))
    );
    let errs = check(json!({"v": 4_294_967_296i64})).unwrap_err();
    assert_eq!(errs.len(), 2, "{errs:#?}");
    assert!(
        errs[0].contains("\"value\" is a required property [cloud spec]"),
        "{errs:#?}"
    );
    assert!(
        errs[1].contains("body/v: 4294967296 is greater than the maximum")
            && errs[1].ends_with("[platform spec]"),
        "{errs:#?}"
    );
    let errs = check(json!({"v": 1, "w": 2})).unwrap_err();
    assert!(
        errs.iter()
            .any(|e| e.contains("Additional properties are not allowed")),
        "{errs:#?}"
    );
}
