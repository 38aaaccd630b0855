//! Issue 17's matrix: a distinct sentinel in every secret field (link
//! configs, `destination.*`, REST basic and bearer, Kafka Connect auth),
//! every command (`validate`, `plan` in three formats, `plan -o` with
//! `--save-state`, `show`, `apply` text and JSON, `status`, `export`) at
//! `-vvv`, against the Confluent doubles and a Kafka Connect stand-in that
//! echo requests (their `Authorization` header and body) in 400, 401 and
//! 500 bodies, with terminal escape sequences. No sentinel, nor the Base64
//! of a Basic header, appears in any output or in any file linkctl wrote;
//! no escape sequence reaches the output. Every run asserts its exit code
//! and a piece of its output (a run that died early proves nothing), and
//! every check reads raw bytes (never the doubles' own rendered logs).

mod support;

use std::sync::atomic::Ordering;

use base64::Engine;
use support::cli::CliEnv;
use support::confluent_double::Fault;
use support::echo_server::{self, ECHO_MARK};

/// Every sentinel starts with this.
const MARK: &str = "S3NT";

const VARS: &[(&str, &str)] = &[
    (
        "LINK_JAAS",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"k\" password=\"S3NT-link-jaas\";",
    ),
    ("LINK_KEYPW", "S3NT-link-keypw"),
    ("LINK_BAUI", "user:S3NT-link-baui"),
    ("DEST_JAAS", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"d\" password=\"S3NT-dest-jaas\";"),
    ("REST_PW", "S3NT-rest-basic"),
    ("REST_TOKEN", "S3NT-rest-bearer"),
    ("CONNECT_PW", "S3NT-connect-basic"),
    ("LINKCTL_KAFKA_TIMEOUT_MS", "300"),
];

fn basic(user: &str, password: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

/// Fails if `bytes` hold a sentinel, a Basic header of one, or an escape sequence.
#[track_caller]
fn assert_clean(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for needle in [
        MARK.to_string(),
        basic("key", "S3NT-rest-basic"),
        basic("connect-user", "S3NT-connect-basic"),
    ] {
        assert!(!text.contains(&needle), "{what} holds {needle}:\n{text}");
    }
    assert!(
        !bytes.iter().any(|b| *b == 0x1b || *b == 0x07),
        "{what} holds a terminal escape sequence:\n{text:?}"
    );
}

/// Runs `args` with the sentinels set: the exit code must be `code` and
/// the output must hold `expect`; stdout and stderr must be clean.
#[track_caller]
fn check(env: &CliEnv, code: i32, expect: &str, args: &[&str]) {
    let out = env
        .cmd()
        .envs(VARS.iter().copied())
        .args(args)
        .output()
        .expect("run linkctl");
    let what = args.join(" ");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(code), "`{what}`:\n{all}");
    assert!(all.contains(expect), "`{what}`: {expect:?} not in:\n{all}");
    assert_clean(&format!("`{what}` stdout"), &out.stdout);
    assert_clean(&format!("`{what}` stderr"), &out.stderr);
}

/// Every file in the test's directory but the manifests it wrote.
fn assert_files_clean(env: &CliEnv, manifests: &[&str], expected: &[&str]) {
    let mut seen = Vec::new();
    for e in std::fs::read_dir(env.dir.path()).expect("dir") {
        let path = e.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        if manifests.contains(&name.as_str()) || !path.is_file() {
            continue;
        }
        assert_clean(&name, &std::fs::read(&path).expect("read"));
        seen.push(name);
    }
    for f in expected {
        assert!(seen.iter().any(|s| s == f), "{f} was written: {seen:?}");
    }
}

fn confluent_manifest(env: &CliEnv) -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/seed/02-mirror.yaml"
    ))
    .expect("seed");
    let text = env.point_at_doubles(&text);
    let (us, eu) = (env.us.rest_url(), env.eu.rest_url());
    text.replace(
        &format!("    rest: {us}\n"),
        &format!("    rest: {us}\n    auth: {{ bearer: {{ token: \"${{env:REST_TOKEN}}\" }} }}\n"),
    )
    .replace(
        &format!("    rest: {eu}\n"),
        &format!("    rest: {eu}\n    auth: {{ basic: {{ username: key, password: \"${{env:REST_PW}}\" }} }}\n"),
    )
    .replace(
        "    config:\n",
        "    config:\n      sasl.jaas.config: \"${env:LINK_JAAS}\"\n      ssl.key.password: \"${env:LINK_KEYPW}\"\n      basic.auth.user.info: \"${env:LINK_BAUI}\"\n",
    )
}

