//! mTLS to Confluent REST through the real binary, against two Confluent
//! doubles served over HTTPS that require and verify client certificates
//! (certificates made at test time: `support/confluent_double/tls.rs`).
//!
//! The manifests are the seed's step 2 with `rest: https://127.0.0.1:PORT/kafka`
//! and `auth: { mtls: { cert, key, ca } }` on each cluster. `us` is always
//! set up right; `europe` is the cluster that goes wrong, so every message
//! must name it.

mod support;

use std::time::{Duration, Instant};

use support::cli::{snapshot_settings, CliEnv, Run};
use support::confluent_double::{ClientCert, Pki, ServerCert};

/// Writes the seed's step 2 pointed at the doubles, with `us_lines` and
/// `eu_lines` (`auth:`, `https_ca:`) after each cluster's `rest:`.
fn manifest(env: &CliEnv, us_lines: &[&str], eu_lines: &[&str]) {
    let path = env.seed_step("02-mirror.yaml");
    let mut text = std::fs::read_to_string(&path).expect("manifest");
    for (rest, lines) in [(env.us.rest_url(), us_lines), (env.eu.rest_url(), eu_lines)] {
        let line = format!("rest: {rest}\n");
        assert!(text.contains(&line), "{text}");
        let extra: String = lines.iter().map(|l| format!("    {l}\n")).collect();
        text = text.replace(&line, &format!("{line}{extra}"));
    }
    env.write_manifest("linkctl.yaml", &text);
}

/// Snapshot settings of [`snapshot_settings`], and the certificates' temp dir.
fn settings(env: &CliEnv, pki: &Pki) -> insta::Settings {
    let mut s = snapshot_settings(env);
    s.add_filter(
        &regex::escape(&pki.dir.path().display().to_string()),
        "[pki]",
    );
    s
}

/// Both doubles with a certificate of the test CA.
fn both_trusted(pki: &Pki) -> CliEnv {
    CliEnv::start_tls(
        pki.server(ServerCert::Trusted),
        pki.server(ServerCert::Trusted),
    )
}

#[test]
fn a_trusted_client_certificate_plans_applies_and_converges() {
    let pki = Pki::new();
    let env = both_trusted(&pki);
    assert!(env.eu.rest_url().starts_with("https://127.0.0.1:"));
    // `europe` trusts the server's CA through `auth.mtls.ca`, `us` through `https_ca`.
    let us_auth = pki.mtls_auth_files("client.pem", "client.key", None);
    manifest(
        &env,
        &[&pki.https_ca(), &us_auth],
        &[&pki.mtls_auth(ClientCert::Trusted)],
    );

    let plan = env.run_exits(2, &["plan", "--detailed-exitcode"]);
    assert!(plan.stdout.contains("+ create link demo-link"), "{plan:#?}");
    assert!(plan.stdout.contains("+ create mirror demo"), "{plan:#?}");

    env.run_exits(0, &["apply", "--auto-approve"]);
    assert_eq!(env.eu.link_names(), ["demo-link".to_string()].into());
    assert_eq!(
        env.eu.mirror_status("demo-link", "demo").as_deref(),
        Some("ACTIVE")
    );

    let again = env.run_exits(0, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        again.stdout,
        "No changes. Live state matches the manifest.\n"
    );

    let report = env.status_json();
    assert_eq!(report["links"][0]["name"], "demo-link");
    assert_eq!(report["links"][0]["mirrors"][0]["status"], "ACTIVE");

    // Every request went over mutually authenticated TLS, and none was refused.
    assert!(env.eu.count("POST", "/links") >= 1);
    assert!(env.us.count("GET", "/clusters") >= 1, "{:?}", env.us.log());
    assert_eq!(env.us.tls_refusals(), Vec::<String>::new());
    assert_eq!(env.eu.tls_refusals(), Vec::<String>::new());
}

