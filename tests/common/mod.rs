//! Test support for the planner: manifests from YAML, live-state builders,
//! and a pure simulator that applies a plan's actions to a live state the
//! way a well-behaved engine would (like Confluent: keys with a sensitive
//! name are write-only and come back as `null`; every other key comes back
//! in clear, even when the manifest took its value from `${env:…}`).
#![allow(dead_code)]

use std::collections::BTreeMap;

use linkctl::manifest::load::{parse, SourceFile};
use linkctl::manifest::sensitive::is_sensitive_key;
use linkctl::manifest::Manifest;
use linkctl::plan::desired::expected_objects;
use linkctl::plan::secrets::fingerprint;
use linkctl::plan::{Action, ActionKind, ChangeOp, Plan};
use linkctl::state::{
    ClusterState, ConnectionMode, LinkSide, LiveConfig, LiveLink, LiveMirror, LiveState,
    MirrorStatus,
};

/// Parses a manifest; `${env:NAME}` resolves to `secret-of-NAME`.
pub fn manifest(yaml: &str) -> Manifest {
    let src = SourceFile::new("linkctl.yaml", yaml);
    let parsed = parse(&src, |n| Some(format!("secret-of-{n}"))).expect("manifest parses");
    assert!(parsed.interpolation.is_empty());
    parsed.manifest
}

/// Live state with the given clusters (name, id) and no links.
pub fn empty_live(clusters: &[(&str, &str)]) -> LiveState {
    let mut s = LiveState::default();
    for (name, id) in clusters {
        s.clusters.insert(
            name.to_string(),
            ClusterState {
                cluster_id: Some(id.to_string()),
                ..ClusterState::default()
            },
        );
    }
    s
}

/// The seed's two clusters as a manifest's `clusters:` (ids pinned).
pub const CLUSTERS: &str = r#"version: 1
clusters:
  us:
    bootstrap: localhost:19092
    rest: http://localhost:18090/kafka
    cluster_id: us-id
  europe:
    bootstrap: localhost:29092
    rest: http://localhost:28090/kafka
    cluster_id: eu-id
"#;

/// The seed's two clusters.
pub fn seed_live() -> LiveState {
    empty_live(&[("us", "us-id"), ("europe", "eu-id")])
}

fn config(v: &str, is_default: bool, source: &str) -> LiveConfig {
    LiveConfig {
        value: Some(v.to_string()),
        is_default: Some(is_default),
        is_read_only: false,
        is_sensitive: false,
        source: Some(source.to_string()),
    }
}

/// A value set on the link.
pub fn dynamic(v: &str) -> LiveConfig {
    config(v, false, "DYNAMIC_CLUSTER_LINK_CONFIG")
}

/// A default the server reports.
pub fn default_config(v: &str) -> LiveConfig {
    config(v, true, "DEFAULT_CONFIG")
}

/// A bare link object.
pub fn live_link(name: &str, side: LinkSide, conn: ConnectionMode, remote_id: &str) -> LiveLink {
    LiveLink {
        name: name.to_string(),
        engine: linkctl::manifest::EngineName::Confluent,
        link_id: Some(format!("id-{name}")),
        side,
        connection_mode: conn,
        source_cluster_id: (side == LinkSide::Destination).then(|| remote_id.to_string()),
        destination_cluster_id: (side == LinkSide::Source).then(|| remote_id.to_string()),
        remote_cluster_id: (side == LinkSide::Bidirectional).then(|| remote_id.to_string()),
        remote_alias: None,
        state: "ACTIVE".to_string(),
        error: None,
        error_message: None,
        tasks: vec![],
        configs: server_defaults(),
        secret_fingerprints: BTreeMap::new(),
        mirrors: BTreeMap::new(),
    }
}

/// Configs every link reports although nobody set them.
fn server_defaults() -> BTreeMap<String, LiveConfig> {
    let mut m = BTreeMap::new();
    m.insert(
        "cluster.link.retry.timeout.ms".to_string(),
        default_config("300000"),
    );
    m.insert("metadata.max.age.ms".to_string(), default_config("300000"));
    m.insert(
        "consumer.offset.sync.ms".to_string(),
        default_config("30000"),
    );
    m.insert(
        "consumer.offset.group.filters".to_string(),
        default_config(""),
    );
    m
}

pub fn mirror(name: &str, source: &str, status: MirrorStatus) -> LiveMirror {
    LiveMirror {
        name: name.to_string(),
        source_topic: source.to_string(),
        status,
        partitions: 1,
        ..Default::default()
    }
}

pub fn link_mut<'a>(live: &'a mut LiveState, cluster: &str, link: &str) -> &'a mut LiveLink {
    live.clusters
        .get_mut(cluster)
        .and_then(|c| c.links.get_mut(link))
        .expect("link exists")
}

/// Applies `plan`'s actions to `live`, in plan order, as an engine would.
/// Panics on an action an engine would reject (a wrong transition, an
/// unknown object, a dependency listed after its dependent).
pub fn apply(manifest: &Manifest, live: &LiveState, plan: &Plan) -> LiveState {
    let mut s = live.clone();
    let mut done: Vec<&str> = Vec::new();
    for a in &plan.actions {
        for d in &a.depends_on {
            assert!(
                done.contains(&d.as_str()),
                "{} runs before its dependency {d}",
                a.id
            );
        }
        apply_one(manifest, &mut s, a);
        done.push(&a.id);
    }
    s
}

