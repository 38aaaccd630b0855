//! A saved plan pins what `apply` sends: the requests an apply of a plan
//! file sends are exactly the payloads that file holds (secrets resolved at
//! execution, never written in the file), and the file is refused once the
//! manifest it was made from changed (a bootstrap, a link config, a secret).

mod support;

use std::collections::BTreeSet;

use serde_json::{json, Value};
use support::cli::{snapshot_settings, CliEnv, Run};

const SECRET: &str = "S3NT1NEL-saved-plan-jaas";

const EXTRA: &str = "      sasl.jaas.config: \"${env:LINK_JAAS}\"\n";
const MIRRORS: &str =
    "    mirrors:\n      - topic: demo\n      - topic: orders\n      - topic: payments\n";

/// The S2 seed with two more mirrors and a secret, pointed at the doubles.
fn manifest_text(env: &CliEnv) -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/seed/02-mirror.yaml"
    ))
    .expect("seed")
    .replace("    mirrors:\n      - topic: demo\n", MIRRORS)
    .replace(
        "      metadata.max.age.ms: 5000\n",
        &format!("      metadata.max.age.ms: 5000\n{EXTRA}"),
    );
    env.point_at_doubles(&text)
}

fn run(env: &CliEnv, args: &[&str], secret: &str) -> Run {
    env.cmd()
        .env("LINK_JAAS", secret)
        .args(args)
        .output()
        .expect("run linkctl")
        .into()
}

/// A request as `(method, path, query, body)`, the body as JSON.
type Request = (String, String, Option<String>, Value);

/// The requests the payloads of `plan` describe, with the secret resolved.
fn described(plan: &Value) -> Vec<Request> {
    let mut out = Vec::new();
    for a in plan["plan"]["actions"].as_array().expect("actions") {
        let p = &a["payload"];
        assert_eq!(p["engine"], "confluent", "{a}");
        let r = &p["request"];
        if let Some(c) = r.get("create_link") {
            let configs: Vec<Value> = c["configs"]
                .as_array()
                .expect("configs")
                .iter()
                .map(|e| {
                    let value = match &e["value"] {
                        Value::String(s) => s.clone(),
                        secret => {
                            assert_eq!(secret["written"], "${env:LINK_JAAS}", "{secret}");
                            SECRET.to_string()
                        }
                    };
                    json!({"name": e["name"], "value": value})
                })
                .collect();
            out.push((
                "POST".to_string(),
                "/clusters/eu-cluster/links".to_string(),
                Some(format!(
                    "link_name={}",
                    c["link_name"].as_str().expect("name")
                )),
                json!({"source_cluster_id": c["source_cluster_id"], "configs": configs}),
            ));
            // Once the link exists: linkctl's record of the secrets' fingerprints.
            if let Some(fps) = c
                .get("fingerprints")
                .filter(|f| f.as_object().is_some_and(|o| !o.is_empty()))
            {
                out.push((
                    "PUT".to_string(),
                    format!(
                        "/clusters/eu-cluster/links/{}/configs:alter",
                        c["link_name"].as_str().expect("name")
                    ),
                    None,
                    json!({"data": [{"name": "linkctl.fingerprints", "value": fps.to_string(), "operation": "SET"}]}),
                ));
            }
        } else if let Some(c) = r.get("create_mirror") {
            out.push((
                "POST".to_string(),
                format!(
                    "/clusters/eu-cluster/links/{}/mirrors",
                    c["link_name"].as_str().expect("link")
                ),
                None,
                json!({"source_topic_name": c["source_topic_name"]}),
            ));
        } else {
            panic!("unexpected payload in this plan: {r}");
        }
    }
    out
}

