//! Issue 17's matrix: a distinct sentinel in every secret field (link
//! configs, `destination.*`, REST basic and bearer, Kafka Connect auth),
//! every command (`validate`, `plan` in three formats, `plan -o` with
//! `--save-state`, `show`, `apply` text and JSON, `status`, `export`) at
//! `-vvv`, against the Confluent doubles and a Kafka Connect stand-in that
//! echo requests (their `Authorization` header and body) in 400, 401 and
//! 500 bodies, with terminal escape sequences. No sentinel, nor the Base64
//! of a Basic header, appears in any output or in any file linkctl wrote;
//! no escape sequence reaches the output. Every run asserts its exit code
//! and a piece of its output (a run that died early proves nothing; a run
//! that failed on an echo shows the echo's `(echo: ` marker, so the
//! server's text did reach the output), and every check reads raw bytes
//! (never the doubles' own rendered logs). One sentinel holds `/`, `"` and
//! `+`, which change under URL-encoding and JSON escaping.
//!
//! What is covered where (`validate` and `show` send no request, so no
//! server can echo into them: they complete in every part):
//! - Confluent ([`no_secret_in_any_output_or_file_confluent`]): every
//!   command completes at least once and fails at least once on an echo,
//!   from the basic-auth cluster (`europe`: the link's configs, the Basic
//!   header) and from the bearer-auth one (`us`: the bearer token).
//! - Kafka Connect without Kafka
//!   ([`no_secret_in_any_output_or_file_kafka_connect`]): a stand-in
//!   holding the link's connectors with the secrets in clear in their
//!   configs: `validate` and `status` (text and JSON) complete; `plan`
//!   (three formats), `apply` (text and JSON), `status` and `export` fail
//!   on echoing 400s, 401s and a 500. A MirrorMaker 2 plan (and so apply)
//!   and an export read the destination's topics over the Kafka protocol,
//!   so without brokers they cannot complete: that is the next test.
//! - Kafka Connect with the plain local stack's brokers
//!   ([`no_secret_in_any_output_or_file_kafka_connect_with_kafka`], which
//!   fails, never skips, without `scripts/local-kafka.sh up`; CI's
//!   `scripts/test.sh` starts it before the tests): `plan` in three
//!   formats, `plan -o` with `--save-state`, `show` (text and JSON),
//!   `apply` (text and JSON), `status` (text and JSON) and `export` all
//!   complete, and all fail on an echo: of reads, and of the connector
//!   writes (whose configs hold the link's secrets as `${env:…}`
//!   references for the workers to resolve: no request body holds a
//!   secret). Then the connectors are edited by hand to hold the values,
//!   and `plan`, `status` and `export` read them back. Kafka is only read:
//!   the link declares no mirror and the applies run `--no-lock`, so no
//!   topic is created or written. The real Kafka Connect, with real
//!   secrets and mirrors, is `tests/e2e_secure` (`no_secret_in_any_output`).

mod support;

use base64::Engine;
use support::cli::CliEnv;
use support::confluent_double::Fault;
use support::connect_standin::{ConnectStandIn, ECHO};

/// Every sentinel starts with this.
const MARK: &str = "S3NT";

/// `ssl.key.password` of the link: changes under URL-encoding and JSON escaping.
const KEYPW: &str = "S3NT/\"in+el-link-keypw";

const VARS: &[(&str, &str)] = &[
    (
        "LINK_JAAS",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"k\" password=\"S3NT-link-jaas\";",
    ),
    ("LINK_KEYPW", KEYPW),
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

/// Runs the binary with the sentinels set (and `extra` over them), `-vvv`
/// and `prefix` before each command's arguments.
struct Runner<'a> {
    env: &'a CliEnv,
    extra: &'a [(&'a str, &'a str)],
    prefix: &'a [&'a str],
}

