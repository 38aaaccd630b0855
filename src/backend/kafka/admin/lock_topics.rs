//! The apply lock's topics over the Kafka protocol (see
//! [`crate::backend::lock`]): create a topic (with `retention.ms`), the
//! topics of a prefix, a topic's `retention.ms`, and alter it. The access a MirrorMaker 2
//! destination's reads already use.

use std::sync::Arc;

use rdkafka::admin::{AlterConfig, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::consumer::Consumer;
use rdkafka::types::RDKafkaErrorCode;

use super::KafkaAdmin;
use crate::backend::kafka::errors::Doing;
use crate::backend::BackendError;

const RETENTION: &str = "retention.ms";

fn keep(operation: &'static str, topic: &str) -> Doing {
    Doing::KeepLock {
        operation,
        topic: topic.to_string(),
    }
}

impl KafkaAdmin {
    /// Creates `name` (one partition, the cluster's default replication),
    /// with `retention.ms` when given; `Ok(false)` when it exists already.
    pub async fn create_lock_topic(
        self: &Arc<Self>,
        name: &str,
        retention_ms: Option<i64>,
    ) -> Result<bool, BackendError> {
        self.ensure_ready().await?;
        let admin = self.admin_client()?;
        let value = retention_ms.map(|v| v.to_string());
        let mut topic = NewTopic::new(name, 1, TopicReplication::Fixed(-1));
        if let Some(v) = &value {
            topic = topic.set(RETENTION, v);
        }
        let res = admin
            .create_topics([&topic], &self.admin_options())
            .await
            .map_err(|e| self.err(keep("Create", name), &e))?;
        match res.into_iter().next() {
            Some(Err((_, RDKafkaErrorCode::TopicAlreadyExists))) => Ok(false),
            Some(Err((_, code))) => Err(self.err_code(keep("Create", name), code)),
            _ => Ok(true),
        }
    }

    /// Every topic whose name starts with `prefix` (internal-looking names
    /// included): one metadata request.
    pub async fn topics_with_prefix(
        self: &Arc<Self>,
        prefix: &str,
    ) -> Result<Vec<String>, BackendError> {
        self.ensure_ready().await?;
        let prefix = prefix.to_string();
        self.blocking(move |me| {
            let consumer = me.consumer()?;
            let md = consumer.fetch_metadata(None, me.timeout);
            Self::serve(&consumer);
            let md = md.map_err(|e| me.err(Doing::ReadMetadata, &e))?;
            Ok(md
                .topics()
                .iter()
                .filter(|t| t.error().is_none() && t.name().starts_with(&prefix))
                .map(|t| t.name().to_string())
                .collect())
        })
        .await
    }

    /// `retention.ms` of `name`, `None` when the topic does not exist.
    pub async fn topic_retention(
        self: &Arc<Self>,
        name: &str,
    ) -> Result<Option<i64>, BackendError> {
        self.ensure_ready().await?;
        let admin = self.admin_client()?;
        let res = admin
            .describe_configs([&ResourceSpecifier::Topic(name)], &self.admin_options())
            .await
            .map_err(|e| {
                self.err(
                    Doing::DescribeConfigs {
                        topic: Some(name.to_string()),
                    },
                    &e,
                )
            })?;
        match res.into_iter().next() {
            Some(Ok(r)) => Ok(r
                .entries
                .iter()
                .find(|e| e.name == RETENTION)
                .and_then(|e| e.value.as_deref())
                .and_then(|v| v.trim().parse().ok())),
            Some(Err(RDKafkaErrorCode::UnknownTopicOrPartition)) | None => Ok(None),
            Some(Err(code)) => Err(self.err_code(
                Doing::DescribeConfigs {
                    topic: Some(name.to_string()),
                },
                code,
            )),
        }
    }

    /// Sets `retention.ms` of `name` (its only dynamic config).
    pub async fn set_topic_retention(
        self: &Arc<Self>,
        name: &str,
        ms: i64,
    ) -> Result<(), BackendError> {
        self.ensure_ready().await?;
        let admin = self.admin_client()?;
        let value = ms.to_string();
        let alter = AlterConfig::new(ResourceSpecifier::Topic(name)).set(RETENTION, &value);
        let res = admin
            .alter_configs([&alter], &self.admin_options())
            .await
            .map_err(|e| self.err(keep("AlterConfigs", name), &e))?;
        match res.into_iter().next() {
            Some(Err((_, code))) => Err(self.err_code(keep("AlterConfigs", name), code)),
            _ => Ok(()),
        }
    }
}
