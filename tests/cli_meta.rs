//! What the binary says about itself: `--version` with the git commit, the
//! man pages (clap_mangen) and shell completions.

use assert_cmd::Command;

fn linkctl() -> Command {
    Command::cargo_bin("linkctl").expect("binary")
}

fn stdout(c: &mut Command) -> String {
    let a = c.assert().success();
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

#[test]
fn version_names_the_git_commit() {
    let v = stdout(linkctl().arg("--version"));
    let re = regex::Regex::new(r"^linkctl \d+\.\d+\.\d+ \(commit [0-9a-f]{7,40}\)\n$").expect("re");
    assert!(re.is_match(&v), "{v:?}");
}

#[test]
fn man_pages_and_completions_come_from_the_binary() {
    let page = stdout(linkctl().arg("man"));
    assert!(page.contains(".TH linkctl 1"), "{page}");
    assert!(page.contains("show"), "subcommands are listed");
    let dir = tempfile::tempdir().expect("tempdir");
    linkctl()
        .args(["man", "--out-dir"])
        .arg(dir.path())
        .assert()
        .success();
    for page in ["linkctl.1", "linkctl-plan.1", "linkctl-show.1"] {
        assert!(dir.path().join(page).is_file(), "{page}");
    }
    let bash = stdout(linkctl().args(["completions", "bash"]));
    assert!(bash.contains("linkctl__subcmd__show"), "{bash}");
}

/// A run's exit code and standard error, in a fresh directory (nothing is
/// read there: these runs stop at the arguments).
fn refused(args: &[&str]) -> (i32, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = linkctl()
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env_remove("LINKCTL_FILE")
        .args(args)
        .output()
        .expect("run linkctl");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        dir,
    )
}

fn snapshot_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s
}

#[test]
fn usage_errors_exit_1_never_2() {
    // 2 is `plan --detailed-exitcode`'s "changes pending": a typo in a
    // drift job must not read as drift.
    for args in [
        &["plan", "--detailed-exitcode", "--lnk", "x"][..],
        &["plan", "--no-such-flag"][..],
        &["no-such-command"][..],
        &["apply", "--parallelism", "0"][..],
        &["--timeout", "soon", "plan"][..],
        &[][..],
    ] {
        let (code, stderr, _dir) = refused(args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(
            stderr.contains("error") || stderr.contains("Usage"),
            "{args:?}: {stderr}"
        );
    }
    let (code, stderr, _dir) = refused(&["plan", "--detailed-exitcode", "--lnk", "x"]);
    assert_eq!(code, 1);
    snapshot_settings().bind(|| insta::assert_snapshot!("cli_meta__unknown_flag", stderr));
    // Help and version are no errors.
    stdout(linkctl().arg("--help"));
    stdout(linkctl().args(["plan", "--help"]));
    stdout(linkctl().arg("--version"));
}

#[test]
fn dash_o_refuses_a_mistaken_flag_or_a_format_with_a_hint() {
    let mut shown = String::new();
    for args in [
        &["plan", "-out=x.plan"][..],
        &["plan", "-o", "json"][..],
        &["plan", "-o", "yaml"][..],
        &["plan", "-o", "markdown"][..],
        &["plan", "-o", "text"][..],
        &["export", "-o", "json"][..],
    ] {
        let (code, stderr, dir) = refused(args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        let written: Vec<_> = std::fs::read_dir(dir.path())
            .expect("read dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert!(written.is_empty(), "{args:?} wrote {written:?}");
        shown.push_str(&format!("$ linkctl {}\n{stderr}\n", args.join(" ")));
    }
    snapshot_settings().bind(|| insta::assert_snapshot!("cli_meta__dash_o_mistakes", shown));
}

#[test]
fn export_refuses_a_format_it_cannot_write() {
    for format in ["json", "markdown"] {
        let (code, stderr, _dir) = refused(&["export", "--format", format]);
        assert_eq!(code, 1, "{format}: {stderr}");
        assert_eq!(
            stderr,
            format!(
                "error: export writes a YAML manifest and cannot write `--format {format}`; leave `--format` out\n"
            )
        );
    }
    // The default (text) goes on to read the manifest: here there is none.
    let (code, stderr, _dir) = refused(&["export"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("linkctl.yaml"), "{stderr}");
}
