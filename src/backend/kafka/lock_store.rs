//! The apply lock's topics over the Kafka protocol, for clusters without a
//! Confluent REST endpoint (MirrorMaker 2 destinations).

use std::sync::Arc;

use super::KafkaAdmin;
use crate::backend::lock::LockStore;
use crate::backend::{BackendError, BoxFuture};

pub struct KafkaLockStore {
    cluster: String,
    admin: Arc<KafkaAdmin>,
}

impl KafkaLockStore {
    pub fn new(cluster: &str, admin: Arc<KafkaAdmin>) -> Self {
        Self {
            cluster: cluster.to_string(),
            admin,
        }
    }
}

impl LockStore for KafkaLockStore {
    fn cluster(&self) -> &str {
        &self.cluster
    }

    fn transport(&self) -> &'static str {
        "Kafka"
    }

    fn create<'a>(
        &'a self,
        name: &'a str,
        retention_ms: Option<i64>,
    ) -> BoxFuture<'a, Result<bool, BackendError>> {
        Box::pin(self.admin.create_lock_topic(name, retention_ms))
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
    ) -> BoxFuture<'a, Result<Option<Vec<String>>, BackendError>> {
        Box::pin(async move { self.admin.topics_with_prefix(prefix).await.map(Some) })
    }

    fn retention<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Option<i64>, BackendError>> {
        Box::pin(self.admin.topic_retention(name))
    }

    fn set_retention<'a>(
        &'a self,
        name: &'a str,
        ms: i64,
    ) -> BoxFuture<'a, Result<(), BackendError>> {
        Box::pin(self.admin.set_topic_retention(name, ms))
    }

    fn delete<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), BackendError>> {
        Box::pin(async move { self.admin.delete_topics(&[name.to_string()]).await })
    }
}
