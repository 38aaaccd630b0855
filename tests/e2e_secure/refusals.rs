//! How the secure stack refuses linkctl, and what the user then reads: Kafka
//! Connect refusing the credentials (401) or forbidding an operation (403),
//! Kafka Connect's certificate not trusted; each named by cluster and
//! endpoint, in bounded time. And the last check of the suite: no secret of
//! the stack in anything linkctl printed during it.

use std::time::{Duration, Instant};

use crate::{cli, http_stub, stack};

/// Runs `plan` on `manifest` text (written to a temp file) with `env`
/// overrides; prints what the user sees and how long it took.
fn plan(text: &str, env: &[(&str, &str)]) -> Result<(cli::Run, Duration), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let f = dir.path().join("linkctl.yaml");
    std::fs::write(&f, text).map_err(|e| e.to_string())?;
    let mut c = cli::command();
    c.args(["-f", f.to_str().unwrap_or_default(), "plan"]);
    for (k, v) in env {
        c.env(k, v);
    }
    let t = Instant::now();
    let r = cli::run(&mut c, "plan");
    let took = t.elapsed();
    println!(
        "$ linkctl plan\n[exit {} after {:.1} s]\n{}{}",
        r.code,
        took.as_secs_f64(),
        r.stdout,
        r.stderr
    );
    Ok((r, took))
}

fn seed_link() -> Result<String, String> {
    std::fs::read_to_string(cli::manifest("01-link.yaml")).map_err(|e| e.to_string())
}

fn expect(r: &cli::Run, took: Duration, wants: &[&str]) -> Result<(), String> {
    if r.code != 1 {
        return Err(format!(
            "plan should fail (exit 1), got {}:\n{}",
            r.code, r.stderr
        ));
    }
    if took > Duration::from_secs(15) {
        return Err(format!("the refusal took {took:?}"));
    }
    for w in wants {
        if !r.stderr.contains(w) {
            return Err(format!("the message should say `{w}`:\n{}", r.stderr));
        }
    }
    Ok(())
}

pub async fn connect_wrong_password() -> Result<(), String> {
    let (r, took) = plan(
        &seed_link()?,
        &[("LINKCTL_SECURE_CONNECT_REST_PASSWORD", "not-the-password")],
    )?;
    expect(
        &r,
        took,
        &[
            "Kafka Connect https://127.0.0.1:28443",
            "refused the credentials",
            "HTTP 401",
            "`auth` of cluster `europe`",
        ],
    )
}

pub async fn connect_untrusted_certificate() -> Result<(), String> {
    let text = seed_link()?;
    // Without `https_ca`: only the system roots, which do not know the stack's CA.
    let without: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("https_ca:"))
        .map(|l| format!("{l}\n"))
        .collect();
    let (r, took) = plan(&without, &[])?;
    expect(
        &r,
        took,
        &[
            "Kafka Connect https://127.0.0.1:28443",
            "certificate",
            "https_ca",
        ],
    )?;
    // With another CA than the one that signed the worker's certificate.
    let other = stack::get()
        .secure
        .as_ref()
        .map(|s| s.var("LINKCTL_SECURE_OTHER_CA_PEM"))
        .unwrap_or_default();
    let other_ca = text.replace(
        "https_ca: ${env:LINKCTL_SECURE_CA_PEM}",
        &format!("https_ca: {other}"),
    );
    if other_ca == text {
        return Err("01-link.yaml has no `https_ca: ${env:LINKCTL_SECURE_CA_PEM}` line".into());
    }
    let (r, took) = plan(&other_ca, &[])?;
    expect(&r, took, &["certificate", "https_ca"])
}

/// A Kafka Connect that accepts the credentials and forbids the operation
/// (403), as a worker behind an authorizing proxy or with a REST extension
/// that checks roles does: the local worker's basic-auth extension has no
/// roles, so a stub in this process answers for it.
pub async fn connect_forbidden() -> Result<(), String> {
    let stub = forbidding_stub()?;
    let text = seed_link()?.replace("https://127.0.0.1:28443", &stub);
    if !text.contains(&stub) {
        return Err("01-link.yaml does not name https://127.0.0.1:28443".into());
    }
    let (r, took) = plan(&text, &[])?;
    expect(
        &r,
        took,
        &[
            &format!("Kafka Connect {stub}"),
            "forbids",
            "HTTP 403",
            "`auth` on cluster `europe`",
        ],
    )
}

/// A Kafka Connect answering every request with 403; its URL.
fn forbidding_stub() -> Result<String, String> {
    http_stub::start(|_| {
        (
            "403 Forbidden",
            r#"{"error_code":403,"message":"User linkctl may not list connectors"}"#,
        )
    })
}

pub async fn no_secret_in_any_output() -> Result<(), String> {
    let checked = stack::CHECKED.load(std::sync::atomic::Ordering::SeqCst);
    let leaks = stack::LEAKS.lock().map(|l| l.clone()).unwrap_or_default();
    println!("{checked} linkctl runs checked for the stack's passwords and JAAS lines");
    if checked < 20 {
        return Err(format!("only {checked} linkctl runs were checked"));
    }
    if !leaks.is_empty() {
        return Err(format!(
            "secrets in linkctl's output:\n{}",
            leaks.join("\n")
        ));
    }
    Ok(())
}
