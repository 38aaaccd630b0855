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

/// Writes the seed's step 2 pointed at the doubles, with `auth` lines after
/// each cluster's `rest:` (none when empty).
fn manifest(env: &CliEnv, us_auth: &str, eu_auth: &str) {
    let path = env.seed_step("02-mirror.yaml");
    let mut text = std::fs::read_to_string(&path).expect("manifest");
    for (rest, auth) in [(env.us.rest_url(), us_auth), (env.eu.rest_url(), eu_auth)] {
        let line = format!("rest: {rest}\n");
        assert!(text.contains(&line), "{text}");
        if !auth.is_empty() {
            text = text.replace(&line, &format!("{line}    {auth}\n"));
        }
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
    let auth = pki.mtls_auth(ClientCert::Trusted);
    manifest(&env, &auth, &auth);

    let plan = env.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{plan:#?}");
    assert!(plan.stdout.contains("+ create link demo-link"), "{plan:#?}");
    assert!(plan.stdout.contains("+ create mirror demo"), "{plan:#?}");

    let apply = env.run(&["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{apply:#?}");
    assert_eq!(env.eu.link_names(), ["demo-link".to_string()].into());
    assert_eq!(
        env.eu.mirror_status("demo-link", "demo").as_deref(),
        Some("ACTIVE")
    );

    let again = env.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{again:#?}");
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

/// One way `europe`'s TLS goes wrong.
struct Case {
    name: &'static str,
    server: ServerCert,
    /// `europe`'s `auth` line ("" for none).
    eu_auth: String,
    /// What the double saw of the one handshake linkctl tried.
    refused: &'static str,
}

/// `plan` and `apply` both stop at the read, exit 1 at the first refused
/// handshake (one handshake per command: a TLS failure is not retried, so
/// this holds with the real retry backoff), and nothing reaches `europe`.
fn refused(pki: &Pki, case: Case) {
    let env = CliEnv::start_tls(pki.server(ServerCert::Trusted), pki.server(case.server));
    manifest(&env, &pki.mtls_auth(ClientCert::Trusted), &case.eu_auth);
    let mut messages = Vec::new();
    for args in [&["plan"][..], &["apply", "--auto-approve"][..]] {
        let started = Instant::now();
        let r: Run = env
            .cmd()
            // The server is trusted through the system's roots where the
            // manifest has no `auth.mtls.ca` (rustls reads SSL_CERT_FILE).
            .env("SSL_CERT_FILE", pki.ca_file())
            // The real retry backoff (1 s, then doubling): a retried TLS
            // failure would take seconds.
            .env_remove("LINKCTL_RETRY_BACKOFF_MS")
            .args(args)
            .output()
            .expect("run linkctl")
            .into();
        let took = started.elapsed();
        eprintln!("{} {args:?}: exit {} after {took:?}", case.name, r.code);
        assert_eq!(r.code, 1, "{}: {args:?}: {r:#?}", case.name);
        assert!(
            took < Duration::from_secs(5),
            "{}: {args:?} took {took:?}",
            case.name
        );
        assert!(
            r.stderr.contains("europe") && r.stderr.contains(&env.eu.rest_url()),
            "{}: {}",
            case.name,
            r.stderr
        );
        assert!(
            !r.stdout.contains("create"),
            "{}: no plan is shown\n{r:#?}",
            case.name
        );
        messages.push(r.stderr);
    }
    assert_eq!(
        messages[0], messages[1],
        "{}: plan and apply say the same",
        case.name
    );
    assert_eq!(
        env.eu.tls_refusals(),
        vec![case.refused.to_string(); 2],
        "{}: one handshake per command",
        case.name
    );
    assert!(env.eu.log().is_empty(), "{}: {:?}", case.name, env.eu.log());
    assert_eq!(env.writes(), Vec::<String>::new(), "{}", case.name);
    let text = format!("--- {}\n{}", case.name, messages[0]);
    settings(&env, pki)
        .bind(|| insta::assert_snapshot!(format!("confluent_mtls__{}", case.name), text));
}

#[test]
fn without_a_client_certificate_the_server_refuses_and_linkctl_says_what_to_set() {
    let pki = Pki::new();
    refused(
        &pki,
        Case {
            name: "no_client_certificate",
            server: ServerCert::Trusted,
            eu_auth: String::new(),
            refused: "peer sent no certificates",
        },
    );
}

#[test]
fn a_client_certificate_of_another_ca_is_refused_and_linkctl_says_what_to_check() {
    let pki = Pki::new();
    refused(
        &pki,
        Case {
            name: "client_certificate_of_another_ca",
            server: ServerCert::Trusted,
            eu_auth: pki.mtls_auth(ClientCert::OtherCa),
            refused: "invalid peer certificate: UnknownIssuer",
        },
    );
}

#[test]
fn a_server_certificate_of_an_unknown_ca_is_refused_before_anything_is_sent() {
    let pki = Pki::new();
    refused(
        &pki,
        Case {
            name: "server_certificate_of_an_unknown_ca",
            server: ServerCert::UnknownCa,
            eu_auth: pki.mtls_auth(ClientCert::Trusted),
            refused: "received fatal alert: UnknownCA",
        },
    );
}

#[test]
fn a_server_certificate_for_another_host_is_refused_before_anything_is_sent() {
    let pki = Pki::new();
    refused(
        &pki,
        Case {
            name: "server_certificate_for_another_host",
            server: ServerCert::WrongName,
            eu_auth: pki.mtls_auth(ClientCert::Trusted),
            refused: "received fatal alert: BadCertificate",
        },
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
        (
            "certificate file missing",
            "missing.pem",
            "client.key",
            "ca.pem",
        ),
        (
            "certificate file not PEM",
            "not-pem.pem",
            "client.key",
            "ca.pem",
        ),
        (
            "certificate file cut short",
            "cut.pem",
            "client.key",
            "ca.pem",
        ),
        ("key file missing", "client.pem", "missing.key", "ca.pem"),
        (
            "key file holds a certificate",
            "client.pem",
            "ca.pem",
            "ca.pem",
        ),
        (
            "key of another certificate",
            "client.pem",
            "other-client.key",
            "ca.pem",
        ),
        (
            "CA file missing",
            "client.pem",
            "client.key",
            "missing-ca.pem",
        ),
        (
            "CA file holds a key",
            "client.pem",
            "client.key",
            "client.key",
        ),
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
    for (name, cert, key, ca) in cases {
        manifest(
            &env,
            &pki.mtls_auth(ClientCert::Trusted),
            &pki.mtls_auth_files(cert, key, ca),
        );
        for args in [&["plan"][..], &["apply", "--auto-approve"][..]] {
            let r = env.run(args);
            assert_eq!(r.code, 1, "{name}: {args:?}: {r:#?}");
            assert!(
                r.stderr.contains("cluster `europe`"),
                "{name}: {}",
                r.stderr
            );
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