impl Runner<'_> {
    /// Runs `args`: the exit code must be `code` and the output (stdout and
    /// stderr) must hold each of `expect`; stdout and stderr must be
    /// clean. The output, for more checks.
    #[track_caller]
    fn check(&self, code: i32, expect: &[&str], args: &[&str]) -> String {
        let all_args: Vec<&str> = ["-vvv"]
            .iter()
            .chain(self.prefix)
            .chain(args)
            .copied()
            .collect();
        let out = self
            .env
            .cmd()
            .envs(VARS.iter().copied())
            .envs(self.extra.iter().copied())
            .args(&all_args)
            .output()
            .expect("run linkctl");
        let what = all_args.join(" ");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(code), "`{what}`:\n{all}");
        for e in expect {
            assert!(all.contains(e), "`{what}`: {e:?} not in:\n{all}");
        }
        assert_clean(&format!("`{what}` stdout"), &out.stdout);
        assert_clean(&format!("`{what}` stderr"), &out.stderr);
        all
    }
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
    let text = env.seed_with_config(
        "02-mirror.yaml",
        "      sasl.jaas.config: \"${env:LINK_JAAS}\"\n      ssl.key.password: \"${env:LINK_KEYPW}\"\n      basic.auth.user.info: \"${env:LINK_BAUI}\"\n",
    );
    let (us, eu) = (env.us.rest_url(), env.eu.rest_url());
    text.replace(
        &format!("    rest: {us}\n"),
        &format!("    rest: {us}\n    auth: {{ bearer: {{ token: \"${{env:REST_TOKEN}}\" }} }}\n"),
    )
    .replace(
        &format!("    rest: {eu}\n"),
        &format!("    rest: {eu}\n    auth: {{ basic: {{ username: key, password: \"${{env:REST_PW}}\" }} }}\n"),
    )
}

/// Which double a scripted fault goes to.
#[derive(Clone, Copy)]
enum At {
    /// `us`: bearer auth (the link's source: read by every plan).
    Us,
    /// `europe`: basic auth (the link's destination: written by applies).
    Eu,
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
    let us_auth = "Bearer S3NT-rest-bearer";
    env.us
        .quirks(|q| q.require_authorization = Some(us_auth.into()));
    let eu_auth = format!("Basic {}", basic("key", "S3NT-rest-basic"));
    env.eu
        .quirks(|q| q.require_authorization = Some(eu_auth.clone()));
    let run = Runner {
        env: &env,
        extra: &[],
        prefix: &[],
    };

