//! The REST v3 client of one cluster: base URL, authentication, per-request
//! timeout, error decoding, and the cluster-id guard.
//!
//! Secrets (Basic password, bearer token) only ever go into the
//! `Authorization` header; they are never logged nor put in errors.

use std::time::Duration;

use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;

use super::errors::ConfluentError;
use super::mtls;
use super::wire::{ClusterData, ErrorBody};
use crate::backend::http_errors::{tls_failure, transport_reason};
use crate::backend::retry::{retry_within, Bound, RetryPolicy};
use crate::backend::timeouts::{secs, Timeouts};
use crate::manifest::{Auth, Cluster};

/// `User-Agent` of every request (`linkctl/<version>`).
pub const USER_AGENT: &str = concat!("linkctl/", env!("CARGO_PKG_VERSION"));

enum Credentials {
    None,
    Basic { username: String, password: String },
    Bearer { token: String, pool: Option<String> },
}

/// A client for the links and mirrors of one cluster.
pub struct ClusterClient {
    /// Manifest name of the cluster (for error messages).
    pub name: String,
    http: reqwest::Client,
    /// `<rest>/v3`
    base: Url,
    creds: Credentials,
    pinned_id: Option<String>,
    resolved_id: OnceCell<String>,
    /// Set once a request under `/clusters/{pinned id}/` succeeded (or the
    /// endpoint was asked): the endpoint serves the pinned cluster.
    verified: std::sync::atomic::AtomicBool,
    pub retry: RetryPolicy,
    timeouts: Timeouts,
    /// The cluster has `auth.mtls` (for the advice on TLS failures).
    mtls: bool,
}

/// What a request body is.
pub enum Body<'a> {
    None,
    Json(&'a serde_json::Value),
}

impl<'a> From<Option<&'a serde_json::Value>> for Body<'a> {
    /// A JSON body when there is a value, none otherwise.
    fn from(body: Option<&'a serde_json::Value>) -> Self {
        match body {
            Some(v) => Body::Json(v),
            None => Body::None,
        }
    }
}

