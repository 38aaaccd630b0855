//! The manifest's data model: what a user writes in `linkctl.yaml`.
//!
//! Every field that a diagnostic may need to point at is a [`Located`] value.
//! Unknown keys are rejected everywhere (`deny_unknown_fields`).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::located::Located;
use super::text::{ConfigValue, Text};

/// The current manifest format version.
pub const MANIFEST_VERSION: u32 = 1;

/// A linkctl manifest: clusters and the replication links between them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "linkctl manifest")]
pub struct Manifest {
    /// Manifest format version. Must be 1.
    pub version: Located<u32>,
    /// The Kafka clusters involved, by name. In a manifest split across
    /// files, each cluster is declared in one of them and usable from all.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub clusters: BTreeMap<Located<String>, Cluster>,
    /// Replication links, by name. The name is the link name on the engine.
    #[serde(default)]
    pub links: BTreeMap<Located<String>, Link>,
    /// Delete links that are not declared here. When true, every link found on
    /// a declared cluster (its Confluent REST endpoint, or the MirrorMaker 2
    /// connectors of its Kafka Connect cluster) whose name is not a key of
    /// `links` is deleted. Deletion is refused while such a link still has
    /// mirrors that are not stopped: promote or fail them over first (set
    /// `state: promoted` in one run, then remove the link in the next).
    /// Default false: links absent from the manifest are left alone.
    #[serde(default, skip_serializing_if = "is_false")]
    pub prune_links: bool,
    /// With `prune_links`: delete undeclared links even while they still have
    /// mirrors that are not stopped. Confluent mirrors are failed over first
    /// (irreversible: they stop and become writable); MirrorMaker 2 mirroring
    /// simply ends with the connectors. Default false: such a deletion is
    /// refused with an explanation.
    #[serde(default, skip_serializing_if = "is_false")]
    pub force_delete_links: bool,
}

/// How linkctl reaches one Kafka cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    /// Kafka bootstrap servers (Kafka protocol, used through librdkafka), e.g. `localhost:9092`.
    pub bootstrap: Located<Text>,
    /// Confluent REST v3 base URL, without `/v3` (e.g. `http://broker:8090/kafka` or
    /// `https://pkc-….confluent.cloud:443/kafka`). Needed by the `confluent` engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rest: Option<Located<Text>>,
    /// Expected cluster id. When set, linkctl refuses to touch an endpoint that
    /// serves another cluster; when absent it is read from the REST API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<Located<String>>,
    /// Kafka Connect REST URL of the Connect cluster running next to this
    /// cluster (the `mirrormaker2` engine runs its connectors there), or the
    /// URLs of several of its workers: linkctl uses the next one when a
    /// worker does not answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect: Option<super::ConnectUrls>,
    /// Credentials for the REST endpoints (Confluent REST, Kafka Connect).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<Located<Auth>>,
    /// A CA bundle (PEM file path) trusted for this cluster's HTTPS endpoints
    /// (`rest`, `connect`) in addition to the system roots: for servers whose
    /// certificates a private CA signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub https_ca: Option<Located<Text>>,
    /// Extra librdkafka client properties (e.g. `security.protocol: SASL_SSL`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kafka: BTreeMap<Located<String>, Located<ConfigValue>>,
    /// How long linkctl waits for this cluster's endpoints (Kafka, REST,
    /// Kafka Connect). `--timeout` on the command line overrides `request_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeouts: Option<Located<Timeouts>>,
}

impl Cluster {
    /// The HTTP endpoints of the cluster with the field that names them:
    /// `rest`, then every `connect` worker URL.
    pub fn http_urls(&self) -> Vec<(&'static str, Located<Text>)> {
        let rest = self.rest.iter().map(|u| ("rest", u.clone()));
        let connect = self
            .connect
            .iter()
            .flat_map(|c| c.urls())
            .map(|u| ("connect", Located::new(u.clone())));
        rest.chain(connect).collect()
    }
}

