//! Credential rotation on MirrorMaker 2, for real: the password of the
//! link's principal (`mm2`) changes on the source cluster, the Connect
//! worker is rolled with the new secret in its environment, the manifest's
//! `rotation:` is bumped and linkctl's environment holds the new secret too.
//! `plan` shows the secret re-sent (redacted), `apply` makes the connectors
//! authenticate with the new password, records flow again, and the old
//! password no longer works. Then everything is rotated back, the same way.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::stack::{self, europe, us};
use crate::{cli, kafka};

const TOPIC: &str = "demo";
const JAAS_VAR: &str = "LINKCTL_SECURE_MM2_US_JAAS";

fn script() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/local-kafka.sh")
}

/// Sets `user`'s SCRAM-SHA-512 password on the source cluster, as `admin`.
fn set_password(user: &str, password: &str) -> Result<(), String> {
    let s = stack::get().secure.as_ref().ok_or("not the secure stack")?;
    let out = Command::new(script())
        .args([
            "kafka-class",
            "kafka.admin.ConfigCommand",
            "--bootstrap-server",
            us(),
            "--command-config",
            &s.var("LINKCTL_SECURE_ADMIN_PROPERTIES"),
            "--alter",
            "--add-config",
            &format!("SCRAM-SHA-512=[iterations=4096,password={password}]"),
            "--entity-type",
            "users",
            "--entity-name",
            user,
        ])
        .output()
        .map_err(|e| format!("cannot run ConfigCommand: {e}"))?;
    if !out.status.success() {
        // Never print the command line: it holds the password.
        return Err(format!(
            "changing the password of {user} failed (exit {:?})",
            out.status.code()
        ));
    }
    Ok(())
}

/// Rolls the Connect worker with `jaas` as the source JAAS in its
/// environment (`None`: the stack's own).
fn roll_worker(jaas: Option<&str>) -> Result<(), String> {
    let mut c = Command::new(script());
    c.args(["restart-connect", "--secure"]);
    match jaas {
        Some(j) => c.env(JAAS_VAR, j),
        None => c.env_remove(JAAS_VAR),
    };
    let out = c
        .output()
        .map_err(|e| format!("cannot restart Kafka Connect: {e}"))?;
    if !out.status.success() {
        return Err("scripts/local-kafka.sh restart-connect --secure failed".into());
    }
    Ok(())
}

/// Whether `user` / `password` can authenticate to the source cluster.
fn can_authenticate(user: &str, password: &str) -> Result<bool, String> {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let s = stack::get().secure.as_ref().ok_or("not the secure stack")?;
    let mut c = kafka::cfg(us());
    c.set("sasl.username", user)
        .set("sasl.password", password)
        .set("ssl.ca.location", s.var("LINKCTL_SECURE_CA_PEM"));
    let consumer: BaseConsumer = c.create().map_err(|e| e.to_string())?;
    Ok(consumer
        .fetch_metadata(None, Duration::from_secs(10))
        .is_ok())
}

/// `05-exclude-group.yaml` with `rotation:` set, written next to the others.
fn rotated_manifest(dir: &Path, rotation: &str) -> Result<std::path::PathBuf, String> {
    let text = std::fs::read_to_string(cli::manifest("05-exclude-group.yaml"))
        .map_err(|e| e.to_string())?;
    let text = text.replace(
        "    engine: mirrormaker2\n",
        &format!("    engine: mirrormaker2\n    rotation: \"{rotation}\"\n"),
    );
    let p = dir.join("rotated.yaml");
    std::fs::write(&p, text).map_err(|e| e.to_string())?;
    Ok(p)
}

/// linkctl with `jaas` as the source JAAS of the link in its environment.
fn linkctl_with(jaas: &str, args: &[&str]) -> cli::Run {
    let mut c = cli::command();
    c.env(JAAS_VAR, jaas).args(args);
    let r = cli::run(&mut c, &args.join(" "));
    println!(
        "$ linkctl {}\n[exit {}]\n{}{}",
        args.join(" "),
        r.code,
        r.stdout,
        r.stderr
    );
    r
}

/// Plans (the JAAS re-sent, redacted), applies, checks `plan` is empty.
fn resend(manifest: &Path, jaas: &str) -> Result<(), String> {
    let f = manifest.to_str().unwrap_or_default();
    let plan = linkctl_with(jaas, &["-f", f, "plan", "--detailed-exitcode"]);
    if plan.code != 2 {
        return Err(format!(
            "plan should show the re-sent secret (exit 2), got {}",
            plan.code
        ));
    }
    let line = plan
        .stdout
        .lines()
        .find(|l| l.contains(" sasl.jaas.config "))
        .ok_or_else(|| format!("plan does not re-send sasl.jaas.config:\n{}", plan.stdout))?;
    if !line.contains("(sensitive value)") {
        return Err(format!("the re-sent secret is not redacted: {line}"));
    }
    let apply = linkctl_with(jaas, &["-vvv", "-f", f, "apply", "--auto-approve"]);
    if apply.code != 0 {
        return Err(format!("apply failed:\n{}{}", apply.stdout, apply.stderr));
    }
    let again = linkctl_with(jaas, &["-f", f, "plan", "--detailed-exitcode"]);
    if again.code != 0 {
        return Err(format!("plan after apply is not empty:\n{}", again.stdout));
    }
    Ok(())
}

/// A record produced on us now reaches europe.
fn records_flow(value: &str) -> Result<(), String> {
    kafka::produce_as(us(), TOPIC, &[value.to_string()], kafka::As::App)?;
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    while std::time::Instant::now() < deadline {
        let got = kafka::read_all(europe(), TOPIC, usize::MAX, Duration::from_secs(3))?;
        if got.iter().any(|r| r == value) {
            return Ok(());
        }
    }
    Err(format!("{value} did not reach europe/{TOPIC} within 90 s"))
}

pub async fn mm2_password_on_the_source() -> Result<(), String> {
    let s = stack::get().secure.as_ref().ok_or("not the secure stack")?;
    let old_password = s.var("LINKCTL_SECURE_MM2_PASSWORD");
    let old_jaas = s.var(JAAS_VAR);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let new_password = format!("rotated{nanos:x}");
    stack::add_secret(&new_password);
    let new_jaas = old_jaas.replace(&old_password, &new_password);
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;

    set_password("mm2", &new_password)?;
    if can_authenticate("mm2", &old_password)? {
        return Err("the old password of mm2 still works after the rotation".into());
    }
    if !can_authenticate("mm2", &new_password)? {
        return Err("the new password of mm2 does not work".into());
    }
    println!("mm2's password changed on us: the old one is refused, the new one accepted");
    roll_worker(Some(&new_jaas))?;
    resend(&rotated_manifest(dir.path(), "1")?, &new_jaas)?;
    records_flow("after-rotation")?;
    println!("after the rotation, records flow from us to europe again");

    // Back to the stack's own password, the same way (with the example as it
    // is, without `rotation:`, which the next steps use).
    set_password("mm2", &old_password)?;
    roll_worker(None)?;
    resend(&cli::manifest("05-exclude-group.yaml"), &old_jaas)?;
    records_flow("after-rotating-back")
}
