//! Driving the real `linkctl` binary against two Confluent doubles (`us` and
//! `europe`), with manifests in a temporary directory.
//!
//! The doubles run on a runtime owned by [`CliEnv`], so tests are plain
//! synchronous `#[test]`s and the binary runs as a child process.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::confluent_double::{Double, Fault, TlsSetup};

/// The seed manifests' REST endpoints, replaced by the doubles' URLs.
const US_REST: &str = "http://127.0.0.1:18090/kafka";
const EU_REST: &str = "http://127.0.0.1:28090/kafka";

pub struct CliEnv {
    pub us: Double,
    pub eu: Double,
    pub dir: tempfile::TempDir,
    // Last: the doubles' server tasks live on it.
    _rt: tokio::runtime::Runtime,
}

/// What one run of the binary gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A run of the binary in the background, its stdout read line by line.
pub struct Running {
    child: std::process::Child,
    lines: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
    /// The stdout lines read so far.
    pub seen: Vec<String>,
}

impl Running {
    /// Reads stdout until a line for which `stop` holds (kept), or its end.
    pub fn read_until(&mut self, stop: impl Fn(&str) -> bool) {
        for line in self.lines.by_ref() {
            let Ok(line) = line else { break };
            let done = stop(&line);
            self.seen.push(line);
            if done {
                break;
            }
        }
    }

