//! Engine-specific code lives in `src/backend/` only: no module outside it
//! names an engine's variant (`…::Confluent`, `…::Mirrormaker2`, under any
//! alias). Everything else is handed the engines' models
//! (`plan::EngineModels`) or implementations by the composition root
//! (`cli`), which takes them from `backend::registry`. What each engine's
//! actions send is data in `plan::payload` (the plan carries it); the code
//! that builds and sends it is the engine's. `tests/layering.rs` checks
//! that the imports point that way.

mod source_tree;

use source_tree::{rust_files, src};

#[test]
fn no_module_outside_backend_names_an_engine() {
    let root = src();
    let backend = root.join("backend");
    let files = rust_files(&root);
    assert!(files.len() > 50, "found only {} files", files.len());
    let pattern = regex::Regex::new(r"::\s*(Confluent|Mirrormaker2)\b").expect("regex");
    let mut offenders = Vec::new();
    for f in files.iter().filter(|f| !f.starts_with(&backend)) {
        let text = std::fs::read_to_string(f).expect("readable source");
        for (n, line) in text.lines().enumerate() {
            if pattern.is_match(line) {
                offenders.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "engine-specific code outside src/backend/ (ask backend::registry instead):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_registry_is_the_only_backend_module_that_maps_engine_names() {
    let backend = src().join("backend");
    let files = rust_files(&backend);
    let pattern = regex::Regex::new(r"EngineName::(Confluent|Mirrormaker2)\s*=>").expect("regex");
    let mut mapping = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("readable source");
        if pattern.is_match(&text) {
            mapping.push(f.strip_prefix(&backend).unwrap_or(f).display().to_string());
        }
    }
    assert_eq!(mapping, ["registry.rs"]);
}
