//! The apply lock's topics over Confluent REST v3 (`POST topics`,
//! `GET topics` (or `GET topics/-/configs`), `GET`/`PUT
//! topics/{t}/configs/retention.ms`, `DELETE topics/{t}`): the access
//! `plan` already has to a Confluent cluster.

use std::sync::Arc;

use reqwest::Method;
use serde_json::json;

use super::client::ClusterClient;
use super::errors::ConfluentError;
use super::wire::{TopicConfigData, TopicData};
use crate::backend::lock::LockStore;
use crate::backend::{BackendError, BoxFuture};

const RETENTION: &str = "retention.ms";

pub struct RestLockStore {
    client: Arc<ClusterClient>,
}

impl RestLockStore {
    pub fn new(client: Arc<ClusterClient>) -> Self {
        Self { client }
    }

    fn err(&self, e: ConfluentError) -> BackendError {
        e.into_backend(&self.client.name)
    }
}

/// `CreateTopics` of a name that exists: 400 / 40002 "Topic 'x' already
/// exists." on Confluent Server, 409 elsewhere.
fn exists_already(e: &ConfluentError) -> bool {
    match e {
        ConfluentError::Http {
            status, message, ..
        } => {
            *status == 409
                || (*status == 400
                    && message
                        .as_deref()
                        .is_some_and(|m| m.contains("already exists")))
        }
        _ => false,
    }
}

impl LockStore for RestLockStore {
    fn cluster(&self) -> &str {
        &self.client.name
    }

    fn transport(&self) -> &'static str {
        "Confluent REST"
    }

    fn create<'a>(
        &'a self,
        name: &'a str,
        retention_ms: Option<i64>,
    ) -> BoxFuture<'a, Result<bool, BackendError>> {
        Box::pin(async move {
            let mut body = json!({"topic_name": name, "partitions_count": 1});
            if let Some(ms) = retention_ms {
                body["configs"] = json!([{"name": RETENTION, "value": ms.to_string()}]);
            }
            match self
                .client
                .write_once(Method::POST, &["topics"], &[], Some(&body))
                .await
            {
                Ok(_) => Ok(true),
                Err(e) if exists_already(&e) => Ok(false),
                Err(e) => Err(self.err(e)),
            }
        })
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
    ) -> BoxFuture<'a, Result<Option<Vec<String>>, BackendError>> {
        Box::pin(async move {
            let names: Vec<String> = match self.client.get_all::<TopicData>(&["topics"], &[]).await
            {
                Ok(all) => all.into_iter().map(|t| t.topic_name).collect(),
                // A principal that may describe the configs of the lock's
                // topics but not the topics themselves: their names are in
                // the config rows.
                Err(e) if e.status() == Some(403) => {
                    match self
                        .client
                        .get_all::<TopicConfigData>(&["topics", "-", "configs"], &[])
                        .await
                    {
                        Ok(rows) => rows.into_iter().map(|r| r.topic_name).collect(),
                        Err(e) if e.status() == Some(403) => return Ok(None),
                        Err(e) => return Err(self.err(e)),
                    }
                }
                Err(e) => return Err(self.err(e)),
            };
            let mut names: Vec<String> = names
                .into_iter()
                .filter(|n| n.starts_with(prefix))
                .collect();
            names.sort();
            names.dedup();
            Ok(Some(names))
        })
    }

    fn retention<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Option<i64>, BackendError>> {
        Box::pin(async move {
            let path = ["topics", name, "configs", RETENTION];
            match self.client.get::<serde_json::Value>(&path, &[]).await {
                Ok(row) => match row["value"].as_str().and_then(|v| v.trim().parse().ok()) {
                    Some(ms) => Ok(Some(ms)),
                    // The lease cannot be read: the lock cannot be used.
                    None => Err(BackendError::new(
                        &self.client.name,
                        format!("the server does not return the value of `{RETENTION}` of topic `{name}`, so linkctl cannot read the apply lock's lease (`--no-lock` applies without it, when nothing else can apply to this cluster)"),
                    )),
                },
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(self.err(e)),
            }
        })
    }

    fn set_retention<'a>(
        &'a self,
        name: &'a str,
        ms: i64,
    ) -> BoxFuture<'a, Result<(), BackendError>> {
        Box::pin(async move {
            let body = json!({"value": ms.to_string()});
            self.client
                .write_idempotent(
                    Method::PUT,
                    &["topics", name, "configs", RETENTION],
                    &[],
                    Some(&body),
                )
                .await
                .map(|_| ())
                .map_err(|e| self.err(e))
        })
    }

    fn delete<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), BackendError>> {
        Box::pin(async move {
            match self
                .client
                .write_idempotent(Method::DELETE, &["topics", name], &[], None)
                .await
            {
                Ok(_) => Ok(()),
                Err(e) if e.is_not_found() => Ok(()),
                Err(e) => Err(self.err(e)),
            }
        })
    }
}
