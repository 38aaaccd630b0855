//! A small Kafka Connect REST client (connector configs, status, delete)
//! for a Connect cluster of one or several workers.
//!
//! - Failover: a request goes to the worker that answered last; a worker
//!   that cannot be reached (or does not answer) is skipped for the next
//!   one in the manifest's order. Any worker serves reads and forwards
//!   writes to the group's leader itself.
//! - Rebalances: every config change makes the workers rebalance, and a
//!   worker that died makes the others rebalance; meanwhile Connect answers
//!   409, or 500/503 ("a rebalance is expected", "stale configuration", a
//!   request forwarded to a leader that is gone). Those answers are retried
//!   until the endpoint's request timeout (`--timeout`, `timeouts:`) runs
//!   out, and named "Kafka Connect is rebalancing".
//! - Shared reads: statuses and connector configs come from one
//!   `GET /connectors?expand=info&expand=status` per round, which a
//!   rebalance does not refuse ([`super::connect_snapshot`]).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde::Deserialize;

use crate::backend::http_errors::{short_reason, tls_failure, transport_reason, TlsFailure};
use crate::backend::retry::{retry_within, Bound, RetryPolicy, Transient};
use crate::backend::timeouts::{secs, Timeouts};
use crate::backend::BackendError;
use crate::manifest::{Auth, Cluster};

use super::connect_snapshot::Snapshots;

/// State of a connector or task as Connect reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WorkerState {
    pub state: String,
    #[serde(default)]
    pub trace: Option<String>,
    #[serde(default)]
    pub id: Option<u32>,
}

/// `GET /connectors/{name}/status`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ConnectorStatus {
    pub name: String,
    pub connector: WorkerState,
    #[serde(default)]
    pub tasks: Vec<WorkerState>,
}

impl ConnectorStatus {
    /// The connector and all its tasks RUNNING. A connector with nothing to do
    /// (no topic, or no group yet) runs with no task, which is healthy.
    pub fn is_running(&self) -> bool {
        self.connector.state == "RUNNING" && self.tasks.iter().all(|t| t.state == "RUNNING")
    }
    /// The first FAILED trace's first line, if any.
    pub fn failure(&self) -> Option<String> {
        std::iter::once(&self.connector)
            .chain(self.tasks.iter())
            .find(|s| s.state == "FAILED")
            .map(|s| {
                s.trace
                    .as_deref()
                    .and_then(|t| t.lines().next())
                    .unwrap_or("FAILED without a trace")
                    .to_string()
            })
    }
}

/// One connector of `GET /connectors?expand=info&expand=status`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Expanded {
    pub info: Option<ExpandedInfo>,
    pub status: Option<ConnectorStatus>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ExpandedInfo {
    pub config: BTreeMap<String, String>,
}

/// One entry of `GET /connectors/{name}/tasks`: a task's generated config.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TaskInfo {
    pub config: BTreeMap<String, String>,
}

/// A poll's read of a connector's tasks.
pub enum TasksRead {
    /// The tasks' configs, `None` when the connector does not exist.
    Tasks(Option<Vec<TaskInfo>>),
    /// Refused: the group is rebalancing.
    Rebalancing,
}

/// `GET /connectors/{name}/offsets` (Kafka 3.5+).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ConnectorOffsets {
    pub offsets: Vec<SourceOffset>,
}

/// One stored source offset: a partition map and an offset map, whose shape
/// the connector decides (MirrorMaker 2: `{cluster, topic, partition}` →
/// `{offset}`, the last source offset replicated).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SourceOffset {
    pub partition: serde_json::Map<String, serde_json::Value>,
    pub offset: serde_json::Map<String, serde_json::Value>,
}

/// `GET /` of a worker.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct WorkerInfo {
    pub version: Option<String>,
    /// The Kafka cluster of the worker's `bootstrap.servers`: where its
    /// producer writes, hence where a MirrorMaker 2 source connector's
    /// records land.
    pub kafka_cluster_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ConnectError {
    message: Option<String>,
}

/// `http://user:pass@host:8083` → `http://host:8083`.
fn without_userinfo(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = authority.rsplit('@').next().unwrap_or(authority);
            format!("{scheme}://{host}{path}")
        }
        None => url.to_string(),
    }
}

