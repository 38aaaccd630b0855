//! A secret sentinel set through `${env:…}` never appears in anything the
//! binary writes: stdout, stderr (at every verbosity), saved plans, state
//! snapshots or exports — across plan (text, JSON, Markdown), show (saved
//! plans in every format), apply (text and JSON), status, export and
//! validate, and in failures too.

mod support;

use support::cli::CliEnv;

const SENTINEL: &str = "S3NT1NEL-9f2c";

fn manifest(env: &CliEnv) -> String {
    // Credentials for the REST endpoint and for the link, from the environment.
    env.seed_with_config(
        "02-mirror.yaml",
        "      sasl.jaas.config: \"${env:LINK_JAAS}\"\n      client.rack: \"${env:RACK}\"\n",
    )
    .replace(
        "    rest: ",
        "    auth: { basic: { username: key, password: \"${env:REST_SECRET}\" } }\n    rest: ",
    )
}

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(SENTINEL), "{what} leaks the secret:\n{text}");
}

#[test]
fn the_secret_never_appears_in_any_output() {
    let env = CliEnv::start();
    let text = manifest(&env);
    assert!(text.contains("${env:LINK_JAAS}"), "{text}");
    env.write_manifest("linkctl.yaml", &text);
    let secret = |c: &mut std::process::Command| {
        c.env("REST_SECRET", format!("{SENTINEL}-rest"))
            .env("LINK_JAAS", format!("org.apache.kafka.common.security.plain.PlainLoginModule required username=\"k\" password=\"{SENTINEL}-jaas\";"))
            .env("RACK", format!("{SENTINEL}-rack"))
            .env("LINKCTL_KAFKA_TIMEOUT_MS", "300");
    };
    let dir = env.dir.path();
    // Each run's exit code and a piece of its output: a run that died
    // early would pass an absence check.
    let runs: Vec<(i32, &str, Vec<&str>)> = vec![
        (0, "linkctl.yaml is valid", vec!["validate"]),
        (
            0,
            "\"valid\": true",
            vec!["-vvv", "validate", "--format", "json"],
        ),
        (
            0,
            "+ create link demo-link",
            vec![
                "-vvv",
                "plan",
                "-o",
                "plan.json",
                "--save-state",
                "live.json",
            ],
        ),
        (
            0,
            "\"format_version\"",
            vec!["-vvv", "plan", "--format", "json"],
        ),
        (
            0,
            "**Plan: 2 to create",
            vec!["-vvv", "plan", "--format", "markdown"],
        ),
        (0, "Saved plan plan.json", vec!["-vvv", "show", "plan.json"]),
        (
            0,
            "\"has_changes\": true",
            vec!["-vvv", "show", "plan.json", "--format", "json"],
        ),
        (
            0,
            "Saved plan `plan.json`",
            vec!["-vvv", "show", "plan.json", "--format", "markdown"],
        ),
        (
            0,
            "### linkctl validate",
            vec!["-vvv", "validate", "--format", "markdown"],
        ),
        (0, "Apply complete", vec!["-vvv", "apply", "--auto-approve"]),
        (
            0,
            "No changes.",
            vec!["-vvv", "plan", "--detailed-exitcode"],
        ),
        (0, "link demo-link  us -> europe", vec!["-vvv", "status"]),
        (
            0,
            "\"name\": \"demo-link\"",
            vec!["-vvv", "status", "--format", "json"],
        ),
        (
            0,
            "Exported 1 link(s) to exported.yaml",
            vec!["-vvv", "export", "-o", "exported.yaml"],
        ),
        (
            0,
            "\"event\":\"summary\"",
            vec!["-vvv", "apply", "--auto-approve", "--format", "json"],
        ),
    ];
    for (code, expect, args) in &runs {
        let mut c = env.cmd();
        secret(&mut c);
        let out = c.args(args).output().expect("run linkctl");
        let what = args.join(" ");
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(
            out.status.code(),
            Some(*code),
            "`{what}`:\n{stdout}{stderr}"
        );
        assert!(
            stdout.contains(expect) || stderr.contains(expect),
            "`{what}`: {expect:?} not in:\n{stdout}{stderr}"
        );
        assert_clean(&format!("`{what}` stdout"), &stdout);
        assert_clean(&format!("`{what}` stderr"), &stderr);
    }
    // The apply really sent the secret where it belongs (the link's config).
    let sent = env
        .eu
        .log()
        .iter()
        .any(|r| r.method == "POST" && r.body.as_deref().is_some_and(|b| b.contains(SENTINEL)));
    assert!(sent, "the create request carried the secret to the server");
    for file in ["plan.json", "live.json", "exported.yaml"] {
        let text =
            std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_clean(file, &text);
    }

    // Failures: the server refuses the update that carries a changed secret
    // (`client.rack` is returned in clear, so a new value is sent).
    env.eu.add_fault(support::confluent_double::Fault::new(
        "PUT",
        "/configs",
        500,
        50002,
        "internal error",
        100,
    ));
    let mut c = env.cmd();
    secret(&mut c);
    c.env("RACK", format!("{SENTINEL}-rack-2"));
    let out = c
        .args(["-vvv", "apply", "--auto-approve"])
        .output()
        .expect("run linkctl");
    assert_eq!(out.status.code(), Some(1), "the apply failed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("FAILED"), "{stdout}");
    assert!(stdout.contains("HTTP 500"), "{stdout}");
    assert_clean("failed apply stdout", &String::from_utf8_lossy(&out.stdout));
    assert_clean("failed apply stderr", &String::from_utf8_lossy(&out.stderr));
}

/// A value that `validate` flags as a secret written in clear (a password in
/// it) is redacted wherever linkctl would print it, and sent as it is.
#[test]
fn a_password_written_in_clear_is_redacted_everywhere() {
    let clear = format!("user=k password={SENTINEL}-clear");
    let env = CliEnv::seeded_with_config(
        "02-mirror.yaml",
        &format!("      some.login: \"{clear}\"\n"),
    );
    let validate = env.run(&["validate"]);
    assert_eq!(validate.code, 0, "{validate:#?}");
    assert!(
        validate
            .stderr
            .contains("looks like a secret written in clear"),
        "{validate:#?}"
    );
    assert_clean(
        "validate",
        &format!("{}{}", validate.stdout, validate.stderr),
    );
    for (code, expect, args) in [
        (0, "+ create link demo-link", vec!["plan"]),
        (0, "\"format_version\"", vec!["plan", "--format", "json"]),
        (0, "+ some.login", vec!["plan", "-o", "plan.json"]),
        (
            0,
            "**Plan: 2 to create",
            vec!["plan", "--format", "markdown"],
        ),
        (0, "Saved plan plan.json", vec!["show", "plan.json"]),
        (
            0,
            "\"has_changes\": true",
            vec!["show", "plan.json", "--format", "json"],
        ),
        (
            0,
            "Saved plan `plan.json`",
            vec!["show", "plan.json", "--format", "markdown"],
        ),
        (0, "Apply complete", vec!["apply", "--auto-approve"]),
        (
            0,
            "\"name\": \"demo-link\"",
            vec!["status", "--format", "json"],
        ),
        (
            0,
            "Exported 1 link(s) to exported.yaml",
            vec!["export", "-o", "exported.yaml"],
        ),
    ] {
        let r = env.run(&args);
        let all = format!("{}{}", r.stdout, r.stderr);
        assert_eq!(r.code, code, "{args:?}:\n{all}");
        assert!(all.contains(expect), "{args:?}: {expect:?} not in:\n{all}");
        assert_clean(&args.join(" "), &all);
    }
    for file in ["plan.json", "exported.yaml"] {
        let text = std::fs::read_to_string(env.dir.path().join(file)).expect(file);
        assert_clean(file, &text);
    }
    assert_eq!(
        env.eu.link_configs("demo-link").expect("created")["some.login"],
        clear,
        "sent as written"
    );
    // The live value drifts: the plan shows a change, both sides hidden.
    env.eu.with(|s| {
        s.links.get_mut("demo-link").expect("link").configs.insert(
            "some.login".into(),
            format!("user=k password={SENTINEL}-drift"),
        );
    });
    let r = env.run(&["plan"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(r.stdout.contains("~ some.login"), "{r:#?}");
    assert_clean("plan after drift", &format!("{}{}", r.stdout, r.stderr));
    for format in ["text", "json", "markdown"] {
        let r = env.run(&["plan", "-o", "drift.json", "--format", format]);
        assert_eq!(r.code, 0, "{r:#?}");
        assert!(r.stdout.contains("some.login"), "{r:#?}");
        assert_clean(
            &format!("plan --format {format} after drift"),
            &format!("{}{}", r.stdout, r.stderr),
        );
        let r = env.run(&["show", "drift.json", "--format", format]);
        assert_eq!(r.code, 0, "{r:#?}");
        assert!(r.stdout.contains("some.login"), "{r:#?}");
        assert_clean(
            &format!("show --format {format} after drift"),
            &format!("{}{}", r.stdout, r.stderr),
        );
    }
}