impl ClusterClient {
    /// Builds the client from the manifest's cluster entry.
    pub fn new(
        name: &str,
        cluster: &Cluster,
        timeout: Duration,
        retry: RetryPolicy,
    ) -> Result<Self, ConfluentError> {
        let rest = cluster.rest.as_ref().ok_or_else(|| {
            ConfluentError::Manifest(format!(
                "cluster {name} has no `rest` URL, which the confluent engine needs"
            ))
        })?;
        let base = super::endpoint::api_base(rest.value.expose()).map_err(|e| {
            ConfluentError::Manifest(format!("cluster {name}: `rest` is not a valid URL ({e})"))
        })?;
        // The cluster's own `timeouts:` win over the engine's default.
        let mut timeouts = Timeouts::of(cluster);
        if cluster
            .timeouts
            .as_ref()
            .and_then(|t| t.value.request_ms)
            .is_none()
        {
            timeouts.request = timeout;
            timeouts.connect = timeouts.connect.min(timeout);
        }
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT,
            reqwest::header::HeaderValue::from_static("application/json"),
        );
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .default_headers(headers)
            .timeout(timeouts.request)
            .connect_timeout(timeouts.connect);
        let mut creds = Credentials::None;
        match cluster.auth.as_ref().map(|a| &a.value) {
            None => {}
            Some(Auth::Basic { username, password }) => {
                creds = Credentials::Basic {
                    username: username.expose().to_string(),
                    password: password.expose().to_string(),
                }
            }
            Some(Auth::Bearer {
                token,
                identity_pool_id,
            }) => {
                creds = Credentials::Bearer {
                    token: token.expose().to_string(),
                    pool: identity_pool_id.as_ref().map(|p| p.expose().to_string()),
                }
            }
            Some(Auth::Mtls { cert, key, .. }) => {
                builder = mtls::configure(builder, name, cert, key)?;
            }
        }
        builder = crate::backend::https_trust::trust(name, cluster, builder)
            .map_err(ConfluentError::Manifest)?;
        let http = builder
            .build()
            .map_err(|e| match cluster.auth.as_ref().map(|a| &a.value) {
                Some(Auth::Mtls { cert, key, .. }) => mtls::build_error(name, cert, key, &e),
                _ => ConfluentError::Manifest(format!(
                    "cluster {name}: cannot build an HTTP client: {e}"
                )),
            })?;
        Ok(Self {
            name: name.to_string(),
            http,
            base,
            creds,
            pinned_id: cluster.cluster_id.as_ref().map(|c| c.value.clone()),
            resolved_id: OnceCell::new(),
            verified: std::sync::atomic::AtomicBool::new(false),
            retry,
            timeouts,
            mtls: matches!(
                cluster.auth.as_ref().map(|a| &a.value),
                Some(Auth::Mtls { .. })
            ),
        })
    }

    /// The base URL (`<rest>/v3`), for messages.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// The id of the cluster to address. A pinned id is used as is: every
    /// request names it in its path, so an endpoint serving another cluster
    /// answers 404 and cannot be changed by mistake (the reader then calls
    /// [`Self::verify_cluster`] to say which cluster it found). Without a pinned
    /// id, the endpoint is asked (once, then cached).
    pub async fn cluster_id(&self) -> Result<&str, ConfluentError> {
        if let Some(pinned) = &self.pinned_id {
            return Ok(pinned.as_str());
        }
        self.resolved_id
            .get_or_try_init(|| self.verify_cluster())
            .await
            .map(|s| s.as_str())
    }

    /// Asks the endpoint which cluster it serves (`GET /v3/clusters`) and
    /// checks it against the pinned id. Confluent Cloud serves no
    /// `GET /v3/clusters` (404): a pinned id is then checked with
    /// `GET /v3/clusters/{id}`, and without one the user is told to pin it.
    pub async fn verify_cluster(&self) -> Result<String, ConfluentError> {
        let url = self.url_with(&["clusters"], &[]);
        let id = match self.get_all_url::<ClusterData>(url).await {
            Ok(list) => self.check_ids(list)?,
            Err(e) if e.is_not_found() => match self.without_cluster_list().await {
                Ok(id) => id,
                Err(e) => return Err(self.or_missing_kafka_path(e).await),
            },
            Err(e) => return Err(e),
        };
        self.verified
            .store(true, std::sync::atomic::Ordering::Relaxed);
        Ok(id)
    }

    /// The endpoint lists no clusters (Confluent Cloud).
    async fn without_cluster_list(&self) -> Result<String, ConfluentError> {
        let Some(pinned) = &self.pinned_id else {
            return Err(ConfluentError::Manifest(format!(
                "cluster {}: {} does not say which cluster it serves (GET /v3/clusters answers 404, as on Confluent Cloud), \
                 so linkctl cannot find the cluster id; set `cluster_id` on cluster {} (on Confluent Cloud the lkc-… id of the cluster)",
                self.name, self.base, self.name
            )));
        };
        let url = self.url_with(&["clusters", pinned], &[]);
        match self.get_json_url::<ClusterData>(url).await {
            Ok(c) if &c.cluster_id == pinned => Ok(pinned.clone()),
            Ok(c) => Err(ConfluentError::WrongCluster {
                expected: pinned.clone(),
                actual: c.cluster_id,
                url: self.base.to_string(),
            }),
            Err(e) if e.is_not_found() => Err(ConfluentError::WrongCluster {
                expected: pinned.clone(),
                actual: "another cluster (it does not list its clusters, and does not know the pinned id)".into(),
                url: self.base.to_string(),
            }),
            Err(e) => Err(e),
        }
    }

    /// `e`, or, when the `rest` URL does not end in `/kafka` and the same
    /// server answers under `<rest>/kafka/v3` (`GET clusters`, or `GET
    /// clusters/{pinned id}`), that the URL lacks the `/kafka` path: the
    /// form of a Confluent Server (and of the Cloud console) the user meant.
    async fn or_missing_kafka_path(&self, e: ConfluentError) -> ConfluentError {
        let rest = self
            .base
            .as_str()
            .trim_end_matches('/')
            .trim_end_matches("/v3")
            .trim_end_matches('/')
            .to_string();
        if rest.ends_with("/kafka") {
            return e;
        }
        let Ok(kafka) = super::endpoint::api_base(&format!("{rest}/kafka")) else {
            return e;
        };
        let mut probes = vec![vec!["clusters".to_string()]];
        if let Some(pinned) = &self.pinned_id {
            probes.push(vec!["clusters".to_string(), pinned.clone()]);
        }
        for segments in probes {
            let mut url = kafka.clone();
            if let Ok(mut segs) = url.path_segments_mut() {
                segs.pop_if_empty();
                segs.extend(segments.iter());
            }
            // One request, no retry: it only chooses the message.
            if self.send(Method::GET, url, Body::None).await.is_ok() {
                return ConfluentError::MissingKafkaPath {
                    cluster: self.name.clone(),
                    rest,
                };
            }
        }
        e
    }

    fn check_ids(&self, list: Vec<ClusterData>) -> Result<String, ConfluentError> {
        let ids: Vec<String> = list.into_iter().map(|c| c.cluster_id).collect();
        match (&self.pinned_id, ids.as_slice()) {
            (Some(pinned), ids) if ids.iter().any(|i| i == pinned) => Ok(pinned.clone()),
            (Some(pinned), ids) => Err(ConfluentError::WrongCluster {
                expected: pinned.clone(),
                actual: if ids.is_empty() {
                    "no cluster".to_string()
                } else {
                    ids.join(", ")
                },
                url: self.base.to_string(),
            }),
            (None, [one]) => Ok(one.clone()),
            (None, ids) => Err(ConfluentError::Manifest(format!(
                "cluster {}: {} serves {} clusters; set `cluster_id` in the manifest",
                self.name,
                self.base,
                ids.len()
            ))),
        }
    }

    /// `<base>/clusters/{id}/<segments…>?<query>`, after the cluster guard.
    pub async fn url(
        &self,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<Url, ConfluentError> {
        let id = self.cluster_id().await?.to_string();
        let mut all = vec!["clusters", id.as_str()];
        all.extend_from_slice(segments);
        Ok(self.url_with(&all, query))
    }

    fn url_with(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut segs) = url.path_segments_mut() {
            segs.pop_if_empty();
            for s in segments {
                segs.push(s);
            }
        }
        if !query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in query {
                q.append_pair(k, v);
            }
        }
        url
    }

    /// One request, no retry. Returns the body of a 2xx answer.
    pub async fn send(
        &self,
        method: Method,
        url: Url,
        body: Body<'_>,
    ) -> Result<Vec<u8>, ConfluentError> {
        let path = url.path().to_string();
        // The cluster guard for writes: before the first write under a pinned
        // cluster id, make sure the endpoint serves that cluster — unless an
        // earlier request under that id already succeeded (a read proves it,
        // so an apply, which reads first, pays no extra request).
        let pinned_path = self
            .pinned_id
            .as_ref()
            .is_some_and(|id| path.contains(&format!("/clusters/{id}/")));
        if pinned_path
            && method != Method::GET
            && !self.verified.load(std::sync::atomic::Ordering::Relaxed)
        {
            Box::pin(self.verify_cluster()).await?;
        }
        let mut req = self.http.request(method.clone(), url.clone());
        req = match &self.creds {
            Credentials::None => req,
            Credentials::Basic { username, password } => req.basic_auth(username, Some(password)),
            Credentials::Bearer { token, pool } => {
                let r = req.bearer_auth(token);
                match pool {
                    Some(p) => r.header("confluent-identity-pool-id", p),
                    None => r,
                }
            }
        };
        if let Body::Json(v) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(v.to_string());
        }
        let started = std::time::Instant::now();
        let resp = req
            .send()
            .await
            .map_err(|e| self.transport_error(&url, &e))?;
        let status = resp.status();
        tracing::debug!(cluster = %self.name, %method, %path, status = status.as_u16(), ms = started.elapsed().as_millis() as u64, "confluent request");
        // `Retry-After` in seconds (the HTTP-date form is not used by these APIs).
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| self.transport_error(&url, &e))?;
        if status.is_success() {
            if pinned_path {
                self.verified
                    .store(true, std::sync::atomic::Ordering::Relaxed);
            }
            return Ok(bytes.to_vec());
        }
        let parsed: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
        let (error_code, message) = match parsed {
            Some(b) => (b.error_code, b.message),
            None if status.as_u16() == 429 => {
                (None, Some("too many requests (rate limited)".to_string()))
            }
            None => (None, None),
        };
        if status.as_u16() == 401 {
            return Err(ConfluentError::Unauthorized {
                url: redacted_url(&url),
                message,
            });
        }
        Err(ConfluentError::Http {
            method: method.to_string(),
            path,
            status: status.as_u16(),
            error_code,
            message,
            retry_after,
        })
    }

    /// Why a request got no answer: a TLS handshake that failed (permanent),
    /// or a transport failure naming the limit that ran out.
    fn transport_error(&self, url: &Url, e: &reqwest::Error) -> ConfluentError {
        let url = redacted_url(url);
        if let Some(failure) = tls_failure(e) {
            return ConfluentError::Tls {
                url,
                cluster: self.name.clone(),
                mtls: self.mtls,
                failure,
            };
        }
        let reason = transport_reason(e);
        let reason = if e.is_timeout() || e.is_connect() {
            format!("{reason} {}", self.timeouts.explain(&self.name))
        } else {
            reason
        };
        ConfluentError::Transport { url, reason }
    }

    /// GET of a full URL with retries, decoded.
    pub async fn get_url<T: DeserializeOwned>(&self, url: Url) -> Result<T, ConfluentError> {
        self.get_json_url(url).await
    }

    async fn get_json_url<T: DeserializeOwned>(&self, url: Url) -> Result<T, ConfluentError> {
        let bytes = retry_within(
            &self.retry,
            &self.bound(&Method::GET),
            || self.send(Method::GET, url.clone(), Body::None),
            || self.no_answer(&url),
        )
        .await?;
        decode(&bytes, "GET", url.path())
    }

    /// The whole wait for one request, retries included: the request
    /// timeout (`--timeout`, `timeouts.request_ms`).
    fn bound(&self, method: &Method) -> Bound {
        let verb = if method == Method::GET {
            "reading"
        } else {
            "writing"
        };
        Bound {
            what: format!("{verb} {} (Confluent REST)", self.name),
            limit: self.timeouts.request,
        }
    }

    /// No answer by the end of the request's bound.
    fn no_answer(&self, url: &Url) -> ConfluentError {
        ConfluentError::Transport {
            url: redacted_url(url),
            reason: format!(
                "no answer within {}, retries included {}",
                secs(self.timeouts.request),
                self.timeouts.explain(&self.name)
            ),
        }
    }

    /// GET with retries, decoded.
    pub async fn get<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<T, ConfluentError> {
        let url = self.url(segments, query).await?;
        self.get_json_url(url).await
    }

    /// A write that is safe to repeat (PUT of a value, DELETE), with retries.
    pub async fn write_idempotent(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> Result<Vec<u8>, ConfluentError> {
        let url = self.url(segments, query).await?;
        retry_within(
            &self.retry,
            &self.bound(&method),
            || self.send(method.clone(), url.clone(), body.into()),
            || self.no_answer(&url),
        )
        .await
    }

    /// A write sent once (the caller decides about retries).
    pub async fn write_once(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> Result<Vec<u8>, ConfluentError> {
        let url = self.url(segments, query).await?;
        self.send(method, url, body.into()).await
    }
}

/// Decodes a JSON body, naming the request on failure (never quoting the body).
pub fn decode<T: DeserializeOwned>(
    bytes: &[u8],
    method: &str,
    path: &str,
) -> Result<T, ConfluentError> {
    serde_json::from_slice(bytes).map_err(|e| ConfluentError::Decode {
        method: method.to_string(),
        path: path.to_string(),
        reason: e.to_string(),
    })
}

/// The URL without user info (manifests should not hold credentials in URLs,
/// but if one does it must not be echoed).
fn redacted_url(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.to_string()
}
