//! Parse + validate a manifest with 1,000 links (3 mirrors each).

use criterion::{criterion_group, criterion_main, Criterion};
use linkctl::backend::registry;
use linkctl::manifest::{load_validated, SourceFile};

fn big_manifest(links: usize) -> String {
    let mut s = String::from(
        "version: 1\nclusters:\n  us:\n    bootstrap: 127.0.0.1:19092\n    rest: http://127.0.0.1:18090/kafka\n  europe:\n    bootstrap: 127.0.0.1:29092\n    rest: http://127.0.0.1:28090/kafka\nlinks:\n",
    );
    for i in 0..links {
        s.push_str(&format!(
            "  link-{i:04}:\n    source: us\n    destination: europe\n    prefix: l{i:04}.\n    config:\n      metadata.max.age.ms: 5000\n      sasl.jaas.config: \"${{env:JAAS}}\"\n    consumer_offset_sync:\n      interval_ms: 3000\n      groups:\n        - include: \"*\"\n        - exclude: my-consumer-group\n    mirrors:\n      - topic: orders\n      - topic: payments\n        name: l{i:04}.payments\n      - topic: demo\n        state: paused\n"
        ));
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = big_manifest(1000);
    let source = SourceFile::new("big.yaml", text);
    let check =
        load_validated(&source, &registry::models(), |_| Some("secret".into())).expect("valid");
    assert_eq!(check.manifest.links.len(), 1000);
    assert!(check.warnings.is_empty());
    c.bench_function("parse+validate 1000 links", |b| {
        b.iter(|| {
            load_validated(&source, &registry::models(), |_| Some("secret".into()))
                .map(|v| v.manifest.links.len())
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
