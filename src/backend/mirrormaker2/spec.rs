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

/// The value sent to Kafka Connect: a `${env:…}` value in its raw form, for
/// the Connect worker's `EnvVarConfigProvider` to resolve; others as they are.
fn wire_value(t: &crate::manifest::Text) -> String {
    if t.is_secret() {
        t.raw().to_string()
    } else {
        t.expose().to_string()
    }
}

fn client_props(c: &Cluster) -> BTreeMap<String, String> {
    c.kafka
        .iter()
        .map(|(k, v)| (k.value.clone(), wire_value(v.value.text())))
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
    let fingerprints = desired
        .iter()
        .filter(|(_, d)| d.sensitive || d.value.is_secret())
        .map(|(k, d)| {
            (
                k.clone(),
                fingerprint(manifest, link_name, k, d.value.expose()),
            )
        })
        .collect();
    Ok(LinkSpec {
        link: link_name.to_string(),
        source_alias: link.source.value.clone(),
        target_alias: link.destination.value.clone(),
        target_bootstrap: wire_value(&target.bootstrap.value),
        source_client: client_props(source),
        target_client: client_props(target),
        canonical: desired
            .into_iter()
            .map(|(k, d)| (k, wire_value(&d.value)))
            .collect(),
        fingerprints,
        topics,
        stopped,
    })
}
