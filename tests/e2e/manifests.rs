//! Manifests the steps write for themselves: one MirrorMaker 2 link between
//! the local clusters, with the settings single-broker clusters need.

use crate::stack::{EUROPE, US};

/// A manifest with `link` mirroring `mirrors` (`(topic, state)`), or with no
/// link at all when `link` is `None` (links are pruned, so the apply deletes
/// whatever link a previous manifest declared).
pub fn mm2(connect: &str, link: Option<&str>, mirrors: &[(String, &str)]) -> String {
    let mut y = format!(
        "version: 1\nprune_links: true\nforce_delete_links: true\nclusters:\n  us:\n    bootstrap: {US}\n  europe:\n    bootstrap: {EUROPE}\n    connect: {connect}\nlinks:\n"
    );
    let Some(link) = link else {
        y.push_str("  {}\n");
        return y;
    };
    y.push_str(&format!(
        "  {link}:\n    source: us\n    destination: europe\n    engine: mirrormaker2\n    config:\n      metadata.max.age.ms: 5000\n      replication.factor: 1\n      offset-syncs.topic.location: target\n      offset-syncs.topic.replication.factor: 1\n      checkpoints.topic.replication.factor: 1\n      heartbeats.topic.replication.factor: 1\n      tasks.max: 1\n    mirrors:\n"
    ));
    if mirrors.is_empty() {
        y.push_str("      []\n");
    }
    for (topic, state) in mirrors {
        y.push_str(&format!("      - {{ topic: {topic}, state: {state} }}\n"));
    }
    y
}
