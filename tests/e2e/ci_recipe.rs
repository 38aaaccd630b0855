//! The GitHub Actions recipe (`examples/ci/github/linkctl.yml`) run the way
//! GitHub runs it, against the local clusters: its `run:` scripts in order,
//! in bash with the workflow's, job's and step's `env:`, a fresh workspace
//! per job, `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY` files, and the
//! `real linkctl` on PATH. The actions it uses are stood in for (checkout
//! copies the "repository", artifacts are folders, the comment script's
//! Markdown file is taken as the posted comment); the steps that talk to
//! GitHub itself (`install`, `find-pr-run`) are skipped, and must exist.
//!
//! The story: a pull request adds a MirrorMaker 2 link (plan saved as an
//! artifact, rendered as a Markdown comment by another job), the merge
//! applies that saved plan, the nightly drift check passes, someone edits
//! the connector by hand, and the next drift check fails with exit code 2.
//! Everything it creates is named `ci-…`, removed before and after.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::stack::{EUROPE, US};
use crate::{connect, kafka};

const LINK: &str = "ci-link";
const TOPIC: &str = "ci-orders";
/// Steps that need GitHub itself: skipped here, but they must exist.
const GITHUB_ONLY: &[&str] = &["install", "find-pr-run"];
/// The jobs, by the event that runs them, in the order the test runs them.
const JOBS: &[(&str, &str)] = &[
    ("plan", "pull_request"),
    ("comment", "pull_request"),
    ("fetch", "push"),
    ("apply", "push"),
    ("drift", "schedule"),
];

fn clusters_yaml() -> String {
    format!(
        "version: 1\nclusters:\n  ci-us:\n    bootstrap: {US}\n  ci-europe:\n    bootstrap: {EUROPE}\n    connect: {}\n",
        connect::CONNECT
    )
}

fn link_yaml() -> String {
    format!(
        "version: 1\nlinks:\n  {LINK}:\n    source: ci-us\n    destination: ci-europe\n    engine: mirrormaker2\n    config:\n      replication.factor: 1\n      offset-syncs.topic.location: target\n      offset-syncs.topic.replication.factor: 1\n      checkpoints.topic.replication.factor: 1\n      heartbeats.topic.replication.factor: 1\n      tasks.max: 1\n    consumer_offset_sync:\n      interval_ms: 3000\n      groups:\n        - include: \"ci-\"\n    mirrors:\n      - topic: {TOPIC}\n"
    )
}

/// Removes the link's connectors and the `ci-…` topics (with MirrorMaker
/// 2's internal topics of the `ci-…` cluster aliases) on both clusters.
pub async fn cleanup() -> Result<(), String> {
    connect::remove_link(LINK).await?;
    for b in [US, EUROPE] {
        kafka::delete_topics_matching(b, |t| {
            t.starts_with("ci-") || t.starts_with("mm2-offset-syncs.ci-")
        })
        .await?;
    }
    for _ in 0..60 {
        if kafka::partitions(US, TOPIC)? == 0 && kafka::partitions(EUROPE, TOPIC)? == 0 {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(format!("{TOPIC} is still there after deleting it"))
}

/// What one job did.
struct JobRun {
    /// The step that failed and its exit code, when one did.
    failed: Option<(String, i32)>,
    /// Every step's output, in order (for the assertions and the log).
    log: String,
    outputs: BTreeMap<String, String>,
}

struct Runner {
    workflow: Value,
    root: tempfile::TempDir,
    path: String,
    /// Bodies the comment step would have posted.
    comments: Vec<String>,
    /// Job outputs, for `needs.<job>.outputs.<name>`.
    needs: BTreeMap<String, BTreeMap<String, String>>,
    runs: usize,
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for e in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let e = e.map_err(|e| e.to_string())?;
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), &target).map_err(|e| format!("{}: {e}", target.display()))?;
        }
    }
    Ok(())
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

