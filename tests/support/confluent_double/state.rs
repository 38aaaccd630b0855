//! The double's model of one Confluent Server: links, their configs, mirror
//! topics and the mirror state machine on a poll-driven clock.

use std::collections::{BTreeMap, BTreeSet};

pub use super::quirks::Quirks;

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

/// Whether `name` is a config a link knows: a default of [`DEFAULTS`] or a
/// client setting (for `refuse_unknown_link_configs`).
pub fn is_known_link_config(name: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "sasl.",
        "ssl.",
        "security.",
        "local.",
        "client.",
        "acl.",
        "consumer.",
        "auto.create.",
        "topic.config.",
        "mirror.",
        "cluster.link.",
        "remote.link.",
        "replica.",
        "request.",
        "retry.",
        "connections.",
        "num.cluster.link.",
    ];
    DEFAULTS.iter().any(|(k, _)| *k == name) || PREFIXES.iter().any(|p| name.starts_with(p))
}

pub fn is_sensitive(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("jaas")
        || n.contains("password")
        || n.ends_with(".key")
        || n.contains("certificates")
        || n.contains("certificate.chain")
        || n.contains("secret")
}

/// A scripted failure: requests matching `method` and `path_contains` (a
/// trailing `$` anchors it at the end of the path) get
/// `status` while `remaining` > 0; `skip` matching requests pass first. With
/// `after_effect` the request is carried out and the error sent anyway; with
/// `empty_body` the answer is `status` with no body at all.
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
    pub empty_body: bool,
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
    /// How many records of the source each partition lacks
    /// (`mirror_lags[].lag`), and how many it catches up per read of the
    /// mirror; `source_end` is each partition's source end offset (0: the
    /// source is empty and `last_source_fetch_offset` is `-1`).
    pub lag: i64,
    pub catch_up_per_read: i64,
    pub source_end: i64,
    /// Records the source takes per read (a producer that keeps writing).
    pub writes_per_read: i64,
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
    /// `link_state`; empty: the field is left out of answers.
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
    /// `GET topics` and `GET topics/-/configs` are served (else 403): the
    /// cluster's topics are `topics` and the mirror topics.
    pub lists_topics: bool,
    /// Topics of this cluster besides its mirror topics (name → partitions).
    pub topics: BTreeMap<String, u32>,
    /// Non-default configs per topic (`GET topics/-/configs`).
    pub topic_configs: BTreeMap<String, BTreeMap<String, String>>,
    pub source_partitions: u32,
    pub link_counter: u32,
    /// When set, a pending transition settles on the first read this long
    /// after it began (a wall clock), instead of after `settle_polls` reads.
    pub settle_after: Option<std::time::Duration>,
    /// Added to every response (after the state lock is released).
    pub latency: std::time::Duration,
    /// `http://127.0.0.1:port/kafka/v3`, for absolute URLs in answers.
    pub base_url: String,
    /// Issued page tokens: token → (path, offset of the page).
    pub pages: BTreeMap<String, (String, usize)>,
    pub page_counter: u32,
    /// Per link: the configs from before its last write and how many reads
    /// still see them (`stale_reads_after_write`).
    pub stale_configs: BTreeMap<String, (BTreeMap<String, String>, u32)>,
    /// Bodies recorded from a real server, by path (`/clusters/{id}/…`):
    /// the answer to a GET of that path, verbatim (see [`super::recorded`]).
    pub recorded: BTreeMap<String, serde_json::Value>,
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
            lists_topics: false,
            topics: BTreeMap::new(),
            topic_configs: BTreeMap::new(),
            source_partitions: 1,
            link_counter: 0,
            settle_after: None,
            latency: std::time::Duration::ZERO,
            base_url: String::new(),
            pages: BTreeMap::new(),
            page_counter: 0,
            stale_configs: BTreeMap::new(),
            recorded: BTreeMap::new(),
        }
    }

    /// Starts a transition of `m` towards `target` (settled by polls or time).
    pub fn begin(m: &mut DMirror, target: &str, polls: u32) {
        m.pending = Some((target.to_string(), polls));
        m.pending_since = Some(std::time::Instant::now());
    }

    /// One poll of a mirror: advance its pending transition, its source
    /// and its catching up.
    pub fn poll_mirror(
        m: &mut DMirror,
        hold: bool,
        fail: &BTreeMap<String, String>,
        settle_after: Option<std::time::Duration>,
    ) {
        if hold {
            return;
        }
        if m.status == "ACTIVE" {
            m.source_end += m.writes_per_read;
            m.lag = (m.lag + m.writes_per_read - m.catch_up_per_read).max(0);
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

    /// Every topic of the cluster with its partition count: the explicit
    /// ones and the mirror topics.
    pub fn all_topics(&self) -> BTreeMap<String, u32> {
        let mut out = self.topics.clone();
        for l in self.links.values() {
            for m in l.mirrors.values() {
                out.insert(m.name.clone(), m.partitions);
            }
        }
        out
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
}

/// The apply lock's topics (`__linkctl-lock`, `__linkctl-lock.*`).
pub fn is_lock_topic(name: &str) -> bool {
    name == "__linkctl-lock" || name.starts_with("__linkctl-lock.")
}
