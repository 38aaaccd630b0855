//! Which link object a manifest link needs on which cluster, and with which
//! configs (reference §5.4):
//!
//! | manifest mode | side | cluster | link.mode / connection.mode | id field | configs |
//! |---|---|---|---|---|---|
//! | destination-initiated | destination | destination | DESTINATION / OUTBOUND | source_cluster_id | all |
//! | source-initiated | destination | destination | DESTINATION / INBOUND | source_cluster_id | all but connection and credentials |
//! | source-initiated | source | source | SOURCE / OUTBOUND | destination_cluster_id | bootstrap = destination, connection and credential keys |
//! | bidirectional | destination | destination | BIDIRECTIONAL / OUTBOUND | remote_cluster_id | all |
//! | bidirectional | source | source | BIDIRECTIONAL / OUTBOUND | remote_cluster_id | all, bootstrap = destination |

use std::collections::BTreeMap;

use super::errors::ConfluentError;
use crate::manifest::link_configs::{
    desired_link_configs, DesiredConfig, BOOTSTRAP_SERVERS, CONNECTION_MODE, LINK_MODE,
};
use crate::manifest::{Cluster, Link, LinkMode, Manifest, Text};
use crate::plan::ObjectSide;

/// Which `*_cluster_id` field of the create body names the other cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdField {
    Source,
    Destination,
    Remote,
}

/// One link object to create or update.
#[derive(Debug, Clone)]
pub struct LinkObject {
    /// Manifest name of the cluster that owns the object.
    pub cluster: String,
    /// Manifest name of the other cluster.
    pub remote_cluster: String,
    pub id_field: IdField,
    /// Every config of the object, `link.mode` and `connection.mode` included.
    pub configs: BTreeMap<String, DesiredConfig>,
}

/// Connection and credential keys (which the inbound side never holds).
pub fn is_connection_key(key: &str) -> bool {
    key == BOOTSTRAP_SERVERS
        || key == "security.protocol"
        || key.starts_with("sasl.")
        || key.starts_with("ssl.")
        || key.starts_with("local.")
        || key == "client.dns.lookup"
}

fn find<'m>(manifest: &'m Manifest, link: &str) -> Result<&'m Link, ConfluentError> {
    manifest
        .link(link)
        .ok_or_else(|| ConfluentError::Manifest(format!("link {link} is not in the manifest")))
}

fn cluster<'m>(manifest: &'m Manifest, name: &str) -> Result<&'m Cluster, ConfluentError> {
    manifest
        .cluster(name)
        .ok_or_else(|| ConfluentError::Manifest(format!("unknown cluster {name}")))
}

fn plain(v: &str) -> DesiredConfig {
    DesiredConfig {
        value: Text::plain(v),
        sensitive: false,
    }
}

/// The link object `side` of manifest link `link`.
pub fn link_object(
    manifest: &Manifest,
    link: &str,
    side: ObjectSide,
) -> Result<LinkObject, ConfluentError> {
    let l = find(manifest, link)?;
    let src_name = l.source.value.clone();
    let dst_name = l.destination.value.clone();
    let src = cluster(manifest, &src_name)?;
    let dst = cluster(manifest, &dst_name)?;
    let mut configs = desired_link_configs(l, src);
    let dest_bootstrap = DesiredConfig {
        value: dst.bootstrap.value.clone(),
        sensitive: false,
    };
    let (owner, remote, id_field, link_mode, conn) = match (l.mode.value, side) {
        (LinkMode::DestinationInitiated, ObjectSide::Destination) => (
            dst_name,
            src_name,
            IdField::Source,
            "DESTINATION",
            "OUTBOUND",
        ),
        (LinkMode::DestinationInitiated, ObjectSide::Source) => {
            return Err(ConfluentError::Manifest(format!(
                "link {link} is destination-initiated: it has no object on the source cluster"
            )))
        }
        (LinkMode::SourceInitiated, ObjectSide::Destination) => {
            configs.retain(|k, _| !is_connection_key(k));
            (
                dst_name,
                src_name,
                IdField::Source,
                "DESTINATION",
                "INBOUND",
            )
        }
        (LinkMode::SourceInitiated, ObjectSide::Source) => {
            configs.retain(|k, _| is_connection_key(k) && k != BOOTSTRAP_SERVERS);
            configs.insert(BOOTSTRAP_SERVERS.to_string(), dest_bootstrap);
            (
                src_name,
                dst_name,
                IdField::Destination,
                "SOURCE",
                "OUTBOUND",
            )
        }
        (LinkMode::Bidirectional, ObjectSide::Destination) => (
            dst_name,
            src_name,
            IdField::Remote,
            "BIDIRECTIONAL",
            "OUTBOUND",
        ),
        (LinkMode::Bidirectional, ObjectSide::Source) => {
            configs.insert(BOOTSTRAP_SERVERS.to_string(), dest_bootstrap);
            (
                src_name,
                dst_name,
                IdField::Remote,
                "BIDIRECTIONAL",
                "OUTBOUND",
            )
        }
    };
    configs.insert(LINK_MODE.to_string(), plain(link_mode));
    configs.insert(CONNECTION_MODE.to_string(), plain(conn));
    Ok(LinkObject {
        cluster: owner,
        remote_cluster: remote,
        id_field,
        configs,
    })
}
