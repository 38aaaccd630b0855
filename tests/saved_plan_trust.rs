//! Issue 17, finding 1: a saved plan edited after review is refused.
//!
//! `plan -o` then an edit of the file that a reviewer would not see in the
//! rendered plan: one entry appended to the create-link payload, whose value
//! is the `sasl.jaas.config` secret reference (the server would echo it
//! back in clear under a new name), or `bootstrap.servers` pointed at
//! another cluster. `show` says the file is not what the planner makes
//! (exit 1) and `apply` refuses it before any write. The file records the
//! manifest files it was made from: `show` and `apply` use them without `-f`.

mod support;

use serde_json::{json, Value};
use support::cli::{assert_has, CliEnv, Run};

const JAAS: &str = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"k\" password=\"S4VED-pl4n-secret\";";

fn env_with_secret() -> CliEnv {
    let env = CliEnv::start();
    let text = env.seed_with_config(
        "01-link.yaml",
        "      sasl.jaas.config: \"${env:LINK_JAAS}\"\n",
    );
    env.write_manifest("custom.yaml", &text);
    env
}

fn run(env: &CliEnv, args: &[&str]) -> Run {
    env.run_with(&[("LINK_JAAS", JAAS)], args)
}

/// The saved plan with `edit` applied to its create-link request.
fn tampered(env: &CliEnv, name: &str, edit: impl Fn(&mut Value)) {
    let text = std::fs::read_to_string(env.dir.path().join("reviewed.plan")).expect("plan");
    let mut plan: Value = serde_json::from_str(&text).expect("JSON");
    let request = plan["plan"]["actions"][0]["payload"]["request"]["create_link"].clone();
    assert!(request.is_object(), "a create-link payload: {plan:#}");
    edit(&mut plan["plan"]["actions"][0]["payload"]["request"]["create_link"]);
    env.write_manifest(name, &serde_json::to_string_pretty(&plan).expect("JSON"));
}

#[test]
fn an_edited_saved_plan_is_refused_by_show_and_apply() {
    let env = env_with_secret();
    let r = run(&env, &["plan", "-f", "custom.yaml", "-o", "reviewed.plan"]);
    assert_eq!(r.code, 0, "{r:#?}");
    // Shown as made, from the manifest it records (no -f, no linkctl.yaml here).
    let r = run(&env, &["show", "reviewed.plan"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert_has(
        &r.stdout,
        "custom.yaml matches the plan's manifest fingerprint",
    );

    // One more config whose value is the JAAS secret's reference.
    tampered(&env, "exfil.plan", |req| {
        let jaas = req["configs"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["name"] == "sasl.jaas.config"))
            .map(|c| c["value"].clone())
            .expect("the secret reference");
        assert!(jaas["fingerprint"]
            .as_str()
            .is_some_and(|f| f.starts_with("argon2id:")));
        req["configs"]
            .as_array_mut()
            .expect("configs")
            .push(json!({"name": "exfil.copy", "value": jaas}));
    });
    // The link's connection pointed at another cluster.
    tampered(&env, "redirect.plan", |req| {
        for c in req["configs"].as_array_mut().expect("configs") {
            if c["name"] == "bootstrap.servers" {
                c["value"] = json!("attacker.example.com:9092");
            }
        }
    });
    for file in ["exfil.plan", "redirect.plan"] {
        let shown = run(&env, &["show", file]);
        assert_eq!(shown.code, 1, "{file}: {shown:#?}");
        assert_has(&shown.stdout, "this file is not what the planner makes from it (the payload of europe/demo-link/link:create is not what the planner computes from the manifest)");
        assert_has(&shown.stderr, "do not apply it");
        let json = run(&env, &["show", file, "--format", "json"]);
        let v: Value = serde_json::from_str(&json.stdout).expect("JSON");
        assert_eq!(v["saved_plan"]["manifest"]["status"], "payloads_differ");

        env.clear_logs();
        let applied = run(&env, &["apply", file, "--auto-approve"]);
        assert_eq!(applied.code, 1, "{file}: {applied:#?}");
        assert_has(&applied.stderr, &format!("refusing to apply `{file}`: it is not the plan linkctl makes from its live state and the manifest (the payload of europe/demo-link/link:create is not what the planner computes)"));
        assert!(
            env.writes().is_empty(),
            "{file}: nothing sent: {:?}",
            env.writes()
        );
    }

    // The reviewed file applies, with the manifest it records.
    let r = run(&env, &["apply", "reviewed.plan", "--auto-approve"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert_has(&r.stdout, "Live state matches the manifest.");
    let configs = env.eu.link_configs("demo-link").expect("created");
    assert!(!configs.contains_key("exfil.copy"));
    assert_eq!(configs["sasl.jaas.config"], JAAS);
}
