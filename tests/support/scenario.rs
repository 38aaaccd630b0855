//! A two-cluster environment (us → europe) on Confluent doubles, and helpers
//! to run one action against it.

use std::time::Duration;

use linkctl::backend::{ActionResult, BackendError, Outcome};
use linkctl::manifest::Manifest;
use linkctl::plan::{Action, ActionKind};

use super::confluent_double::Double;

pub const SECRET: &str = "S3NT1NEL-jaas-secret";

pub struct Env {
    pub us: Double,
    pub eu: Double,
    pub m: Manifest,
}

/// The seed manifest with `extra_config` lines added to the link's `config:`;
/// `${env:JAAS}` resolves to [`SECRET`].
pub async fn env(extra_config: &str) -> Env {
    let us = Double::start("us-cluster").await;
    let eu = Double::start("eu-cluster").await;
    let yaml = super::seed_yaml(&us.rest_url(), &eu.rest_url(), "").replace(
        "      metadata.max.age.ms: 5000\n",
        &format!("      metadata.max.age.ms: 5000\n{extra_config}"),
    );
    let m = super::manifest(&yaml, &[("JAAS", SECRET)]);
    Env { us, eu, m }
}

/// [`env`] without extra config, `demo-link` seeded on europe with these
/// mirrors in `status`.
pub async fn env_with_link(mirrors: &[&str], status: &str) -> Env {
    let e = env("").await;
    e.eu.seed_link("demo-link", "us-cluster", &[]);
    e.eu.seed_mirrors("demo-link", mirrors.iter().map(|m| m.to_string()), status);
    e
}

impl Env {
    /// Runs `kind` on europe's `demo-link` (see [`eu_action`]) with [`run`].
    pub async fn run_eu(
        &self,
        kind: ActionKind,
        mirror: Option<&str>,
    ) -> Result<Outcome, BackendError> {
        run(&self.m, &eu_action(kind, mirror)).await
    }
}

/// `kind` on europe's `demo-link`, on its mirror `mirror` when given.
pub fn eu_action(kind: ActionKind, mirror: Option<&str>) -> Action {
    super::action(kind, "europe", "demo-link", mirror)
}

/// Executes one action (its payload computed as a plan would) with a 5 s
/// wait timeout.
pub async fn run(m: &Manifest, a: &Action) -> Result<Outcome, BackendError> {
    run_waiting(m, a, Duration::from_secs(5)).await
}

/// [`run`] with another wait timeout.
pub async fn run_waiting(
    m: &Manifest,
    a: &Action,
    wait_timeout: Duration,
) -> Result<Outcome, BackendError> {
    let b = super::backend();
    let r = super::exec(&b, m, std::slice::from_ref(a), wait_timeout).await;
    match r.into_iter().next() {
        Some(ActionResult::Done(o)) => Ok(o),
        Some(ActionResult::Failed(e)) => Err(e),
        other => Err(BackendError::new(
            "-",
            format!("unexpected result {other:?}"),
        )),
    }
}

pub fn snapshot_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s
}
