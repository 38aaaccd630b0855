//! Combining what several readers observed into one [`LiveState`].

use super::model::LiveState;

impl LiveState {
    /// Adds what `other` observed: cluster ids, links and topics. Where both
    /// saw the same topic, `other` wins (readers do not overlap). Two links
    /// of one name on one cluster from different engines are both kept: the
    /// first in `links`, the other in `clashes`.
    pub fn merge(&mut self, other: LiveState) {
        for (name, theirs) in other.clusters {
            let mine = self.clusters.entry(name).or_default();
            if mine.cluster_id.is_none() {
                mine.cluster_id = theirs.cluster_id;
            }
            for (link, l) in theirs.links {
                match mine.links.get(&link) {
                    Some(have) if have.engine != l.engine => mine.clashes.push(l),
                    _ => {
                        mine.links.insert(link, l);
                    }
                }
            }
            mine.clashes.extend(theirs.clashes);
            mine.topics_read |= theirs.topics_read;
            mine.topics.extend(theirs.topics);
            if mine.unreachable.is_none() {
                mine.unreachable = theirs.unreachable;
            }
            if let Some(names) = theirs.topic_names {
                mine.topic_names
                    .get_or_insert_with(Default::default)
                    .extend(names);
            }
            if mine.engine_attached_to.is_none() {
                mine.engine_attached_to = theirs.engine_attached_to;
            }
            if mine.kafka_cluster_id.is_none() {
                mine.kafka_cluster_id = theirs.kafka_cluster_id;
            }
            if mine.engine_attachment_unsaid.is_none() {
                mine.engine_attachment_unsaid = theirs.engine_attachment_unsaid;
            }
            mine.occupied.extend(theirs.occupied);
            mine.resume_at.extend(theirs.resume_at);
            if theirs.fences.is_some() {
                mine.fences = theirs.fences;
            }
            if mine.unread.is_none() {
                mine.unread = theirs.unread;
            }
            mine.unread_links.extend(theirs.unread_links);
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
                ..Default::default()
            },
        );
        b.clusters.insert("europe".into(), ClusterState::default());
        a.merge(b);
        assert_eq!(a.clusters["us"].cluster_id.as_deref(), Some("id-us"));
        assert_eq!(a.clusters["us"].topics["demo"].partitions, 8);
        assert!(a.clusters.contains_key("europe"));
    }

    #[test]
    fn same_named_links_of_two_engines_are_both_kept() {
        let link = |engine| {
            let mut l: crate::state::LiveLink = serde_json::from_value(serde_json::json!({
                "name": "l", "side": "DESTINATION", "connection_mode": "OUTBOUND", "state": "ACTIVE"
            }))
            .expect("link");
            l.engine = engine;
            l
        };
        let state = |engine| {
            let mut s = LiveState::default();
            let mut c = ClusterState::default();
            c.links.insert("l".into(), link(engine));
            s.clusters.insert("eu".into(), c);
            s
        };
        // Two engine names the manifest accepts, whichever they are (read
        // from its schema: this layer knows no engine).
        fn names(v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::Object(o) => {
                    for (k, v) in o {
                        match (k.as_str(), v) {
                            ("const", serde_json::Value::String(s)) => out.push(s.clone()),
                            ("enum", serde_json::Value::Array(a)) => {
                                out.extend(a.iter().filter_map(|s| s.as_str().map(str::to_string)))
                            }
                            _ => names(v, out),
                        }
                    }
                }
                serde_json::Value::Array(a) => a.iter().for_each(|v| names(v, out)),
                _ => {}
            }
        }
        let schema = serde_json::to_value(schemars::schema_for!(crate::manifest::EngineName))
            .expect("schema");
        let mut found = Vec::new();
        names(&schema, &mut found);
        let engines: Vec<crate::manifest::EngineName> = found
            .iter()
            .map(|n| serde_json::from_value(serde_json::json!(n)).expect("an engine name"))
            .collect();
        let (one, two) = (engines[0], engines[1]);
        assert_ne!(one, two);
        let mut a = state(one);
        let mut other = state(one);
        a.merge(other.clone());
        assert!(a.clusters["eu"].clashes.is_empty(), "same engine: one link");
        other
            .clusters
            .get_mut("eu")
            .unwrap()
            .links
            .get_mut("l")
            .unwrap()
            .engine = two;
        a.merge(other);
        assert_eq!(a.clusters["eu"].links.len(), 1);
        assert_eq!(a.clusters["eu"].clashes.len(), 1);
        assert_ne!(
            a.clusters["eu"].clashes[0].engine,
            a.clusters["eu"].links["l"].engine
        );
    }
}
