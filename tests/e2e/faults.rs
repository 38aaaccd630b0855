//! Faults on the real stack: Kafka Connect frozen (SIGSTOP) and killed
//! (SIGKILL), the destination broker killed, and `apply` interrupted
//! (SIGINT) while it waits. Each fault ends in a report naming what failed,
//! within a bounded time, and a second `apply` converges with `plan` empty.
//!
//! The processes are the ones `scripts/local-kafka.sh up` started: their
//! PIDs come from its run directory, and `scripts/local-kafka.sh up` starts
//! again whatever was killed (data directories are kept). What each fault
//! printed and how long it took goes to the test log.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::connect_proxy::ConnectProxy;

use crate::cli::{self, Run};
use crate::stack::{EUROPE, US};
use crate::{connect, kafka, manifests};

const PREFIX: &str = "fault-";
const MIRRORS: usize = 10;

/// The local stack's processes, by the names `scripts/local-kafka.sh` uses.
pub(crate) mod procs {
    use std::path::PathBuf;
    use std::process::Command;

    fn run_dir() -> PathBuf {
        match std::env::var_os("LINKCTL_RUN_DIR") {
            Some(d) => PathBuf::from(d),
            None => std::env::temp_dir().join("linkctl-local"),
        }
    }

    pub fn pid(name: &str) -> Result<String, String> {
        let f = run_dir().join("pids").join(format!("{name}.pid"));
        let pid =
            std::fs::read_to_string(&f).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
        let pid = pid.trim().to_string();
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{} holds no PID", f.display()));
        }
        Ok(pid)
    }

    /// `kill -SIG pid`.
    pub fn signal_pid(pid: &str, sig: &str) -> Result<(), String> {
        let s = Command::new("kill")
            .args([&format!("-{sig}"), pid])
            .status()
            .map_err(|e| format!("cannot run kill: {e}"))?;
        if !s.success() {
            return Err(format!("kill -{sig} {pid} failed"));
        }
        Ok(())
    }

    pub fn signal(name: &str, sig: &str) -> Result<(), String> {
        signal_pid(&pid(name)?, sig)
    }

    /// Starts again whatever process of the stack is not running.
    pub fn restart() -> Result<(), String> {
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/local-kafka.sh");
        let out = Command::new(script)
            .arg("up")
            .output()
            .map_err(|e| format!("cannot run scripts/local-kafka.sh up: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "scripts/local-kafka.sh up failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(())
    }

    /// A process stopped with SIGSTOP until this is dropped (SIGCONT), so a
    /// failing step never leaves the stack frozen for the next one.
    pub struct Frozen(String);

    impl Frozen {
        pub fn new(name: &str) -> Result<Self, String> {
            let pid = pid(name)?;
            signal_pid(&pid, "STOP")?;
            Ok(Self(pid))
        }
    }

    impl Drop for Frozen {
        fn drop(&mut self) {
            let _ = signal_pid(&self.0, "CONT");
        }
    }
}

fn topics(link: &str) -> Vec<String> {
    (0..MIRRORS).map(|i| format!("{link}-{i:03}")).collect()
}

fn mirrors(link: &str) -> Vec<(String, &'static str)> {
    topics(link).into_iter().map(|t| (t, "active")).collect()
}

/// The source topics of `link` on us, and a manifest `name` in a new
/// temporary directory mirroring them through the Kafka Connect at `connect`.
async fn link_with_topics(
    link: &str,
    connect: &str,
    name: &str,
) -> Result<(tempfile::TempDir, PathBuf), String> {
    kafka::create_topics(US, &topics(link), 1).await?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let f = write(
        dir.path(),
        name,
        &manifests::mm2(connect, Some(link), &mirrors(link)),
    )?;
    Ok((dir, f))
}

/// A manifest file in `dir`.
pub(crate) fn write(dir: &Path, name: &str, text: &str) -> Result<PathBuf, String> {
    let p = dir.join(name);
    std::fs::write(&p, text).map_err(|e| e.to_string())?;
    Ok(p)
}

pub(crate) fn arg(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

/// Runs linkctl, printing the command, what it printed and how long it took.
pub(crate) fn timed(args: &[&str]) -> (Run, Duration) {
    let t = Instant::now();
    let r = cli::linkctl(args);
    let took = t.elapsed();
    println!(
        "$ linkctl {}\n[exit {} after {:.1} s]\n{}{}",
        args.join(" "),
        r.code,
        took.as_secs_f64(),
        r.stdout,
        r.stderr
    );
    (r, took)
}

/// A linkctl run in the background, its output collected by threads (so a
/// full pipe never blocks it).
pub(crate) struct Background {
    child: Child,
    out: std::thread::JoinHandle<String>,
    err: std::thread::JoinHandle<String>,
    /// What the run has written to stderr so far.
    err_so_far: std::sync::Arc<std::sync::Mutex<String>>,
}

/// Reads `r` to its end in a thread; `so_far` follows the text as it comes.
fn collect(
    r: Option<impl Read + Send + 'static>,
    so_far: std::sync::Arc<std::sync::Mutex<String>>,
) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut r) = r {
            let mut buf = [0u8; 4096];
            while let Ok(n) = r.read(&mut buf) {
                if n == 0 {
                    break;
                }
                bytes.extend_from_slice(&buf[..n]);
                if let Ok(mut s) = so_far.lock() {
                    *s = String::from_utf8_lossy(&bytes).into_owned();
                }
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

impl Background {
    pub(crate) fn start(args: &[&str]) -> Result<Self, String> {
        Self::start_with(&[], args)
    }

    /// [`Background::start`] with `vars` added to linkctl's environment.
    pub(crate) fn start_with(vars: &[(&str, &str)], args: &[&str]) -> Result<Self, String> {
        println!("$ linkctl {} &", args.join(" "));
        let mut child = cli::command()
            .args(args)
            .envs(vars.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run linkctl: {e}"))?;
        let err_so_far = std::sync::Arc::default();
        let out = collect(child.stdout.take(), std::sync::Arc::default());
        let err = collect(child.stderr.take(), std::sync::Arc::clone(&err_so_far));
        Ok(Self {
            child,
            out,
            err,
            err_so_far,
        })
    }

    /// What the run has written to stderr until now.
    pub(crate) fn stderr_so_far(&self) -> String {
        self.err_so_far
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, and the exit reaped.
    pub(crate) fn kill(mut self) -> Result<(), String> {
        self.child.kill().map_err(|e| e.to_string())?;
        let _ = self.child.wait();
        Ok(())
    }

    pub(crate) fn signal(&self, sig: &str) -> Result<(), String> {
        procs::signal_pid(&self.child.id().to_string(), sig)
    }

    /// Waits at most `limit` for the exit; kills it after that.
    pub(crate) fn finish(mut self, limit: Duration) -> Result<Run, String> {
        let deadline = Instant::now() + limit;
        let code = loop {
            match self.child.try_wait() {
                Ok(Some(s)) => break s.code().unwrap_or(-1),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                Ok(None) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return Err(format!("linkctl did not exit within {limit:?}"));
                }
                Err(e) => return Err(e.to_string()),
            }
        };
        let r = Run {
            code,
            stdout: self.out.join().unwrap_or_default(),
            stderr: self.err.join().unwrap_or_default(),
        };
        println!(
            "[pid {} exit {code}]\n{}{}",
            self.child.id(),
            r.stdout,
            r.stderr
        );
        Ok(r)
    }
}

/// Polls `probe` every 20 ms for at most `limit`.
pub(crate) async fn until(
    what: &str,
    limit: Duration,
    mut probe: impl AsyncProbe,
) -> Result<(), String> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if probe.check().await? {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Err(format!("timed out after {limit:?} waiting for {what}"))
}

pub(crate) trait AsyncProbe {
    async fn check(&mut self) -> Result<bool, String>;
}

impl<F: FnMut() -> bool> AsyncProbe for F {
    async fn check(&mut self) -> Result<bool, String> {
        Ok(self())
    }
}

/// Connector `name` exists on the real worker.
pub(crate) struct ConnectorExists<'a>(pub(crate) &'a str);

impl AsyncProbe for ConnectorExists<'_> {
    async fn check(&mut self) -> Result<bool, String> {
        // The worker may be restarting: a refused connection is "not yet".
        Ok(connect::exists(self.0).await.unwrap_or(false))
    }
}

/// Applies `manifest` (which must converge, `plan` empty after), then
/// removes the link again with a manifest that declares none.
fn converge_then_remove(dir: &Path, manifest: &Path) -> Result<(), String> {
    let t = Instant::now();
    cli::apply_file(manifest)?;
    cli::plan_is_empty_file(manifest)?;
    println!(
        "[the rerun converged in {:.1} s]",
        t.elapsed().as_secs_f64()
    );
    let none = write(
        dir,
        "none.yaml",
        &manifests::mm2(connect::CONNECT, None, &[]),
    )?;
    cli::apply_file(&none)?;
    cli::plan_is_empty_file(&none)
}

pub(crate) fn expect(cond: bool, what: &str, r: &Run) -> Result<(), String> {
    if cond {
        return Ok(());
    }
    Err(format!(
        "{what}\n--- exit {}\n--- stdout\n{}--- stderr\n{}",
        r.code, r.stdout, r.stderr
    ))
}

/// Removes the fault links' connectors and every `fault-*` topic.
pub async fn cleanup() -> Result<(), String> {
    for link in ["fault-frozen", "fault-int", "fault-kill"] {
        connect::remove_link(link).await?;
    }
    for b in [US, EUROPE] {
        kafka::delete_topics_matching(b, |t| t.starts_with(PREFIX)).await?;
    }
    Ok(())
}

/// Kafka Connect frozen during `plan`, `apply` and `status`: each ends
/// within a few seconds of `--timeout 5`, naming the timeout and how to
/// change it, and nothing is written; after SIGCONT the apply converges.
pub async fn connect_frozen() -> Result<(), String> {
    const LINK: &str = "fault-frozen";
    let (dir, f) = link_with_topics(LINK, connect::CONNECT, "frozen.yaml").await?;
    {
        let _frozen = procs::Frozen::new("connect")?;
        for cmd in [
            &["plan"][..],
            &["apply", "--auto-approve"][..],
            &["status"][..],
        ] {
            let mut args = vec!["-f", arg(&f)];
            args.extend_from_slice(cmd);
            args.extend_from_slice(&["--timeout", "5"]);
            let (r, took) = timed(&args);
            expect(r.code == 1, &format!("`{}` should fail", cmd[0]), &r)?;
            expect(
                took < Duration::from_secs(20),
                &format!("`{}` took {took:?} with --timeout 5", cmd[0]),
                &r,
            )?;
            expect(
                r.stderr
                    .contains("Kafka Connect http://127.0.0.1:28083 did not answer within 5 s")
                    && r.stderr.contains("--timeout"),
                "the error should name Kafka Connect, the timeout and `--timeout`",
                &r,
            )?;
        }
    }
    if connect::exists(&format!("{LINK}-source")).await? {
        return Err("an apply that could not read the live state wrote a connector".into());
    }
    converge_then_remove(dir.path(), &f)
}

/// SIGINT while `apply` waits: the link's connectors are written and run,
/// the mirror step writes the topic list, then Kafka Connect stops
/// answering the wait's reads of the source connector's tasks (held in a
/// proxy). The interrupt ends the wait at once: exit 130, the link done
/// and the mirrors reported interrupted (their write was sent); the rerun
/// converges.
pub async fn sigint_while_waiting() -> Result<(), String> {
    const LINK: &str = "fault-int";
    let proxy = ConnectProxy::start(connect::CONNECT).await;
    let (dir, f) = link_with_topics(LINK, &proxy.url(), "int.yaml").await?;
    let tasks = format!("/connectors/{LINK}-source/tasks");
    proxy.hold("GET", &tasks);
    let apply = Background::start(&["-f", arg(&f), "apply", "--auto-approve"])?;
    let held = until("the wait's first read", Duration::from_secs(60), || {
        proxy.held() > 0
    })
    .await;
    if let Err(e) = held {
        proxy.release();
        let r = apply.finish(Duration::from_secs(5));
        return Err(format!("{e}: {r:?}"));
    }
    let t = Instant::now();
    apply.signal("INT")?;
    let r = apply.finish(Duration::from_secs(30));
    let took = t.elapsed();
    proxy.release();
    let r = r?;
    println!("[exit {} {:.1} s after SIGINT]", r.code, took.as_secs_f64());
    expect(r.code == 130, "an interrupted apply exits 130", &r)?;
    expect(
        took < Duration::from_secs(5),
        "the interrupt ends the wait at once",
        &r,
    )?;
    expect(
        r.stdout.contains(&format!(
            "Apply interrupted: 1 done, 0 failed, {MIRRORS} interrupted, 0 not attempted."
        )) && r.stdout.contains("interrupted while waiting for the tasks of fault-int-source to take the new topic list (sent; it may or may not have taken effect)"),
        "the report counts the link done and the mirrors interrupted after their write",
        &r,
    )?;
    expect(
        r.stdout.contains("Run `linkctl apply` again"),
        "the report says how to converge",
        &r,
    )?;
    let f = write(
        dir.path(),
        "int-direct.yaml",
        &manifests::mm2(connect::CONNECT, Some(LINK), &mirrors(LINK)),
    )?;
    let t = Instant::now();
    cli::apply_file(&f)?;
    cli::plan_is_empty_file(&f)?;
    println!(
        "[the rerun converged in {:.1} s]",
        t.elapsed().as_secs_f64()
    );

    // A link deletion interrupted halfway: both connectors are stopped
    // together, the source connector's stop is held and the apply
    // interrupted (the stop then goes through; the wait for both to stop
    // is what the interrupt ends). Neither connector was reset or deleted
    // (each stage is taken by both together); the rerun deletes both.
    proxy.clear();
    let none = write(
        dir.path(),
        "none.yaml",
        &manifests::mm2(&proxy.url(), None, &[]),
    )?;
    proxy.hold("PUT", &format!("/connectors/{LINK}-source/stop"));
    let delete = Background::start(&["-f", arg(&none), "apply", "--auto-approve"])?;
    let held = until(
        "the source connector's stop",
        Duration::from_secs(60),
        || proxy.held() > 0,
    )
    .await;
    if let Err(e) = held {
        proxy.release();
        let r = delete.finish(Duration::from_secs(5));
        return Err(format!("{e}: {r:?}"));
    }
    delete.signal("INT")?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.release();
    let r = delete.finish(Duration::from_secs(30));
    let r = r?;
    expect(r.code == 130, "an interrupted deletion exits 130", &r)?;
    let (checkpoint, source) = (format!("{LINK}-checkpoint"), format!("{LINK}-source"));
    if !connect::exists(&checkpoint).await? || !connect::exists(&source).await? {
        return Err("the interrupted deletion should have deleted neither connector (it was interrupted while they stopped)".into());
    }
    cli::apply_file(&none)?;
    cli::plan_is_empty_file(&none)?;
    for c in [&checkpoint, &source] {
        if connect::exists(c).await? {
            return Err(format!("{c} still exists after the rerun"));
        }
    }
    Ok(())
}

/// Kafka Connect killed once the apply has written the link's first
/// connector: the apply fails within its retry budget naming Kafka Connect;
/// the worker is started again and the rerun converges.
pub async fn connect_killed() -> Result<(), String> {
    const LINK: &str = "fault-kill";
    let (dir, f) = link_with_topics(LINK, connect::CONNECT, "kill.yaml").await?;
    let apply = Background::start(&["-f", arg(&f), "apply", "--auto-approve"])?;
    let source = format!("{LINK}-source");
    let written = until(
        "the first connector write",
        Duration::from_secs(60),
        ConnectorExists(&source),
    )
    .await;
    if let Err(e) = written {
        let r = apply.finish(Duration::from_secs(60));
        return Err(format!("{e}: {r:?}"));
    }
    let t = Instant::now();
    procs::signal("connect", "KILL")?;
    let r = apply.finish(Duration::from_secs(120));
    let took = t.elapsed();
    let r = match r {
        Ok(r) => r,
        Err(e) => {
            procs::restart()?;
            return Err(e);
        }
    };
    println!(
        "[exit {} {:.1} s after SIGKILL]",
        r.code,
        took.as_secs_f64()
    );
    let t = Instant::now();
    procs::restart()?;
    println!(
        "[Kafka Connect started again in {:.1} s]",
        t.elapsed().as_secs_f64()
    );
    expect(r.code == 1, "the apply fails", &r)?;
    expect(
        r.stdout.contains("Apply failed:") && r.stdout.contains(&format!("FAILED  europe/{LINK}/")),
        "the report names the failed action",
        &r,
    )?;
    expect(
        r.stdout.contains("Kafka Connect http://127.0.0.1:28083"),
        "the failure names Kafka Connect",
        &r,
    )?;
    until(
        "the restarted worker to list the connector",
        Duration::from_secs(120),
        ConnectorExists(&source),
    )
    .await?;
    converge_then_remove(dir.path(), &f)
}

/// The destination broker killed: `status --groups` still answers (exit 0),
/// names europe as unreadable over the Kafka protocol and shows the link as
/// Kafka Connect reports it; the broker is started again and an apply
/// converges.
pub async fn destination_broker_killed() -> Result<(), String> {
    const LINK: &str = "fault-kill";
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let f = write(
        dir.path(),
        "broker.yaml",
        &manifests::mm2(connect::CONNECT, Some(LINK), &mirrors(LINK)),
    )?;
    cli::apply_file(&f)?;
    procs::signal("europe", "KILL")?;
    let status = |format: &str| {
        timed(&[
            "-f",
            arg(&f),
            "status",
            "--groups",
            "--timeout",
            "5",
            "--format",
            format,
        ])
    };
    let (text, took_text) = status("text");
    let (json, took_json) = status("json");
    let t = Instant::now();
    let restarted = procs::restart();
    println!(
        "[europe started again in {:.1} s]",
        t.elapsed().as_secs_f64()
    );
    restarted?;
    for (r, took) in [(&text, took_text), (&json, took_json)] {
        expect(r.code == 0, "status answers with what it could read", r)?;
        expect(
            took < Duration::from_secs(30),
            &format!("status took {took:?} with --timeout 5"),
            r,
        )?;
    }
    let report: serde_json::Value =
        serde_json::from_str(&json.stdout).map_err(|e| format!("status JSON: {e}"))?;
    let warnings = report["warnings"].to_string();
    expect(
        warnings.contains("cluster `europe` could not be read over the Kafka protocol"),
        "status names europe as unreadable",
        &json,
    )?;
    expect(
        report["links"][0]["name"] == LINK
            && report["links"][0]["mirrors"].as_array().map(Vec::len) == Some(MIRRORS),
        "status still shows the link and its mirrors",
        &json,
    )?;
    expect(
        text.stderr
            .contains("could not be read over the Kafka protocol")
            || text
                .stdout
                .contains("could not be read over the Kafka protocol"),
        "the text report names europe as unreadable",
        &text,
    )?;
    converge_then_remove(dir.path(), &f)
}
