//! Building a [`LinkSpec`] from the manifest (the desired connector configs).

use std::collections::BTreeMap;

use super::mapping::LinkSpec;
use crate::backend::BackendError;
use crate::manifest::link_configs::desired_link_configs;
use crate::manifest::{Cluster, Link, Manifest};

/// Finds a cluster of the manifest by name.
pub fn cluster<'m>(manifest: &'m Manifest, name: &str) -> Result<&'m Cluster, BackendError> {
    manifest
        .cluster(name)
        .ok_or_else(|| BackendError::new(name, "cluster is not declared in the manifest"))
}

/// Finds a link of the manifest by name.
pub fn link<'m>(manifest: &'m Manifest, name: &str) -> Option<&'m Link> {
    manifest.link(name)
}

/// Fingerprint of a sensitive value as stored in the connector annotations
/// (the planner's scheme, `plan::secrets`: the secret itself never leaves).
pub fn fingerprint(manifest: &Manifest, link_name: &str, key: &str, value: &str) -> String {
    let rotation =
        link(manifest, link_name).and_then(|l| l.rotation.as_ref().map(|r| r.value.as_str()));
    crate::plan::secrets::fingerprint(link_name, key, rotation, value)
}

fn client_props(c: &Cluster) -> BTreeMap<String, String> {
    c.kafka
        .iter()
        .map(|(k, v)| (k.value.clone(), v.value.text().expose().to_string()))
        .collect()
}

/// The desired spec of `link_name`, with the given mirror topic lists.
pub fn link_spec(
    manifest: &Manifest,
    link_name: &str,
    topics: Vec<String>,
    stopped: Vec<String>,
) -> Result<LinkSpec, BackendError> {
    let link = link(manifest, link_name).ok_or_else(|| {
        BackendError::new("-", format!("link {link_name} is not in the manifest"))
    })?;
    let source = cluster(manifest, &link.source.value)?;
    let target = cluster(manifest, &link.destination.value)?;
    let desired = desired_link_configs(link, source);
    let sensitive = desired
        .iter()
        .filter(|(_, d)| d.sensitive)
        .map(|(k, _)| k.clone())
        .collect();
    Ok(LinkSpec {
        link: link_name.to_string(),
        source_alias: link.source.value.clone(),
        target_alias: link.destination.value.clone(),
        target_bootstrap: target.bootstrap.value.expose().to_string(),
        source_client: client_props(source),
        target_client: client_props(target),
        canonical: desired
            .into_iter()
            .map(|(k, d)| (k, d.value.expose().to_string()))
            .collect(),
        sensitive,
        topics,
        stopped,
    })
}
