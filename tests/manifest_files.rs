//! Manifests in several files (`-f DIR`, repeated `-f`): the set plans
//! exactly like the same content in one file, a cluster or link declared in
//! two files is an error that points into both, every diagnostic names its
//! own file, and `export --split DIR` writes a set that plans no changes.

mod common;
mod support;

use assert_cmd::Command;
use common::*;
use linkctl::backend::registry;
use linkctl::plan::{plan, PlanOptions};
use linkctl::state::file as state_file;
use serde_json::Value;
use support::cli::{snapshot_settings, CliEnv};

/// The seed's step 5, with a promoted mirror added.
fn seed() -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/seed/05-exclude-group.yaml"),
    )
    .expect("seed")
    .replace(
        "      - topic: demo\n",
        "      - topic: demo\n      - topic: orders\n        state: promoted\n",
    )
}

/// The seed's clusters (with its modeline), as a file of their own.
fn clusters() -> String {
    seed().split_once("links:\n").expect("links").0.to_string()
}

/// The seed's link, as a file of its own.
fn demo_link() -> String {
    format!(
        "version: 1\nlinks:\n{}",
        seed().split_once("links:\n").expect("links").1
    )
}

const AUDIT_LINK: &str = "version: 1
links:
  audit-link:
    source: europe
    destination: us
    prefix: eu.
    mirrors:
      - topic: audit
";

/// The three files' content as one manifest.
fn one_file() -> String {
    let links = |s: &str| s.split_once("links:\n").expect("links").1.to_string();
    format!(
        "{}links:\n{}{}",
        clusters(),
        links(&demo_link()),
        links(AUDIT_LINK)
    )
}

/// A live state where `demo-link` exists with its mirrors and older
/// filters, and `audit-link` does not.
fn live_state() -> linkctl::state::LiveState {
    let before = manifest(
        &one_file()
            .replace("        - exclude: my-consumer-group\n", "")
            .replace("        state: promoted\n", ""),
    );
    let mut only_demo = before.clone();
    only_demo.links.retain(|name, _| name.value == "demo-link");
    let live = seed_live();
    let p = plan(
        &only_demo,
        &live,
        &PlanOptions::default(),
        &registry::models(),
    );
    apply(&only_demo, &live, &p)
}

/// A temporary directory with `set/` in it.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("set")).expect("mkdir");
    dir
}

/// [`workdir`] with the clusters and the demo link in `set/`, in files of
/// these names.
fn workdir_with(clusters_file: &str, demo_link_file: &str) -> tempfile::TempDir {
    let dir = workdir();
    write(dir.path(), &format!("set/{clusters_file}"), &clusters());
    write(dir.path(), &format!("set/{demo_link_file}"), &demo_link());
    dir
}

/// Writes `text` to `file` under `d`.
fn write(d: &std::path::Path, file: &str, text: &str) {
    std::fs::write(d.join(file), text).expect("write");
}

fn linkctl(dir: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("linkctl").expect("binary");
    c.current_dir(dir)
        .env_remove("LINKCTL_FILE")
        .env("NO_COLOR", "1");
    c
}

