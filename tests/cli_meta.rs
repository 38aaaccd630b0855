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
