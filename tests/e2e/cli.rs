//! Running the real `linkctl` binary.

use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A seed step's manifest, for the stack the suite runs on.
pub fn manifest(step: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(crate::stack::get().examples)
        .join(step)
}

/// The binary, with the stack's credentials in its environment (the secure
/// manifests name them as `${env:…}`).
pub fn command() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_linkctl"));
    c.env("NO_COLOR", "1");
    if let Some(s) = &crate::stack::get().secure {
        c.envs(s.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    }
    c
}

/// Runs linkctl; on the secure stack, an output holding a secret is recorded.
pub fn linkctl(args: &[&str]) -> Run {
    run(command().args(args), &args.join(" "))
}

pub fn run(c: &mut Command, what: &str) -> Run {
    let r = match c.output() {
        Ok(o) => Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        },
        Err(e) => Run {
            code: -1,
            stdout: String::new(),
            stderr: format!("cannot run linkctl: {e}"),
        },
    };
    crate::stack::check_leaks(what, &r.stdout, &r.stderr);
    r
}

fn show(what: &str, r: &Run) -> String {
    format!(
        "{what} exited {}\n--- stdout\n{}--- stderr\n{}",
        r.code, r.stdout, r.stderr
    )
}

/// `linkctl -f PATH apply --auto-approve` for any manifest file, which
/// must succeed (its output is printed for the log).
pub fn apply_file(f: &Path) -> Result<Run, String> {
    let path = f.to_str().unwrap_or_default();
    let r = linkctl(&["-f", path, "apply", "--auto-approve"]);
    println!("$ linkctl -f {path} apply --auto-approve\n{}", r.stdout);
    if r.code != 0 {
        return Err(show("apply", &r));
    }
    Ok(r)
}

/// `linkctl -f PATH plan --detailed-exitcode` must report no changes (exit 0).
pub fn plan_is_empty_file(f: &Path) -> Result<(), String> {
    let r = linkctl(&[
        "-f",
        f.to_str().unwrap_or_default(),
        "plan",
        "--detailed-exitcode",
    ]);
    if r.code != 0 {
        return Err(show("plan after apply (expected no changes)", &r));
    }
    Ok(())
}

/// [`apply_file`] of a seed step's manifest.
pub fn apply(step: &str) -> Result<Run, String> {
    apply_file(&manifest(step))
}

/// [`plan_is_empty_file`] of a seed step's manifest.
pub fn plan_is_empty(step: &str) -> Result<(), String> {
    plan_is_empty_file(&manifest(step))
}

/// `linkctl -f FILE status [--groups] --format json`, parsed.
pub fn status_json(step: &str, groups: bool) -> Result<serde_json::Value, String> {
    let f = manifest(step);
    let mut args = vec![
        "-f",
        f.to_str().unwrap_or_default(),
        "status",
        "--format",
        "json",
    ];
    if groups {
        args.push("--groups");
    }
    let r = linkctl(&args);
    if r.code != 0 {
        return Err(show("status", &r));
    }
    serde_json::from_str(&r.stdout).map_err(|e| format!("status JSON: {e}\n{}", r.stdout))
}

/// `linkctl -f FILE status [--groups]` as text (printed for the log).
pub fn status_text(step: &str, groups: bool) -> Result<String, String> {
    let f = manifest(step);
    let mut args = vec!["-f", f.to_str().unwrap_or_default(), "status"];
    if groups {
        args.push("--groups");
    }
    let r = linkctl(&args);
    println!(
        "$ linkctl -f {step} status{}\n{}",
        if groups { " --groups" } else { "" },
        r.stdout
    );
    if r.code != 0 {
        return Err(show("status", &r));
    }
    Ok(r.stdout)
}
