//! Issue 17: one regression test per finding not covered elsewhere.
//! (Finding 1: tests/saved_plan_trust.rs; 2 and the echo of every command:
//! tests/trust_matrix.rs; 5, 6, 7 and 9: tests/invalid/ and the unit tests
//! of manifest::validate; 10: plan::secret_hash and benches/fingerprints.rs;
//! 12: tests/confluent_behaviours_cli.rs.) Every absence check also proves
//! the run did its work (exit code and a piece of its output) and reads raw
//! bytes.

mod support;

use support::cli::{assert_has, CliEnv, Run};

#[track_caller]
fn absent(what: &str, text: &str, sentinel: &str) {
    assert!(
        !text
            .to_ascii_lowercase()
            .contains(&sentinel.to_ascii_lowercase()),
        "{what} holds {sentinel}:\n{text}"
    );
}

fn all(r: &Run) -> String {
    format!("{}{}", r.stdout, r.stderr)
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .expect("meta")
        .permissions()
        .mode()
        & 0o777
}

/// Findings 3 and 4: a secret under a key of no sensitive name
/// (`basic.auth.user.info` from `${env:…}`), once applied, stays secret
/// because linkctl's fingerprint record names it: in `--save-state`
/// snapshots (stored as `"value": null, "is_sensitive": true`, with
/// `ssl.truststore.password`), in a prune reset (text and Markdown), and in
/// an `export` made from a manifest that does not declare it.
#[test]
fn secret_ness_travels_with_the_key() {
    let env = CliEnv::seeded_with_config(
        "02-mirror.yaml",
        "      basic.auth.user.info: \"${env:BAUI}\"\n      ssl.truststore.password: \"${env:TRUST_PW}\"\n",
    );
    let vars = [("BAUI", "user:S3NT-baui"), ("TRUST_PW", "S3NT-truststore")];
    let r = env.run_with(&vars, &["apply", "--auto-approve"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let live = env.eu.link_configs("demo-link").expect("link");
    assert_eq!(
        live["basic.auth.user.info"], "user:S3NT-baui",
        "the server returns it in clear"
    );

    let r = env.run_with(&vars, &["plan", "--save-state", "live.json"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let snapshot = std::fs::read(env.dir.path().join("live.json")).expect("snapshot");
    let snapshot = String::from_utf8_lossy(&snapshot);
    absent("the snapshot", &snapshot, "S3NT");
    let v: serde_json::Value = serde_json::from_str(&snapshot).expect("JSON");
    let row = &v["clusters"]["europe"]["links"]["demo-link"]["configs"]["basic.auth.user.info"];
    assert_eq!(row["value"], serde_json::Value::Null, "{row}");
    assert_eq!(row["is_sensitive"], true, "{row}");
    #[cfg(unix)]
    assert_eq!(mode(&env.dir.path().join("live.json")), 0o600);

    // Removed from a manifest with `prune: true`: reset, never shown.
    let pruned = env
        .seed_text("02-mirror.yaml")
        .replace("    mirrors:\n", "    prune: true\n    mirrors:\n");
    env.write_manifest("pruned.yaml", &pruned);
    for format in ["text", "markdown", "json"] {
        let r = env.run(&["plan", "-f", "pruned.yaml", "--format", format]);
        assert_eq!(r.code, 0, "{format}: {r:#?}");
        assert_has(&r.stdout, "basic.auth.user.info");
        absent(&format!("prune plan ({format})"), &all(&r), "S3NT");
    }
    let r = env.run(&["plan", "-f", "pruned.yaml"]);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("- basic.auth.user.info")
                && l.ends_with("= (sensitive value) -> (default)")),
        "{}",
        r.stdout
    );

    // Exported from a manifest that does not declare it: a placeholder.
    let r = env.run(&["export", "-f", "pruned.yaml", "-o", "exported.yaml"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let exported = std::fs::read(env.dir.path().join("exported.yaml")).expect("export");
    let exported = String::from_utf8_lossy(&exported);
    absent("the export", &exported, "S3NT");
    assert_has(
        &exported,
        "basic.auth.user.info: ${env:LINK_DEMO_LINK_BASIC_AUTH_USER_INFO}",
    );
}

/// Finding 8: values from `${env:…}` in messages — a CA bundle path, the
/// host of a REST URL in the clear-HTTP warning, an immutable setting in a
/// refusal, a bootstrap Kafka cannot reach.
#[test]
fn values_from_the_environment_stay_out_of_messages() {
    let env = CliEnv::start();
    let base = env.seed_text("01-link.yaml");
    let eu = env.eu.rest_url();

    // The CA bundle path.
    env.write_manifest(
        "ca.yaml",
        &base.replace(
            &format!("    rest: {eu}\n"),
            &format!("    rest: {eu}\n    https_ca: \"${{env:CA}}\"\n"),
        ),
    );
    let r = env.run_with(
        &[("CA", "/nonexistent/S3NT-ca.pem")],
        &["plan", "-f", "ca.yaml"],
    );
    assert_eq!(r.code, 1, "{r:#?}");
    assert_has(&r.stderr, "cannot read the CA bundle ${env:CA}");
    absent("CA error", &all(&r), "S3NT");

    // The host of an http:// REST URL with credentials.
    env.write_manifest(
        "host.yaml",
        &base.replace(
            &format!("    rest: {eu}\n"),
            "    rest: \"${env:EU_REST}\"\n    auth: { basic: { username: k, password: \"${env:EU_PW}\" } }\n",
        ),
    );
    let vars = [
        ("EU_REST", "http://S3NT-host.example.com:8090/kafka"),
        ("EU_PW", "S3NT-password"),
    ];
    let r = env.run_with(&vars, &["validate", "-f", "host.yaml"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert_has(
        &r.stderr,
        "sends its `basic` credentials over plain HTTP (`rest`)",
    );
    absent("clear-HTTP warning", &all(&r), "S3NT");
    // `plan` cannot reach that host: the URL parser writes it back in lower
    // case, and that form is redacted too.
    let r = env.run_with(&vars, &["plan", "-f", "host.yaml"]);
    assert_eq!(r.code, 1, "{r:#?}");
    assert_has(&all(&r), "(redacted)");
    absent("unreachable REST host", &all(&r).to_lowercase(), "s3nt");

    // An immutable setting from the environment that differs from the live one.
    env.eu.seed_link(
        "demo-link",
        "us-cluster",
        &[("cluster.link.prefix", "live.")],
    );
    env.write_manifest(
        "prefix.yaml",
        &base.replace(
            "    config:\n",
            "    config:\n      cluster.link.prefix: \"${env:PFX}\"\n",
        ),
    );
    let r = env.run_with(&[("PFX", "S3NT-prefix.")], &["plan", "-f", "prefix.yaml"]);
    assert_eq!(r.code, 1, "{r:#?}");
    assert_has(
        &r.stdout,
        "cluster.link.prefix on `europe` is (sensitive value) (manifest: (sensitive value))",
    );
    absent("immutable refusal", &all(&r), "S3NT");

    // A bootstrap Kafka cannot reach (status reads group offsets over Kafka).
    let env = CliEnv::start();
    env.write_manifest(
        "boot.yaml",
        &env.seed_text("02-mirror.yaml")
            .replace("no-kafka.invalid:29092", "\"${env:EU_BOOT}\""),
    );
    let vars = [
        ("EU_BOOT", "s3nt-boot.invalid:29092"),
        ("LINKCTL_KAFKA_TIMEOUT_MS", "300"),
    ];
    let r = env.run_with(&vars, &["apply", "-f", "boot.yaml", "--auto-approve"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let r = env.run_with(&vars, &["status", "-f", "boot.yaml", "--groups"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert_has(&all(&r), "cannot be reached");
    absent("unreachable bootstrap", &all(&r), "s3nt-boot");
}

/// Finding 11: files are written 0600, and never through a symlink at the
/// target path (the link is replaced, what it pointed at is untouched).
#[cfg(unix)]
#[test]
fn files_are_private_and_never_written_through_a_symlink() {
    let env = CliEnv::seeded("02-mirror.yaml");
    let dir = env.dir.path();
    let elsewhere = dir.join("elsewhere.txt");
    std::fs::write(&elsewhere, "not linkctl's").expect("write");
    for name in ["plan.json", "live.json", "exported.yaml"] {
        std::os::unix::fs::symlink(&elsewhere, dir.join(name)).expect("symlink");
    }
    let r = env.run(&["plan", "-o", "plan.json", "--save-state", "live.json"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert_has(&r.stdout, "+ create link demo-link");
    env.run_exits(0, &["apply", "--auto-approve"]);
    let r = env.run(&["export", "-o", "exported.yaml"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let r = env.run(&["export", "--split", "split"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(
        std::fs::read_to_string(&elsewhere).expect("read"),
        "not linkctl's"
    );
    for name in [
        "plan.json",
        "live.json",
        "exported.yaml",
        "split/clusters.yaml",
        "split/link-demo-link.yaml",
    ] {
        let path = dir.join(name);
        assert!(
            std::fs::symlink_metadata(&path)
                .expect("meta")
                .file_type()
                .is_file(),
            "{name}"
        );
        assert_eq!(mode(&path), 0o600, "{name}");
    }
}

/// A secret that changes under URL-encoding, JSON escaping and Markdown
/// escaping (`/`, `"`, `+`): the `ssl.key.password` of a link.
const ENCODED: &str = "s3nt/\"in+el-keypw";

/// The redaction layer knows a secret's URL-encoded and JSON-escaped forms
/// (and how the Markdown renderer escapes those): `europe` refuses the
/// create with a 400 that quotes the request's JSON body (the password
/// JSON-escaped, `s3nt/\"in+el`) and its configs as form data (the password
/// URL-encoded, `s3nt%2F%22in%2Bel`), and no form of it reaches the text,
/// JSON or Markdown output. Each run shows the echo (so the server's text
/// did reach the output) with the password's place redacted.
#[test]
fn encoded_forms_of_a_secret_are_redacted() {
    use support::confluent_double::Fault;
    let env = CliEnv::seeded_with_config(
        "02-mirror.yaml",
        "      ssl.key.password: \"${env:KEYPW}\"\n",
    );
    env.eu.quirks(|q| {
        q.echo_requests = true;
        q.echo_form_encoded = true;
    });
    let vars = [("KEYPW", ENCODED)];
    // Each run: the echo's marker, the password's places in the quoted
    // JSON body and in the form data, redacted.
    let in_body = r#""ssl.key.password","value":"(redacted)""#;
    let in_json_event = r#"\"ssl.key.password\",\"value\":\"(redacted)\""#;
    let in_form = "ssl.key.password=(redacted))";
    for (args, expect) in [
        (
            &["apply", "--auto-approve"][..],
            ["FAILED", in_body, in_form],
        ),
        (
            &["apply", "--auto-approve", "--format", "json"][..],
            ["\"action_failed\"", in_json_event, in_form],
        ),
        (
            &["plan", "--server-validate", "--format", "markdown"][..],
            ["the server refuses this change", in_body, in_form],
        ),
    ] {
        env.eu
            .add_fault(Fault::new("POST", "/links", 400, 40002, "bad link", 1));
        let r = env.run_with(&vars, args);
        let out = all(&r);
        assert_eq!(r.code, 1, "{args:?}: {r:#?}");
        assert_has(&out, "(echo: POST");
        for e in expect {
            assert_has(&out, e);
        }
        // The forms the server quoted (checked apart, and by the prefix
        // they all share, case-insensitive).
        for form in [
            ENCODED,
            "s3nt/\\\"in+el",
            "s3nt%2F%22in%2Bel",
            "s3nt/\\\\\"in+el",
        ] {
            absent(&format!("{args:?}"), &out, form);
        }
        absent(&format!("{args:?}"), &out, "s3nt");
    }
    // What the server quoted: the body as sent, the password in it.
    assert!(
        env.eu
            .log()
            .iter()
            .any(|r| r.status == 400
                && r.config_value("ssl.key.password").as_deref() == Some(ENCODED))
    );
}

/// The environment variable that makes [`panic_hook_child_process`] act.
const PANIC_CHILD: &str = "LINKCTL_TEST_PANIC_HOOK_CHILD";
const PANIC_SECRET: &str = "s3nt/\"in+el-panic";

/// Not a test of its own: the child process of
/// [`a_panic_message_goes_through_the_redaction_layer`] (it does nothing
/// unless that test runs it with [`PANIC_CHILD`] set). Installs linkctl's
/// panic hook the way the binary does (`cli::main` sets it first, then
/// refuses the test harness's arguments as a usage error), registers a
/// secret, and panics with it in the message, as is and `{:?}`-escaped.
#[test]
fn panic_hook_child_process() {
    if std::env::var_os(PANIC_CHILD).is_none() {
        return;
    }
    let _ = linkctl::cli::main();
    linkctl::redact::register(PANIC_SECRET);
    let panicked = std::thread::spawn(|| {
        panic!("internal state holds {PANIC_SECRET} and {PANIC_SECRET:?} here");
    })
    .join();
    assert!(panicked.is_err());
}

/// A panic's message goes through the redaction layer (the hook of
/// `cli::main`), its secrets replaced in every form.
#[test]
fn a_panic_message_goes_through_the_redaction_layer() {
    let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "panic_hook_child_process", "--nocapture"])
        .env(PANIC_CHILD, "1")
        .output()
        .expect("run the child");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_has(&stdout, "1 passed");
    assert_has(&stderr, "linkctl: internal error: ");
    assert_has(
        &stderr,
        "internal state holds (redacted) and \"(redacted)\" here",
    );
    absent("the panic message", &stderr, "s3nt");
    absent("the child's stdout", &stdout, "s3nt");
}
