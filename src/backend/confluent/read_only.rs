//! Link configs a kind of Confluent server holds read-only, so that a new
//! link setting one is worth a plan warning (an existing link's read-only
//! rows are the planner's own evidence: its plan refuses them).
//!
//! Every row cites the recorded server answers it comes from: the link
//! configs Confluent Cloud answered, as recorded by Confluent's Terraform
//! provider (`confluentinc/terraform-provider-confluent`,
//! `internal/testdata/cluster_link/`), where these rows carry
//! `is_read_only: true` in every recording. linkctl's copies are in
//! `tests/fixtures/confluent_cloud/`. Confluent Platform's read-only keys
//! are not recorded anywhere public: none is listed.

use super::endpoint::is_confluent_cloud;
use crate::manifest::Cluster;

/// A kind of Confluent server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    /// Confluent Cloud: a REST endpoint under `.confluent.cloud`, or a
    /// logical cluster id (`lkc-…`).
    Cloud,
}

impl ServerKind {
    /// The kind of `cluster`, whose id is `cluster_id` when known (pinned in
    /// the manifest or read from the server); `None`: not known.
    pub fn of(cluster: &Cluster, cluster_id: Option<&str>) -> Option<Self> {
        let cloud_rest = cluster
            .rest
            .as_ref()
            .is_some_and(|r| is_confluent_cloud(r.value.expose()));
        let cloud_id = cluster_id
            .or(cluster.cluster_id.as_ref().map(|c| c.value.as_str()))
            .is_some_and(|id| id.starts_with("lkc-"));
        (cloud_rest || cloud_id).then_some(Self::Cloud)
    }

    fn name(self) -> &'static str {
        match self {
            Self::Cloud => "Confluent Cloud",
        }
    }
}

/// The recordings every row below is read from (each shows the key with
/// `is_read_only: true`).
const CLOUD_RECORDINGS: &str = "internal/testdata/cluster_link/read_created_cluster_link_config.json @ 3d2b922, \
     read_updated_cluster_link_config.json @ e26cebc and read_created_cluster_link_config_destination.json @ c3921c8";

/// `(kind, key)`: read-only link configs, by kind of server.
pub const READ_ONLY: &[(ServerKind, &str)] = &[
    (ServerKind::Cloud, "cluster.link.retry.timeout.ms"),
    (ServerKind::Cloud, "connections.max.idle.ms"),
    (ServerKind::Cloud, "metadata.max.age.ms"),
    (ServerKind::Cloud, "num.cluster.link.fetchers"),
    (ServerKind::Cloud, "replica.fetch.backoff.ms"),
    (ServerKind::Cloud, "replica.fetch.max.bytes"),
    (ServerKind::Cloud, "replica.fetch.min.bytes"),
    (ServerKind::Cloud, "replica.fetch.response.max.bytes"),
    (ServerKind::Cloud, "replica.fetch.wait.max.ms"),
    (ServerKind::Cloud, "replica.socket.timeout.ms"),
    (ServerKind::Cloud, "request.timeout.ms"),
    (ServerKind::Cloud, "retry.backoff.ms"),
    (ServerKind::Cloud, "socket.connection.setup.timeout.max.ms"),
    (ServerKind::Cloud, "socket.connection.setup.timeout.ms"),
];

/// Why `key` should not be set on a new link on `cluster`, when that kind of
/// server holds it read-only.
pub fn read_only_on_create(
    cluster: &Cluster,
    cluster_id: Option<&str>,
    key: &str,
) -> Option<String> {
    let kind = ServerKind::of(cluster, cluster_id)?;
    READ_ONLY
        .iter()
        .find(|(k, name)| *k == kind && *name == key)?;
    Some(format!(
        "`{key}` is read-only on {} (its link configs say `is_read_only: true` in the answers recorded by Confluent's Terraform provider: {CLOUD_RECORDINGS}); the server may refuse the new link or keep its own value: remove the key from `config`",
        kind.name()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{Located, Text};

    fn cluster(rest: &str, id: Option<&str>) -> Cluster {
        Cluster {
            bootstrap: Located::new(Text::plain("b:9092")),
            rest: Some(Located::new(Text::plain(rest))),
            cluster_id: id.map(|i| Located::new(i.to_string())),
            connect: None,
            auth: None,
            https_ca: None,
            kafka: Default::default(),
            timeouts: None,
        }
    }

    #[test]
    fn cloud_is_known_by_its_endpoint_or_its_cluster_id() {
        let cloud = cluster(
            "https://pkc-1.us-east-1.aws.confluent.cloud:443/kafka",
            None,
        );
        let platform = cluster("http://broker:8090/kafka", None);
        assert_eq!(ServerKind::of(&cloud, None), Some(ServerKind::Cloud));
        assert_eq!(ServerKind::of(&platform, None), None);
        assert_eq!(
            ServerKind::of(&platform, Some("lkc-81knqq")),
            Some(ServerKind::Cloud)
        );
        let pinned = cluster("http://127.0.0.1:1/kafka", Some("lkc-81knqq"));
        assert_eq!(ServerKind::of(&pinned, None), Some(ServerKind::Cloud));
        assert_eq!(
            ServerKind::of(&platform, Some("Nk018hRAQFytWskYqtQduw")),
            None
        );
    }

    #[test]
    fn read_only_keys_on_cloud_only() {
        let cloud = cluster("https://pkc-1.confluent.cloud/kafka", None);
        let platform = cluster("http://broker:8090/kafka", None);
        let why = read_only_on_create(&cloud, None, "metadata.max.age.ms").expect("read-only");
        assert!(
            why.contains("Confluent Cloud") && why.contains("3d2b922"),
            "{why}"
        );
        assert_eq!(read_only_on_create(&cloud, None, "acl.sync.ms"), None);
        assert_eq!(
            read_only_on_create(&platform, None, "metadata.max.age.ms"),
            None
        );
    }
}