#[test]
fn no_secret_in_any_output_or_file_confluent() {
    let env = CliEnv::start();
    let text = confluent_manifest(&env);
    assert!(
        text.contains("bearer") && text.contains("${env:REST_PW}"),
        "{text}"
    );
    env.write_manifest("linkctl.yaml", &text);
    for d in [&env.us, &env.eu] {
        d.quirks(|q| q.echo_requests = true);
    }
    env.us
        .quirks(|q| q.require_authorization = Some("Bearer S3NT-rest-bearer".into()));
    let eu_auth = format!("Basic {}", basic("key", "S3NT-rest-basic"));
    env.eu
        .quirks(|q| q.require_authorization = Some(eu_auth.clone()));

    let refuse_create = || Fault::new("POST", "/links", 400, 40002, "bad link", 1);
    for (code, expect, args, fault) in [
        (0, "is valid", &["validate"][..], None),
        (0, "+ create link demo-link", &["plan"][..], None),
        (
            0,
            "\"format_version\"",
            &["plan", "--format", "json"][..],
            None,
        ),
        (
            0,
            "create link",
            &["plan", "--format", "markdown"][..],
            None,
        ),
        (
            0,
            "plan.json",
            &["plan", "-o", "plan.json", "--save-state", "live.json"][..],
            None,
        ),
        (0, "Saved plan plan.json", &["show", "plan.json"][..], None),
        (
            0,
            "\"saved_plan\"",
            &["show", "plan.json", "--format", "json"][..],
            None,
        ),
        // 400s echoing the create request (its configs, the Basic header).
        (
            1,
            "(echo: POST",
            &["plan", "--server-validate", "--format", "markdown"][..],
            Some(refuse_create()),
        ),
        (
            1,
            "FAILED",
            &["apply", "--auto-approve"][..],
            Some(refuse_create()),
        ),
        (
            1,
            "\"action_failed\"",
            &["apply", "--auto-approve", "--format", "json"][..],
            Some(refuse_create()),
        ),
        (
            0,
            "Live state matches the manifest.",
            &["apply", "--auto-approve"][..],
            None,
        ),
        (0, "demo-link", &["status"][..], None),
        (0, "\"links\"", &["status", "--format", "json"][..], None),
        (
            0,
            "Exported 1 link(s)",
            &["export", "-o", "exported.yaml"][..],
            None,
        ),
        (
            0,
            "Exported 1 link(s)",
            &["export", "--split", "split"][..],
            None,
        ),
    ] {
        if let Some(f) = fault {
            env.eu.add_fault(f);
        }
        let args: Vec<&str> = std::iter::once("-vvv")
            .chain(args.iter().copied())
            .collect();
        check(&env, code, expect, &args);
    }
    let created = env.eu.link_configs("demo-link").expect("created");
    assert!(
        created["sasl.jaas.config"].contains("S3NT-link-jaas"),
        "sent where it belongs"
    );

    // A 500 echoing the config change that carries a changed secret.
    env.eu
        .add_fault(Fault::new("PUT", "/configs", 500, 50002, "internal", 5));
    let changed = env
        .cmd()
        .envs(VARS.iter().copied())
        .env("LINK_BAUI", "user:S3NT-link-baui-2")
        .args(["-vvv", "apply", "--auto-approve"])
        .output()
        .expect("run");
    assert_eq!(changed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&changed.stdout).contains("FAILED"));
    assert_clean("changed secret stdout", &changed.stdout);
    assert_clean("changed secret stderr", &changed.stderr);

    // 401s echoing the credentials sent.
    env.eu
        .quirks(|q| q.require_authorization = Some("Basic another".into()));
    check(&env, 1, "HTTP 401", &["-vvv", "plan"]);
    check(&env, 1, "HTTP 401", &["-vvv", "status", "--format", "json"]);

    for dir_file in std::fs::read_dir(env.dir.path().join("split")).expect("split") {
        let path = dir_file.expect("entry").path();
        assert_clean(
            &path.display().to_string(),
            &std::fs::read(&path).expect("read"),
        );
    }
    assert_files_clean(
        &env,
        &["linkctl.yaml"],
        &["plan.json", "live.json", "exported.yaml"],
    );
}

