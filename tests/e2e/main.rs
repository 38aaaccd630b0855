//! End-to-end: the seed scenario on real Apache Kafka with MirrorMaker 2.
//!
//! Needs the local clusters of `scripts/local-kafka.sh up` (us on
//! 127.0.0.1:19092, europe on 127.0.0.1:29092, Kafka Connect on
//! 127.0.0.1:28083, with `--connect-workers 3` the workers on 28084 and
//! 28085 too: the distributed steps need them). Without them every step FAILS with a message saying so:
//! nothing here is ever skipped. Steps run in order, because each one starts
//! from the state the previous one left; the suite cleans up before and after,
//! so it can run twice in a row.

mod ci_recipe;
mod cli;
mod connect;
mod cutover;
mod distributed;
// Shared with the benchmarks, which use more of it.
#[path = "../support/connect_proxy.rs"]
#[allow(dead_code)]
mod connect_proxy;
mod faults;
mod harness;
mod kafka;
mod lock;
mod manifests;
mod mm2_safety;
mod records;
mod scale;
// Shared with the secure suite, which uses more of it.
#[allow(dead_code)]
mod stack;
mod steps;

use harness::step;

/// The seed scenario, then the steps that need the plain stack only.
fn all() -> Vec<(&'static str, harness::StepFn)> {
    let mut steps = steps::seed();
    steps.extend([
        step!(
            "scale_200_mirrors_on_one_link",
            scale::two_hundred_mirrors()
        ),
        step!("ci_recipe_github_workflow", ci_recipe::github_workflow()),
    ]);
    steps.extend(cutover::steps());
    steps.extend(mm2_safety::steps());
    steps.extend(lock::steps());
    steps.extend([
        step!(
            "distributed_worker_killed_during_apply_of_20_links",
            distributed::worker_killed_during_apply()
        ),
        step!(
            "distributed_leader_killed_during_promotion",
            distributed::leader_killed_during_promotion()
        ),
        step!(
            "distributed_rolling_restart_during_status_groups",
            distributed::rolling_restart_during_status()
        ),
    ]);
    steps.extend([
        step!(
            "fault_connect_frozen_during_plan_apply_status",
            faults::connect_frozen()
        ),
        step!(
            "fault_sigint_while_apply_waits",
            faults::sigint_while_waiting()
        ),
        step!("fault_connect_killed_mid_apply", faults::connect_killed()),
        step!(
            "fault_destination_broker_killed_during_status",
            faults::destination_broker_killed()
        ),
    ]);
    steps
}

async fn cleanup() -> Result<(), String> {
    scale::cleanup().await?;
    cutover::cleanup().await?;
    mm2_safety::cleanup().await?;
    lock::cleanup().await?;
    distributed::cleanup().await?;
    faults::cleanup().await?;
    steps::cleanup().await
}

async fn preflight() -> Result<(), String> {
    steps::reachable().await?;
    cleanup().await
}

fn main() {
    stack::init(stack::plain());
    harness::run(harness::Suite {
        steps: all(),
        preflight: || Box::pin(preflight()),
        cleanup: || Box::pin(cleanup()),
    });
}
