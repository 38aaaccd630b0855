//! Lenient serde types of the Confluent REST v3 bodies (links, configs,
//! mirrors, bulk mirror actions, errors).
//!
//! Decoding never fails on what servers are known to vary on: unknown fields
//! are ignored, enum-like strings are kept as strings, `null` appears wherever
//! the API allows it, the older `read_only` / `sensitive` config field names
//! are accepted, and a missing `topic_names` is an empty list. A body whose
//! every field may be absent says so once (`#[serde(default)]` on the type).

use serde::{Deserialize, Serialize};

/// A collection envelope: `{kind, metadata, data: [...]}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct DataList<T> {
    #[serde(default)]
    pub metadata: Option<ListMetadata>,
    #[serde(default = "Vec::new", deserialize_with = "null_as_default")]
    pub data: Vec<T>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ListMetadata {
    pub next: Option<String>,
}

/// `GET topics` entry.
#[derive(Debug, Clone, Deserialize)]
pub struct TopicData {
    #[serde(default, deserialize_with = "null_as_default")]
    pub topic_name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub partitions_count: i64,
}

/// `GET topics/-/configs` entry (`TopicConfigData`): a config row (the
/// fields of a link config row) and its topic.
#[derive(Debug, Clone, Deserialize)]
pub struct TopicConfigData {
    #[serde(default, deserialize_with = "null_as_default")]
    pub topic_name: String,
    #[serde(flatten)]
    pub row: LinkConfigData,
}

/// `GET /v3/clusters` entry.
#[derive(Debug, Clone, Deserialize)]
pub struct ClusterData {
    pub cluster_id: String,
}

/// `ListLinksResponseData`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LinkData {
    #[serde(deserialize_with = "null_as_default")]
    pub link_name: String,
    pub cluster_link_id: Option<String>,
    /// Deprecated UUID form.
    pub link_id: Option<String>,
    pub source_cluster_id: Option<String>,
    pub destination_cluster_id: Option<String>,
    pub remote_cluster_id: Option<String>,
    /// Required by the spec, misnamed `topics_names` by an older SDK: lenient.
    #[serde(alias = "topics_names", deserialize_with = "null_as_default")]
    pub topic_names: Vec<String>,
    pub link_state: Option<String>,
    pub link_error: Option<String>,
    pub link_error_message: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub tasks: Vec<LinkTask>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LinkTask {
    #[serde(deserialize_with = "null_as_default")]
    pub task_name: String,
    #[serde(deserialize_with = "null_as_default")]
    pub state: String,
    #[serde(deserialize_with = "null_as_default")]
    pub errors: Vec<TaskErrorData>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TaskErrorData {
    #[serde(deserialize_with = "null_as_default")]
    pub error_code: String,
    #[serde(deserialize_with = "null_as_default")]
    pub error_message: String,
}

/// `ListLinkConfigsResponseData`. Both field spellings are accepted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LinkConfigData {
    pub name: String,
    /// `null` for sensitive values and for unset keys.
    #[serde(default)]
    pub value: Option<String>,
    /// `is_default` (Cloud spec) or `default` (Platform SDK); absent in
    /// older models.
    #[serde(default, alias = "default")]
    pub is_default: Option<bool>,
    #[serde(default, alias = "read_only", deserialize_with = "null_as_default")]
    pub is_read_only: bool,
    #[serde(default, alias = "sensitive", deserialize_with = "null_as_default")]
    pub is_sensitive: bool,
    #[serde(default)]
    pub source: Option<String>,
}

