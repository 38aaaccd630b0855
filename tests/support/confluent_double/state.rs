//! The double's model of one Confluent Server: links, their configs, mirror
//! topics and the mirror state machine on a poll-driven clock.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

/// Configs every link reports, with their defaults (`None`: unset, shown as null).
pub const DEFAULTS: &[(&str, Option<&str>)] = &[
    ("link.mode", Some("DESTINATION")),
    ("connection.mode", Some("OUTBOUND")),
    ("cluster.link.prefix", None),
    ("consumer.offset.sync.enable", Some("false")),
    ("consumer.offset.sync.ms", Some("30000")),
    ("consumer.offset.group.filters", Some("")),
    ("acl.sync.enable", Some("false")),
    ("acl.sync.ms", Some("5000")),
    ("acl.filters", Some("")),
    ("auto.create.mirror.topics.enable", Some("false")),
    ("auto.create.mirror.topics.filters", Some("")),
    ("topic.config.sync.ms", Some("5000")),
    ("metadata.max.age.ms", Some("300000")),
    ("cluster.link.retry.timeout.ms", Some("300000")),
    ("bootstrap.servers", None),
];

pub const IMMUTABLE: &[&str] = &["link.mode", "connection.mode", "cluster.link.prefix"];
pub const READ_ONLY: &[&str] = &["cluster.link.retry.timeout.ms"];

pub fn is_sensitive(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("jaas")
        || n.contains("password")
        || n.ends_with(".key")
        || n.contains("certificates")
        || n.contains("certificate.chain")
        || n.contains("secret")
}

/// Switchable deviations from the happy path.
#[derive(Debug, Clone, Default)]
pub struct Quirks {
    /// A new link or mirror answers 404 to this many GETs after its create.
    pub not_found_after_create: u32,
    /// The next N requests get a 429 with an HTML body.
    pub rate_limit_next: u32,
    /// Config rows use the older `read_only` / `sensitive` names.
    pub old_config_field_names: bool,
    /// Links are listed without `topic_names`.
    pub omit_topic_names: bool,
    /// `PUT configs:alter` answers 405 (as KCP saw on CP 8.x for the batch call).
    pub batch_alter_405: bool,
    /// Expected `Authorization` header; anything else gets a 401.
    pub require_authorization: Option<String>,
}

/// A scripted failure: requests matching `method` and `path_contains` get
/// `status` while `remaining` > 0; `skip` matching requests pass first. With
/// `after_effect` the request is carried out and the error sent anyway.
#[derive(Debug, Clone)]
pub struct Fault {
    pub method: Option<String>,
    pub path_contains: String,
    pub skip: u32,
    pub remaining: u32,
    pub status: u16,
    pub error_code: i64,
    pub message: String,
    pub after_effect: bool,
}

#[derive(Debug, Clone)]
pub struct DMirror {
    pub name: String,
    pub source: String,
    pub status: String,
    /// (target status, polls left); settles on reads of the mirror.
    pub pending: Option<(String, u32)>,
    /// When the pending transition began (for [`DState::settle_after`]).
    pub pending_since: Option<std::time::Instant>,
    pub partitions: u32,
    pub error: Option<String>,
    pub transition_errors: Vec<(String, String)>,
    pub hidden_gets: u32,
}

/// A link task: (name, state, [(error code, message)]).
pub type DTask = (String, String, Vec<(String, String)>);

#[derive(Debug, Clone)]
pub struct DLink {
    pub name: String,
    pub id: String,
    pub source_cluster_id: Option<String>,
    pub destination_cluster_id: Option<String>,
    pub remote_cluster_id: Option<String>,
    pub configs: BTreeMap<String, String>,
    pub state: String,
    pub mirrors: BTreeMap<String, DMirror>,
    pub hidden_gets: u32,
    /// Shown with `include_tasks=true`.
    pub tasks: Vec<DTask>,
}

