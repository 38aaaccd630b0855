//! End-to-end on the secure local stack (`scripts/local-kafka.sh up
//! --secure`): SASL_SSL + SCRAM-SHA-512 brokers with ACLs, Kafka Connect over
//! HTTPS with basic auth. linkctl runs as its own principal (`linkctl`), the
//! link's connectors as theirs (`mm2`), the application as its own (`app`),
//! with the secure examples (`examples/mirrormaker2-secure/`): the seed's
//! S1 to S5, a credential rotation, S10 behind a producer fence and S11, the
//! ways security refuses
//! linkctl, and no secret of the stack in any output linkctl printed.
//!
//! Without the secure stack every step FAILS with how to start it: nothing
//! is ever skipped. Shares the seed steps with `tests/e2e/`.

#[path = "../e2e/cli.rs"]
#[allow(dead_code)]
mod cli;
#[path = "../e2e/connect.rs"]
#[allow(dead_code)]
mod connect;
mod fence;
#[path = "../e2e/harness.rs"]
mod harness;
#[path = "../e2e/http_stub.rs"]
mod http_stub;
#[path = "../e2e/kafka.rs"]
#[allow(dead_code)]
mod kafka;
mod refusals;
mod rotation;
#[path = "../e2e/stack.rs"]
#[allow(dead_code)]
mod stack;
#[path = "../e2e/steps.rs"]
#[allow(dead_code)]
mod steps;

use harness::step;

/// The seed steps that run here, then the secure-only ones.
fn all() -> Vec<(&'static str, harness::StepFn)> {
    let seed: Vec<(&'static str, harness::StepFn)> = steps::seed();
    let pick = |name: &str| {
        seed.iter()
            .find(|(n, _)| n.starts_with(name))
            .copied()
            .unwrap_or_else(|| panic!("no seed step {name}"))
    };
    vec![
        pick("s01_"),
        pick("s02_"),
        pick("s03_"),
        pick("s04_"),
        pick("s05_"),
        step!(
            "rotation_mm2_password_on_the_source",
            rotation::mm2_password_on_the_source()
        ),
        step!(
            "s10_promote_behind_a_producer_fence",
            fence::promote_behind_a_fence()
        ),
        step!(
            "s10b_fence_removed_from_the_manifest",
            fence::fence_removed()
        ),
        pick("s11_"),
        step!(
            "refusal_connect_wrong_password",
            refusals::connect_wrong_password()
        ),
        step!(
            "refusal_connect_untrusted_certificate",
            refusals::connect_untrusted_certificate()
        ),
        step!("refusal_connect_forbidden", refusals::connect_forbidden()),
        step!(
            "no_secret_in_any_output",
            refusals::no_secret_in_any_output()
        ),
    ]
}

/// Why the secure stack's credentials could not be read, if they could not.
static SETUP_ERROR: std::sync::OnceLock<String> = std::sync::OnceLock::new();

async fn preflight() -> Result<(), String> {
    if let Some(e) = SETUP_ERROR.get() {
        return Err(e.clone());
    }
    steps::reachable().await?;
    steps::cleanup().await
}

fn main() {
    match stack::secure() {
        Ok(s) => stack::init(s),
        Err(e) => {
            // Every step then fails with this message.
            let _ = SETUP_ERROR.set(e);
            stack::init(stack::plain());
        }
    }
    harness::run(harness::Suite {
        steps: all(),
        preflight: || Box::pin(preflight()),
        cleanup: || Box::pin(steps::cleanup()),
    });
}