fn manifest_link<'m>(m: &'m Manifest, name: &str) -> Option<&'m linkctl::manifest::Link> {
    m.links
        .iter()
        .find(|(k, _)| k.value == name)
        .map(|(_, l)| l)
}

/// The manifest link of `a` and its object on `a`'s cluster.
fn object_of<'m>(
    m: &'m Manifest,
    a: &Action,
) -> (
    &'m linkctl::manifest::Link,
    linkctl::plan::desired::ExpectedObject,
) {
    let link = manifest_link(m, &a.link).expect("declared link");
    let o = expected_objects(link, m)
        .expect("valid")
        .into_iter()
        .find(|o| o.cluster == a.cluster)
        .expect("object");
    (link, o)
}

fn apply_one(m: &Manifest, s: &mut LiveState, a: &Action) {
    let cluster = s.clusters.entry(a.cluster.clone()).or_default();
    match a.kind {
        ActionKind::CreateLink => {
            assert!(
                !cluster.links.contains_key(&a.link),
                "{}: link exists",
                a.id
            );
            let (link, o) = object_of(m, a);
            let remote_id = m
                .clusters
                .iter()
                .find(|(k, _)| k.value == o.remote)
                .and_then(|(_, c)| c.cluster_id.as_ref().map(|i| i.value.clone()))
                .unwrap_or_else(|| format!("{}-id", o.remote));
            let mut l = live_link(
                &a.link,
                o.live_side,
                o.connection_mode.unwrap_or(ConnectionMode::Outbound),
                &remote_id,
            );
            l.engine = a.engine;
            let rotation = link.rotation.as_ref().map(|r| r.value.as_str());
            for (k, d) in &o.configs {
                if is_sensitive_key(k) {
                    l.configs.insert(k.clone(), sensitive_set());
                    l.secret_fingerprints.insert(
                        k.clone(),
                        fingerprint(&a.link, k, rotation, d.value.expose()),
                    );
                } else {
                    l.configs.insert(k.clone(), dynamic(d.value.expose()));
                }
            }
            let cluster = s.clusters.entry(a.cluster.clone()).or_default();
            cluster.links.insert(a.link.clone(), l);
        }
        ActionKind::UpdateLinkConfigs => {
            let (link, o) = object_of(m, a);
            let rotation = link.rotation.as_ref().map(|r| r.value.as_str());
            let l = cluster.links.get_mut(&a.link).expect("link to update");
            for c in &a.changes {
                match c.op {
                    ChangeOp::Set => {
                        let d = o.configs.get(&c.key).expect("set key is declared");
                        if is_sensitive_key(&c.key) {
                            l.configs.insert(c.key.clone(), sensitive_set());
                            l.secret_fingerprints.insert(
                                c.key.clone(),
                                fingerprint(&a.link, &c.key, rotation, d.value.expose()),
                            );
                        } else {
                            l.configs.insert(c.key.clone(), dynamic(d.value.expose()));
                        }
                    }
                    ChangeOp::Reset => {
                        l.configs.insert(
                            c.key.clone(),
                            LiveConfig {
                                value: None,
                                is_default: Some(true),
                                is_read_only: false,
                                is_sensitive: false,
                                source: Some("DEFAULT_CONFIG".to_string()),
                            },
                        );
                        l.secret_fingerprints.remove(&c.key);
                    }
                }
            }
        }
        ActionKind::DeleteLink => {
            let l = cluster.links.remove(&a.link).expect("link to delete");
            for mm in l.mirrors.values() {
                assert!(
                    mm.status.is_stopped(),
                    "{}: deletes a link with live mirror {}",
                    a.id,
                    mm.name
                );
            }
        }
        ActionKind::CreateMirror => {
            let l = cluster.links.get_mut(&a.link).expect("link of the mirror");
            let name = a.mirror.clone().expect("mirror name");
            assert!(!l.mirrors.contains_key(&name), "{}: mirror exists", a.id);
            let src = a.source_topic.clone().expect("source topic");
            l.mirrors
                .insert(name.clone(), mirror(&name, &src, MirrorStatus::Active));
        }
        kind => {
            let l = cluster.links.get_mut(&a.link).expect("link of the mirror");
            let name = a.mirror.clone().expect("mirror name");
            let status = l.mirrors.get(&name).map(|mm| mm.status.clone());
            let status = status.unwrap_or_else(|| panic!("{}: no such mirror", a.id));
            use MirrorStatus as S;
            let next = match (kind, &status) {
                (ActionKind::PauseMirror, S::Active) => Some(S::Paused),
                (ActionKind::ResumeMirror, S::Paused) => Some(S::Active),
                (ActionKind::PromoteMirror | ActionKind::FailoverMirror, S::Active | S::Paused) => {
                    Some(S::Stopped)
                }
                (ActionKind::DeleteMirrorTopic, _) => None,
                _ => panic!("{}: {kind:?} is not allowed on a {status:?} mirror", a.id),
            };
            match next {
                Some(n) => l.mirrors.get_mut(&name).expect("mirror").status = n,
                None => {
                    l.mirrors.remove(&name);
                }
            }
        }
    }
}

fn sensitive_set() -> LiveConfig {
    LiveConfig {
        value: None,
        is_default: Some(false),
        is_read_only: false,
        is_sensitive: true,
        source: Some("DYNAMIC_CLUSTER_LINK_CONFIG".to_string()),
    }
}