    /// Sends SIGINT; the whole run once it exited, and how long after the
    /// signal that was.
    pub fn interrupt(mut self) -> (Run, std::time::Duration) {
        let at = std::time::Instant::now();
        let kill = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(kill.success());
        self.seen.extend(self.lines.map_while(Result::ok));
        let status = self.child.wait().expect("wait");
        let took = at.elapsed();
        let mut stderr = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
        }
        let run = Run {
            code: status.code().unwrap_or(-1),
            stdout: self.seen.join("\n"),
            stderr,
        };
        (run, took)
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Self {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl CliEnv {
    pub fn start() -> Self {
        Self::with_doubles(None)
    }

    /// Plain HTTP doubles serving these cluster ids (`us`, `europe`).
    pub fn start_ids(us: &str, eu: &str) -> Self {
        Self::with_ids((us, eu), None)
    }

    /// [`Self::start`], with the seed step `name` as `linkctl.yaml` (see
    /// [`Self::seed_step`]).
    pub fn seeded(name: &str) -> Self {
        let env = Self::start();
        env.seed_step(name);
        env
    }

    /// [`Self::start`], with the seed step `name` as `linkctl.yaml`,
    /// `settings` added to its link's `config` (see
    /// [`Self::seed_with_config`]).
    pub fn seeded_with_config(name: &str, settings: &str) -> Self {
        let env = Self::start();
        env.write_manifest("linkctl.yaml", &env.seed_with_config(name, settings));
        env
    }

    /// Both doubles over HTTPS, requiring client certificates (`us`, `europe`).
    pub fn start_tls(us: TlsSetup, eu: TlsSetup) -> Self {
        Self::with_doubles(Some((us, eu)))
    }

    fn with_doubles(tls: Option<(TlsSetup, TlsSetup)>) -> Self {
        Self::with_ids(("us-cluster", "eu-cluster"), tls)
    }

    fn with_ids((us_id, eu_id): (&str, &str), tls: Option<(TlsSetup, TlsSetup)>) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let (us, eu) = rt.block_on(async {
            match tls {
                None => (Double::start(us_id).await, Double::start(eu_id).await),
                Some((us, eu)) => (
                    Double::start_tls(us_id, us).await,
                    Double::start_tls(eu_id, eu).await,
                ),
            }
        });
        Self {
            us,
            eu,
            dir: tempfile::tempdir().expect("tempdir"),
            _rt: rt,
        }
    }

    /// A seed manifest (`examples/seed/NAME`) pointed at the doubles, written
    /// to the temp dir as `linkctl.yaml`. Bootstraps point nowhere: the
    /// Confluent path must not need Kafka.
    pub fn seed_step(&self, name: &str) -> PathBuf {
        self.write_manifest("linkctl.yaml", &self.seed_text(name))
    }

    /// The seed manifest `examples/seed/{name}`, pointed at the doubles.
    pub fn seed_text(&self, name: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/seed")
            .join(name);
        let text = std::fs::read_to_string(&path).expect("seed manifest");
        self.point_at_doubles(&text)
    }

    /// [`Self::seed_text`] with `settings` (lines of YAML indented for a
    /// link's `config`) added to the link's `config`.
    pub fn seed_with_config(&self, name: &str, settings: &str) -> String {
        self.seed_text(name)
            .replace("    config:\n", &format!("    config:\n{settings}"))
    }

    /// `text` with the seed's REST URLs replaced by the doubles' and its
    /// bootstraps by an address nothing listens on.
    pub fn point_at_doubles(&self, text: &str) -> String {
        let out = text
            .replace(US_REST, &self.us.rest_url())
            .replace(EU_REST, &self.eu.rest_url())
            .replace("127.0.0.1:19092", "no-kafka.invalid:19092")
            .replace("127.0.0.1:29092", "no-kafka.invalid:29092");
        assert!(out.contains(&self.us.rest_url()) && out.contains(&self.eu.rest_url()));
        out
    }

    pub fn write_manifest(&self, file: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(file);
        std::fs::write(&p, text).expect("write manifest");
        p
    }

    /// The binary, in the temp dir, with fast engine timings and no colour.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_linkctl"));
        c.current_dir(self.dir.path())
            .env_remove("LINKCTL_FILE")
            .env("NO_COLOR", "1")
            .env("LINKCTL_RETRY_BACKOFF_MS", "5")
            .env("LINKCTL_POLL_INTERVAL_MS", "10")
            .stdin(std::process::Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(&[], args)
    }

    /// Starts the binary with `args` in the background (stdout and stderr
    /// piped).
    pub fn spawn(&self, args: &[&str]) -> Running {
        let mut child = self
            .cmd()
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run linkctl");
        let stdout = child.stdout.take().expect("stdout");
        Running {
            child,
            lines: std::io::BufRead::lines(std::io::BufReader::new(stdout)),
            seen: Vec::new(),
        }
    }

    /// [`Self::run`], which must exit with `code`.
    #[track_caller]
    pub fn run_exits(&self, code: i32, args: &[&str]) -> Run {
        let r = self.run(args);
        assert_eq!(r.code, code, "{args:?}: {r:#?}");
        r
    }

    /// [`Self::run`] with these environment variables set.
    pub fn run_with(&self, vars: &[(&str, &str)], args: &[&str]) -> Run {
        let mut c = self.cmd();
        c.envs(vars.iter().copied());
        c.args(args).output().expect("run linkctl").into()
    }

    /// [`Self::run`] with a short Kafka timeout: the doubles hold no Kafka,
    /// and commands that read it (`status`) then report it unreadable fast.
    pub fn run_no_kafka(&self, args: &[&str]) -> Run {
        self.run_with(&[("LINKCTL_KAFKA_TIMEOUT_MS", "300")], args)
    }

    /// `status --format json`, which must succeed (see [`Self::run_no_kafka`]).
    pub fn status_json(&self) -> serde_json::Value {
        let status = self.run_no_kafka(&["status", "--format", "json"]);
        assert_eq!(status.code, 0, "{status:#?}");
        serde_json::from_str(&status.stdout).expect("status JSON")
    }

    /// An environment with [`Self::seed_three_mirrors`] as `linkctl.yaml`
    /// where the second mirror create fails for good (with `message`: see
    /// [`Fault::second_mirror_create_fails`]).
    pub fn second_of_three_mirrors_failing(message: &str) -> Self {
        let env = Self::start();
        env.seed_three_mirrors();
        env.eu.add_fault(Fault::second_mirror_create_fails(message));
        env
    }

    /// `examples/seed/02-mirror.yaml` with the mirrors `demo`, `orders` and
    /// `payments`, pointed at the doubles, as `linkctl.yaml`.
    pub fn seed_three_mirrors(&self) -> PathBuf {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed/02-mirror.yaml");
        let text = std::fs::read_to_string(path).expect("seed").replace(
            "    mirrors:\n      - topic: demo\n",
            "    mirrors:\n      - topic: demo\n      - topic: orders\n      - topic: payments\n",
        );
        self.write_manifest("linkctl.yaml", &self.point_at_doubles(&text))
    }

    /// Every write (non-GET) either double received, rendered, but those
    /// of the apply lock (see [`Self::lock_writes`]).
    pub fn writes(&self) -> Vec<String> {
        self.writes_where(false)
    }

    /// The apply lock's writes either double received, rendered.
    pub fn lock_writes(&self) -> Vec<String> {
        self.writes_where(true)
    }

    /// The writes either double received, rendered: the apply lock's
    /// (`lock`) or all the others.
    fn writes_where(&self, lock: bool) -> Vec<String> {
        let mut w: Vec<String> = Vec::new();
        for (name, d) in [("us", &self.us), ("europe", &self.eu)] {
            w.extend(
                d.log()
                    .iter()
                    .filter(|r| !r.is_read() && r.is_lock() == lock)
                    .map(|r| format!("{name}: {}", r.render())),
            );
        }
        w
    }

    pub fn clear_logs(&self) {
        self.us.clear_log();
        self.eu.clear_log();
    }
}

/// `stderr` without the waiting lines linkctl writes while an endpoint is
/// slow or retried (`reading us (Kafka): …, 14 s left`): the doubles'
/// manifests point Kafka at an address nothing answers.
pub fn without_waiting(stderr: &str) -> String {
    let waiting = regex::Regex::new(
        r"^(reading|writing) \S+ \((Kafka|Confluent REST|Kafka Connect)\): .*, \d+ s left$",
    )
    .expect("regex");
    stderr
        .lines()
        .filter(|l| !waiting.is_match(l))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Fails (showing `text`) unless `text` contains `needle`.
#[track_caller]
pub fn assert_has(text: &str, needle: &str) {
    assert!(text.contains(needle), "{needle:?} not found in:\n{text}");
}

/// Snapshot settings: top-level `snapshots/`, no module prefix, and the
/// doubles' ports and wall-clock timings filtered out.
pub fn snapshot_settings(env: &CliEnv) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.add_filter(&regex::escape(&env.us.rest_url()), "[us-rest]");
    s.add_filter(&regex::escape(&env.eu.rest_url()), "[europe-rest]");
    s.add_filter(
        &regex::escape(&env.dir.path().display().to_string()),
        "[tmp]",
    );
    // The overall progress line an apply prints every few seconds depends
    // on how long it runs: only the first (`apply: 0/N done, …`, before
    // anything starts) stays in a snapshot. tests/apply_progress.rs tests
    // the others on a fake clock.
    s.add_filter(r"(?m)^apply: .*running longest.*\n", "");
    s.add_filter(r"(?m)^apply: [1-9][0-9]*/.*\n", "");
    s.add_filter(r"\b\d+(\.\d+)?\s?(ms|s|µs)\b", "[time]");
    s
}
