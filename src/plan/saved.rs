//! Saved plans (`linkctl plan -o FILE`): the plan plus fingerprints of the
//! manifest and of the live state it was computed against, when it was made
//! and the clusters it was made against (what `linkctl show` tells). Before applying a
//! saved plan, [`SavedPlan::check_fresh`] compares them with the current
//! manifest and live state; any difference is a [`StalePlan`] error.
//!
//! The manifest fingerprint covers the manifest as written (secrets in their
//! `${env:…}` form) plus the fingerprint of every sensitive value of the
//! links in scope, so a changed secret also makes the plan stale. Pure: file
//! I/O and the clock are the caller's; the plan inside stays deterministic.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::manifest::link_configs::desired_link_configs;
use crate::manifest::Manifest;
use crate::state::fingerprint::{fingerprint as live_fingerprint, hex};
use crate::state::LiveState;

use super::model::{Plan, PlanOptions};
use super::secrets::fingerprint as secret_fingerprint;

/// Version of the saved-plan file format (2: `created_at` and `clusters`;
/// 3: `manifest_files` and `live`).
pub const SAVED_PLAN_FORMAT_VERSION: u32 = 3;

/// What `plan -o` writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub saved_plan_version: u32,
    /// When the plan was made (RFC 3339, UTC).
    pub created_at: String,
    /// The manifest's clusters, as the plan saw them.
    pub clusters: BTreeMap<String, PlannedCluster>,
    /// The manifest and its secrets ([`manifest_fingerprint`]): `apply`
    /// refuses the plan when it differs.
    pub manifest_fingerprint: String,
    /// The manifest as written, without secrets ([`written_fingerprint`]).
    pub written_fingerprint: String,
    pub live_fingerprint: String,
    /// The manifest files (`-f`) the plan was made from, as given: `apply`
    /// and `show` read them when no `-f` is given.
    #[serde(default)]
    pub manifest_files: Vec<String>,
    /// The live state the plan was made against, without secret values
    /// ([`LiveState::without_secrets`]) or topics: what `show` checks each
    /// payload against ([`super::saved_check`]).
    pub live: LiveState,
    /// `--link` scope of the plan (empty: every link).
    pub links: Vec<String>,
    pub prune_links: bool,
    pub force_delete_links: bool,
    pub plan: Plan,
}

/// One cluster a saved plan was made against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedCluster {
    /// The id the cluster reported (absent when the engines read none, e.g.
    /// a cluster only reached through Kafka Connect).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<String>,
    /// `bootstrap` as written in the manifest (`${env:…}` stays a reference).
    pub bootstrap: String,
}

/// Whether a saved plan's manifest fingerprint matches a manifest on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestCheck {
    /// The manifest (named) is the one the plan was made from.
    Matches(String),
    /// The manifest (named) is as written when the plan was made; its
    /// secrets were not compared (these `${env:…}` variables are not set).
    MatchesAsWritten(String, Vec<String>),
    /// The manifest (named) changed since: `apply` would refuse the plan.
    Changed(String),
    /// The manifest (named) matches, but the payloads of the file are not
    /// what the planner computes from it (what differs): the file was
    /// edited, and `apply` would refuse it.
    PayloadsDiffer(String, String),
    /// Not compared, and why (no manifest here, invalid, unset `${env:…}`).
    NotChecked(String),
}

/// A saved plan that must not be applied any more.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StalePlan {
    #[error("the live state changed since this plan was made (planned against {saved}, now {current}); run `linkctl plan` again")]
    LiveStateChanged { saved: String, current: String },
    #[error("the manifest changed since this plan was made; run `linkctl plan` again")]
    ManifestChanged,
    #[error("it is not the plan linkctl makes from its live state and the manifest ({0}): it may have been edited after it was made; run `linkctl plan -o FILE` again")]
    Edited(String),
}

/// A saved-plan file that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    #[error("not a linkctl saved plan: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("not a linkctl saved plan: it has no `saved_plan_version` (write one with `linkctl plan -o FILE`)")]
    NoVersion,
    #[error("saved plan format version {found} is not supported: this linkctl reads version {SAVED_PLAN_FORMAT_VERSION}{}", version_hint(*found))]
    Version { found: u32 },
}

fn version_hint(found: u32) -> &'static str {
    if found < SAVED_PLAN_FORMAT_VERSION {
        "; the file was written by an older linkctl: run `linkctl plan -o FILE` again"
    } else {
        "; the file was written by a newer linkctl: use that version"
    }
}

/// The manifest as written (`${env:…}` references, never their values),
/// without timeouts: they say how long to wait, not what to do, and may
/// differ (or come from `--timeout`) between planning and applying.
fn written(manifest: &Manifest) -> Vec<u8> {
    let mut what = manifest.clone();
    for c in what.clusters.values_mut() {
        c.timeouts = None;
    }
    serde_json::to_vec(&what).unwrap_or_default()
}