/// The tasks a link with these configs reports. ACL sync enabled without
/// filters ends IN_ERROR with MISCONFIGURATION_ERROR (cli#3072).
pub fn tasks_for(configs: &BTreeMap<String, String>) -> Vec<DTask> {
    let on = |k: &str| configs.get(k).is_some_and(|v| v == "true");
    let mut tasks = Vec::new();
    let acl = if !on("acl.sync.enable") {
        ("NOT_CONFIGURED", vec![])
    } else if configs.get("acl.filters").is_none_or(|f| f.is_empty()) {
        (
            "IN_ERROR",
            vec![(
                "MISCONFIGURATION_ERROR".to_string(),
                "ACL sync is enabled but acl.filters is empty.".to_string(),
            )],
        )
    } else {
        ("ACTIVE", vec![])
    };
    tasks.push(("AclSync".to_string(), acl.0.to_string(), acl.1));
    let offsets = if on("consumer.offset.sync.enable") {
        "ACTIVE"
    } else {
        "NOT_CONFIGURED"
    };
    tasks.push((
        "ConsumerOffsetSync".to_string(),
        offsets.to_string(),
        vec![],
    ));
    tasks
}

pub struct DState {
    pub cluster_id: String,
    pub links: BTreeMap<String, DLink>,
    pub quirks: Quirks,
    pub faults: Vec<Fault>,
    /// Polls (reads of a mirror) before a pending transition settles.
    pub settle_polls: u32,
    /// When true, pending transitions never settle by polling (stuck mirrors).
    pub hold: bool,
    /// Mirrors whose next stop transition ends FAILED with this message.
    pub fail_on_settle: BTreeMap<String, String>,
    /// Per-topic errors injected into bulk action responses.
    pub topic_errors: BTreeMap<String, (i64, String)>,
    /// When set, only these source topics exist.
    pub source_topics: Option<BTreeSet<String>>,
    pub source_partitions: u32,
    pub link_counter: u32,
    /// When set, a pending transition settles on the first read this long
    /// after it began (a wall clock), instead of after `settle_polls` reads.
    pub settle_after: Option<std::time::Duration>,
    /// Added to every response (after the state lock is released).
    pub latency: std::time::Duration,
}

impl DState {
    pub fn new(cluster_id: &str) -> Self {
        Self {
            cluster_id: cluster_id.to_string(),
            links: BTreeMap::new(),
            quirks: Quirks::default(),
            faults: Vec::new(),
            settle_polls: 2,
            hold: false,
            fail_on_settle: BTreeMap::new(),
            topic_errors: BTreeMap::new(),
            source_topics: None,
            source_partitions: 1,
            link_counter: 0,
            settle_after: None,
            latency: std::time::Duration::ZERO,
        }
    }

    /// Starts a transition of `m` towards `target` (settled by polls or time).
    pub fn begin(m: &mut DMirror, target: &str, polls: u32) {
        m.pending = Some((target.to_string(), polls));
        m.pending_since = Some(std::time::Instant::now());
    }

    /// One poll of a mirror: advance its pending transition.
    pub fn poll_mirror(
        m: &mut DMirror,
        hold: bool,
        fail: &BTreeMap<String, String>,
        settle_after: Option<std::time::Duration>,
    ) {
        if hold {
            return;
        }
        if let Some((target, left)) = m.pending.take() {
            let due = match (settle_after, m.pending_since) {
                (Some(d), Some(since)) => since.elapsed() >= d,
                _ => left <= 1,
            };
            if due {
                m.pending_since = None;
                Self::settle(m, target, fail);
            } else {
                m.pending = Some((target, left.saturating_sub(1)));
            }
        }
    }

    fn settle(m: &mut DMirror, target: String, fail: &BTreeMap<String, String>) {
        match fail.get(&m.name) {
            Some(msg) => {
                m.status = "FAILED".into();
                m.error = Some("SOURCE_TOPIC_MAY_BE_DELETED".into());
                m.transition_errors
                    .push(("UNKNOWN_TOPIC_OR_PARTITION".into(), msg.clone()));
            }
            None => m.status = target,
        }
    }

    /// Settles every pending transition now (the manual clock tick).
    pub fn tick(&mut self) {
        let fail = self.fail_on_settle.clone();
        for l in self.links.values_mut() {
            for m in l.mirrors.values_mut() {
                if let Some((target, _)) = m.pending.take() {
                    Self::settle(m, target, &fail);
                }
            }
        }
    }

