//! The cut-over behind a producer fence (issue 15), on the secure stack
//! (brokers with an authorizer): `fence: true` on the promoted mirror adds a
//! DENY Write ACL for every principal on us/demo before the promotion checks
//! that the source is quiet; the application can no longer write the old
//! topic; the fence shows in `plan`, `status` and `export`; removing it from
//! the manifest removes the ACL.

use crate::cli;
use std::time::Duration;

use crate::kafka::{self, As};
use crate::stack::get;

const TOPIC: &str = "demo";

/// Produces one record as `who` and waits for the broker's answer: `Err`
/// with the broker's refusal (e.g. an authorization error) when it refuses.
async fn produce_acked(bootstrap: &str, topic: &str, value: &str, who: As) -> Result<(), String> {
    use rdkafka::producer::{FutureProducer, FutureRecord};
    let p: FutureProducer = kafka::cfg_as(bootstrap, who)
        .set("linger.ms", "0")
        .set("message.timeout.ms", "10000")
        .create()
        .map_err(|e| e.to_string())?;
    p.send(
        FutureRecord::<(), str>::to(topic)
            .payload(value)
            .partition(0),
        Duration::from_secs(10),
    )
    .await
    .map(|_| ())
    .map_err(|(e, _)| e.to_string())
}

fn run(step: &str, args: &[&str]) -> cli::Run {
    let f = cli::manifest(step);
    let mut a = vec!["-f", f.to_str().unwrap_or_default()];
    a.extend_from_slice(args);
    let r = cli::linkctl(&a);
    println!(
        "$ linkctl -f {step} {}   (exit {})\n{}{}",
        args.join(" "),
        r.code,
        r.stdout,
        r.stderr
    );
    r
}

/// S10 behind a fence: the fence, then the promotion, in one apply.
pub async fn promote_behind_a_fence() -> Result<(), String> {
    let us = get().us.clone();
    let europe = get().europe.clone();
    // The application writes us/demo before the fence (the positive control).
    produce_acked(&us, TOPIC, "app-before-the-fence", As::App).await?;
    let plan = run("10-promote-fenced.yaml", &["plan"]);
    if plan.code != 0 || !plan.stdout.contains("+ fence source topic demo") {
        return Err("the plan does not show the fence".into());
    }
    let fence_line = plan
        .stdout
        .find("fence source topic demo")
        .unwrap_or(usize::MAX);
    let promote_line = plan.stdout.find("promote mirror demo").unwrap_or(0);
    if fence_line > promote_line {
        return Err("the plan does not fence before it promotes".into());
    }
    let r = run("10-promote-fenced.yaml", &["apply", "--auto-approve"]);
    if r.code != 0 {
        return Err(format!("the fenced promotion exited {}", r.code));
    }
    match produce_acked(&us, TOPIC, "app-after-the-fence", As::App).await {
        Err(e) if e.to_lowercase().contains("authoriz") => {
            println!("the application's producer is refused: {e}");
        }
        other => {
            return Err(format!(
                "the application could still write us/demo: {other:?}"
            ))
        }
    }
    cli::plan_is_empty("10-promote-fenced.yaml")?;
    let status = cli::status_json("10-promote-fenced.yaml", false)?;
    let m = &status["links"][0]["mirrors"][0];
    if m["status"] != "STOPPED" || m["source_fenced"] != true {
        return Err(format!(
            "status does not show demo stopped behind a fence: {m}"
        ));
    }
    cli::status_text("10-promote-fenced.yaml", false)?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let out = dir.path().join("exported.yaml");
    let r = run(
        "10-promote-fenced.yaml",
        &["export", "-o", out.to_str().unwrap_or_default()],
    );
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    if r.code != 0 || !text.contains("fence: true") {
        return Err(format!("the export does not keep the fence:\n{text}"));
    }
    // The destination is writable, as after any promotion.
    kafka::produce(&europe, TOPIC, &["written-on-europe".to_string()])?;
    Ok(())
}

/// The fence removed from the manifest: the ACL goes, the application
/// writes us/demo again.
pub async fn fence_removed() -> Result<(), String> {
    let us = get().us.clone();
    let plan = run("10-promote.yaml", &["plan"]);
    if plan.code != 0 || !plan.stdout.contains("- unfence source topic demo") {
        return Err("the plan does not remove the fence".into());
    }
    cli::apply("10-promote.yaml")?;
    produce_acked(&us, TOPIC, "app-after-the-unfence", As::App).await?;
    cli::plan_is_empty("10-promote.yaml")
}