/// One worker of the Connect cluster.
#[derive(Debug)]
struct Worker {
    base: reqwest::Url,
    /// The URL as errors show it: without user info, and not at all when it
    /// came from `${env:…}`.
    shown: String,
}

/// Talks to one Kafka Connect cluster. Clones share the worker that
/// answered last, the snapshot of the round and what was written last.
#[derive(Clone)]
pub struct ConnectClient {
    cluster: String,
    workers: Arc<[Worker]>,
    /// Index in `workers` of the worker that answered last.
    current: Arc<AtomicUsize>,
    http: reqwest::Client,
    auth: Option<Auth>,
    timeouts: Timeouts,
    retry: RetryPolicy,
    snapshots: Arc<Snapshots>,
    /// When the client was made: a snapshot from before is not used.
    created: Instant,
}

impl std::fmt::Debug for ConnectClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectClient")
            .field("cluster", &self.cluster)
            .field("workers", &self.shown_all())
            .finish()
    }
}

/// What linkctl sends: a method, a path (each segment escaped), a query and
/// maybe a JSON body; built anew for whichever worker it goes to.
struct Call<'a> {
    method: reqwest::Method,
    segments: &'a [&'a str],
    query: &'a [(&'a str, &'a str)],
    body: Option<serde_json::Value>,
}

impl<'a> Call<'a> {
    fn new(method: reqwest::Method, segments: &'a [&'a str]) -> Self {
        Self {
            method,
            segments,
            query: &[],
            body: None,
        }
    }
    fn query(mut self, query: &'a [(&'a str, &'a str)]) -> Self {
        self.query = query;
        self
    }
    fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }
}

/// Why one attempt of a request did not give an answer to use.
enum Attempt {
    /// Connect answered 409, 500, 502, 503 or 504: while its workers
    /// rebalance (after every config change, or when a worker left) that is
    /// what it answers, and a retry succeeds once the group settled.
    Busy {
        status: StatusCode,
        /// Connect's own words (redacted, shortened).
        message: String,
    },
    /// No answer within the request timeout (from any worker).
    TimedOut,
    /// No connection (refused, reset, unresolvable) within the connect
    /// timeout, to any worker.
    Unreachable(String),
    /// The TLS handshake failed: the same certificates will fail again.
    Tls(TlsFailure),
}

impl Attempt {
    /// Whether Connect's answer says its group is rebalancing (409 always:
    /// "a conflicting operation (e.g. worker rebalance)", "stale
    /// configuration"; a 5xx that names a rebalance, a leader, or a
    /// request it could not forward to the leader).
    fn rebalancing(&self) -> bool {
        match self {
            Self::Busy { status, message } => {
                let m = message.to_ascii_lowercase();
                *status == StatusCode::CONFLICT
                    || *status == StatusCode::SERVICE_UNAVAILABLE
                    || [
                        "rebalanc",
                        "leader",
                        "forward",
                        "stale config",
                        "conflicting operation",
                    ]
                    .iter()
                    .any(|w| m.contains(w))
            }
            _ => false,
        }
    }
}

impl std::fmt::Display for Attempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Busy { status, message } => {
                if self.rebalancing() {
                    write!(f, "Kafka Connect is rebalancing (HTTP {}", status.as_u16())?;
                } else {
                    write!(f, "HTTP {status}")?;
                }
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                if self.rebalancing() {
                    write!(f, ")")?;
                }
                Ok(())
            }
            Self::TimedOut => write!(f, "no answer"),
            Self::Unreachable(r) => write!(f, "{r}"),
            Self::Tls(t) => write!(f, "{t}"),
        }
    }
}

impl Transient for Attempt {
    /// Every call of this client is idempotent (GET, PUT config, stop,
    /// DELETE), so a busy worker or a refused connection is retried; a
    /// request that already waited its whole timeout is not, nor a TLS
    /// handshake that failed.
    fn is_transient(&self) -> bool {
        !matches!(self, Self::TimedOut | Self::Tls(_))
    }

    /// A few words for the waiting line (`backend::waiting`).
    fn waiting_reason(&self) -> Option<String> {
        Some(match self {
            Self::Busy { .. } if self.rebalancing() => "Kafka Connect is rebalancing".to_string(),
            Self::Busy { status, .. } => format!("busy (HTTP {})", status.as_u16()),
            Self::TimedOut => "no answer".to_string(),
            Self::Unreachable(r) => short_reason(r),
            Self::Tls(t) => t.to_string(),
        })
    }
}

