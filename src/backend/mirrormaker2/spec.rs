//! Building a [`LinkSpec`] from the manifest (the desired connector
//! configs), at plan time. Pure.

use super::mapping::LinkSpec;
use crate::manifest::{Manifest, Text};
use crate::plan::desired::expected_objects;
use crate::plan::payload::{SecretSource, WireValue};
use crate::plan::ObjectSide;

/// The value sent to Kafka Connect: a `${env:…}` value in its raw form, for
/// the Connect worker's `EnvVarConfigProvider` to resolve; a sensitive value
/// written in clear as a secret reference (resolved when sent, never in a
/// plan); others as they are.
fn wire_value(t: &Text, sensitive: bool, source: impl FnOnce() -> SecretSource) -> WireValue {
    if t.is_secret() {
        WireValue::Plain(t.raw().to_string())
    } else {
        WireValue::of(t, sensitive, source)
    }
}

/// The desired spec of manifest link `link_name`.
pub fn link_spec(manifest: &Manifest, link_name: &str) -> Result<LinkSpec, String> {
    let link = manifest
        .link(link_name)
        .ok_or_else(|| format!("link `{link_name}` is not in the manifest"))?;
    let cluster = |n: &str| {
        manifest
            .cluster(n)
            .ok_or_else(|| format!("cluster `{n}` is not declared under `clusters`"))
    };
    // The source must be declared (its name is the source alias).
    cluster(&link.source.value)?;
    let target = cluster(&link.destination.value)?;
    // A MirrorMaker 2 link is one destination-initiated object.
    let object = expected_objects(link, manifest)?
        .into_iter()
        .find(|o| o.side == ObjectSide::Destination)
        .ok_or_else(|| format!("link `{link_name}` has no destination object"))?;
    let rotation = link.rotation.as_ref().map(|r| r.value.as_str());
    let fingerprints = object
        .configs
        .iter()
        .filter(|(_, d)| d.sensitive || d.value.is_secret())
        .map(|(k, d)| {
            (
                k.clone(),
                crate::plan::secrets::fingerprint(link_name, k, rotation, d.value.expose()),
            )
        })
        .collect();
    let canonical = object
        .configs
        .iter()
        .map(|(k, d)| {
            let v = wire_value(&d.value, d.sensitive, || SecretSource::LinkConfig {
                link: link_name.to_string(),
                side: ObjectSide::Destination,
                key: k.clone(),
            });
            (k.clone(), v)
        })
        .collect();
    Ok(LinkSpec {
        link: link_name.to_string(),
        source_alias: link.source.value.clone(),
        target_alias: link.destination.value.clone(),
        // A bootstrap is never a sensitive key: plain, or raw `${env:…}`.
        target_bootstrap: WireValue::Plain(if target.bootstrap.value.is_secret() {
            target.bootstrap.value.raw().to_string()
        } else {
            target.bootstrap.value.expose().to_string()
        }),
        canonical,
        fingerprints,
    })
}
