//! Test fixtures shared by the integration tests (`mod support;`).
#![allow(dead_code)]

pub mod cli;
pub mod confluent_double;
pub mod connect_proxy;
pub mod connect_standin;
pub mod fake_engine;
pub mod scenario;

use std::time::Duration;

use linkctl::backend::confluent::{ConfluentBackend, ConfluentOptions, PollPolicy, RetryPolicy};
use linkctl::backend::kafka::KafkaClients;
use linkctl::backend::{
    registry, ActionResult, BackendError, Clusters, Engine as _, ExecContext, ReadDetail, Scope,
};
use linkctl::manifest::load::{parse, SourceFile};
use linkctl::manifest::{EngineName, Manifest};
use linkctl::plan::{Action, ActionKind, Change, ChangeOp, ObjectSide, PlanContext, Value};
use linkctl::state::{ClusterState, LiveState};

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
            budget: Duration::from_secs(5),
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

/// The engines of a command, with fast Confluent timings.
pub fn engines() -> registry::Engines {
    registry::Engines::new(fast_options(), KafkaClients::default())
}

/// A hand-built action.
/// `a` renamed `id`, depending on `deps`.
pub fn with_deps(mut a: Action, id: &str, deps: &[&str]) -> Action {
    a.id = id.to_string();
    a.depends_on = deps.iter().map(|d| d.to_string()).collect();
    a
}

/// Link `l` on europe (id `link`), then its mirrors `m1` and `m2` (ids
/// `m1`, `m2`, one step after it).
pub fn link_and_two_mirrors() -> Vec<Action> {
    let mirror = |m: &str| {
        with_deps(
            action(ActionKind::CreateMirror, "europe", "l", Some(m)),
            m,
            &["link"],
        )
    };
    vec![
        with_deps(
            action(ActionKind::CreateLink, "europe", "l", None),
            "link",
            &[],
        ),
        mirror("m1"),
        mirror("m2"),
    ]
}

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
        engine: EngineName::Confluent,
        side: ObjectSide::Destination,
        mirror: mirror.map(str::to_string),
        source_topic: mirror.map(str::to_string),
        changes: Vec::new(),
        depends_on: Vec::new(),
        irreversible: kind.is_irreversible(),
        notes: Vec::new(),
        payload: None,
    }
}

/// What a plan knows of the doubles' clusters: their ids (`us-cluster`,
/// `eu-cluster`), as read from their REST endpoints.
pub fn known_ids() -> LiveState {
    let mut live = LiveState::default();
    for (name, id) in [("us", "us-cluster"), ("europe", "eu-cluster")] {
        live.clusters.insert(
            name.to_string(),
            ClusterState {
                cluster_id: Some(id.to_string()),
                ..Default::default()
            },
        );
    }
    live
}

/// `a` with the payload the planner computes for it against `live`.
pub fn with_payload_against(m: &Manifest, live: &LiveState, mut a: Action) -> Action {
    if a.payload.is_none() {
        let cx = PlanContext { manifest: m, live };
        a.payload = Some(
            registry::model(a.engine)
                .payload(&a, &cx)
                .unwrap_or_else(|e| panic!("payload of {}: {e}", a.id)),
        );
    }
    a
}

/// `a` with its payload, the doubles' ids known.
pub fn with_payload(m: &Manifest, a: Action) -> Action {
    with_payload_against(m, &known_ids(), a)
}

/// What an executor needs for one manifest (owned, for tests).
pub struct CtxParts<'m> {
    parts: linkctl::apply::OneOff<'m>,
    pub kafka: KafkaClients,
}

impl<'m> CtxParts<'m> {
    pub fn new(m: &'m Manifest) -> Self {
        Self {
            parts: linkctl::apply::OneOff::new(m),
            kafka: KafkaClients::default(),
        }
    }

    /// What the apply engine hands executors.
    pub fn env(&self) -> linkctl::apply::ApplyEnv<'_> {
        self.parts.env(&self.kafka)
    }

    pub fn ctx(&self, wait_timeout: Duration) -> ExecContext<'_> {
        self.parts.ctx(&self.kafka, wait_timeout)
    }

    /// The token an interrupt cancels.
    pub fn cancel(&self) -> &tokio_util::sync::CancellationToken {
        self.parts.cancel()
    }
}

/// Runs `actions` (payloads computed where missing) as one step of `b`.
pub async fn exec(
    b: &ConfluentBackend,
    m: &Manifest,
    actions: &[Action],
    wait_timeout: Duration,
) -> Vec<ActionResult> {
    let actions: Vec<Action> = actions
        .iter()
        .cloned()
        .map(|a| with_payload(m, a))
        .collect();
    let refs: Vec<&Action> = actions.iter().collect();
    let parts = CtxParts::new(m);
    b.execute_step(&refs, &parts.ctx(wait_timeout)).await
}

/// The live state `b` reads for plans; a cluster or link that could not be
/// read is an error here (the first, in cluster-name order).
pub async fn read(
    b: &ConfluentBackend,
    m: &Manifest,
    scope: &Scope,
) -> Result<LiveState, BackendError> {
    let live = b
        .read_clusters(
            Clusters::of(m),
            scope,
            ReadDetail::Plan,
            &Default::default(),
        )
        .await?;
    for (name, c) in &live.clusters {
        if let Some(why) = c.unread.as_ref().or(c.unread_links.values().next()) {
            return Err(BackendError::new(name, why.clone()));
        }
    }
    Ok(live)
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

/// `yaml` with `cluster_id: id` pinned on the cluster whose `rest:` is `rest`.
pub fn pin_cluster_id(yaml: &str, rest: &str, id: &str) -> String {
    yaml.replacen(
        &format!("    rest: {rest}\n"),
        &format!("    rest: {rest}\n    cluster_id: {id}\n"),
        1,
    )
}

/// The seed's step 2 (`examples/seed/02-mirror.yaml`: two clusters, one
/// link with offset sync, mirror `demo`) with its REST endpoints on the
/// doubles, bootstraps on `localhost`, and `extra_link` appended.
pub fn seed_yaml(us_rest: &str, eu_rest: &str, extra_link: &str) -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/seed/02-mirror.yaml"
    ))
    .expect("seed manifest");
    let text = text
        .replace("127.0.0.1:19092", "localhost:19092")
        .replace("127.0.0.1:29092", "localhost:29092")
        .replace("http://127.0.0.1:18090/kafka", us_rest)
        .replace("http://127.0.0.1:28090/kafka", eu_rest);
    // The doubles' sources take no record unless a test says so: a short
    // quiet window keeps promotions quick.
    format!("{text}    cutover:\n      settle_ms: {TEST_SETTLE_MS}\n{extra_link}")
}

/// The promotions' quiet window in the doubles' seed manifest.
pub const TEST_SETTLE_MS: u64 = 200;