/// Timeouts of one cluster's endpoints, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Timeouts {
    /// Longest wait to open a connection (default 5000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_ms: Option<u64>,
    /// Longest wait for one request's answer (default 30000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_ms: Option<u64>,
}

/// REST authentication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Auth {
    /// HTTP Basic: an API key and secret, or a user name and password.
    Basic { username: Text, password: Text },
    /// A bearer token (OAuth or MDS), optionally with a Confluent Cloud identity pool.
    Bearer {
        token: Text,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        identity_pool_id: Option<Text>,
    },
    /// Mutual TLS with PEM files.
    Mtls {
        /// Client certificate (PEM) path.
        cert: Text,
        /// Client private key (PEM) path.
        key: Text,
        /// CA bundle (PEM) path to trust in addition to the system roots.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ca: Option<Text>,
    },
}

/// The replication engine that implements a link.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "Engine")]
pub enum EngineName {
    /// Confluent Cluster Linking, through the Confluent REST API v3.
    #[default]
    Confluent,
    /// Apache Kafka MirrorMaker 2 connectors on Kafka Connect.
    Mirrormaker2,
}

/// Which side initiates the link's connection.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum LinkMode {
    /// One link object on the destination, which connects to the source.
    #[default]
    DestinationInitiated,
    /// Two link objects: an inbound one on the destination and an outbound one on
    /// the source (for sources behind a firewall).
    SourceInitiated,
    /// One link object on each cluster; either side can mirror from the other.
    Bidirectional,
}

/// A replication link from `source` to `destination`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// Name of the source cluster (a key of `clusters`).
    pub source: Located<String>,
    /// Name of the destination cluster (a key of `clusters`).
    pub destination: Located<String>,
    /// Replication engine.
    #[serde(default)]
    pub engine: Located<EngineName>,
    /// Link mode (Confluent only). Immutable once the link exists.
    #[serde(default)]
    pub mode: Located<LinkMode>,
    /// Prefix added to mirror topic names on the destination (`cluster.link.prefix`).
    /// Immutable once the link exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<Located<String>>,
    /// Any other link config, passed through as strings
    /// (e.g. `metadata.max.age.ms: 5000`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub config: BTreeMap<Located<String>, Located<ConfigValue>>,
    /// Consumer group offset sync. Declared, it manages every
    /// `consumer.offset.*` key (what it does not set is reset to its
    /// default); absent, the link's live settings are left alone (unless
    /// `prune: true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer_offset_sync: Option<Located<ConsumerOffsetSync>>,
    /// ACL sync (Confluent only). Declared, it manages every `acl.*` key;
    /// absent, the link's live settings are left alone (unless `prune: true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl_sync: Option<Located<AclSync>>,
    /// Topic config sync. Declared, it manages every `topic.config.sync.*`
    /// key; absent, the link's live settings are left alone (unless
    /// `prune: true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_config_sync: Option<Located<TopicConfigSync>>,
    /// Automatic creation of mirror topics for source topics matching filters
    /// (Confluent only). Declared, it manages every
    /// `auto.create.mirror.topics.*` key; absent, the link's live settings are
    /// left alone (unless `prune: true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_create_mirrors: Option<Located<AutoCreateMirrors>>,
    /// Mirror topics of this link.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mirrors: Vec<Mirror>,
    /// When true, live mirrors and link configs that this manifest does not
    /// declare are removed (mirrors are deleted, configs reset to default,
    /// those of structured sections the link leaves out included).
    #[serde(default, skip_serializing_if = "is_false")]
    pub prune: bool,
    /// When true, a change to an immutable setting (mode, prefix, source) is
    /// planned as delete + re-create instead of being refused.
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_replace: bool,
    /// Bump this value (any string) to re-send every sensitive config of the link
    /// (credential rotation when the secret itself did not change locally).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<Located<String>>,
    /// How promotions of this link's mirrors cut over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cutover: Option<Located<Cutover>>,
}