/// Fingerprint of the manifest as written, secrets left out: what `show`
/// can compare where the `${env:…}` variables are not set.
pub fn written_fingerprint(manifest: &Manifest) -> String {
    format!("sha256:{}", hex(&Sha256::digest(written(manifest))))
}

/// Fingerprint of the manifest for the links in `opts`' scope.
pub fn manifest_fingerprint(manifest: &Manifest, opts: &PlanOptions) -> String {
    let mut h = Sha256::new();
    h.update(written(manifest));
    for (name, link) in &manifest.links {
        if !opts.in_scope(&name.value) {
            continue;
        }
        if let Some(cluster) = manifest.cluster(&link.source.value) {
            let rotation = link.rotation.as_ref().map(|r| r.value.as_str());
            for (key, d) in desired_link_configs(link, cluster) {
                if d.sensitive || d.value.is_secret() {
                    h.update(
                        secret_fingerprint(&name.value, &key, rotation, d.value.expose())
                            .as_bytes(),
                    );
                }
            }
        }
    }
    format!("sha256:{}", hex(&h.finalize()))
}

/// What a saved plan records of the live state: no secret, no topic.
fn recorded(live: &LiveState) -> LiveState {
    let mut out = live.without_secrets();
    for c in out.clusters.values_mut() {
        c.topics.clear();
    }
    out
}

impl SavedPlan {
    /// `plan`, made at `created_at` from `manifest` against `live`.
    pub fn new(
        plan: Plan,
        manifest: &Manifest,
        opts: &PlanOptions,
        live: &LiveState,
        created_at: &str,
    ) -> Self {
        let clusters = manifest
            .clusters
            .iter()
            .map(|(name, c)| {
                let planned = PlannedCluster {
                    cluster_id: live
                        .clusters
                        .get(name.value.as_str())
                        .and_then(|s| s.cluster_id.clone()),
                    bootstrap: c.bootstrap.value.raw().to_string(),
                };
                (name.value.clone(), planned)
            })
            .collect();
        Self {
            saved_plan_version: SAVED_PLAN_FORMAT_VERSION,
            created_at: created_at.to_string(),
            clusters,
            manifest_fingerprint: manifest_fingerprint(manifest, opts),
            written_fingerprint: written_fingerprint(manifest),
            live_fingerprint: plan.live_fingerprint.clone(),
            manifest_files: Vec::new(),
            live: recorded(live),
            links: opts.links.clone(),
            prune_links: opts.prune_links,
            force_delete_links: opts.force_delete_links,
            plan,
        }
    }

    /// The same plan, recording the manifest files it was made from.
    pub fn made_from(mut self, files: Vec<String>) -> Self {
        self.manifest_files = files;
        self
    }

    /// The options the plan was made with.
    pub fn options(&self) -> PlanOptions {
        PlanOptions {
            links: self.links.clone(),
            prune_links: self.prune_links,
            force_delete_links: self.force_delete_links,
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    pub fn from_json(text: &str) -> Result<Self, SavedPlanError> {
        let probe: serde_json::Value = serde_json::from_str(text)?;
        let found = probe
            .get("saved_plan_version")
            .and_then(serde_json::Value::as_u64)
            .ok_or(SavedPlanError::NoVersion)?;
        if found != u64::from(SAVED_PLAN_FORMAT_VERSION) {
            return Err(SavedPlanError::Version {
                found: u32::try_from(found).unwrap_or(u32::MAX),
            });
        }
        Ok(serde_json::from_value(probe)?)
    }

    /// Compares the plan's manifest fingerprint with `manifest` (named
    /// `name`). `unset` names the `${env:…}` variables that were not set
    /// where `manifest` was read (their values read as empty): then only
    /// the manifest as written can be compared.
    pub fn check_manifest(
        &self,
        manifest: &Manifest,
        name: &str,
        unset: &[String],
    ) -> ManifestCheck {
        let same = if unset.is_empty() {
            manifest_fingerprint(manifest, &self.options()) == self.manifest_fingerprint
        } else {
            written_fingerprint(manifest) == self.written_fingerprint
        };
        match (same, unset.is_empty()) {
            (true, true) => ManifestCheck::Matches(name.to_string()),
            (true, false) => ManifestCheck::MatchesAsWritten(name.to_string(), unset.to_vec()),
            (false, _) => ManifestCheck::Changed(name.to_string()),
        }
    }

    /// Refuses a plan whose manifest or live state has moved since.
    pub fn check_fresh(&self, manifest: &Manifest, live: &LiveState) -> Result<(), StalePlan> {
        if manifest_fingerprint(manifest, &self.options()) != self.manifest_fingerprint {
            return Err(StalePlan::ManifestChanged);
        }
        let current = live_fingerprint(live, &self.links);
        if current != self.live_fingerprint {
            return Err(StalePlan::LiveStateChanged {
                saved: self.live_fingerprint.clone(),
                current,
            });
        }
        Ok(())
    }
}