fn stdout(c: &mut Command, code: i32) -> String {
    let a = c.assert().code(code);
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

#[test]
fn a_manifest_split_across_three_files_plans_like_one_file() {
    let dir = workdir_with("clusters.yaml", "demo-link.yml");
    let d = dir.path();
    write(d, "set/audit-link.yaml", AUDIT_LINK);
    // Not read: another extension, and a subdirectory.
    write(d, "set/README.md", "not yaml");
    std::fs::create_dir(d.join("set/old")).expect("mkdir");
    write(d, "set/old/x.yaml", "version: 2\n");
    write(d, "one.yaml", &one_file());
    state_file::save(&d.join("live.json"), &live_state()).expect("state");

    for format in ["text", "json", "markdown"] {
        let plan_of = |files: &[&str]| {
            let mut c = linkctl(d);
            for f in files {
                c.args(["-f", f]);
            }
            c.args([
                "plan",
                "--state",
                "live.json",
                "--detailed-exitcode",
                "--format",
                format,
            ]);
            stdout(&mut c, 2)
        };
        let single = plan_of(&["one.yaml"]);
        assert!(single.contains("audit-link"), "{single}");
        assert_eq!(plan_of(&["set"]), single, "-f DIR ({format})");
        assert_eq!(
            plan_of(&[
                "set/demo-link.yml",
                "set/audit-link.yaml",
                "set/clusters.yaml"
            ]),
            single,
            "repeated -f ({format})"
        );
    }
    // The saved plans carry the same manifest fingerprint, so a plan made
    // from one layout applies with the other.
    let fingerprint = |f: &str, out: &str| {
        stdout(
            linkctl(d).args(["-f", f, "plan", "--state", "live.json", "-o", out]),
            0,
        );
        let v: Value = serde_json::from_str(&std::fs::read_to_string(d.join(out)).expect("plan"))
            .expect("JSON");
        v["manifest_fingerprint"].clone()
    };
    assert_eq!(
        fingerprint("one.yaml", "a.json"),
        fingerprint("set", "b.json")
    );
    let valid = stdout(linkctl(d).args(["-f", "set", "validate"]), 0);
    assert_eq!(valid, "✓ set is valid: 2 clusters, 2 links, 3 mirrors\n");
}

#[test]
fn duplicates_and_problems_point_into_their_own_files() {
    let dir = workdir_with("a-clusters.yaml", "b-demo.yaml");
    let d = dir.path();
    // Team C copied the europe cluster and the demo link, and mirrors
    // `demo` into the same topic through another link.
    let team_c = format!(
        "version: 1\nclusters:\n  europe:\n    bootstrap: 127.0.0.1:29092\n    rest: http://127.0.0.1:28090/kafka\n{}\n  other-link:\n    source: us\n    destination: europe\n    mirrors:\n      - topic: demo\n",
        demo_link().trim_start_matches("version: 1\n").trim_end()
    );
    write(d, "set/c-team.yaml", &team_c);
    let a = linkctl(d).args(["-f", "set", "validate"]).assert().code(1);
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    let json = stdout(
        linkctl(d).args(["-f", "set", "validate", "--format", "json"]),
        1,
    );
    let v: Value = serde_json::from_str(&json).expect("JSON");
    let places: Vec<String> = v["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            format!(
                "{} {}:{}:{}",
                p["code"].as_str().unwrap_or(""),
                p["file"].as_str().unwrap_or(""),
                p["line"],
                p["column"]
            )
        })
        .collect();

    // Syntax and shape errors in two files are reported at once, each in
    // its file.
    write(d, "set/b-demo.yaml", "version: 1\nlinks:\n  demo-link: [\n");
    write(
        d,
        "set/c-team.yaml",
        "version: 1\nlinks:\n  x:\n    source: us\n    destinaton: europe\n",
    );
    let a = linkctl(d).args(["-f", "set", "plan"]).assert().code(1);
    let syntax = String::from_utf8_lossy(&a.get_output().stderr).into_owned();

    let env = CliEnv::start();
    let s = snapshot_settings(&env);
    s.bind(|| {
        insta::assert_snapshot!(
            "manifest_files__duplicates",
            format!(
                "--- validate -f set\n{stderr}--- validate -f set --format json: code file:line:column\n{}\n--- plan -f set (two files that do not parse)\n{syntax}",
                places.join("\n")
            )
        )
    });
}

#[test]
fn export_split_writes_a_set_that_every_command_reads() {
    let env = CliEnv::seeded("02-mirror.yaml");
    assert_eq!(env.run(&["apply", "--auto-approve"]).code, 0);
    let r = env.run_exits(0, &["export", "--split", "exported"]);
    assert_eq!(r.stderr, "Exported 1 link(s) to exported (2 files).\n");
    let mut files: Vec<String> = std::fs::read_dir(env.dir.path().join("exported"))
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["clusters.yaml", "link-demo-link.yaml"]);
    let link = std::fs::read_to_string(env.dir.path().join("exported/link-demo-link.yaml"))
        .expect("link file");
    assert!(!link.contains("clusters:"), "{link}");

    let r = env.run_exits(0, &["-f", "exported", "plan", "--detailed-exitcode"]);
    assert_eq!(r.stdout, "No changes. Live state matches the manifest.\n");
    env.run_exits(0, &["-f", "exported", "validate"]);
    env.run_exits(0, &["-f", "exported", "apply", "--auto-approve"]);
    let r = env.run_no_kafka(&["-f", "exported", "status", "--format", "json"]);
    assert_eq!(r.code, 0, "{r:#?}");
    env.run_exits(0, &["-f", "exported", "export", "--split", "again"]);
    // Into a directory that already holds manifests: refused.
    let r = env.run_exits(1, &["export", "--split", "exported"]);
    assert!(r.stderr.contains("already holds manifest files"), "{r:#?}");
}

#[test]
fn the_ci_example_set_validates() {
    let mut c = linkctl(std::path::Path::new(env!("CARGO_MANIFEST_DIR")));
    for v in [
        "ONPREM_API_KEY",
        "ONPREM_API_SECRET",
        "CLOUD_API_KEY",
        "CLOUD_API_SECRET",
        "ORDERS_LINK_JAAS",
    ] {
        c.env(v, "set-by-the-ci");
    }
    let out = stdout(
        c.args(["-f", "examples/ci/replication", "validate", "--strict"]),
        0,
    );
    assert_eq!(
        out,
        "✓ examples/ci/replication is valid: 2 clusters, 1 link, 2 mirrors\n"
    );
}