/// `europe` serving `server`, with `eu_lines` (`auth`, `https_ca`): `plan`
/// and `apply` both stop at the read, exit 1 at the first refused handshake
/// (one handshake per command, which the double saw as `seen`: a TLS failure
/// is not retried, so this holds with the real retry backoff; see below for
/// the one exception), and nothing reaches `europe`. The message is snapshot `confluent_mtls__{name}`.
fn refused(name: &str, server: ServerCert, eu_lines: fn(&Pki) -> Vec<String>, seen: &str) {
    let pki = Pki::new();
    let env = CliEnv::start_tls(pki.server(ServerCert::Trusted), pki.server(server));
    let eu_lines = eu_lines(&pki);
    let eu_lines: Vec<&str> = eu_lines.iter().map(String::as_str).collect();
    manifest(&env, &[&pki.mtls_auth(ClientCert::Trusted)], &eu_lines);
    let mut messages = Vec::new();
    for args in [&["plan"][..], &["apply", "--auto-approve"][..]] {
        let started = Instant::now();
        let r: Run = env
            .cmd()
            // The real retry backoff (1 s, then doubling): a retried TLS
            // failure would take seconds.
            .env_remove("LINKCTL_RETRY_BACKOFF_MS")
            .args(args)
            .output()
            .expect("run linkctl")
            .into();
        let took = started.elapsed();
        eprintln!("{} {args:?}: exit {} after {took:?}", name, r.code);
        assert_eq!(r.code, 1, "{}: {args:?}: {r:#?}", name);
        assert!(
            took < Duration::from_secs(5),
            "{}: {args:?} took {took:?}",
            name
        );
        assert!(
            r.stderr.contains("europe") && r.stderr.contains(&env.eu.rest_url()),
            "{}: {}",
            name,
            r.stderr
        );
        assert!(
            !r.stdout.contains("+ create"),
            "{}: nothing is planned\n{r:#?}",
            name
        );
        // The line that says why (plan: the cluster could not be read;
        // apply: its apply lock, the first thing it reads, could not be
        // taken; apply adds that nothing was changed).
        messages.push(
            r.stderr
                .lines()
                .find(|l| {
                    l.contains("could not be read") || l.contains("cannot take the apply lock")
                })
                .map(str::to_string),
        );
    }
    let cause = |m: &Option<String>| {
        let m = m.clone().unwrap_or_default();
        let m = m.trim_end_matches("; nothing was changed");
        [
            "`europe` could not be read: ",
            "`europe` (over Confluent REST): ",
            "`europe`: ",
        ]
        .iter()
        .find_map(|p| m.split_once(p).map(|(_, c)| c.to_string()))
        .unwrap_or_default()
    };
    assert!(!cause(&messages[0]).is_empty(), "{}: {messages:?}", name);
    assert_eq!(
        cause(&messages[0]),
        cause(&messages[1]),
        "{}: plan and apply say the same",
        name
    );
    let refusals = env.eu.tls_refusals();
    assert!(
        refusals.iter().all(|r| r == seen),
        "{}: every refused handshake is {seen:?}: {refusals:?}",
        name
    );
    if server == ServerCert::Trusted {
        // The server refuses the client's certificate. Under TLS 1.3 the
        // client learns that only after its own side of the handshake, when
        // the alert arrives; if the connection closes before the request
        // was written, the alert is lost and the error is a closed
        // connection, which is retried once like any other. So one or two
        // handshakes per command, and the message is still the refusal's.
        assert!(
            (2..=4).contains(&refusals.len()),
            "{}: one handshake per command, or two when the alert was lost: {refusals:?}",
            name
        );
    } else {
        // The client refuses the server's certificate during the handshake:
        // never retried.
        assert_eq!(refusals.len(), 2, "{}: one handshake per command", name);
    }
    assert!(env.eu.log().is_empty(), "{}: {:?}", name, env.eu.log());
    assert_eq!(env.writes(), Vec::<String>::new(), "{}", name);
    let text = format!(
        "--- {}\n{}\n",
        name,
        messages[0].clone().unwrap_or_default()
    );
    settings(&env, &pki)
        .bind(|| insta::assert_snapshot!(format!("confluent_mtls__{}", name), text));
}

#[test]
fn without_a_client_certificate_the_server_refuses_and_linkctl_says_what_to_set() {
    let https_ca = |pki: &Pki| vec![pki.https_ca()];
    refused(
        "no_client_certificate",
        ServerCert::Trusted,
        https_ca,
        "peer sent no certificates",
    );
}

