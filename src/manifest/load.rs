//! Reading a manifest: YAML text → [`Manifest`], with `${env:…}` interpolation.
//!
//! Pure apart from the environment lookup, which the caller passes in.

use std::sync::Arc;

use super::located::with_span_base;
use super::model::Manifest;
use super::text::{InterpolationProblem, Interpolator};

/// The manifest text and the name it is shown under in diagnostics.
///
/// A manifest may be written in several files (`-f DIR`, repeated `-f`):
/// then `text` holds every file one after the other (separated by a
/// newline) and `parts` says where each one is, so that every span of the
/// model is an offset in one space and diagnostics still name the right file
/// and line (see [`super::sources`]). One file is one part.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: Arc<String>,
    pub parts: Vec<Part>,
}

/// One file of a [`SourceFile`]: its name and where its text is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    pub start: usize,
    pub len: usize,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let name = name.into();
        let text = text.into();
        Self {
            parts: vec![Part {
                name: name.clone(),
                start: 0,
                len: text.len(),
            }],
            name,
            text: Arc::new(text),
        }
    }

    /// The text of one part.
    pub fn part_text(&self, part: &Part) -> &str {
        self.text
            .get(part.start..part.start + part.len)
            .unwrap_or("")
    }

    /// The same files with another text of the same layout (e.g. with
    /// secrets masked, byte for byte).
    pub fn with_text(&self, text: String) -> Self {
        Self {
            name: self.name.clone(),
            text: Arc::new(text),
            parts: self.parts.clone(),
        }
    }

    /// The miette source of these files: each span is drawn from the file
    /// it falls in, under that file's name and line numbers.
    pub fn named_source(&self) -> super::sources::Sources {
        super::sources::Sources::of(self)
    }
}

/// A parsed manifest with the interpolation problems found while reading it.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub manifest: Manifest,
    pub interpolation: Vec<InterpolationProblem>,
}

/// Parses `source` (one file) into the model. `env` resolves `${env:NAME}`.
///
/// A YAML syntax error or a shape error (unknown key, wrong type) is returned
/// as `Err` with the parser's error; interpolation problems are collected.
pub fn parse(
    source: &SourceFile,
    env: impl Fn(&str) -> Option<String> + 'static,
) -> Result<Parsed, serde_saphyr::Error> {
    parse_part(source, 0, env)
}

/// Parses part `index` of `source`, its spans placed in `source`'s offset
/// space. An index out of range parses an empty text.
pub fn parse_part(
    source: &SourceFile,
    index: usize,
    env: impl Fn(&str) -> Option<String> + 'static,
) -> Result<Parsed, serde_saphyr::Error> {
    let (base, text) = match source.parts.get(index) {
        Some(p) => (p.start, source.part_text(p).to_string()),
        None => (0, String::new()),
    };
    let (result, interpolation) = Interpolator::run(env, || {
        with_span_base(base, || {
            serde_saphyr::from_str_with_options::<Manifest>(&text, parse_options())
        })
    });
    result.map(|manifest| Parsed {
        manifest,
        interpolation,
    })
}

fn parse_options() -> serde_saphyr::Options {
    serde_saphyr::Options::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = r#"version: 1
clusters:
  us:
    bootstrap: localhost:19092
    rest: http://localhost:18090/kafka
  europe:
    bootstrap: localhost:29092
    rest: http://localhost:28090/kafka
    auth: { basic: { username: "${env:EU_KEY}", password: "${env:EU_SECRET}" } }
links:
  demo-link:
    source: us
    destination: europe
    config:
      metadata.max.age.ms: 5000
    consumer_offset_sync:
      interval_ms: 3000
      groups:
        - include: "*"
        - exclude: my-consumer-group
        - include: { prefix: "app-" }
    mirrors:
      - topic: demo
"#;

    #[test]
    fn parses_seed_with_spans_and_secrets() {
        let src = SourceFile::new("linkctl.yaml", SEED);
        let parsed = parse(&src, |n| Some(format!("val-{n}"))).expect("parses");
        let m = parsed.manifest;
        assert!(parsed.interpolation.is_empty());
        let (name, link) = m.links.iter().next().unwrap();
        assert_eq!(name.value, "demo-link");
        let span = name.span.expect("key span");
        assert_eq!(&SEED[span.offset..span.offset + span.len], "demo-link");
        let span = link.destination.span.expect("value span");
        assert_eq!(&SEED[span.offset..span.offset + span.len], "europe");
        let groups = &link.consumer_offset_sync.as_ref().unwrap().groups;
        assert_eq!(groups.len(), 3);
        let span = groups[1].span.expect("filter span");
        assert!(
            SEED[span.offset..].starts_with("exclude")
                || SEED[span.offset..].starts_with("my-consumer"),
            "{}",
            &SEED[span.offset..span.offset + span.len]
        );
        let cfg = link.config.values().next().unwrap();
        assert_eq!(cfg.value.text().expose(), "5000");
        let eu = m
            .clusters
            .iter()
            .find(|(k, _)| k.value == "europe")
            .unwrap()
            .1;
        match &eu.auth.as_ref().unwrap().value {
            crate::manifest::Auth::Basic { password, .. } => {
                assert!(password.is_secret());
                assert_eq!(password.expose(), "val-EU_SECRET");
            }
            other => panic!("{other:?}"),
        }
    }
}
