//! Reading a manifest: YAML text → [`Manifest`], with `${env:…}` interpolation.
//!
//! Pure apart from the environment lookup, which the caller passes in.

use std::sync::Arc;

use super::model::Manifest;
use super::text::{InterpolationProblem, Interpolator};

/// The manifest text and the name it is shown under in diagnostics.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: Arc<String>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            text: Arc::new(text.into()),
        }
    }
    pub fn named_source(&self) -> miette::NamedSource<Arc<String>> {
        miette::NamedSource::new(self.name.clone(), self.text.clone())
    }
}

/// A parsed manifest with the interpolation problems found while reading it.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub manifest: Manifest,
    pub interpolation: Vec<InterpolationProblem>,
}

/// Parses `source` into the model. `env` resolves `${env:NAME}`.
///
/// A YAML syntax error or a shape error (unknown key, wrong type) is returned
/// as `Err` with the parser's error; interpolation problems are collected.
pub fn parse(
    source: &SourceFile,
    env: impl Fn(&str) -> Option<String> + 'static,
) -> Result<Parsed, serde_saphyr::Error> {
    let text = source.text.clone();
    let (result, interpolation) = Interpolator::run(env, || {
        serde_saphyr::from_str_with_options::<Manifest>(&text, parse_options())
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