#[test]
fn a_client_certificate_of_another_ca_is_refused_and_linkctl_says_what_to_check() {
    let other = |pki: &Pki| vec![pki.mtls_auth(ClientCert::OtherCa)];
    let seen = "invalid peer certificate: UnknownIssuer";
    refused(
        "client_certificate_of_another_ca",
        ServerCert::Trusted,
        other,
        seen,
    );
}

/// `europe`'s `auth` with the trusted client certificate.
fn trusted(pki: &Pki) -> Vec<String> {
    vec![pki.mtls_auth(ClientCert::Trusted)]
}

#[test]
fn a_server_certificate_of_an_unknown_ca_is_refused_before_anything_is_sent() {
    let seen = "received fatal alert: UnknownCA";
    refused(
        "server_certificate_of_an_unknown_ca",
        ServerCert::UnknownCa,
        trusted,
        seen,
    );
}

#[test]
fn a_server_certificate_for_another_host_is_refused_before_anything_is_sent() {
    let seen = "received fatal alert: BadCertificate";
    refused(
        "server_certificate_for_another_host",
        ServerCert::WrongName,
        trusted,
        seen,
    );
}

#[test]
fn unusable_pem_files_are_named_and_never_quoted() {
    let pki = Pki::new();
    let env = both_trusted(&pki);
    let client_pem = std::fs::read_to_string(pki.path("client.pem")).expect("PEM");
    let write = |name: &str, text: &str| std::fs::write(pki.path(name), text).expect("write");
    write("not-pem.pem", "this is not a certificate\n");
    // A certificate cut short: the END line is missing.
    write("cut.pem", &client_pem[..client_pem.len() / 2]);
    let cases = [
        [
            "certificate file missing",
            "missing.pem",
            "client.key",
            "ca.pem",
        ],
        [
            "certificate file not PEM",
            "not-pem.pem",
            "client.key",
            "ca.pem",
        ],
        [
            "certificate file cut short",
            "cut.pem",
            "client.key",
            "ca.pem",
        ],
        ["key file missing", "client.pem", "missing.key", "ca.pem"],
        [
            "key file holds a certificate",
            "client.pem",
            "ca.pem",
            "ca.pem",
        ],
        [
            "key of another certificate",
            "client.pem",
            "other-client.key",
            "ca.pem",
        ],
        [
            "CA file missing",
            "client.pem",
            "client.key",
            "missing-ca.pem",
        ],
        [
            "CA file holds a key",
            "client.pem",
            "client.key",
            "client.key",
        ],
    ];
    // What the PEM files hold, but for their BEGIN/END lines.
    let mut content = Vec::new();
    for file in ["ca.pem", "client.pem", "client.key", "other-client.key"] {
        let text = std::fs::read_to_string(pki.path(file)).expect("PEM");
        content.extend(
            text.lines()
                .filter(|l| !l.starts_with("-----"))
                .map(str::to_string),
        );
    }
    let mut text = String::new();
    for [name, cert, key, ca] in cases {
        manifest(
            &env,
            &[&pki.mtls_auth(ClientCert::Trusted)],
            &[&pki.mtls_auth_files(cert, key, Some(ca))],
        );
        for args in [&["plan"][..], &["apply", "--auto-approve"][..]] {
            let r = env.run(args);
            assert_eq!(r.code, 1, "{name}: {args:?}: {r:#?}");
            assert!(r.stderr.contains("cluster europe"), "{name}: {}", r.stderr);
            for line in &content {
                assert!(
                    !r.stderr.contains(line.as_str()),
                    "{name}: PEM content printed"
                );
            }
            if args[0] == "plan" {
                text.push_str(&format!("--- {name}\n{}", r.stderr));
            }
        }
    }
    assert_eq!(env.eu.tls_refusals(), Vec::<String>::new());
    assert!(env.eu.log().is_empty(), "{:?}", env.eu.log());
    assert_eq!(env.writes(), Vec::<String>::new());
    settings(&env, &pki).bind(|| insta::assert_snapshot!("confluent_mtls__unusable_files", text));
}