/// The default quiet window of a promotion, in milliseconds.
pub const DEFAULT_SETTLE_MS: u64 = 5000;

/// How a promotion cuts over. `state: promoted` stops a mirror only once
/// the destination holds every record of the source and the source has
/// taken no record for `settle_ms`; otherwise the promotion is refused with
/// the lag (`failed_over` stops at once, whatever the lag).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cutover {
    /// How long the source topic's end offsets must stay still before a
    /// promotion stops its mirror, in milliseconds (default 5000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settle_ms: Option<Located<u64>>,
    /// Fence the source topics of this link's promoted and failed-over
    /// mirrors: a `DENY Write` ACL for every principal (`User:*`) on the
    /// source topic, added before the source is checked for quiet and kept
    /// as long as the manifest says so (removing it removes the ACL). Needs
    /// an authorizer on the source cluster. A mirror's own `fence` wins.
    #[serde(default, skip_serializing_if = "is_false")]
    pub fence: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn default_true() -> bool {
    true
}

/// Consumer group offset sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsumerOffsetSync {
    /// Whether offsets are synced (`consumer.offset.sync.enable`).
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Sync interval in milliseconds (`consumer.offset.sync.ms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_ms: Option<Located<u64>>,
    /// Ordered group filters (`consumer.offset.group.filters`). An empty list
    /// syncs no group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Located<Filter>>,
}

/// One include or exclude filter over consumer group or topic names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Filter {
    Include(Pattern),
    Exclude(Pattern),
}

/// True when `name` matches an include of `filters` and no exclude (how
/// linkctl reads consumer group filters on every engine).
pub fn filters_cover(filters: &[Filter], name: &str) -> bool {
    let hit = |include: bool| {
        filters
            .iter()
            .any(|f| f.is_include() == include && f.pattern().matches(name))
    };
    hit(true) && !hit(false)
}

impl Pattern {
    /// True when `name` matches (`"*"` matches every name).
    pub fn matches(&self, name: &str) -> bool {
        match self {
            Pattern::Literal(l) => l == "*" || l == name,
            Pattern::Prefix(p) => name.starts_with(&p.prefix),
        }
    }
}

impl Filter {
    pub fn pattern(&self) -> &Pattern {
        match self {
            Filter::Include(p) | Filter::Exclude(p) => p,
        }
    }
    pub fn is_include(&self) -> bool {
        matches!(self, Filter::Include(_))
    }
}

/// A name pattern: a literal name (`"*"` matches everything) or `{prefix: …}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Pattern {
    /// A literal name; `"*"` matches every name.
    Literal(String),
    /// Every name starting with the prefix.
    Prefix(PrefixPattern),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrefixPattern {
    pub prefix: String,
}

/// ACL sync settings (Confluent only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AclSync {
    /// `acl.sync.enable`.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// `acl.sync.ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_ms: Option<Located<u64>>,
    /// `acl.filters`: which ACLs are synced. Required when enabled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Located<AclFilter>>,
}

/// One ACL binding filter (fields follow Kafka's `AclBindingFilter`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AclFilter {
    #[serde(default = "any")]
    pub resource_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_name: Option<String>,
    #[serde(default = "any")]
    pub pattern_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default = "any")]
    pub operation: String,
    #[serde(default = "any")]
    pub permission_type: String,
}

fn any() -> String {
    "any".to_string()
}

/// Topic config sync settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicConfigSync {
    /// `topic.config.sync.ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_ms: Option<Located<u64>>,
    /// `topic.config.sync.include`: configurable topic configs to sync.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<Located<String>>,
}

/// Automatic mirror topic creation (Confluent only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoCreateMirrors {
    /// `auto.create.mirror.topics.enable`.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// `auto.create.mirror.topics.filters`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<Located<Filter>>,
}