    let refuse_create = || Fault::new("POST", "/links", 400, 40002, "bad link", 1);
    // The first read of `us` refused, echoing its bearer token.
    let refuse_read = || Fault::new("GET", "", 400, 40002, "bad read", 1);
    let echo_post = [ECHO, "POST"];
    let echo_get = [ECHO, "GET", "Authorization: Bearer (redacted)"];
    for (code, expect, args, fault) in [
        (0, &["is valid"][..], &["validate"][..], None),
        (0, &["+ create link demo-link"][..], &["plan"][..], None),
        (
            0,
            &["\"format_version\""][..],
            &["plan", "--format", "json"][..],
            None,
        ),
        (
            0,
            &["create link"][..],
            &["plan", "--format", "markdown"][..],
            None,
        ),
        (
            0,
            &["plan.json"][..],
            &["plan", "-o", "plan.json", "--save-state", "live.json"][..],
            None,
        ),
        (
            0,
            &["Saved plan plan.json"][..],
            &["show", "plan.json"][..],
            None,
        ),
        (
            0,
            &["\"saved_plan\""][..],
            &["show", "plan.json", "--format", "json"][..],
            None,
        ),
        // 400s from `us` echoing the bearer token, in every plan format.
        (
            1,
            &echo_get[..],
            &["plan"][..],
            Some((At::Us, refuse_read())),
        ),
        (
            1,
            &echo_get[..],
            &["plan", "--format", "json"][..],
            Some((At::Us, refuse_read())),
        ),
        (
            1,
            &echo_get[..],
            &["plan", "--format", "markdown"][..],
            Some((At::Us, refuse_read())),
        ),
        // 400s from `europe` echoing the create request (its configs, the
        // Basic header).
        (
            1,
            &echo_post[..],
            &["plan", "--server-validate", "--format", "markdown"][..],
            Some((At::Eu, refuse_create())),
        ),
        (
            1,
            &["FAILED", ECHO, "POST"][..],
            &["apply", "--auto-approve"][..],
            Some((At::Eu, refuse_create())),
        ),
        (
            1,
            &["\"action_failed\"", ECHO, "POST"][..],
            &["apply", "--auto-approve", "--format", "json"][..],
            Some((At::Eu, refuse_create())),
        ),
        (
            1,
            &echo_get[..],
            &["apply", "--auto-approve", "--format", "json"][..],
            Some((At::Us, refuse_read())),
        ),
        (
            0,
            &["Live state matches the manifest."][..],
            &["apply", "--auto-approve"][..],
            None,
        ),
        (0, &["demo-link"][..], &["status"][..], None),
        (
            0,
            &["\"links\""][..],
            &["status", "--format", "json"][..],
            None,
        ),
        (
            1,
            &echo_get[..],
            &["status", "--format", "json"][..],
            Some((At::Us, refuse_read())),
        ),
        (
            0,
            &["Exported 1 link(s)"][..],
            &["export", "-o", "exported.yaml"][..],
            None,
        ),
        (
            0,
            &["Exported 1 link(s)"][..],
            &["export", "--split", "split"][..],
            None,
        ),
        (
            1,
            &echo_get[..],
            &["export", "-o", "refused.yaml"][..],
            Some((At::Us, refuse_read())),
        ),
    ] {
        match fault {
            Some((At::Us, f)) => env.us.add_fault(f),
            Some((At::Eu, f)) => env.eu.add_fault(f),
            None => {}
        }
        run.check(code, expect, args);
    }
    let created = env.eu.link_configs("demo-link").expect("created");
    assert!(
        created["sasl.jaas.config"].contains("S3NT-link-jaas")
            && created["ssl.key.password"] == KEYPW,
        "sent where they belong: {created:?}"
    );
    // The echoes quoted the secrets as sent: the Basic header, the JSON
    // body with the key password escaped, the bearer token.
    assert!(env.eu.log().iter().any(|r| r.status == 400
        && r.body
            .as_deref()
            .is_some_and(|b| b.contains(r#""S3NT/\"in+el-link-keypw""#))));
    assert!(env
        .us
        .log()
        .iter()
        .any(|r| r.status == 400 && r.authorization.as_deref() == Some(us_auth)));

    // A 500 echoing the config change that carries a changed secret, then
    // the same change applied, in JSON.
    env.eu
        .add_fault(Fault::new("PUT", "/configs", 500, 50002, "internal", 5));
    let changed = Runner {
        env: &env,
        extra: &[("LINK_BAUI", "user:S3NT-link-baui-2")],
        prefix: &[],
    };
    changed.check(1, &["FAILED", ECHO, "PUT"], &["apply", "--auto-approve"]);
    changed.check(
        0,
        &["\"action_done\"", "\"converged\""],
        &["apply", "--auto-approve", "--format", "json"],
    );
    assert_eq!(
        env.eu.link_configs("demo-link").expect("link")["basic.auth.user.info"],
        "user:S3NT-link-baui-2"
    );

    // 401s echoing the credentials sent: the Basic header, the bearer token.
    env.eu
        .quirks(|q| q.require_authorization = Some("Basic another".into()));
    run.check(1, &["HTTP 401"], &["plan"]);
    run.check(1, &["HTTP 401"], &["status", "--format", "json"]);
    env.eu
        .quirks(|q| q.require_authorization = Some(eu_auth.clone()));
    env.us
        .quirks(|q| q.require_authorization = Some("Bearer another".into()));
    run.check(1, &["HTTP 401"], &["plan", "--format", "markdown"]);
    run.check(1, &["HTTP 401"], &["apply", "--auto-approve"]);
    assert!(
        env.us
            .log()
            .iter()
            .any(|r| r.status == 401 && r.authorization.as_deref() == Some(us_auth)),
        "the bearer token was refused (and echoed)"
    );

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

/// A MirrorMaker 2 manifest: `europe`'s Kafka Connect at `connect` with
/// basic auth, its requests bounded to 4 s (a 500 is retried that long),
/// link `demo-link` with secrets in its configs and in `destination.*`,
/// and no mirror (nothing for MirrorMaker 2 to read on the source).
fn mm2_manifest(connect: &str, us: &str, europe: &str) -> String {
    format!(
        "version: 1\nclusters:\n  us:\n    bootstrap: {us}\n  europe:\n    bootstrap: {europe}\n    connect: {connect}\n    auth: {{ basic: {{ username: connect-user, password: \"${{env:CONNECT_PW}}\" }} }}\n    timeouts: {{ request_ms: 4000 }}\nlinks:\n  demo-link:\n    source: us\n    destination: europe\n    engine: mirrormaker2\n    config:\n      sasl.jaas.config: \"${{env:LINK_JAAS}}\"\n      ssl.key.password: \"${{env:LINK_KEYPW}}\"\n      destination.sasl.jaas.config: \"${{env:DEST_JAAS}}\"\n      basic.auth.user.info: \"${{env:LINK_BAUI}}\"\n"
    )
}

/// Every request reached the stand-in with the Connect credentials (so
/// every echo quoted them), and it saw the 400s, 401s and 500s. With
/// `writes`, the connector configs were sent (and echoed) with the link's
/// secrets as `${env:…}` references, which each worker resolves itself:
/// no request body ever held a secret.
#[track_caller]
fn assert_sent_where_they_belong(connect: &ConnectStandIn, writes: bool) {
    let raw = connect.raw_log();
    let auth = format!("Basic {}", basic("connect-user", "S3NT-connect-basic"));
    assert!(!raw.is_empty());
    for r in &raw {
        assert_eq!(r.header("authorization"), Some(auth.as_str()), "{r:?}");
        assert!(!r.body.contains(MARK), "{r:?}");
        assert!(!r.target.contains(MARK), "{r:?}");
    }
    for status in [400, 401, 500] {
        assert!(raw.iter().any(|r| r.status == status), "no {status}");
    }
    if writes {
        assert!(
            raw.iter().any(|r| r.status == 400
                && r.method == "PUT"
                && r.body.contains("${env:LINK_JAAS}")
                && r.body.contains("${env:LINK_KEYPW}")
                && r.body.contains("${env:DEST_JAAS}")),
            "an echoed write carried the references"
        );
    }
}

/// The plain local stack's brokers (`scripts/local-kafka.sh up`).
const US_KAFKA: &str = "127.0.0.1:19092";
const EUROPE_KAFKA: &str = "127.0.0.1:29092";

/// The commands that fail on echoes of the stand-in, each with what its
/// output must show (the echo's marker, the request it quoted).
fn echoed_commands() -> Vec<(&'static [&'static str], &'static str)> {
    vec![
        (&["plan"], "GET /connectors"),
        (&["plan", "--format", "json"], "GET /connectors"),
        (&["plan", "--format", "markdown"], "GET /connectors"),
        (&["apply", "--auto-approve", "--no-lock"], "GET /connectors"),
        (
            &["apply", "--auto-approve", "--no-lock", "--format", "json"],
            "GET /connectors",
        ),
        (&["status"], "GET /connectors"),
        (&["status", "--format", "json"], "GET /connectors"),
        (&["export", "-o", "refused.yaml"], "GET /connectors"),
    ]
}

/// Kafka Connect without Kafka: see the module documentation.
#[test]
fn no_secret_in_any_output_or_file_kafka_connect() {
    let env = CliEnv::start();
    let connect = ConnectStandIn::start();
    // The link's connectors, their secrets in clear (linkctl writes
    // `${env:…}` references, but a connector edited by hand or by another
    // tool holds values): Kafka Connect hands them back on every read.
    let jaas = VARS[0].1;
    let dest_jaas = VARS[3].1;
    let fingerprint = format!("argon2id:{}", "0".repeat(64));
    connect.add_connector(
        "demo-link-source",
        &[
            (
                "connector.class",
                "org.apache.kafka.connect.mirror.MirrorSourceConnector",
            ),
            ("linkctl.link", "demo-link"),
            ("source.cluster.alias", "us"),
            ("target.cluster.alias", "europe"),
            ("source.cluster.bootstrap.servers", "no-kafka.invalid:19092"),
            ("target.cluster.bootstrap.servers", "no-kafka.invalid:29092"),
            ("source.cluster.sasl.jaas.config", jaas),
            ("source.cluster.ssl.key.password", KEYPW),
            ("source.cluster.basic.auth.user.info", "user:S3NT-link-baui"),
            ("target.cluster.sasl.jaas.config", dest_jaas),
            ("linkctl.config.sasl.jaas.config", &fingerprint),
            ("linkctl.config.ssl.key.password", &fingerprint),
            ("linkctl.config.destination.sasl.jaas.config", &fingerprint),
            ("linkctl.config.basic.auth.user.info", &fingerprint),
            ("topics", ""),
        ],
    );
    connect.add_connector(
        "demo-link-checkpoint",
        &[
            (
                "connector.class",
                "org.apache.kafka.connect.mirror.MirrorCheckpointConnector",
            ),
            ("linkctl.link", "demo-link"),
            ("source.cluster.sasl.jaas.config", jaas),
            ("target.cluster.sasl.jaas.config", dest_jaas),
        ],
    );
    env.write_manifest(
        "mm2.yaml",
        &mm2_manifest(
            &connect.url(),
            "no-kafka.invalid:19092",
            "no-kafka.invalid:29092",
        ),
    );
    let run = Runner {
        env: &env,
        extra: &[],
        prefix: &["-f", "mm2.yaml"],
    };
    run.check(0, &["is valid"], &["validate"]);
    run.check(0, &["link demo-link", "ACTIVE"], &["status"]);
    run.check(
        0,
        &["\"links\"", "\"ACTIVE\""],
        &["status", "--format", "json"],
    );
    // Kafka Connect answered, the brokers did not: a plan says so.
    run.check(1, &["could not be read", "no-kafka.invalid"], &["plan"]);

    // 400s echoing each command's first request, with the Basic header.
    for (args, request) in echoed_commands() {
        connect.echo(None, "/connectors", 400, 1);
        run.check(1, &[ECHO, request, "Authorization: Basic "], args);
    }
    // 401s (linkctl names the refusal, the echoed body stays unshown).
    connect.require_authorization(Some("Basic another"));
    run.check(1, &["HTTP 401"], &["plan"]);
    run.check(1, &["HTTP 401"], &["export", "-o", "refused.yaml"]);
    connect.require_authorization(None);
    // A 500 is a busy worker: retried for the request timeout, then
    // reported with the first line of its message.
    connect.echo(None, "/", 500, u32::MAX);
    run.check(1, &["HTTP 500", ECHO], &["plan", "--format", "markdown"]);
    connect.clear_echoes();
    assert_sent_where_they_belong(&connect, false);
    assert_files_clean(&env, &["mm2.yaml"], &[]);
}

/// Kafka Connect with the plain local stack's brokers: see the module
/// documentation.
#[test]
fn no_secret_in_any_output_or_file_kafka_connect_with_kafka() {
    for addr in [US_KAFKA, EUROPE_KAFKA] {
        std::net::TcpStream::connect_timeout(
            &addr.parse().expect("address"),
            std::time::Duration::from_secs(2),
        )
        .unwrap_or_else(|e| {
            panic!("the plain local stack is not running ({addr}: {e}): start it with scripts/local-kafka.sh up")
        });
    }
    let env = CliEnv::start();
    let connect = ConnectStandIn::start();
    env.write_manifest(
        "mm2.yaml",
        &mm2_manifest(&connect.url(), US_KAFKA, EUROPE_KAFKA),
    );
    // Real brokers, on a machine that also builds: room for a slow answer.
    let run = Runner {
        env: &env,
        extra: &[("LINKCTL_KAFKA_TIMEOUT_MS", "15000")],
        prefix: &["-f", "mm2.yaml"],
    };
    let create = "+ create link demo-link";
    run.check(0, &["is valid"], &["validate"]);
    run.check(0, &[create, "(sensitive value)"], &["plan"]);
    run.check(
        0,
        &["\"format_version\"", "\"create_link\""],
        &["plan", "--format", "json"],
    );
    run.check(
        0,
        &["create link demo-link"],
        &["plan", "--format", "markdown"],
    );
    run.check(
        0,
        &[create, "mm2.plan"],
        &["plan", "-o", "mm2.plan", "--save-state", "mm2-live.json"],
    );
    run.check(0, &["Saved plan mm2.plan", create], &["show", "mm2.plan"]);
    run.check(
        0,
        &["\"saved_plan\"", "\"create_link\""],
        &["show", "mm2.plan", "--format", "json"],
    );
    // Reads refused with echoes: every command.
    for (args, request) in echoed_commands() {
        connect.echo(Some("GET"), "/connectors", 400, 1);
        run.check(1, &[ECHO, request, "Authorization: Basic "], args);
    }
    // The connector writes refused with echoes of their configs, which
    // hold the link's secrets in clear.
    connect.echo(Some("PUT"), "/config", 400, 1);
    run.check(
        1,
        &["FAILED", ECHO, "PUT /connectors/demo-link-", "form: "],
        &["apply", "--auto-approve", "--no-lock"],
    );
    connect.echo(Some("PUT"), "/config", 400, 1);
    run.check(
        1,
        &["\"action_failed\"", ECHO, "PUT /connectors/demo-link-"],
        &["apply", "--auto-approve", "--no-lock", "--format", "json"],
    );
    assert!(connect.connectors().is_empty(), "nothing was written");
    run.check(
        0,
        &["\"action_done\"", "\"converged\""],
        &["apply", "--auto-approve", "--no-lock", "--format", "json"],
    );
    let written = connect.connectors();
    let source = written.get("demo-link-source").expect("source connector");
    assert_eq!(
        source
            .get("source.cluster.sasl.jaas.config")
            .map(String::as_str),
        Some("${env:LINK_JAAS}"),
        "{source:?}"
    );
    // The connectors edited by hand: their `${env:…}` references replaced
    // by the values, which every read now hands back.
    for (name, config) in connect.connectors() {
        let resolved: Vec<(String, String)> = config
            .into_iter()
            .map(|(k, mut v)| {
                for (var, value) in VARS {
                    v = v.replace(&format!("${{env:{var}}}"), value);
                }
                (k, v)
            })
            .collect();
        let pairs: Vec<(&str, &str)> = resolved
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        connect.add_connector(&name, &pairs);
    }
    assert!(connect.connectors()["demo-link-source"]
        .values()
        .any(|v| v.contains("S3NT-link-jaas")));
    run.check(0, &["No changes"], &["plan"]);
    run.check(0, &["link demo-link", "ACTIVE"], &["status"]);
    run.check(
        0,
        &["\"links\"", "\"ACTIVE\""],
        &["status", "--format", "json"],
    );
    run.check(
        0,
        &["Exported 1 link(s)"],
        &["export", "-o", "mm2-exported.yaml"],
    );
    // A secret changed: the update echoed back in a 500 (retried, then
    // reported), then applied.
    let changed = Runner {
        env: &env,
        extra: &[
            ("LINKCTL_KAFKA_TIMEOUT_MS", "15000"),
            ("LINK_BAUI", "user:S3NT-link-baui-2"),
        ],
        prefix: &["-f", "mm2.yaml"],
    };
    changed.check(0, &["~ update link demo-link"], &["plan"]);
    connect.echo(Some("PUT"), "/config", 500, u32::MAX);
    changed.check(
        1,
        &["FAILED", "HTTP 500", ECHO],
        &["apply", "--auto-approve", "--no-lock"],
    );
    connect.clear_echoes();
    changed.check(
        0,
        &["Apply complete", "Live state matches the manifest."],
        &["apply", "--auto-approve", "--no-lock"],
    );
    // 401s.
    connect.require_authorization(Some("Basic another"));
    run.check(1, &["HTTP 401"], &["plan", "--format", "json"]);
    run.check(1, &["HTTP 401"], &["apply", "--auto-approve", "--no-lock"]);
    connect.require_authorization(None);
    // A 500 on a read.
    connect.echo(Some("GET"), "/connectors", 500, u32::MAX);
    run.check(1, &["HTTP 500", ECHO], &["status", "--format", "json"]);
    connect.clear_echoes();

    assert_sent_where_they_belong(&connect, true);
    assert_files_clean(
        &env,
        &["mm2.yaml"],
        &["mm2.plan", "mm2-live.json", "mm2-exported.yaml"],
    );
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
