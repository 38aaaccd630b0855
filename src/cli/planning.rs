//! What `plan` and `apply` share: plan options from the manifest and flags,
//! and the live state (read from the clusters, or from a snapshot file).

use std::path::Path;

use super::live::Backends;
use crate::backend::Scope;
use crate::manifest::Manifest;
use crate::plan::PlanOptions;
use crate::state::{file as state_file, LiveState};

/// Plan options: the `--link` scope and the manifest's `prune_links` and
/// `force_delete_links`.
pub fn plan_options(manifest: &Manifest, links: &[String]) -> PlanOptions {
    PlanOptions {
        links: links.to_vec(),
        prune_links: manifest.prune_links,
        force_delete_links: manifest.force_delete_links,
    }
}

/// Live state from `snapshot` when given, else read from every cluster.
pub async fn live_state(
    backends: &Backends,
    manifest: &Manifest,
    opts: &PlanOptions,
    snapshot: Option<&Path>,
) -> Result<LiveState, String> {
    match snapshot {
        Some(path) => state_file::load(path).map_err(|e| e.to_string()),
        None => backends
            .read_links(
                manifest,
                &Scope {
                    links: opts.links.clone(),
                },
            )
            .await
            .map_err(|e| format!("cannot read live state: {e}")),
    }
}