#[test]
fn no_secret_in_any_output_or_file_kafka_connect() {
    let env = CliEnv::start();
    let (connect, status) = echo_server::start();
    let text = format!(
        "version: 1\nclusters:\n  us:\n    bootstrap: no-kafka.invalid:19092\n  europe:\n    bootstrap: no-kafka.invalid:29092\n    connect: {connect}\n    auth: {{ basic: {{ username: connect-user, password: \"${{env:CONNECT_PW}}\" }} }}\nlinks:\n  demo-link:\n    source: us\n    destination: europe\n    engine: mirrormaker2\n    config:\n      sasl.jaas.config: \"${{env:LINK_JAAS}}\"\n      destination.sasl.jaas.config: \"${{env:DEST_JAAS}}\"\n      basic.auth.user.info: \"${{env:LINK_BAUI}}\"\n    mirrors:\n      - topic: demo\n"
    );
    env.write_manifest("mm2.yaml", &text);
    let f = ["-f", "mm2.yaml", "-vvv"];
    let with = |rest: &[&'static str]| -> Vec<&str> {
        f.iter().copied().chain(rest.iter().copied()).collect()
    };
    check(&env, 0, "is valid", &with(&["validate"]));
    let commands: Vec<Vec<&str>> = vec![
        with(&["plan"]),
        with(&["plan", "--format", "json"]),
        with(&["plan", "--format", "markdown"]),
        with(&["plan", "-o", "mm2.plan", "--save-state", "mm2-live.json"]),
        // No Kafka here, where the apply lock lives: without the lock,
        // apply reaches the Connect stand-in.
        with(&["apply", "--auto-approve", "--no-lock"]),
        with(&["apply", "--auto-approve", "--no-lock", "--format", "json"]),
        with(&["status"]),
        with(&["export", "-o", "mm2-exported.yaml"]),
    ];
    for (code, expect) in [(400u16, ECHO_MARK), (401, "HTTP 401")] {
        status.store(code, Ordering::Relaxed);
        for args in &commands {
            check(&env, 1, expect, args);
        }
    }
    // A 500 is a busy worker: retried (about 20 s), then reported without
    // its body. Once is enough.
    status.store(500, Ordering::Relaxed);
    check(&env, 1, "HTTP 500", &with(&["plan"]));
    assert_files_clean(&env, &["mm2.yaml"], &[]);
}

/// The mTLS key file's content (each line of its Base64 body) appears in
/// no output and no file, over HTTPS doubles that require the client
/// certificate and echo requests in their errors.
#[test]
fn no_client_key_content_in_any_output_or_file() {
    use support::confluent_double::{ClientCert, Pki, ServerCert};
    let pki = Pki::new();
    let env = CliEnv::start_tls(
        pki.server(ServerCert::Trusted),
        pki.server(ServerCert::Trusted),
    );
    env.seed_step("02-mirror.yaml");
    let mut manifest = std::fs::read_to_string(env.dir.path().join("linkctl.yaml")).expect("seed");
    for rest in [env.us.rest_url(), env.eu.rest_url()] {
        let line = format!("rest: {rest}\n");
        manifest = manifest.replace(
            &line,
            &format!("{line}    {}\n", pki.mtls_auth(ClientCert::Trusted)),
        );
    }
    env.write_manifest("linkctl.yaml", &manifest);
    env.eu.quirks(|q| q.echo_requests = true);
    let key = std::fs::read_to_string(pki.path("client.key")).expect("key");
    let body: Vec<&str> = key
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() >= 16)
        .collect();
    assert!(!body.is_empty(), "{key}");
    let run = |code: i32, expect: &str, args: &[&str]| {
        let r = env.run(args);
        assert_eq!(r.code, code, "{args:?}: {r:#?}");
        let all = format!("{}{}", r.stdout, r.stderr);
        assert!(all.contains(expect), "{args:?}: {expect:?} not in {all}");
        for l in &body {
            assert!(!all.contains(l), "{args:?} prints the client key:\n{all}");
        }
    };
    for (code, expect, args, fault) in [
        (0, "is valid", &["validate"][..], false),
        (0, "+ create link demo-link", &["plan"][..], false),
        (
            0,
            "create link",
            &[
                "plan",
                "--format",
                "markdown",
                "-o",
                "plan.json",
                "--save-state",
                "live.json",
            ][..],
            false,
        ),
        (0, "Saved plan plan.json", &["show", "plan.json"][..], false),
        (
            1,
            "(echo: POST",
            &["apply", "--auto-approve", "--format", "json"][..],
            true,
        ),
        (
            0,
            "Live state matches the manifest.",
            &["apply", "--auto-approve"][..],
            false,
        ),
        (0, "demo-link", &["status"][..], false),
        (
            0,
            "Exported 1 link(s)",
            &["export", "-o", "exported.yaml"][..],
            false,
        ),
    ] {
        if fault {
            env.eu
                .add_fault(Fault::new("POST", "/links", 400, 40002, "bad link", 1));
        }
        let args: Vec<&str> = std::iter::once("-vvv")
            .chain(args.iter().copied())
            .collect();
        run(code, expect, &args);
    }
    for file in ["plan.json", "live.json", "exported.yaml"] {
        let written = std::fs::read(env.dir.path().join(file)).expect(file);
        let written = String::from_utf8_lossy(&written);
        for l in &body {
            assert!(!written.contains(l), "{file} holds the client key");
        }
    }
}