    pub fn link_json_with_tasks(&self, l: &DLink) -> Value {
        let mut v = self.link_json(l);
        if let Some(o) = v.as_object_mut() {
            o.insert(
                "tasks".into(),
                l.tasks
                    .iter()
                    .map(|(n, st, errs)| {
                        json!({"task_name": n, "state": st, "errors": errs.iter().map(|(c, m)| json!({"error_code": c, "error_message": m})).collect::<Vec<_>>()})
                    })
                    .collect(),
            );
        }
        v
    }

    pub fn link_json(&self, l: &DLink) -> Value {
        let mut v = json!({
            "kind": "KafkaLinkData",
            "metadata": {"self": format!("/kafka/v3/clusters/{}/links/{}", self.cluster_id, l.name), "resource_name": null},
            "source_cluster_id": l.source_cluster_id,
            "destination_cluster_id": l.destination_cluster_id,
            "remote_cluster_id": l.remote_cluster_id,
            "link_name": l.name,
            "link_id": format!("uuid-{}", l.id),
            "cluster_link_id": l.id,
            "topic_names": l.mirrors.keys().collect::<Vec<_>>(),
            "link_state": l.state,
            "link_error": "NO_ERROR",
            "link_error_message": null,
        });
        if self.quirks.omit_topic_names {
            if let Some(o) = v.as_object_mut() {
                o.remove("topic_names");
            }
        }
        v
    }

    pub fn config_rows(&self, l: &DLink) -> Vec<Value> {
        let mut names: BTreeSet<String> = DEFAULTS.iter().map(|(k, _)| k.to_string()).collect();
        names.extend(l.configs.keys().cloned());
        names
            .into_iter()
            .map(|name| self.config_row(l, &name))
            .collect()
    }

    pub fn config_row(&self, l: &DLink, name: &str) -> Value {
        let default = DEFAULTS
            .iter()
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| *v);
        let set = l.configs.get(name);
        let sensitive = is_sensitive(name);
        let value = if sensitive {
            None
        } else {
            set.map(String::as_str).or(default)
        };
        let is_default = set.is_none();
        let read_only = READ_ONLY.contains(&name);
        let mut row = json!({
            "kind": "KafkaLinkConfigData",
            "metadata": {"self": "", "resource_name": null},
            "cluster_id": self.cluster_id,
            "link_name": l.name,
            "name": name,
            "value": value,
            "source": if is_default { "DEFAULT_CONFIG" } else { "DYNAMIC_CLUSTER_LINK_CONFIG" },
            "synonyms": [],
        });
        if let Some(o) = row.as_object_mut() {
            if self.quirks.old_config_field_names {
                o.insert("read_only".into(), json!(read_only));
                o.insert("sensitive".into(), json!(sensitive));
            } else {
                o.insert("is_default".into(), json!(is_default));
                o.insert("is_read_only".into(), json!(read_only));
                o.insert("is_sensitive".into(), json!(sensitive));
            }
        }
        row
    }

    pub fn mirror_json(&self, link: &str, m: &DMirror, transition_errors: bool) -> Value {
        let mut v = json!({
            "kind": "KafkaMirrorData",
            "metadata": {"self": "", "resource_name": null},
            "link_name": link,
            "mirror_topic_name": m.name,
            "source_topic_name": m.source,
            "num_partitions": m.partitions,
            "mirror_lags": (0..m.partitions).map(|p| json!({"partition": p, "lag": 0, "last_source_fetch_offset": -1})).collect::<Vec<_>>(),
            "mirror_status": m.status,
            "mirror_topic_error": m.error.clone().unwrap_or_else(|| "NO_ERROR".into()),
            "state_time_ms": 1_700_000_000_000i64,
        });
        if transition_errors {
            if let Some(o) = v.as_object_mut() {
                o.insert(
                    "mirror_state_transition_errors".into(),
                    m.transition_errors
                        .iter()
                        .map(|(c, msg)| json!({"error_code": c, "error_message": msg}))
                        .collect(),
                );
            }
        }
        v
    }
}
