//! Planner benchmark: 20 links × N/20 mirrors, live state of the same size
//! with 1% drift (1% of mirrors missing or paused, one config changed per
//! link), at N = 1k, 10k and 100k mirrors.
//!
//! `cargo bench --bench plan` prints criterion timings and, per size, the
//! peak memory that one `plan()` call adds on top of its inputs (Linux:
//! `/proc/self/clear_refs` resets the high-water mark, then `VmHWM - VmRSS`).

use std::collections::BTreeMap;
use std::hint::black_box;

#[path = "../tests/common/mod.rs"]
mod common;

use common::dynamic;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use linkctl::backend::registry;
use linkctl::manifest::load::{parse, SourceFile};
use linkctl::manifest::{Located, Manifest};
use linkctl::plan::desired::expected_objects;
use linkctl::plan::{plan, PlanOptions};
use linkctl::state::{
    ClusterState, ConnectionMode, LinkSide, LiveConfig, LiveLink, LiveMirror, LiveState,
    MirrorStatus,
};

const LINKS: usize = 20;

fn manifest(mirrors_per_link: usize) -> Manifest {
    let mut y = String::from(
        "version: 1\nclusters:\n  us:\n    bootstrap: us:9092\n    cluster_id: us-id\n  europe:\n    bootstrap: eu:9092\n    cluster_id: eu-id\nlinks:\n",
    );
    for l in 0..LINKS {
        y.push_str(&format!(
            "  link-{l:02}:\n    source: us\n    destination: europe\n    config:\n      metadata.max.age.ms: 5000\n    consumer_offset_sync:\n      interval_ms: 3000\n      groups:\n        - include: \"*\"\n        - exclude: my-consumer-group\n    mirrors:\n"
        ));
        y.push_str(&format!("      - topic: topic-{l:02}-{:06}\n", 0));
    }
    let src = SourceFile::new("bench.yaml", y);
    let mut m = parse(&src, |_| None)
        .expect("bench manifest parses")
        .manifest;
    // The other mirrors are added in code: YAML parsing of 100k nodes is
    // not what is measured (and hits the parser's node budget).
    for (l, link) in m.links.values_mut().enumerate() {
        let template = link.mirrors[0].clone();
        for t in 1..mirrors_per_link {
            let mut mm = template.clone();
            mm.topic = Located::new(format!("topic-{l:02}-{t:06}"));
            link.mirrors.push(mm);
        }
    }
    m
}

/// The live state matching `m`, with 1% drift.
fn live(m: &Manifest, mirrors_per_link: usize) -> LiveState {
    let mut eu = ClusterState {
        cluster_id: Some("eu-id".into()),
        ..ClusterState::default()
    };
    let mut n = 0usize;
    for (name, link) in &m.links {
        let o = &expected_objects(link, m).expect("valid")[0];
        let mut configs: BTreeMap<String, LiveConfig> = o
            .configs
            .iter()
            .map(|(k, d)| (k.clone(), dynamic(d.value.expose())))
            .collect();
        configs.insert("consumer.offset.sync.ms".into(), dynamic("10000")); // drift
        let mut mirrors = BTreeMap::new();
        for mm in &link.mirrors {
            n += 1;
            let topic = mm.topic.value.clone();
            let status = match n % 100 {
                0 => continue,              // missing: create
                50 => MirrorStatus::Paused, // paused: resume
                _ => MirrorStatus::Active,
            };
            mirrors.insert(
                topic.clone(),
                LiveMirror {
                    name: topic.clone(),
                    source_topic: topic,
                    status,
                    partitions: 8,
                    ..Default::default()
                },
            );
        }
        debug_assert!(mirrors.len() <= mirrors_per_link);
        eu.links.insert(
            name.value.clone(),
            LiveLink {
                configs,
                mirrors,
                ..common::live_link(
                    &name.value,
                    LinkSide::Destination,
                    ConnectionMode::Outbound,
                    "us-id",
                )
            },
        );
    }
    let mut s = LiveState::default();
    s.clusters.insert("europe".into(), eu);
    s.clusters.insert(
        "us".into(),
        ClusterState {
            cluster_id: Some("us-id".into()),
            ..ClusterState::default()
        },
    );
    s
}

fn status_kb(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Peak memory one plan() call adds, in KiB (Linux only).
fn plan_peak_kib(m: &Manifest, l: &LiveState) -> Option<u64> {
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    let before = status_kb("VmRSS:")?;
    let p = plan(m, l, &PlanOptions::default(), &registry::models());
    let peak = status_kb("VmHWM:")?;
    black_box(p);
    Some(peak.saturating_sub(before))
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("plan");
    group.sample_size(10);
    for total in [1_000usize, 10_000, 100_000] {
        let per_link = total / LINKS;
        let m = manifest(per_link);
        let l = live(&m, per_link);
        let p = plan(&m, &l, &PlanOptions::default(), &registry::models());
        eprintln!(
            "plan/{total}: {} actions ({} create, {} change); extra peak memory of one plan(): {}",
            p.actions.len(),
            p.summary.create,
            p.summary.change,
            plan_peak_kib(&m, &l).map_or("n/a".to_string(), |k| format!(
                "{:.1} MiB",
                k as f64 / 1024.0
            ))
        );
        group.bench_with_input(BenchmarkId::from_parameter(total), &(m, l), |b, (m, l)| {
            b.iter(|| {
                plan(
                    black_box(m),
                    black_box(l),
                    &PlanOptions::default(),
                    &registry::models(),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
