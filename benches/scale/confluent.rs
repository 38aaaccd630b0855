//! The Confluent engine against the in-process doubles: 20 ms per response,
//! 1 s of wall time for a mirror to settle.

use std::collections::BTreeMap;
use std::time::Duration;

use super::run::{linkctl, Table};
use super::support::confluent_double::Double;

const LATENCY: Duration = Duration::from_millis(20);
const SETTLE: Duration = Duration::from_secs(1);

struct Env {
    us: Double,
    eu: Double,
    dir: tempfile::TempDir,
}

fn start(rt: &tokio::runtime::Runtime) -> Result<Env, String> {
    let (us, eu) = rt.block_on(async {
        (
            Double::start("us-cluster").await,
            Double::start("eu-cluster").await,
        )
    });
    for d in [&us, &eu] {
        d.with(|s| {
            s.latency = LATENCY;
            s.settle_after = Some(SETTLE);
        });
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    Ok(Env { us, eu, dir })
}

/// A request path with names replaced by placeholders.
fn kind(method: &str, path: &str) -> String {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut out = Vec::new();
    let mut prev = "";
    for s in &segs {
        let shown = match prev {
            "clusters" => "{id}",
            "links" if *s != "-" => "{link}",
            "mirrors" => "{mirror}",
            "configs" => "{key}",
            "topics" => "{topic}",
            _ => s,
        };
        out.push(shown.to_string());
        prev = s;
    }
    format!("{method} /{}", out.join("/"))
}

fn requests(env: &Env) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for d in [&env.us, &env.eu] {
        for r in d.log() {
            *m.entry(kind(&r.method, &r.path)).or_insert(0) += 1;
        }
        d.clear_log();
    }
    m
}

fn manifest(env: &Env, links: usize, mirrors: usize, state: &str) -> String {
    let mut y = format!(
        "version: 1\nclusters:\n  us:\n    bootstrap: no-kafka.invalid:19092\n    rest: {}\n  europe:\n    bootstrap: no-kafka.invalid:29092\n    rest: {}\nlinks:\n",
        env.us.rest_url(),
        env.eu.rest_url()
    );
    for l in 0..links {
        y.push_str(&format!(
            "  scale-{l:02}:\n    source: us\n    destination: europe\n    config:\n      metadata.max.age.ms: 5000\n    mirrors:\n"
        ));
        if mirrors == 0 {
            y.push_str("      []\n");
        }
        for t in 0..mirrors {
            y.push_str(&format!(
                "      - {{ topic: t{l:02}-{t:05}, state: {state} }}\n"
            ));
        }
    }
    y
}

/// Environment of every linkctl run: default engine timings, and a short
/// Kafka timeout (the bootstraps point nowhere; `status` would otherwise
/// wait 15 s for them).
const RUN_ENV: &[(&str, &str)] = &[("LINKCTL_KAFKA_TIMEOUT_MS", "1000")];

fn write(env: &Env, name: &str, text: &str) -> Result<std::path::PathBuf, String> {
    let p = env.dir.path().join(name);
    std::fs::write(&p, text).map_err(|e| e.to_string())?;
    Ok(p)
}

/// One link, `n` new mirrors: apply, plan (no changes), status, promote all.
pub fn one_link(rt: &tokio::runtime::Runtime, n: usize) -> Result<Table, String> {
    println!("confluent: 1 link x {n} mirrors");
    let env = start(rt)?;
    let dir = env.dir.path().to_path_buf();
    let mut t = Table::new(format!(
        "Confluent double, 1 link, {n} mirrors (20 ms per response, 1 s to settle)"
    ));
    let empty = write(&env, "empty.yaml", &manifest(&env, 1, 0, "active"))?;
    linkctl(&dir, &empty, &["apply", "--auto-approve"], RUN_ENV).expect("apply (link)", &[0])?;
    requests(&env);
    let full = write(&env, "mirrors.yaml", &manifest(&env, 1, n, "active"))?;
    let r = linkctl(&dir, &full, &["apply", "--auto-approve"], RUN_ENV)
        .expect("apply (mirrors)", &[0])?;
    t.push(&format!("apply: {n} new mirrors"), r.secs, requests(&env));
    let r = linkctl(&dir, &full, &["plan", "--detailed-exitcode"], RUN_ENV)
        .expect("plan (no changes)", &[0])?;
    t.push("plan: nothing to do", r.secs, requests(&env));
    let r = linkctl(&dir, &full, &["status"], RUN_ENV).expect("status", &[0])?;
    t.push("status", r.secs, requests(&env));
    let promoted = write(&env, "promoted.yaml", &manifest(&env, 1, n, "promoted"))?;
    let r = linkctl(&dir, &promoted, &["apply", "--auto-approve"], RUN_ENV)
        .expect("apply (promote)", &[0])?;
    t.push(&format!("apply: promote {n}"), r.secs, requests(&env));
    Ok(t)
}

/// `links` links of `m` new mirrors each, created in one apply.
pub fn many_links(rt: &tokio::runtime::Runtime, links: usize, m: usize) -> Result<Table, String> {
    println!("confluent: {links} links x {m} mirrors");
    let env = start(rt)?;
    let dir = env.dir.path().to_path_buf();
    let mut t = Table::new(format!(
        "Confluent double, {links} links x {m} mirrors (20 ms per response, 1 s to settle)"
    ));
    let empty = write(&env, "empty.yaml", &manifest(&env, links, 0, "active"))?;
    linkctl(&dir, &empty, &["apply", "--auto-approve"], RUN_ENV).expect("apply (links)", &[0])?;
    requests(&env);
    let full = write(&env, "mirrors.yaml", &manifest(&env, links, m, "active"))?;
    let r = linkctl(&dir, &full, &["apply", "--auto-approve"], RUN_ENV)
        .expect("apply (mirrors)", &[0])?;
    t.push(
        &format!("apply: {links} x {m} new mirrors"),
        r.secs,
        requests(&env),
    );
    let r = linkctl(&dir, &full, &["plan", "--detailed-exitcode"], RUN_ENV)
        .expect("plan (no changes)", &[0])?;
    t.push("plan: nothing to do", r.secs, requests(&env));
    Ok(t)
}
