//! Combining what several readers observed into one [`LiveState`].

use super::model::LiveState;

impl LiveState {
    /// Adds what `other` observed: cluster ids, links and topics. Where both
    /// saw the same link or topic, `other` wins (readers do not overlap).
    pub fn merge(&mut self, other: LiveState) {
        for (name, theirs) in other.clusters {
            let mine = self.clusters.entry(name).or_default();
            if mine.cluster_id.is_none() {
                mine.cluster_id = theirs.cluster_id;
            }
            mine.links.extend(theirs.links);
            mine.topics.extend(theirs.topics);
            if mine.unreachable.is_none() {
                mine.unreachable = theirs.unreachable;
            }
            if let Some(names) = theirs.topic_names {
                mine.topic_names
                    .get_or_insert_with(Default::default)
                    .extend(names);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{ClusterState, LiveTopic};

    #[test]
    fn merge_unions_clusters_links_and_topics() {
        let mut a = LiveState::default();
        a.clusters.insert(
            "us".into(),
            ClusterState {
                cluster_id: Some("id-us".into()),
                ..Default::default()
            },
        );
        let mut b = LiveState::default();
        let mut topics = std::collections::BTreeMap::new();
        topics.insert(
            "demo".to_string(),
            LiveTopic {
                partitions: 8,
                configs: Default::default(),
            },
        );
        b.clusters.insert(
            "us".into(),
            ClusterState {
                cluster_id: None,
                links: Default::default(),
                topics,
                topic_names: None,
                unreachable: None,
            },
        );
        b.clusters.insert("europe".into(), ClusterState::default());
        a.merge(b);
        assert_eq!(a.clusters["us"].cluster_id.as_deref(), Some("id-us"));
        assert_eq!(a.clusters["us"].topics["demo"].partitions, 8);
        assert!(a.clusters.contains_key("europe"));
    }
}