/// A mirror topic of a link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mirror {
    /// Source topic name.
    pub topic: Located<String>,
    /// Mirror topic name on the destination. Defaults to the link prefix + topic;
    /// when given it must equal that.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Located<String>>,
    /// Desired state.
    #[serde(default)]
    pub state: Located<MirrorState>,
    /// Fence the source topic once the mirror is promoted or failed over
    /// (see `cutover.fence` of the link, which this overrides).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fence: Option<Located<bool>>,
    /// Mirror into a destination topic that already exists and is no
    /// mirror (MirrorMaker 2 only): its records stay, and the source's are
    /// appended after them. Without it such a mirror is refused, as two
    /// streams in one topic are rarely what anyone wants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adopt: Option<Located<bool>>,
}

/// Desired state of a mirror topic.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MirrorState {
    /// Mirroring (read-only on the destination).
    #[default]
    Active,
    /// Mirroring paused (still read-only).
    Paused,
    /// Stopped after catching up; the topic is writable. Irreversible.
    Promoted,
    /// Stopped immediately regardless of lag; the topic is writable. Irreversible.
    FailedOver,
}

impl Manifest {
    /// The cluster declared under `name`.
    pub fn cluster(&self, name: &str) -> Option<&Cluster> {
        self.clusters.get(name)
    }
    /// The link declared under `name`.
    pub fn link(&self, name: &str) -> Option<&Link> {
        self.links.get(name)
    }
}

impl Link {
    /// The prefix, or "" when the link has none.
    pub fn prefix_str(&self) -> &str {
        self.prefix.as_ref().map(|p| p.value.as_str()).unwrap_or("")
    }

    /// The quiet window of this link's promotions, in milliseconds.
    pub fn settle_ms(&self) -> u64 {
        self.cutover
            .as_ref()
            .and_then(|c| c.value.settle_ms.as_ref())
            .map_or(DEFAULT_SETTLE_MS, |s| s.value)
    }

    /// The consumer group filters whose offsets the link syncs (empty when
    /// offset sync is off).
    pub fn synced_groups(&self) -> Vec<Filter> {
        self.consumer_offset_sync
            .as_ref()
            .filter(|s| s.value.enabled)
            .map(|s| s.value.groups.iter().map(|f| f.value.clone()).collect())
            .unwrap_or_default()
    }
}

impl Mirror {
    /// True when the source topic is to be fenced (a promoted or
    /// failed-over mirror whose own `fence`, or else its link's
    /// `cutover.fence`, says so).
    pub fn fenced(&self, link: &Link) -> bool {
        let wanted = match &self.fence {
            Some(f) => f.value,
            None => link.cutover.as_ref().is_some_and(|c| c.value.fence),
        };
        wanted
            && matches!(
                self.state.value,
                MirrorState::Promoted | MirrorState::FailedOver
            )
    }

    /// True when the mirror may take over an existing destination topic.
    pub fn adopts(&self) -> bool {
        self.adopt.as_ref().is_some_and(|a| a.value)
    }

    /// The mirror topic name on the destination.
    pub fn mirror_name(&self, link: &Link) -> String {
        match &self.name {
            Some(n) => n.value.clone(),
            None => format!("{}{}", link.prefix_str(), self.topic.value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_cover_a_name_included_and_not_excluded() {
        let all = Filter::Include(Pattern::Literal("*".into()));
        let ex = Filter::Exclude(Pattern::Literal("my-consumer-group".into()));
        let app = Filter::Include(Pattern::Prefix(PrefixPattern {
            prefix: "app-".into(),
        }));
        assert!(filters_cover(
            std::slice::from_ref(&all),
            "my-consumer-group"
        ));
        assert!(!filters_cover(
            &[all.clone(), ex.clone()],
            "my-consumer-group"
        ));
        assert!(filters_cover(&[all, ex], "other"));
        assert!(filters_cover(std::slice::from_ref(&app), "app-1"));
        assert!(!filters_cover(&[app], "web"));
        assert!(!filters_cover(&[], "any"));
    }
}
