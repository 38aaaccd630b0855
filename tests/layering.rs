//! Imports point one way: `manifest` < `state` < `plan` < `backend` <
//! `apply` | `status` | `export` < `cli` (docs/architecture.md). Every
//! `crate::…` path in `src/` (a `use`, a path in code, a `super::` path that
//! climbs to the crate root) must name a module of its own layer or one
//! below. `redact` and `files` are utilities under everything. No
//! exceptions: an interface a lower layer calls is defined in that layer and
//! implemented above it, and the implementations are handed in by `cli`.
//!
//! Comments are not read (a doc link is not an import).

mod source_tree;

use std::path::Path;

use source_tree::{rust_files, src};

/// The layer of a top-level module (higher may import lower), `None` for
/// names that are not modules of the crate (`crate::main`, macros).
fn layer(module: &str) -> Option<u8> {
    Some(match module {
        "redact" | "files" => 0,
        "manifest" => 1,
        "state" => 2,
        "plan" => 3,
        "backend" => 4,
        "apply" | "status" | "export" => 5,
        "cli" => 6,
        _ => return None,
    })
}

/// The module path of a source file (`src/plan/diff/mod.rs`: `plan::diff`).
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts
        .last()
        .is_some_and(|l| l == "mod" || l == "lib" || l == "main")
    {
        parts.pop();
    }
    parts
}

/// The top-level modules a line of code names through `crate::` (also in
/// `use crate::{a, b::c}` groups) or through `super::` chains that climb to
/// the crate root.
fn named_modules(line: &str, here: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in line.match_indices("crate::") {
        if i > 0 && line[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$') {
            continue; // `$crate::` in a macro, or a longer name
        }
        let rest = &line[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Top-level names of a group: after `{` and after each `,` at depth 0.
            let mut depth = 0usize;
            let mut start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && !c.is_whitespace() => {
                        start = false;
                        out.push(ident(&group[j..]));
                    }
                    _ => {}
                }
            }
        } else {
            out.push(ident(rest));
        }
    }
    for (i, _) in line.match_indices("super::") {
        if i > 0 && line[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':') {
            continue; // counted from the first `super::` of the chain
        }
        let mut rest = &line[i..];
        let mut depth = here.len();
        while let Some(r) = rest.strip_prefix("super::") {
            depth = depth.saturating_sub(1);
            rest = r;
        }
        if depth == 0 {
            out.push(ident(rest));
        }
    }
    out
}

/// Every import that runs up a layer: `file:line: path`.
fn upward_imports() -> Vec<String> {
    let src = src();
    let files = rust_files(&src);
    assert!(files.len() > 50, "found only {} files", files.len());
    let mut offenders = Vec::new();
    for f in &files {
        let here = module_path(&src, f);
        let Some(own) = here.first().and_then(|m| layer(m)) else {
            continue; // lib.rs, main.rs: the crate root declares the modules
        };
        let text = std::fs::read_to_string(f).expect("readable source");
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for m in named_modules(code, &here) {
                if layer(&m).is_some_and(|l| l > own) {
                    let rel = f.strip_prefix(&src).unwrap_or(f).display();
                    offenders.push(format!("src/{rel}:{}: {} -> {m}: {code}", n + 1, here[0]));
                }
            }
        }
    }
    offenders
}

#[test]
fn imports_point_down_the_layers() {
    let offenders = upward_imports();
    println!("{} imports run up a layer", offenders.len());
    assert!(
        offenders.is_empty(),
        "{} imports run up a layer (manifest < state < plan < backend < apply|status|export < cli; \
         define the interface in the lower layer and hand the implementation in from cli):\n{}",
        offenders.len(),
        offenders.join("\n")
    );
}

#[test]
fn the_parser_sees_every_form_of_path() {
    let here = ["plan".to_string(), "diff".to_string()];
    assert_eq!(
        named_modules("use crate::backend::registry;", &here),
        ["backend"]
    );
    assert_eq!(
        named_modules("use crate::{manifest::Link, status::{A, B}, cli};", &here),
        ["manifest", "status", "cli"]
    );
    assert_eq!(
        named_modules("let x = crate::apply::run(crate::state::X);", &here),
        ["apply", "state"]
    );
    assert_eq!(
        named_modules("use super::super::backend::X;", &here),
        ["backend"]
    );
    assert_eq!(
        named_modules("use super::links;", &here),
        Vec::<String>::new()
    );
    assert_eq!(named_modules("$crate::foo!()", &here), Vec::<String>::new());
}

#[test]
fn every_module_of_the_crate_has_a_layer() {
    let src = src();
    let mut missing: Vec<String> = rust_files(&src)
        .iter()
        .filter_map(|f| module_path(&src, f).first().cloned())
        .filter(|m| layer(m).is_none())
        .collect();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "give these modules a layer in tests/layering.rs (and docs/architecture.md): {missing:?}"
    );
}