/// `ListMirrorTopicsResponseData`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MirrorData {
    #[serde(deserialize_with = "null_as_default")]
    pub link_name: String,
    #[serde(deserialize_with = "null_as_default")]
    pub mirror_topic_name: String,
    #[serde(deserialize_with = "null_as_default")]
    pub source_topic_name: String,
    #[serde(deserialize_with = "null_as_default")]
    pub num_partitions: i64,
    #[serde(deserialize_with = "null_as_default")]
    pub mirror_lags: Vec<MirrorLag>,
    /// Kept as the server's word (unknown values included).
    #[serde(deserialize_with = "null_as_default")]
    pub mirror_status: String,
    pub mirror_topic_error: Option<String>,
    pub state_time_ms: Option<i64>,
    #[serde(deserialize_with = "null_as_default")]
    pub mirror_state_transition_errors: Vec<StateTransitionError>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MirrorLag {
    #[serde(deserialize_with = "null_as_default")]
    pub partition: i64,
    #[serde(deserialize_with = "null_as_default")]
    pub lag: i64,
    pub last_source_fetch_offset: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StateTransitionError {
    #[serde(deserialize_with = "lenient_code")]
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// One entry of a bulk mirror action response (HTTP 200 even on failure).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AlterMirrorsData {
    #[serde(deserialize_with = "null_as_default")]
    pub mirror_topic_name: String,
    pub error_code: Option<i64>,
    pub error_message: Option<String>,
}

impl AlterMirrorsData {
    /// A null or 0 error code means the request for this topic was accepted.
    pub fn is_error(&self) -> bool {
        matches!(self.error_code, Some(c) if c != 0)
    }
}

/// The error body `{error_code, message}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ErrorBody {
    pub error_code: Option<i64>,
    pub message: Option<String>,
}

/// `{name, value}` of create bodies.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigEntry {
    pub name: String,
    pub value: Option<String>,
}

/// `CreateLinkRequestData`: exactly one of the cluster ids is set.
#[derive(Debug, Clone, Serialize)]
pub struct CreateLinkRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_cluster_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_cluster_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_cluster_id: Option<String>,
    pub configs: Vec<ConfigEntry>,
}

/// One entry of `PUT configs:alter`.
#[derive(Debug, Clone, Serialize)]
pub struct AlterConfigEntry {
    pub name: String,
    pub value: Option<String>,
    pub operation: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlterConfigsRequest {
    pub data: Vec<AlterConfigEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CreateMirrorRequest {
    pub source_topic_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror_topic_name: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlterMirrorsRequest {
    pub mirror_topic_names: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SetConfigRequest {
    pub value: String,
}

/// Treats an explicit `null` like an absent field.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// State-transition error codes are strings in some specs, numbers in others.
fn lenient_code<'de, D>(d: D) -> Result<Option<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_rows_accept_both_spellings_and_null_values() {
        let new: LinkConfigData = serde_json::from_str(
            r#"{"name":"sasl.jaas.config","value":null,"is_default":false,"is_read_only":false,"is_sensitive":true,"source":"DYNAMIC_CLUSTER_LINK_CONFIG","synonyms":[],"extra":1}"#,
        )
        .unwrap();
        assert!(new.is_sensitive && new.value.is_none());
        let old: LinkConfigData =
            serde_json::from_str(r#"{"name":"x","value":"1","read_only":true,"sensitive":true}"#)
                .unwrap();
        assert!(old.is_read_only && old.is_sensitive && old.is_default.is_none());
        let platform: LinkConfigData =
            serde_json::from_str(r#"{"name":"x","value":"1","default":true}"#).unwrap();
        assert_eq!(platform.is_default, Some(true));
    }

    #[test]
    fn links_without_topic_names_and_with_unknown_states_decode() {
        let l: DataList<LinkData> = serde_json::from_str(
            r#"{"kind":"KafkaLinkDataList","metadata":{"self":"x","next":null},"data":[
                {"link_name":"a","link_state":"SOMETHING_NEW","tasks":null},
                {"link_name":"b","topics_names":["t"],"link_error":null}]}"#,
        )
        .unwrap();
        assert_eq!(l.data[0].link_state.as_deref(), Some("SOMETHING_NEW"));
        assert!(l.data[0].topic_names.is_empty());
        assert_eq!(l.data[1].topic_names, vec!["t".to_string()]);
    }

    #[test]
    fn bulk_entries_flag_errors_only_for_nonzero_codes() {
        let d: DataList<AlterMirrorsData> = serde_json::from_str(
            r#"{"data":[{"mirror_topic_name":"a","error_code":null},{"mirror_topic_name":"b","error_code":0},
                {"mirror_topic_name":"c","error_code":400,"error_message":"already stopped"}]}"#,
        )
        .unwrap();
        let errs: Vec<bool> = d.data.iter().map(|e| e.is_error()).collect();
        assert_eq!(errs, vec![false, false, true]);
    }
}
