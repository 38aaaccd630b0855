//! The link objects a manifest link asks for, and the config each one carries.
//!
//! - destination-initiated: one object on the destination (`DESTINATION`,
//!   `OUTBOUND`) with the whole config map (bootstrap = the source's);
//! - source-initiated: a `DESTINATION`/`INBOUND` object on the destination
//!   holding the behaviour configs (offset sync, filters, prefix, …) and no
//!   connection settings, then a `SOURCE`/`OUTBOUND` object on the source
//!   holding the connection settings (`bootstrap.servers` = the destination's,
//!   `security.protocol`, `sasl.*`, `ssl.*`, `local.*`, `client.dns.lookup`);
//! - bidirectional: one `BIDIRECTIONAL` object per cluster, each with the
//!   whole config map and the other cluster's bootstrap.
//!
//! `config: { bootstrap.servers: … }` says how the link reaches the *source*
//! (e.g. another listener); objects that connect to the destination always
//! use the destination cluster's `bootstrap`.
//!
//! Mirrors always live on the destination cluster's object. This is the one
//! function that computes the desired objects: the planner diffs them, and
//! the engines' payload builders turn them into requests.

use std::collections::BTreeMap;

use crate::manifest::link_configs::{desired_link_configs, DesiredConfig, BOOTSTRAP_SERVERS};
use crate::manifest::{Cluster, Link, LinkMode, Manifest};
use crate::state::{ConnectionMode, LinkSide};

use super::action::ObjectSide;

/// One link object the manifest asks for.
#[derive(Debug, Clone)]
pub struct ExpectedObject {
    /// Manifest name of the cluster that owns the object.
    pub cluster: String,
    /// Manifest name of the other cluster.
    pub remote: String,
    pub side: ObjectSide,
    /// The `link.mode` it must have.
    pub live_side: LinkSide,
    /// The `connection.mode` it must have (`None`: either).
    pub connection_mode: Option<ConnectionMode>,
    /// Configs to send.
    pub configs: BTreeMap<String, DesiredConfig>,
    /// True when the object carries behaviour configs (offset sync, filters…).
    pub behaviour: bool,
    /// True when mirrors are created on this object.
    pub owns_mirrors: bool,
}

/// True for configs that describe how to reach and authenticate to a cluster.
pub fn is_connection_key(key: &str) -> bool {
    key == BOOTSTRAP_SERVERS
        || key == "security.protocol"
        || key == "client.dns.lookup"
        || key.starts_with("sasl.")
        || key.starts_with("ssl.")
        || key.starts_with("local.")
}

fn cluster<'m>(manifest: &'m Manifest, name: &str) -> Result<&'m Cluster, String> {
    manifest
        .cluster(name)
        .ok_or_else(|| format!("cluster `{name}` is not declared under `clusters`"))
}

/// The configs of an object on the source cluster that connects to the
/// destination `dst`: its bootstrap is the destination's, whatever `config:`
/// says about reaching the source.
fn towards(link: &Link, dst: &Cluster) -> BTreeMap<String, DesiredConfig> {
    let mut configs = desired_link_configs(link, dst);
    configs.insert(
        BOOTSTRAP_SERVERS.to_string(),
        DesiredConfig {
            value: dst.bootstrap.value.clone(),
            sensitive: false,
        },
    );
    configs
}

/// The objects of `link`, in creation order (destination side first).
pub fn expected_objects(link: &Link, manifest: &Manifest) -> Result<Vec<ExpectedObject>, String> {
    let src_name = link.source.value.clone();
    let dst_name = link.destination.value.clone();
    let src = cluster(manifest, &src_name)?;
    let dst = cluster(manifest, &dst_name)?;
    // The object on the destination: it pulls from the source and owns the mirrors.
    let dest = |live_side, connection_mode, configs| ExpectedObject {
        cluster: dst_name.clone(),
        remote: src_name.clone(),
        side: ObjectSide::Destination,
        live_side,
        connection_mode,
        configs,
        behaviour: true,
        owns_mirrors: true,
    };
    // The object on the source, connecting to the destination.
    let source = |live_side, connection_mode, configs, behaviour| ExpectedObject {
        cluster: src_name.clone(),
        remote: dst_name.clone(),
        side: ObjectSide::Source,
        live_side,
        connection_mode,
        configs,
        behaviour,
        owns_mirrors: false,
    };
    let objects = match link.mode.value {
        LinkMode::DestinationInitiated => vec![dest(
            LinkSide::Destination,
            Some(ConnectionMode::Outbound),
            desired_link_configs(link, src),
        )],
        LinkMode::SourceInitiated => {
            let mut behaviour = desired_link_configs(link, src);
            behaviour.retain(|k, _| !is_connection_key(k));
            let mut connection = towards(link, dst);
            connection.retain(|k, _| is_connection_key(k));
            vec![
                dest(
                    LinkSide::Destination,
                    Some(ConnectionMode::Inbound),
                    behaviour,
                ),
                source(
                    LinkSide::Source,
                    Some(ConnectionMode::Outbound),
                    connection,
                    false,
                ),
            ]
        }
        LinkMode::Bidirectional => vec![
            dest(
                LinkSide::Bidirectional,
                None,
                desired_link_configs(link, src),
            ),
            source(LinkSide::Bidirectional, None, towards(link, dst), true),
        ],
    };
    Ok(objects)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::load::{parse, SourceFile};

    fn manifest(mode: &str) -> Manifest {
        let y = format!(
            "version: 1\nclusters:\n  us: {{bootstrap: us:9092, rest: http://us}}\n  eu: {{bootstrap: eu:9092, rest: http://eu}}\nlinks:\n  l:\n    source: us\n    destination: eu\n    mode: {mode}\n    config:\n      bootstrap.servers: us-internal:9092\n"
        );
        parse(&SourceFile::new("t.yaml", y), |_| None)
            .expect("parses")
            .manifest
    }

    fn bootstrap(o: &ExpectedObject) -> Option<&str> {
        o.configs.get(BOOTSTRAP_SERVERS).map(|d| d.value.expose())
    }

    #[test]
    fn config_bootstrap_says_how_to_reach_the_source_only() {
        let m = manifest("destination-initiated");
        let o = expected_objects(m.link("l").unwrap(), &m).unwrap();
        assert_eq!(bootstrap(&o[0]), Some("us-internal:9092"));

        let m = manifest("source-initiated");
        let o = expected_objects(m.link("l").unwrap(), &m).unwrap();
        assert_eq!(
            bootstrap(&o[0]),
            None,
            "the inbound side holds no connection"
        );
        assert_eq!(o[1].side, ObjectSide::Source);
        assert_eq!(bootstrap(&o[1]), Some("eu:9092"));

        let m = manifest("bidirectional");
        let o = expected_objects(m.link("l").unwrap(), &m).unwrap();
        assert_eq!(bootstrap(&o[0]), Some("us-internal:9092"));
        assert_eq!(bootstrap(&o[1]), Some("eu:9092"));
    }
}
