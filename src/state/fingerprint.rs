//! A stable fingerprint of the part of the live state a plan depends on.
//!
//! `sha256:` + hex SHA-256 of the compact JSON of a projection of the live
//! state, restricted to the plan's scope: per cluster its id, and per link in
//! scope its identity (id, side, connection mode, cluster ids), its configs,
//! its secret fingerprints and its mirrors (name, source topic, status). Maps
//! are sorted (BTreeMap), so the JSON is canonical. Volatile observations
//! that never change a plan — link state and errors, tasks, lag, partition
//! counts, topics — are left out, so a saved plan is not stale merely
//! because lag moved.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::model::{ConnectionMode, LinkSide, LiveConfig, LiveState, MirrorStatus};

#[derive(Serialize)]
struct ClusterView<'a> {
    cluster_id: &'a Option<String>,
    links: BTreeMap<&'a str, LinkView<'a>>,
}

#[derive(Serialize)]
struct LinkView<'a> {
    link_id: &'a Option<String>,
    side: LinkSide,
    connection_mode: ConnectionMode,
    source_cluster_id: &'a Option<String>,
    destination_cluster_id: &'a Option<String>,
    remote_cluster_id: &'a Option<String>,
    configs: &'a BTreeMap<String, LiveConfig>,
    secret_fingerprints: &'a BTreeMap<String, String>,
    mirrors: BTreeMap<&'a str, MirrorView<'a>>,
}

#[derive(Serialize)]
struct MirrorView<'a> {
    source_topic: &'a str,
    status: &'a MirrorStatus,
}

struct HashWriter(Sha256);

impl Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Fingerprint of `live` restricted to `links` (empty: every link).
pub fn fingerprint(live: &LiveState, links: &[String]) -> String {
    let in_scope = |name: &str| links.is_empty() || links.iter().any(|l| l == name);
    let view: BTreeMap<&str, ClusterView<'_>> = live
        .clusters
        .iter()
        .map(|(name, c)| {
            let links = c
                .links
                .iter()
                .filter(|(n, _)| in_scope(n))
                .map(|(n, l)| {
                    let mirrors = l
                        .mirrors
                        .iter()
                        .map(|(m, lm)| {
                            (
                                m.as_str(),
                                MirrorView {
                                    source_topic: &lm.source_topic,
                                    status: &lm.status,
                                },
                            )
                        })
                        .collect();
                    (
                        n.as_str(),
                        LinkView {
                            link_id: &l.link_id,
                            side: l.side,
                            connection_mode: l.connection_mode,
                            source_cluster_id: &l.source_cluster_id,
                            destination_cluster_id: &l.destination_cluster_id,
                            remote_cluster_id: &l.remote_cluster_id,
                            configs: &l.configs,
                            secret_fingerprints: &l.secret_fingerprints,
                            mirrors,
                        },
                    )
                })
                .collect();
            (
                name.as_str(),
                ClusterView {
                    cluster_id: &c.cluster_id,
                    links,
                },
            )
        })
        .collect();
    let mut w = HashWriter(Sha256::new());
    // Serialising plain structs and maps of strings into a hasher cannot fail;
    // should it ever, the fingerprint still differs from any real one.
    if serde_json::to_writer(&mut w, &view).is_err() {
        w.0.update(b"\0unserialisable");
    }
    format!("sha256:{}", hex(&w.0.finalize()))
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{ClusterState, LiveLink, LiveMirror, PartitionLag};

    fn state() -> LiveState {
        let mut link = LiveLink {
            link_id: Some("id".into()),
            source_cluster_id: Some("src".into()),
            ..LiveLink::named("l")
        };
        link.mirrors.insert(
            "t".into(),
            LiveMirror {
                name: "t".into(),
                source_topic: "t".into(),
                status: MirrorStatus::Active,
                partitions: 1,
                ..Default::default()
            },
        );
        let mut c = ClusterState::default();
        c.links.insert("l".into(), link.clone());
        let mut other = link;
        other.name = "other".into();
        c.links.insert("other".into(), other);
        let mut s = LiveState::default();
        s.clusters.insert("eu".into(), c);
        s
    }

    #[test]
    fn ignores_lag_but_not_status() {
        let a = state();
        let mut b = a.clone();
        let m = b
            .clusters
            .get_mut("eu")
            .unwrap()
            .links
            .get_mut("l")
            .unwrap();
        m.mirrors.get_mut("t").unwrap().lags.push(PartitionLag {
            partition: 0,
            lag: Some(5),
            last_source_fetch_offset: None,
        });
        m.state = "FAILED".into();
        assert_eq!(fingerprint(&a, &[]), fingerprint(&b, &[]));
        b.clusters
            .get_mut("eu")
            .unwrap()
            .links
            .get_mut("l")
            .unwrap()
            .mirrors
            .get_mut("t")
            .unwrap()
            .status = MirrorStatus::Stopped;
        assert_ne!(fingerprint(&a, &[]), fingerprint(&b, &[]));
        // Out of scope changes do not count.
        assert_eq!(
            fingerprint(&a, &["other".into()]),
            fingerprint(&b, &["other".into()])
        );
    }
}