impl Runner {
    fn new() -> Result<Self, String> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ci/github/linkctl.yml");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let workflow: Value = serde_saphyr::from_str(&text)
            .map_err(|e| format!("{}: not YAML: {e}", path.display()))?;
        let root = tempfile::tempdir().map_err(|e| e.to_string())?;
        let repo = root.path().join("repo/replication");
        std::fs::create_dir_all(&repo).map_err(|e| e.to_string())?;
        std::fs::write(repo.join("clusters.yaml"), clusters_yaml()).map_err(|e| e.to_string())?;
        std::fs::write(repo.join("ci-link.yaml"), link_yaml()).map_err(|e| e.to_string())?;
        let bin = Path::new(env!("CARGO_BIN_EXE_linkctl"))
            .parent()
            .ok_or("the linkctl binary has no directory")?;
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Ok(Self {
            workflow,
            root,
            path,
            comments: Vec::new(),
            needs: BTreeMap::new(),
            runs: 0,
        })
    }

    /// The value of an `env:` entry or an output: `${{ … }}` expressions
    /// this test knows, everything else as written.
    fn resolve(
        &self,
        raw: &str,
        steps: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> Result<String, String> {
        let Some(start) = raw.find("${{") else {
            return Ok(raw.to_string());
        };
        let end = raw[start..]
            .find("}}")
            .ok_or(format!("unclosed expression in {raw}"))?
            + start;
        let expr = raw[start + 3..end].trim();
        let value = if let Some(name) = expr.strip_prefix("secrets.") {
            format!("test-secret-{name}")
        } else if expr.starts_with("vars.") || expr == "github.token" {
            String::new()
        } else if let Some(rest) = expr.strip_prefix("steps.") {
            let (id, out) = rest
                .split_once(".outputs.")
                .ok_or(format!("expression {expr}"))?;
            steps
                .get(id)
                .and_then(|o| o.get(out))
                .cloned()
                .unwrap_or_default()
        } else {
            return Err(format!(
                "the recipe test does not know the expression `{expr}`"
            ));
        };
        let rest = self.resolve(&raw[end + 2..], steps)?;
        Ok(format!("{}{value}{rest}", &raw[..start]))
    }

    fn env_of(
        &self,
        v: &Value,
        steps: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> Result<Vec<(String, String)>, String> {
        let mut out = Vec::new();
        if let Some(map) = v.get("env").and_then(Value::as_object) {
            for (k, val) in map {
                let raw = match val {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                out.push((k.clone(), self.resolve(&raw, steps)?));
            }
        }
        Ok(out)
    }

    /// Runs job `name` as `event` triggers it.
    fn job(&mut self, name: &str, event: &str) -> Result<JobRun, String> {
        let job = self.workflow["jobs"][name].clone();
        if job.is_null() {
            return Err(format!("the workflow has no job `{name}`"));
        }
        if let Some(cond) = str_of(&job, "if") {
            if !cond.contains(&format!("'{event}'")) {
                return Err(format!("job `{name}` does not run on {event}: if: {cond}"));
            }
        }
        if let Some(need) = job.get("needs").and_then(Value::as_str) {
            if !self.needs.contains_key(need) {
                return Err(format!("job `{name}` needs `{need}`, which has not run"));
            }
        }
        self.runs += 1;
        let ws = self.root.path().join(format!("jobs/{}-{name}", self.runs));
        std::fs::create_dir_all(&ws).map_err(|e| e.to_string())?;
        let no_steps = BTreeMap::new();
        let mut env = self.env_of(&self.workflow, &no_steps)?;
        env.extend(self.env_of(&job, &no_steps)?);
        let mut steps: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut run = JobRun {
            failed: None,
            log: String::new(),
            outputs: BTreeMap::new(),
        };
        let all = job["steps"].as_array().cloned().unwrap_or_default();
        for (i, step) in all.iter().enumerate() {
            let id = str_of(step, "id").map(str::to_string);
            let title = str_of(step, "name")
                .or(str_of(step, "uses"))
                .or(id.as_deref())
                .unwrap_or("step")
                .to_string();
            if id.as_deref().is_some_and(|i| GITHUB_ONLY.contains(&i)) {
                run.log
                    .push_str(&format!("--- {title}: skipped (GitHub only)\n"));
                continue;
            }
            let mut step_env = env.clone();
            step_env.extend(self.env_of(step, &steps)?);
            let outputs = match (str_of(step, "uses"), str_of(step, "run")) {
                (Some(action), _) => {
                    self.action(action, step, &ws, &step_env)?;
                    run.log.push_str(&format!("--- {title}: stood in for\n"));
                    BTreeMap::new()
                }
                (None, Some(script)) => {
                    if script.contains("${{") {
                        return Err(format!(
                            "job `{name}` step `{title}`: a run script uses `${{{{ … }}}}`; pass values through `env:`"
                        ));
                    }
                    let (code, log, outputs) = self.bash(script, &ws, &step_env, i)?;
                    run.log
                        .push_str(&format!("--- {title} (exit {code})\n{log}"));
                    if code != 0 {
                        run.failed = Some((title, code));
                        return Ok(run);
                    }
                    outputs
                }
                _ => {
                    return Err(format!(
                        "job `{name}`: step `{title}` neither uses nor runs"
                    ))
                }
            };
            if let Some(id) = id {
                steps.insert(id, outputs);
            }
        }
        if let Some(map) = job.get("outputs").and_then(Value::as_object) {
            for (k, v) in map {
                let raw = v.as_str().unwrap_or_default();
                run.outputs.insert(k.clone(), self.resolve(raw, &steps)?);
            }
        }
        self.needs.insert(name.to_string(), run.outputs.clone());
        Ok(run)
    }

    /// Runs a script as GitHub does with `shell: bash`; returns its exit
    /// code, its output and what it wrote to `$GITHUB_OUTPUT`.
    #[allow(clippy::type_complexity)]
    fn bash(
        &self,
        script: &str,
        ws: &Path,
        env: &[(String, String)],
        n: usize,
    ) -> Result<(i32, String, BTreeMap<String, String>), String> {
        let output = ws.join(format!(".github-output-{n}"));
        let summary = ws.join(".github-step-summary");
        std::fs::write(&output, "").map_err(|e| e.to_string())?;
        let out = Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(ws)
            .env_remove("LINKCTL_FILE")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("PATH", &self.path)
            .env("NO_COLOR", "1")
            .env("CI", "true")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_WORKSPACE", ws)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| format!("cannot run bash: {e}"))?;
        let mut outputs = BTreeMap::new();
        for line in std::fs::read_to_string(&output).unwrap_or_default().lines() {
            if let Some((k, v)) = line.split_once('=') {
                outputs.insert(k.to_string(), v.to_string());
            }
        }
        let log = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Ok((out.status.code().unwrap_or(-1), log, outputs))
    }

    /// Stands in for the actions the recipe uses.
    fn action(
        &mut self,
        action: &str,
        step: &Value,
        ws: &Path,
        env: &[(String, String)],
    ) -> Result<(), String> {
        let with = |k: &str| str_of(&step["with"], k).map(str::to_string);
        let artifacts = self.root.path().join("artifacts");
        let name = action.split('@').next().unwrap_or(action);
        match name {
            "actions/checkout" => copy_dir(&self.root.path().join("repo"), ws),
            "actions/upload-artifact" => {
                let store = artifacts.join(with("name").ok_or("upload-artifact without a name")?);
                std::fs::create_dir_all(&store).map_err(|e| e.to_string())?;
                let paths = with("path").ok_or("upload-artifact without a path")?;
                for p in paths.lines().map(str::trim).filter(|p| !p.is_empty()) {
                    let file = Path::new(p)
                        .file_name()
                        .ok_or(format!("artifact path {p}"))?;
                    std::fs::copy(ws.join(p), store.join(file))
                        .map_err(|e| format!("upload-artifact: {p}: {e}"))?;
                }
                Ok(())
            }
            "actions/download-artifact" => {
                let store = artifacts.join(with("name").ok_or("download-artifact without a name")?);
                let into = ws.join(with("path").unwrap_or_default());
                copy_dir(&store, &into).map_err(|e| format!("download-artifact: {e}"))
            }
            "actions/github-script" => {
                let file = env
                    .iter()
                    .find(|(k, _)| k == "PLAN_MARKDOWN")
                    .map(|(_, v)| v.clone())
                    .ok_or("the comment step names no PLAN_MARKDOWN file")?;
                let body = std::fs::read_to_string(ws.join(&file))
                    .map_err(|e| format!("the comment's Markdown {file}: {e}"))?;
                if body.chars().count() > 65_536 - 100 {
                    return Err("the comment would be over GitHub's limit".into());
                }
                self.comments.push(body);
                Ok(())
            }
            other => Err(format!(
                "the recipe test does not know the action `{other}`"
            )),
        }
    }
}

fn expect_ok(job: &str, r: &JobRun) -> Result<(), String> {
    match &r.failed {
        None => Ok(()),
        Some((step, code)) => Err(format!(
            "job `{job}` failed at `{step}` (exit {code}):\n{}",
            r.log
        )),
    }
}

/// Someone edits the link's source connector by hand: `ci-orders` is no
/// longer mirrored.
async fn drift_out_of_band() -> Result<(), String> {
    let c = reqwest::Client::new();
    let url = format!("{}/connectors/{LINK}-source/config", connect::CONNECT);
    let mut config: serde_json::Map<String, Value> = c
        .get(&url)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    config.insert("topics".into(), Value::String(String::new()));
    let r = c
        .put(&url)
        .json(&config)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !r.status().is_success() {
        return Err(format!("editing the connector by hand: {}", r.status()));
    }
    Ok(())
}

async fn story() -> Result<(), String> {
    kafka::create_topic(US, TOPIC, 1).await?;
    kafka::produce(US, TOPIC, &["order-1".to_string(), "order-2".to_string()])?;
    let mut gh = Runner::new()?;
    let jobs: Vec<String> = gh.workflow["jobs"]
        .as_object()
        .map(|j| j.keys().cloned().collect())
        .unwrap_or_default();
    let tested: Vec<&str> = JOBS.iter().map(|(j, _)| *j).collect();
    if jobs.iter().any(|j| !tested.contains(&j.as_str())) {
        return Err(format!(
            "the workflow's jobs {jobs:?} are not all run by this test ({tested:?})"
        ));
    }
    for id in GITHUB_ONLY {
        if !serde_json::to_string(&gh.workflow)
            .unwrap_or_default()
            .contains(&format!("\"id\":\"{id}\""))
        {
            return Err(format!(
                "no step `{id}` in the workflow any more: update the recipe test"
            ));
        }
    }

    // The pull request: plan, then another job renders and comments.
    let plan = gh.job("plan", "pull_request")?;
    expect_ok("plan", &plan)?;
    println!("{}", plan.log);
    if !plan.log.contains(&format!("+ create link {LINK}")) {
        return Err(format!(
            "the plan job shows no link creation:\n{}",
            plan.log
        ));
    }
    let comment = gh.job("comment", "pull_request")?;
    expect_ok("comment", &comment)?;
    let body = gh.comments.last().cloned().ok_or("no comment was posted")?;
    println!("--- the pull request comment\n{body}");
    for want in [
        "### linkctl plan",
        "**Plan: 2 to create, 0 to change, 0 to promote, 0 to destroy.**",
        "| ci-europe | ci-link | 2 | 0 | 0 | 0 |",
        "manifest: replication matches the plan's manifest",
        "<details><summary>ci-europe / link ci-link: 2 to create</summary>",
        &format!("+ create mirror {TOPIC}"),
    ] {
        if !body.contains(want) {
            return Err(format!("the comment lacks `{want}`:\n{body}"));
        }
    }

    // The merge: the reviewed plan is fetched, counted, applied.
    let fetch = gh.job("fetch", "push")?;
    expect_ok("fetch", &fetch)?;
    if fetch.outputs.get("irreversible").map(String::as_str) != Some("0") {
        return Err(format!(
            "fetch counted {:?} irreversible actions:\n{}",
            fetch.outputs, fetch.log
        ));
    }
    let environment = str_of(&gh.workflow["jobs"]["apply"], "environment").unwrap_or_default();
    if !environment.contains("needs.fetch.outputs.irreversible") {
        return Err(format!(
            "the apply job's environment ignores the irreversible count: {environment}"
        ));
    }
    let apply = gh.job("apply", "push")?;
    expect_ok("apply", &apply)?;
    println!("{}", apply.log);
    if !apply.log.contains("Live state matches the manifest.") {
        return Err(format!("apply did not converge:\n{}", apply.log));
    }

    // Nightly: no drift, then a hand edit, then drift (exit 2).
    let quiet = gh.job("drift", "schedule")?;
    expect_ok("drift (no drift yet)", &quiet)?;
    drift_out_of_band().await?;
    let drift = gh.job("drift", "schedule")?;
    println!("{}", drift.log);
    match &drift.failed {
        Some((step, 2))
            if drift.log.contains(TOPIC)
                && drift.log.contains("::error title=Replication drift::") =>
        {
            println!("drift detected by `{step}` (exit 2)");
            Ok(())
        }
        other => Err(format!(
            "the drift job should fail with exit 2 naming {TOPIC}, got {other:?}:\n{}",
            drift.log
        )),
    }
}

pub async fn github_workflow() -> Result<(), String> {
    cleanup().await?;
    let result = story().await;
    let cleaned = cleanup().await;
    result.and(cleaned)
}
