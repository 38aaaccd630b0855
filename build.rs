//! Names the git commit in `linkctl --version`.
//!
//! Sets `LINKCTL_GIT_COMMIT` from `git rev-parse --short=12 HEAD`. Outside a
//! git checkout (a source tarball, `cargo install` from a registry) or
//! without git, `LINKCTL_GIT_COMMIT` from the build environment is used
//! when set, else `unknown`. Cargo reruns this when HEAD or the branch it
//! points at moves.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn main() {
    println!("cargo:rerun-if-env-changed=LINKCTL_GIT_COMMIT");
    let commit = git(&["rev-parse", "--short=12", "HEAD"])
        .or_else(|| std::env::var("LINKCTL_GIT_COMMIT").ok())
        .unwrap_or_else(|| "unknown".to_string());
    // Rebuild when a commit is made or another one checked out (worktrees
    // included: git answers where their HEAD and refs live).
    for path in [
        git(&["rev-parse", "--git-path", "HEAD"]),
        git(&["rev-parse", "--symbolic-full-name", "HEAD"])
            .and_then(|r| git(&["rev-parse", "--git-path", &r])),
        git(&["rev-parse", "--git-path", "packed-refs"]),
    ]
    .into_iter()
    .flatten()
    {
        if std::path::Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    println!("cargo:rustc-env=LINKCTL_GIT_COMMIT={commit}");
}