#[test]
fn applying_a_saved_plan_sends_exactly_its_payloads() {
    let env = CliEnv::start();
    env.write_manifest("linkctl.yaml", &manifest_text(&env));
    let saved = run(&env, &["plan", "-o", "plan.json"], SECRET);
    assert_eq!(saved.code, 0, "{saved:#?}");
    let file = std::fs::read_to_string(env.dir.path().join("plan.json")).expect("plan file");
    assert!(!file.contains(SECRET), "the plan file holds the secret");
    let plan: Value = serde_json::from_str(&file).expect("json");

    env.clear_logs();
    let r = run(&env, &["apply", "--auto-approve", "plan.json"], SECRET);
    assert_eq!(r.code, 0, "{r:#?}");
    let writes: Vec<Request> = env
        .eu
        .log()
        .into_iter()
        // The apply lock's own topics are written too (tests/apply_lock.rs).
        .filter(|q| !q.is_read() && !q.is_lock())
        .map(|q| {
            let body = q
                .body
                .as_deref()
                .map(|b| serde_json::from_str(b).expect("json body"))
                .unwrap_or(Value::Null);
            (q.method, q.path, q.query, body)
        })
        .collect();
    assert!(
        env.us.log().iter().all(|q| q.is_read()),
        "nothing is written to the source"
    );
    // Exactly the described requests: each once, nothing else (mirror
    // creates run in parallel, so their order is free).
    let want = described(&plan);
    assert_eq!(writes.len(), want.len(), "{writes:#?}");
    let key = |r: &Request| format!("{} {} {:?} {}", r.0, r.1, r.2, r.3);
    let got: BTreeSet<String> = writes.iter().map(key).collect();
    let expected: BTreeSet<String> = want.iter().map(key).collect();
    assert_eq!(got, expected);
    // The link comes first: the mirrors depend on it.
    assert_eq!(key(&writes[0]), key(&want[0]));

    // The request log next to the plan it came from (secrets redacted).
    let mut rendered: Vec<String> = env
        .eu
        .log()
        .iter()
        .filter(|q| !q.is_read() && !q.is_lock())
        .map(|q| q.render())
        .collect();
    rendered[1..].sort();
    let payloads: Vec<Value> = plan["plan"]["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| json!({"id": a["id"], "payload": a["payload"]}))
        .collect();
    let text = format!(
        "--- payloads of plan.json\n{}\n--- requests of `apply plan.json`\n{}\n",
        serde_json::to_string_pretty(&payloads).expect("json"),
        rendered.join("\n")
    );
    assert!(!text.contains(SECRET));
    snapshot_settings(&env)
        .bind(|| insta::assert_snapshot!("saved_plan__payloads_and_requests", text));
}

#[test]
fn a_saved_plan_is_refused_once_its_manifest_changed() {
    let env = CliEnv::start();
    let original = manifest_text(&env);
    env.write_manifest("linkctl.yaml", &original);
    assert_eq!(run(&env, &["plan", "-o", "plan.json"], SECRET).code, 0);
    let refused = |why: &str, text: &str, secret: &str| {
        env.write_manifest("linkctl.yaml", text);
        env.clear_logs();
        let r = run(&env, &["apply", "--auto-approve", "plan.json"], secret);
        assert_eq!(r.code, 1, "{why}: {r:#?}");
        assert!(
            r.stderr
                .contains("the manifest changed since this plan was made"),
            "{why}: {}",
            r.stderr
        );
        assert!(env.writes().is_empty(), "{why}: something was written");
    };
    refused(
        "the source's bootstrap",
        &original.replace("no-kafka.invalid:19092", "other-us.invalid:9092"),
        SECRET,
    );
    refused(
        "a link config",
        &original.replace("metadata.max.age.ms: 5000", "metadata.max.age.ms: 6000"),
        SECRET,
    );
    refused(
        "`config: bootstrap.servers`",
        &original.replace(
            "      metadata.max.age.ms: 5000\n",
            "      metadata.max.age.ms: 5000\n      bootstrap.servers: us-internal:9092\n",
        ),
        SECRET,
    );
    refused("the secret in the environment", &original, "another-secret");
    // Unchanged, it applies.
    env.write_manifest("linkctl.yaml", &original);
    let r = run(&env, &["apply", "--auto-approve", "plan.json"], SECRET);
    assert_eq!(r.code, 0, "{r:#?}");
}
