//! Running the linkctl binary and collecting timed rows
//! (`SCALE_BENCH_VERBOSE=1` prints every command's output).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The binary under measurement.
pub fn binary() -> PathBuf {
    std::env::var_os("LINKCTL_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_linkctl")))
}

/// One run of the binary.
pub struct Ran {
    pub code: i32,
    pub secs: f64,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `linkctl -f manifest ARGS` in `dir` with plain output.
pub fn linkctl(dir: &Path, manifest: &Path, args: &[&str], env: &[(&str, &str)]) -> Ran {
    let mut c = Command::new(binary());
    c.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("LINKCTL_FILE")
        .arg("-f")
        .arg(manifest)
        .args(args)
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    let t = Instant::now();
    let verbose = std::env::var_os("SCALE_BENCH_VERBOSE").is_some();
    match c.output() {
        Ok(o) if verbose => {
            let r = Ran {
                code: o.status.code().unwrap_or(-1),
                secs: t.elapsed().as_secs_f64(),
                stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            };
            println!("$ linkctl {}\n{}{}", args.join(" "), r.stdout, r.stderr);
            r
        }
        Ok(o) => Ran {
            code: o.status.code().unwrap_or(-1),
            secs: t.elapsed().as_secs_f64(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        },
        Err(e) => Ran {
            code: -1,
            secs: 0.0,
            stdout: String::new(),
            stderr: format!("cannot run {}: {e}", binary().display()),
        },
    }
}

impl Ran {
    /// Fails unless the exit code is one of `ok`.
    pub fn expect(self, what: &str, ok: &[i32]) -> Result<Ran, String> {
        if ok.contains(&self.code) {
            return Ok(self);
        }
        let tail = |s: &str| {
            let lines: Vec<&str> = s.lines().collect();
            lines[lines.len().saturating_sub(25)..].join("\n")
        };
        // The failures themselves, wherever they are in a long output.
        let failures: Vec<&str> = self
            .stdout
            .lines()
            .chain(self.stderr.lines())
            .filter(|l| l.contains("FAILED") || l.starts_with("error"))
            .take(10)
            .collect();
        Err(format!(
            "{what} exited {}\n--- failures\n{}\n--- stdout (tail)\n{}\n--- stderr (tail)\n{}",
            self.code,
            failures.join("\n"),
            tail(&self.stdout),
            tail(&self.stderr)
        ))
    }
}

/// One measured command.
pub struct Row {
    pub command: String,
    pub secs: f64,
    /// Requests by kind during the command.
    pub requests: BTreeMap<String, usize>,
}

/// The rows of one scenario.
pub struct Table {
    pub title: String,
    pub rows: Vec<Row>,
}

impl Table {
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, command: &str, secs: f64, requests: BTreeMap<String, usize>) {
        println!("  {command}: {secs:.2} s");
        self.rows.push(Row {
            command: command.to_string(),
            secs,
            requests,
        });
    }

    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "\n## {}\n", self.title);
        let _ = writeln!(s, "| command | wall time | requests (total) | by kind |");
        let _ = writeln!(s, "|---|---:|---:|---|");
        for r in &self.rows {
            let total: usize = r.requests.values().sum();
            let kinds: Vec<String> = r
                .requests
                .iter()
                .map(|(k, n)| format!("{k} ×{n}"))
                .collect();
            let _ = writeln!(
                s,
                "| {} | {:.2} s | {total} | {} |",
                r.command,
                r.secs,
                kinds.join(", ")
            );
        }
        s
    }
}
