//! A two-cluster environment (us → europe) on Confluent doubles, and helpers
//! to run one action against it.

use std::time::Duration;

use linkctl::backend::{ActionResult, BackendError, Outcome};
use linkctl::manifest::Manifest;
use linkctl::plan::Action;

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

/// Executes one action (its payload computed as a plan would) with a 5 s
/// wait timeout.
pub async fn run(m: &Manifest, a: &Action) -> Result<Outcome, BackendError> {
    let b = super::backend();
    let r = super::exec(&b, m, std::slice::from_ref(a), Duration::from_secs(5)).await;
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
