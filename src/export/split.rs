//! `linkctl export --split DIR`: an exported manifest as a set of files that
//! `-f DIR` reads back as the same manifest: `clusters.yaml` (the clusters,
//! the top-level settings and every note) and one `link-<name>.yaml` per
//! link (link names cannot hold a path separator: they follow Kafka's topic
//! name rules). Pure.

use std::collections::BTreeMap;

use super::Export;

/// The file that holds the clusters.
pub const CLUSTERS_FILE: &str = "clusters.yaml";

/// The file of link `name`.
pub fn link_file(name: &str) -> String {
    format!("link-{name}.yaml")
}

/// `export` cut into files: (file name, the part of the export it holds).
pub fn split(export: &Export) -> Vec<(String, Export)> {
    let mut clusters = export.manifest.clone();
    clusters.links = BTreeMap::new();
    let mut files = vec![(
        CLUSTERS_FILE.to_string(),
        Export {
            manifest: clusters,
            notes: export.notes.clone(),
            secret_env: Vec::new(),
        },
    )];
    for (name, link) in &export.manifest.links {
        let mut one = export.manifest.clone();
        one.clusters = BTreeMap::new();
        one.prune_links = false;
        one.force_delete_links = false;
        one.links = BTreeMap::from([(name.clone(), link.clone())]);
        // The placeholders this link's configs hold.
        let text = serde_json::to_string(link).unwrap_or_default();
        let secret_env = export
            .secret_env
            .iter()
            .filter(|v| text.contains(&format!("${{env:{v}}}")))
            .cloned()
            .collect();
        files.push((
            link_file(&name.value),
            Export {
                manifest: one,
                notes: Vec::new(),
                secret_env,
            },
        ));
    }
    files
}
