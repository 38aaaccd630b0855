//! Which cluster of the manifest a live link object names as its other
//! side, by what its engine records. Pure.
//!
//! In order: the cluster id the object names (Confluent's
//! `source_cluster_id` / `destination_cluster_id` / `remote_cluster_id`),
//! matched against the ids read from the clusters and those the manifest
//! pins; the manifest cluster name the engine recorded (MirrorMaker 2's
//! `source.cluster.alias`); then the object's `bootstrap.servers` (every
//! engine reports it) matched against the clusters' `bootstrap` as a set of
//! host:port pairs. A server that leaves the optional cluster ids out (they
//! are not required by the spec) is therefore still placed.

use std::collections::{BTreeMap, BTreeSet};

use crate::backend::kafka::reachable::addresses;
use crate::manifest::link_configs::BOOTSTRAP_SERVERS;
use crate::manifest::Manifest;
use crate::state::{LiveLink, LiveState};

/// The manifest's clusters, by every name an engine may use for them.
pub struct ClusterIndex<'a> {
    manifest: &'a Manifest,
    by_id: BTreeMap<String, String>,
}

/// `host:port` pairs of a bootstrap list, without `SCHEME://` prefixes.
fn endpoints(bootstrap: &str) -> BTreeSet<String> {
    addresses(bootstrap)
        .into_iter()
        .map(|a| a.to_ascii_lowercase())
        .collect()
}

impl<'a> ClusterIndex<'a> {
    pub fn new(manifest: &'a Manifest, live: &LiveState) -> Self {
        let mut by_id = BTreeMap::new();
        for (name, c) in &manifest.clusters {
            if let Some(id) = &c.cluster_id {
                by_id.insert(id.value.clone(), name.value.clone());
            }
        }
        for (name, c) in &live.clusters {
            if let Some(id) = &c.cluster_id {
                by_id.entry(id.clone()).or_insert_with(|| name.to_string());
            }
        }
        Self { manifest, by_id }
    }

    /// The cluster `l` names as its other side; `id` is the cluster id field
    /// of its side, if the server gave one.
    pub fn remote(&self, l: &LiveLink, id: Option<&str>) -> Result<String, String> {
        let id = id.or(l.remote_cluster_id.as_deref());
        if let Some(c) = id.and_then(|id| self.by_id.get(id)) {
            return Ok(c.clone());
        }
        if let Some(alias) = &l.remote_alias {
            if self.manifest.cluster(alias).is_some() {
                return Ok(alias.clone());
            }
        }
        let bootstrap = l
            .configs
            .get(BOOTSTRAP_SERVERS)
            .and_then(|c| c.value.as_deref())
            .map(endpoints)
            .filter(|e| !e.is_empty());
        if let Some(wanted) = &bootstrap {
            let matching: Vec<&str> = self
                .manifest
                .clusters
                .iter()
                .filter(|(_, c)| &endpoints(c.bootstrap.value.expose()) == wanted)
                .map(|(n, _)| n.value.as_str())
                .collect();
            match matching.as_slice() {
                [one] => return Ok(one.to_string()),
                [] => {}
                many => {
                    return Err(format!(
                        "its bootstrap servers are those of several clusters ({})",
                        many.join(", ")
                    ))
                }
            }
        }
        Err(match (id, bootstrap) {
            (Some(id), _) => format!(
                "its remote cluster `{id}` is not a cluster of the manifest (no cluster has that id, pinned or read, nor its bootstrap servers)"
            ),
            (None, Some(_)) => {
                "its bootstrap servers are not those of a cluster of the manifest, and it names no cluster id".to_string()
            }
            (None, None) => {
                "it names no remote cluster (no cluster id, no alias, no bootstrap servers)"
                    .to_string()
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::LiveConfig;

    fn manifest() -> Manifest {
        let y = "version: 1\nclusters:\n  us: {bootstrap: 'SASL_SSL://A:1, b:2', cluster_id: lkc-us}\n  europe: {bootstrap: e:1, rest: http://e}\nlinks: {}\n";
        crate::manifest::load::parse(&crate::manifest::SourceFile::new("m", y), |_| None)
            .expect("parses")
            .manifest
    }

    fn link(bootstrap: Option<&str>) -> LiveLink {
        let mut configs = BTreeMap::new();
        if let Some(b) = bootstrap {
            configs.insert(
                BOOTSTRAP_SERVERS.to_string(),
                LiveConfig::plain(Some(b), None),
            );
        }
        let mut l: LiveLink = serde_json::from_value(serde_json::json!({
            "name": "l", "side": "DESTINATION", "connection_mode": "OUTBOUND", "state": "ACTIVE"
        }))
        .expect("link");
        l.configs = configs;
        l
    }

    #[test]
    fn by_pinned_id_alias_or_bootstrap() {
        let m = manifest();
        let idx = ClusterIndex::new(&m, &LiveState::default());
        assert_eq!(idx.remote(&link(None), Some("lkc-us")).as_deref(), Ok("us"));
        let mut aliased = link(None);
        aliased.remote_alias = Some("us".into());
        assert_eq!(idx.remote(&aliased, None).as_deref(), Ok("us"));
        assert_eq!(
            idx.remote(&link(Some("b:2,a:1")), None).as_deref(),
            Ok("us")
        );
        let e = idx.remote(&link(Some("x:1")), None).unwrap_err();
        assert!(e.contains("not those of a cluster"), "{e}");
        let e = idx.remote(&link(None), Some("other")).unwrap_err();
        assert!(
            e.contains("`other` is not a cluster of the manifest"),
            "{e}"
        );
        assert!(idx
            .remote(&link(None), None)
            .unwrap_err()
            .contains("names no remote cluster"));
    }
}
