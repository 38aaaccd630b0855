//! Fuzz-style properties: nothing a user can type makes the loader or the
//! validator panic, and every problem it reports is located inside the text.

use linkctl::backend::registry;
use linkctl::manifest::{load_validated, SourceFile};
use proptest::prelude::*;

const SEED: &str = include_str!("../examples/seed/05-exclude-group.yaml");
const MULTI: &str = include_str!("../examples/multi-cluster.yaml");

fn check(text: String) -> Result<(), TestCaseError> {
    let len = text.len();
    let result = load_validated(
        &SourceFile::new("fuzz.yaml", text),
        &registry::models(),
        |n| (n.len() % 2 == 0).then(|| "fuzz-secret-value".to_string()),
    );
    let problems = match result {
        Ok(v) => v.warnings,
        Err(p) => {
            prop_assert!(p.iter().any(|p| p.is_error()));
            p
        }
    };
    for p in &problems {
        prop_assert!(!p.message.contains("fuzz-secret-value"));
        if let Some(l) = &p.primary {
            prop_assert!(
                l.span.offset + l.span.len <= len,
                "{p:?} outside {len} bytes"
            );
        }
    }
    Ok(())
}

/// Fragments that look like manifests, to reach deeper than random bytes do.
fn yamlish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("version: 1\n".to_string()),
        Just("clusters:\n".to_string()),
        Just("  us: {bootstrap: a:1, rest: http://a}\n".to_string()),
        Just("  eu:\n    bootstrap: b:1\n    connect: http://c\n".to_string()),
        Just("links:\n  l:\n    source: us\n    destination: eu\n".to_string()),
        Just("    engine: mirrormaker2\n".to_string()),
        Just("    prefix: \"*\"\n".to_string()),
        Just("    mirrors:\n      - topic: demo\n        state: paused\n".to_string()),
        Just(
            "    consumer_offset_sync: {interval_ms: 1500, groups: [include: {prefix: \"\"}]}\n"
                .to_string()
        ),
        Just(
            "    config: {sasl.jaas.config: \"${env:AB}\", x: \"${env:ABC}\", y: \"${bad\"}\n"
                .to_string()
        ),
        Just("    rset: x\n    prefx: y\n    auth: {basic: {usr: u}}\n".to_string()),
        Just("  - ".to_string()),
        Just(": ".to_string()),
        Just("&a ".to_string()),
        Just("*a\n".to_string()),
        Just("<<: *a\n".to_string()),
        Just("\t".to_string()),
        Just("'".to_string()),
        Just("\"".to_string()),
        Just("[{".to_string()),
        Just("é\u{0}\n".to_string()),
        "[a-z_.:{}\\[\\] \n-]{0,12}",
    ];
    prop::collection::vec(token, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check(String::from_utf8_lossy(&bytes).into_owned())?;
    }

    #[test]
    fn yaml_like_text_never_panics(text in yamlish()) {
        check(text)?;
    }

    #[test]
    fn mutated_examples_never_panic(
        which in any::<bool>(),
        cuts in prop::collection::vec((any::<prop::sample::Index>(), 0usize..8, "[ -~\n\t]{0,6}"), 1..6),
    ) {
        let mut text = if which { SEED.to_string() } else { MULTI.to_string() };
        for (at, del, insert) in cuts {
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) { i -= 1; }
            let mut end = (i + del).min(text.len());
            while !text.is_char_boundary(end) { end -= 1; }
            text.replace_range(i..end.max(i), &insert);
        }
        check(text)?;
    }
}