/// What to change when the TLS handshake with the worker of `cluster` failed.
fn tls_fix(failure: &TlsFailure, cluster: &str) -> String {
    let c = format!("cluster `{cluster}`");
    match failure {
        TlsFailure::UntrustedServer => {
            format!("add the CA that signed the worker's certificate to `https_ca` of {c}")
        }
        TlsFailure::ServerNameMismatch { .. } => format!(
            "use a `connect` URL for {c} whose host the certificate names, or give the worker a certificate for this host"
        ),
        TlsFailure::ClientCertificateRequired | TlsFailure::ClientCertificateRefused(_) => format!(
            "the worker asks for a client certificate, and linkctl reaches Kafka Connect with basic or bearer auth only (`auth` of {c})"
        ),
        TlsFailure::BadServerCertificate(_) => {
            format!("check the worker's certificate, and `https_ca` of {c}")
        }
        TlsFailure::Other(_) => format!("check the `connect` URL of {c} (https:// for TLS)"),
    }
}

impl ConnectClient {
    /// The Connect cluster next to `cluster` (its `connect:` URLs).
    pub fn for_cluster(name: &str, cluster: &Cluster) -> Result<Self, BackendError> {
        let urls = cluster
            .connect
            .as_ref()
            .map(|c| c.urls())
            .filter(|u| !u.is_empty())
            .ok_or_else(|| BackendError::new(name, "no `connect:` URL for this cluster"))?;
        if matches!(
            cluster.auth.as_ref().map(|a| &a.value),
            Some(Auth::Mtls { .. })
        ) {
            return Err(BackendError::new(
                name,
                "mTLS to Kafka Connect is not supported; use basic or bearer auth",
            ));
        }
        let workers = urls
            .iter()
            .map(|url| {
                let raw = url.expose().trim_end_matches('/').to_string();
                let shown = if url.is_secret() {
                    "(URL from the environment)".to_string()
                } else {
                    without_userinfo(&raw)
                };
                let base = reqwest::Url::parse(&raw).map_err(|e| {
                    BackendError::new(name, format!("`connect: {shown}` is not a valid URL ({e})"))
                })?;
                Ok(Worker { base, shown })
            })
            .collect::<Result<Vec<_>, BackendError>>()?;
        let timeouts = Timeouts::of(cluster);
        let builder = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.request);
        let http = crate::backend::https_trust::trust(name, cluster, builder)
            .map_err(|e| BackendError::new(name, e))?
            .build()
            .map_err(|e| BackendError::new(name, format!("cannot build an HTTP client: {e}")))?;
        Ok(Self {
            cluster: name.to_string(),
            workers: workers.into(),
            current: Arc::new(AtomicUsize::new(0)),
            http,
            auth: cluster.auth.as_ref().map(|a| a.value.clone()),
            timeouts,
            // A rebalance lasts a few seconds (longer when a worker left):
            // retried with short backoffs until the request timeout, which
            // bounds the whole wait for the endpoint.
            retry: RetryPolicy {
                max_retries: 200,
                min_backoff: Duration::from_millis(250),
                max_backoff: Duration::from_secs(2),
                budget: timeouts.request,
            },
            snapshots: Arc::default(),
            created: Instant::now(),
        })
    }

    /// The workers as messages show them (`http://w1:8083, http://w2:8083`).
    fn shown_all(&self) -> String {
        self.workers
            .iter()
            .map(|w| w.shown.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `call` for `worker`: each segment escaped as one path segment (a
    /// connector name cannot reach another endpoint).
    fn request(&self, worker: &Worker, call: &Call<'_>) -> reqwest::RequestBuilder {
        let mut url = worker.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            path.extend(call.segments);
        }
        if !call.query.is_empty() {
            url.query_pairs_mut().extend_pairs(call.query);
        }
        let mut r = self.http.request(call.method.clone(), url);
        if let Some(body) = &call.body {
            r = r.json(body);
        }
        match &self.auth {
            Some(Auth::Basic { username, password }) => {
                r.basic_auth(username.expose(), Some(password.expose()))
            }
            Some(Auth::Bearer { token, .. }) => r.bearer_auth(token.expose()),
            _ => r,
        }
    }

    fn err(&self, msg: impl std::fmt::Display) -> BackendError {
        let current = self.current.load(Ordering::Relaxed) % self.workers.len().max(1);
        let shown = self.workers.get(current).map_or("", |w| w.shown.as_str());
        BackendError::new(&self.cluster, format!("Kafka Connect {shown}: {msg}"))
    }

    /// One attempt: the worker that answered last first, then the others in
    /// the manifest's order while a worker cannot be reached or does not
    /// answer.
    async fn attempt(&self, call: &Call<'_>) -> Result<reqwest::Response, Attempt> {
        let n = self.workers.len();
        let first = self.current.load(Ordering::Relaxed);
        let mut failure = Attempt::Unreachable("no worker URL".into());
        for k in 0..n {
            let i = (first + k) % n;
            let resp = match self.request(&self.workers[i], call).send().await {
                Ok(resp) => resp,
                Err(e) => {
                    if let Some(tls) = tls_failure(&e) {
                        return Err(Attempt::Tls(tls));
                    }
                    failure = if e.is_timeout() {
                        Attempt::TimedOut
                    } else {
                        Attempt::Unreachable(transport_reason(&e))
                    };
                    if n > 1 {
                        tracing::debug!(worker = %self.workers[i].shown, reason = %failure, "trying the next Kafka Connect worker");
                    }
                    continue;
                }
            };
            if i != first {
                self.current.store(i, Ordering::Relaxed);
            }
            let status = resp.status();
            if matches!(
                status,
                StatusCode::CONFLICT
                    | StatusCode::INTERNAL_SERVER_ERROR
                    | StatusCode::BAD_GATEWAY
                    | StatusCode::SERVICE_UNAVAILABLE
                    | StatusCode::GATEWAY_TIMEOUT
            ) {
                let body = resp.text().await.unwrap_or_default();
                let message = serde_json::from_str::<ConnectError>(&body)
                    .ok()
                    .and_then(|e| e.message)
                    .unwrap_or(body);
                let message: String = crate::redact::server_text(&message)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect();
                return Err(Attempt::Busy { status, message });
            }
            return Ok(resp);
        }
        Err(failure)
    }

    /// Sends `call` with the shared retry policy; the error says which
    /// limit ran out.
    async fn send(&self, call: Call<'_>) -> Result<reqwest::Response, BackendError> {
        let started = Instant::now();
        // The whole wait, retries included, ends with the request timeout;
        // meanwhile the waiting line says what for.
        let bound = Bound {
            what: format!(
                "{} {} (Kafka Connect)",
                if call.method == reqwest::Method::GET {
                    "reading"
                } else {
                    "writing"
                },
                self.cluster
            ),
            limit: self.timeouts.request,
        };
        let attempt = || self.attempt(&call);
        retry_within(&self.retry, &bound, attempt, || Attempt::TimedOut)
            .await
            .map_err(|a| {
            let limits = self.timeouts.explain(&self.cluster);
            let workers = if self.workers.len() > 1 {
                format!("any of the workers {}", self.shown_all())
            } else {
                self.shown_all()
            };
            match a {
                Attempt::TimedOut => BackendError::new(
                    &self.cluster,
                    format!(
                        "Kafka Connect {workers} did not answer within {} {limits}",
                        secs(self.timeouts.request)
                    ),
                ),
                Attempt::Unreachable(reason) => BackendError::new(
                    &self.cluster,
                    format!(
                        "cannot reach Kafka Connect {workers}: {reason} — is the worker running and is `connect:` right? {limits}"
                    ),
                ),
                Attempt::Tls(failure) => BackendError::new(
                    &self.cluster,
                    format!(
                        "TLS handshake with Kafka Connect {} failed: {failure}; {}",
                        self.shown_all(),
                        tls_fix(&failure, &self.cluster)
                    ),
                ),
                busy @ Attempt::Busy { .. } => self.err(format!(
                    "{busy}, still after {:.1} s {limits}",
                    started.elapsed().as_secs_f64()
                )),
            }
        })
    }

    async fn fail(&self, what: &str, resp: reqwest::Response) -> BackendError {
        let status = resp.status();
        let cluster = &self.cluster;
        match status {
            StatusCode::UNAUTHORIZED => {
                return self.err(format!(
                    "refused the credentials while {what} (HTTP 401 Unauthorized): check `auth` of cluster `{cluster}` (the worker's REST users, e.g. its basic-auth extension's user file)"
                ))
            }
            StatusCode::FORBIDDEN => {
                return self.err(format!(
                    "accepted the credentials but forbids {what} (HTTP 403 Forbidden): the user of `auth` on cluster `{cluster}` needs permission to manage connectors"
                ))
            }
            _ => {}
        }
        let body = resp.text().await.unwrap_or_default();
        let msg = serde_json::from_str::<ConnectError>(&body)
            .ok()
            .and_then(|e| e.message)
            .unwrap_or_else(|| body.chars().take(300).collect());
        let msg = crate::redact::server_text(&msg);
        self.err(format!("{what}: HTTP {status}: {msg}"))
    }

    /// Checks the worker answers.
    pub async fn ping(&self) -> Result<(), BackendError> {
        self.worker().await.map(|_| ())
    }

    /// What the worker says of itself (`GET /`): its version and the Kafka
    /// cluster it is attached to.
    pub async fn worker(&self) -> Result<WorkerInfo, BackendError> {
        let resp = self.send(Call::new(reqwest::Method::GET, &[])).await?;
        if resp.status().is_success() {
            resp.json().await.map_err(|e| self.err(e.without_url()))
        } else {
            Err(self.fail("checking the worker (GET /)", resp).await)
        }
    }

    /// The JSON document `GET /connectors/{name}/{part}`, or `None` when
    /// Connect answers 404; a failure is named "reading {what} {name}".
    async fn get_connector_part<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
        part: &str,
        what: &str,
    ) -> Result<Option<T>, BackendError> {
        let resp = self
            .send(Call::new(reqwest::Method::GET, &["connectors", name, part]))
            .await?;
        self.part_from(resp, name, what).await
    }

    /// The JSON document of a connector part's answer, `None` on 404.
    async fn part_from<T: serde::de::DeserializeOwned>(
        &self,
        resp: reqwest::Response,
        name: &str,
        what: &str,
    ) -> Result<Option<T>, BackendError> {
        match resp.status() {
            StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => resp
                .json()
                .await
                .map(Some)
                .map_err(|e| self.err(e.without_url())),
            _ => Err(self.fail(&format!("reading {what} {name}"), resp).await),
        }
    }

    /// `GET /connectors/{name}/config`, or `None` when it does not exist
    /// (refused during a rebalance: [`ConnectClient::config`] reads a
    /// snapshot first).
    pub(super) async fn config_of(
        &self,
        name: &str,
    ) -> Result<Option<BTreeMap<String, String>>, BackendError> {
        self.get_connector_part(name, "config", "connector").await
    }

    pub(super) fn snapshots(&self) -> &Snapshots {
        &self.snapshots
    }

    pub(super) fn created(&self) -> Instant {
        self.created
    }

    /// A connector's status, or `None` when it does not exist.
    pub async fn status(&self, name: &str) -> Result<Option<ConnectorStatus>, BackendError> {
        self.get_connector_part(name, "status", "status of").await
    }

    /// Creates or replaces a connector's config (idempotent).
    pub async fn put_config(
        &self,
        name: &str,
        config: &BTreeMap<String, String>,
    ) -> Result<(), BackendError> {
        let resp = self
            .send(
                Call::new(reqwest::Method::PUT, &["connectors", name, "config"])
                    .json(serde_json::to_value(config).unwrap_or_default()),
            )
            .await?;
        if resp.status().is_success() {
            self.snapshots.wrote(name, Some(config));
            Ok(())
        } else {
            Err(self.fail(&format!("writing connector {name}"), resp).await)
        }
    }

    /// A call whose effect is already there when the connector is missing:
    /// 2xx and 404 both succeed.
    async fn call_tolerating_absence(
        &self,
        method: reqwest::Method,
        segments: &[&str],
        what: &str,
    ) -> Result<(), BackendError> {
        let resp = self.send(Call::new(method, segments)).await?;
        match resp.status() {
            StatusCode::NOT_FOUND => Ok(()),
            s if s.is_success() => Ok(()),
            _ => Err(self.fail(what, resp).await),
        }
    }

    /// Deletes a connector; a missing connector is not an error.
    pub async fn delete(&self, name: &str) -> Result<(), BackendError> {
        let what = format!("deleting connector {name}");
        self.call_tolerating_absence(reqwest::Method::DELETE, &["connectors", name], &what)
            .await?;
        self.snapshots.wrote(name, None);
        Ok(())
    }

    /// Stops a connector (it keeps its config) — needed before resetting offsets.
    pub async fn stop(&self, name: &str) -> Result<(), BackendError> {
        let what = format!("stopping connector {name}");
        self.call_tolerating_absence(reqwest::Method::PUT, &["connectors", name, "stop"], &what)
            .await
    }

    /// Drops a stopped connector's stored source offsets, so that a connector
    /// created later under the same name starts afresh.
    pub async fn reset_offsets(&self, name: &str) -> Result<(), BackendError> {
        let what = format!("resetting offsets of {name}");
        self.call_tolerating_absence(
            reqwest::Method::DELETE,
            &["connectors", name, "offsets"],
            &what,
        )
        .await
    }

    /// Resumes a stopped or paused connector.
    pub async fn resume(&self, name: &str) -> Result<(), BackendError> {
        let resp = self
            .send(Call::new(
                reqwest::Method::PUT,
                &["connectors", name, "resume"],
            ))
            .await?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(self.fail(&format!("resuming connector {name}"), resp).await)
        }
    }

    /// Alters the stored offsets of a stopped connector (KIP-875): `offsets`
    /// is the `{"offsets": [...]}` body (an `offset` of `null` forgets a
    /// partition's).
    pub async fn patch_offsets(
        &self,
        name: &str,
        offsets: &serde_json::Value,
    ) -> Result<(), BackendError> {
        let resp = self
            .send(
                Call::new(reqwest::Method::PATCH, &["connectors", name, "offsets"])
                    .json(offsets.clone()),
            )
            .await?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(self
                .fail(&format!("altering the offsets of {name}"), resp)
                .await)
        }
    }

    /// Every connector with its config and status, in one request.
    pub async fn list_expanded(&self) -> Result<BTreeMap<String, Expanded>, BackendError> {
        let resp = self
            .send(
                Call::new(reqwest::Method::GET, &["connectors"])
                    .query(&[("expand", "info"), ("expand", "status")]),
            )
            .await?;
        if resp.status().is_success() {
            resp.json().await.map_err(|e| self.err(e.without_url()))
        } else {
            Err(self.fail("listing connectors", resp).await)
        }
    }

    /// The configs Connect generated for a connector's tasks, or `None` when
    /// it does not exist.
    pub async fn tasks(&self, name: &str) -> Result<Option<Vec<TaskInfo>>, BackendError> {
        self.get_connector_part(name, "tasks", "tasks of").await
    }

    /// A connector's tasks for a poll: one attempt, and
    /// [`TasksRead::Rebalancing`] when Connect refuses it because its group
    /// rebalances (the poll waits on; a rebalance storm of many links'
    /// writes would otherwise outlast the request timeout). Other failures
    /// are retried like every request.
    pub async fn tasks_polled(&self, name: &str) -> Result<TasksRead, BackendError> {
        let segments = ["connectors", name, "tasks"];
        let call = Call::new(reqwest::Method::GET, &segments);
        match self.attempt(&call).await {
            Ok(resp) => Ok(TasksRead::Tasks(
                self.part_from(resp, name, "tasks of").await?,
            )),
            Err(busy) if busy.rebalancing() => Ok(TasksRead::Rebalancing),
            Err(_) => Ok(TasksRead::Tasks(self.tasks(name).await?)),
        }
    }

    /// A connector's stored source offsets, or `None` when it does not exist.
    pub async fn offsets(&self, name: &str) -> Result<Option<ConnectorOffsets>, BackendError> {
        self.get_connector_part(name, "offsets", "offsets of").await
    }

    /// Names of all connectors.
    pub async fn list(&self) -> Result<Vec<String>, BackendError> {
        let resp = self
            .send(Call::new(reqwest::Method::GET, &["connectors"]))
            .await?;
        if resp.status().is_success() {
            resp.json().await.map_err(|e| self.err(e.without_url()))
        } else {
            Err(self.fail("listing connectors", resp).await)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::without_userinfo;

    #[test]
    fn urls_lose_their_credentials() {
        assert_eq!(
            without_userinfo("http://u:p@connect:8083/x"),
            "http://connect:8083/x"
        );
        assert_eq!(
            without_userinfo("http://connect:8083"),
            "http://connect:8083"
        );
    }
}
