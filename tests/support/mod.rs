//! Test fixtures shared by the integration tests (`mod support;`).
#![allow(dead_code)]

pub mod cli;
pub mod confluent_double;
pub mod connect_proxy;
pub mod scenario;

use std::time::Duration;

use linkctl::backend::confluent::{ConfluentBackend, ConfluentOptions, PollPolicy, RetryPolicy};
use linkctl::manifest::load::{parse, SourceFile};
use linkctl::manifest::{Engine, Manifest};
use linkctl::plan::{Action, ActionKind, Change, ChangeOp, ObjectSide, Value};

/// Parses a manifest; `env` answers `${env:…}`.
pub fn manifest(yaml: &str, env: &[(&str, &str)]) -> Manifest {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let src = SourceFile::new("test.yaml", yaml);
    parse(&src, move |n| {
        env.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone())
    })
    .expect("manifest parses")
    .manifest
}

/// Options with tiny durations so tests run fast.
pub fn fast_options() -> ConfluentOptions {
    ConfluentOptions {
        request_timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            max_retries: 4,
            min_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
        },
        poll: PollPolicy {
            initial: Duration::from_millis(5),
            max: Duration::from_millis(20),
        },
        not_found_grace: Duration::from_millis(500),
        read_concurrency: 8,
    }
}

pub fn backend() -> ConfluentBackend {
    ConfluentBackend::new(fast_options())
}

/// A hand-built action.
pub fn action(kind: ActionKind, cluster: &str, link: &str, mirror: Option<&str>) -> Action {
    let id = match mirror {
        Some(m) => format!("{cluster}/{link}/mirror/{m}:{kind:?}"),
        None => format!("{cluster}/{link}:{kind:?}"),
    };
    Action {
        id,
        kind,
        cluster: cluster.to_string(),
        link: link.to_string(),
        engine: Engine::Confluent,
        side: ObjectSide::Destination,
        mirror: mirror.map(str::to_string),
        source_topic: mirror.map(str::to_string),
        changes: Vec::new(),
        depends_on: Vec::new(),
        irreversible: kind.is_irreversible(),
        notes: Vec::new(),
    }
}

pub fn set(key: &str, value: &str) -> Change {
    Change {
        key: key.into(),
        op: ChangeOp::Set,
        before: None,
        after: Some(Value::Plain(value.into())),
    }
}

pub fn set_sensitive(key: &str) -> Change {
    Change {
        key: key.into(),
        op: ChangeOp::Set,
        before: None,
        after: Some(Value::Sensitive),
    }
}

pub fn reset(key: &str) -> Change {
    Change {
        key: key.into(),
        op: ChangeOp::Reset,
        before: None,
        after: None,
    }
}

/// The seed's two clusters with their REST endpoints on doubles.
pub fn seed_yaml(us_rest: &str, eu_rest: &str, extra_link: &str) -> String {
    format!(
        r#"version: 1
clusters:
  us:
    bootstrap: localhost:19092
    rest: {us_rest}
  europe:
    bootstrap: localhost:29092
    rest: {eu_rest}
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
    mirrors:
      - topic: demo
{extra_link}"#
    )
}
