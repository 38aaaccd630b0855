//! The examples: they validate, carry the schema modeline, and round-trip;
//! the committed JSON Schema matches the code; the `validate` CLI contract.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use linkctl::backend::registry;
use linkctl::manifest::{load_validated, SourceFile};

const ENV: &[(&str, &str)] = &[
    ("US_API_KEY", "k1"),
    ("US_API_SECRET", "example-secret-1"),
    ("EU_TOKEN", "example-secret-2"),
    ("US_LINK_JAAS", "example-secret-3"),
    ("CLOUD_API_KEY", "k2"),
    ("CLOUD_API_SECRET", "example-secret-4"),
    ("CLOUD_LINK_JAAS", "example-secret-5"),
    ("LINKCTL_SECURE_CA_PEM", "/etc/linkctl-example/ca.pem"),
    ("LINKCTL_SECURE_LINKCTL_PASSWORD", "example-secret-6"),
    ("LINKCTL_SECURE_CONNECT_REST_USER", "linkctl-rest"),
    ("LINKCTL_SECURE_CONNECT_REST_PASSWORD", "example-secret-7"),
    ("LINKCTL_SECURE_MM2_US_JAAS", "example-secret-8"),
    ("LINKCTL_SECURE_MM2_EUROPE_JAAS", "example-secret-9"),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn examples() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [
        "examples",
        "examples/seed",
        "examples/mirrormaker2-seed",
        "examples/mirrormaker2-secure",
    ] {
        for e in std::fs::read_dir(root().join(dir)).expect("examples dir") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "yaml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn env_lookup(name: &str) -> Option<String> {
    ENV.iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

const MM2: &str = "examples/mirrormaker2.yaml";

fn linkctl() -> Command {
    let mut cmd = Command::cargo_bin("linkctl").expect("binary");
    cmd.current_dir(root())
        .env_clear()
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100");
    cmd
}

/// `linkctl ARGS`, fed `stdin` when given.
fn run(args: &[&str], stdin: Option<Vec<u8>>) -> Output {
    let mut cmd = linkctl();
    cmd.args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    cmd.output().expect("runs")
}

/// [`run`], which must exit with `code`.
fn exits(code: i32, args: &[&str], stdin: Option<Vec<u8>>) -> Output {
    let out = run(args, stdin);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn there_are_the_seed_steps_and_the_other_examples() {
    let names: Vec<String> = examples()
        .iter()
        .map(|p| {
            p.strip_prefix(root())
                .expect("inside")
                .display()
                .to_string()
        })
        .collect();
    for want in [
        "examples/seed/01-link.yaml",
        "examples/seed/02-mirror.yaml",
        "examples/seed/05-exclude-group.yaml",
        "examples/seed/10-promote.yaml",
        "examples/seed/11-delete-link.yaml",
        "examples/multi-cluster.yaml",
        "examples/source-initiated.yaml",
        "examples/mirrormaker2.yaml",
        "examples/mirrormaker2-seed/01-link.yaml",
        "examples/mirrormaker2-seed/11-delete-link.yaml",
        "examples/mirrormaker2-secure/01-link.yaml",
        "examples/mirrormaker2-secure/02-mirror.yaml",
        "examples/mirrormaker2-secure/05-exclude-group.yaml",
        "examples/mirrormaker2-secure/10-promote.yaml",
        "examples/mirrormaker2-secure/11-delete-link.yaml",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "{want} missing from {names:?}"
        );
    }
}

#[test]
fn every_example_starts_with_the_schema_modeline() {
    for p in examples() {
        let text = std::fs::read_to_string(&p).expect("readable");
        let first = text.lines().next().unwrap_or("");
        let depth = p
            .strip_prefix(root().join("examples"))
            .expect("inside")
            .components()
            .count()
            - 1;
        let want = format!(
            "# yaml-language-server: $schema={}schema/linkctl.schema.json",
            "../".repeat(depth + 1)
        );
        assert_eq!(first, want, "{}", p.display());
        let schema = p
            .parent()
            .expect("dir")
            .join(want.rsplit('=').next().expect("path"));
        assert!(
            schema.exists(),
            "{} points at a missing schema",
            p.display()
        );
    }
}

#[test]
fn every_example_validates_with_the_cli() {
    for p in examples() {
        let rel = p
            .strip_prefix(root())
            .expect("inside")
            .display()
            .to_string();
        let mut cmd = linkctl();
        cmd.args(["validate", "-f", &rel]);
        for (k, v) in ENV {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{rel}\n{stderr}");
        assert!(
            stdout.starts_with(&format!("✓ {rel} is valid: ")),
            "{rel}: {stdout}"
        );
        for (_, v) in ENV {
            assert!(
                !stdout.contains(v) && !stderr.contains(v),
                "{rel} leaks {v}"
            );
        }
    }
}

#[test]
fn seed_step_2_summary_counts_objects() {
    let out = run(&["validate", "-f", "examples/seed/02-mirror.yaml"], None);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "✓ examples/seed/02-mirror.yaml is valid: 2 clusters, 1 link, 1 mirror\n"
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn valid_examples_round_trip_through_yaml() {
    for p in examples() {
        let text = std::fs::read_to_string(&p).expect("readable");
        let first = load_validated(
            &SourceFile::new("a.yaml", text),
            &registry::models(),
            env_lookup,
        )
        .unwrap_or_else(|e| panic!("{}: {e:?}", p.display()))
        .manifest;
        let yaml = serde_saphyr::to_string(&first).expect("serialises");
        for (_, v) in ENV {
            assert!(
                !yaml.contains(v),
                "{}: re-serialised form leaks a secret",
                p.display()
            );
        }
        let second = load_validated(
            &SourceFile::new("b.yaml", yaml.clone()),
            &registry::models(),
            env_lookup,
        )
        .unwrap_or_else(|e| panic!("{}: reloading failed: {e:?}\n{yaml}", p.display()))
        .manifest;
        assert_eq!(
            first,
            second,
            "{}: round trip changed the model\n{yaml}",
            p.display()
        );
    }
}

#[test]
fn committed_schema_matches_the_code() {
    let committed = std::fs::read_to_string(root().join("schema/linkctl.schema.json"))
        .expect("schema/linkctl.schema.json is committed");
    let generated = linkctl::cli::schema::schema_json();
    assert!(
        committed == generated,
        "schema/linkctl.schema.json is out of date; regenerate it with:\n  cargo run -q -- schema > schema/linkctl.schema.json"
    );
    let out = exits(0, &["schema"], None);
    assert_eq!(String::from_utf8_lossy(&out.stdout), generated);
    let v: serde_json::Value = serde_json::from_str(&generated).expect("json");
    assert_eq!(
        v["additionalProperties"], false,
        "unknown top-level keys are refused"
    );
    assert!(v["properties"]["prune_links"]["description"].is_string());
}

#[test]
fn json_format_reports_validity_and_problems() {
    let args = ["validate", "--format", "json", "-f", MM2];
    let out = exits(0, &args, None);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["valid"], true);
    let p = &v["problems"][0];
    assert_eq!(p["severity"], "warning");
    assert_eq!(p["code"], "linkctl::mm2_semantics");
    assert_eq!(
        (p["line"].as_u64(), p["column"].as_u64()),
        (Some(16), Some(13))
    );
    assert!(p["help"].is_string());
    assert!(out.stderr.is_empty(), "json mode keeps stderr quiet");
}

#[test]
fn strict_turns_warnings_into_failure() {
    exits(0, &["validate", "-f", MM2], None);
    let strict = exits(1, &["validate", "--strict", "-f", MM2], None);
    assert!(strict.stdout.is_empty());
    let args = ["validate", "--strict", "--format", "json", "-f", MM2];
    let json = exits(1, &args, None);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(v["valid"], false);
}

#[test]
fn reads_stdin_with_dash() {
    let text = std::fs::read_to_string(root().join("examples/seed/01-link.yaml")).expect("read");
    let out = exits(0, &["validate", "-f", "-"], Some(text.into_bytes()));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "✓ <stdin> is valid: 2 clusters, 1 link, 0 mirrors\n"
    );
    let bad = "version: 1\nclusters: {}\nbogus: 1\n";
    let bad = exits(1, &["validate", "-f", "-"], Some(bad.into()));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("[<stdin>:3:1]"));
}

#[test]
fn unreadable_input_is_a_clean_error() {
    let out = exits(1, &["validate", "-f", "does/not/exist.yaml"], None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot read does/not/exist.yaml"), "{err}");
    assert!(!err.contains("panicked"));
    let bytes = vec![b'v', 0xff, 0xfe, b'\n'];
    let bytes = exits(1, &["validate", "-f", "-"], Some(bytes));
    assert!(String::from_utf8_lossy(&bytes.stderr).contains("not UTF-8"));
}
