//! The invalid-manifest corpus: every file under `tests/invalid/` is run
//! through the real binary and must fail with a located, secret-free
//! diagnostic. Each file says what it expects in its first lines:
//! `# expect: linkctl::<code>` and optionally `# args: --strict`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Values the environment holds while the corpus runs; none may ever be printed.
const SECRETS: &[(&str, &str)] = &[
    ("LINKCTL_TEST_SECRET", "sup3r-s3cret-value"),
    ("LINKCTL_TEST_USER", "s3cret-user-name"),
];

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/invalid exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn header(text: &str, key: &str) -> Option<String> {
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| l.strip_prefix(&format!("# {key}:")))
        .map(|v| v.trim().to_string())
}

fn linkctl(rel: &str, extra: &[String], json: bool) -> std::process::Output {
    let mut cmd = Command::cargo_bin("linkctl").expect("binary");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .args(["validate", "-f", rel])
        .args(extra);
    for (k, v) in SECRETS {
        cmd.env(k, v);
    }
    if json {
        cmd.args(["--format", "json"]);
    }
    cmd.output().expect("runs")
}

#[test]
fn corpus_is_large_enough() {
    assert!(
        corpus().len() >= 30,
        "only {} invalid manifests",
        corpus().len()
    );
}

#[test]
fn every_invalid_manifest_fails_with_a_located_secret_free_diagnostic() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    let _guard = settings.bind_to_scope();

    for path in corpus() {
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("name");
        let rel = format!("tests/invalid/{stem}.yaml");
        let text = std::fs::read_to_string(&path).expect("readable");
        let expect =
            header(&text, "expect").unwrap_or_else(|| panic!("{rel}: no `# expect:` line"));
        let extra: Vec<String> = header(&text, "args")
            .map(|a| a.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();

        let out = linkctl(&rel, &extra, false);
        let stderr = String::from_utf8(out.stderr).expect("utf-8 stderr");
        let stdout = String::from_utf8(out.stdout).expect("utf-8 stdout");
        assert_eq!(out.status.code(), Some(1), "{rel}: exit code\n{stderr}");
        assert!(stdout.is_empty(), "{rel}: nothing on stdout, got {stdout}");
        assert!(!stderr.contains("panicked"), "{rel}: panic\n{stderr}");
        let located =
            regex::Regex::new(&format!(r"\[{}:\d+:\d+\]", regex::escape(&rel))).expect("regex");
        assert!(
            located.is_match(&stderr),
            "{rel}: no file:line:col\n{stderr}"
        );
        assert!(
            stderr.contains(&expect),
            "{rel}: expected {expect}\n{stderr}"
        );
        assert!(stderr.contains("help:"), "{rel}: no help line\n{stderr}");
        for (_, secret) in SECRETS {
            assert!(!stderr.contains(secret), "{rel}: leaks a secret\n{stderr}");
        }
        insta::assert_snapshot!(format!("validate__{stem}"), stderr);

        // The JSON report names the same problem with its position.
        let out = linkctl(&rel, &extra, true);
        let stdout = String::from_utf8(out.stdout).expect("utf-8 stdout");
        assert_eq!(out.status.code(), Some(1), "{rel}: json exit code");
        let report: serde_json::Value = serde_json::from_str(&stdout).expect("json report");
        assert_eq!(report["valid"], false, "{rel}");
        let problem = report["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .find(|p| p["code"] == expect.as_str())
            .unwrap_or_else(|| panic!("{rel}: {expect} not in {stdout}"));
        assert!(
            problem["line"].as_u64().is_some_and(|l| l >= 1),
            "{rel}: {problem}"
        );
        assert!(
            problem["column"].as_u64().is_some_and(|c| c >= 1),
            "{rel}: {problem}"
        );
        for (_, secret) in SECRETS {
            assert!(!stdout.contains(secret), "{rel}: json leaks a secret");
        }
    }
}
