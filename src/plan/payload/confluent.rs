//! What a Confluent action sends (REST v3 request bodies), as data: built
//! by `backend::confluent::payload` at plan time, sent by its executor.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::WireValue;
use crate::plan::cutover::Gate;

/// One `{name, value}` config of a create body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedValue {
    pub name: String,
    pub value: WireValue,
}

/// `SET` or `DELETE` in `configs:alter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum AlterOp {
    Set,
    Delete,
}

/// One entry of `configs:alter`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlterEntry {
    pub name: String,
    pub operation: AlterOp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<WireValue>,
}

/// The request(s) of one action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfluentPayload {
    /// `POST links?link_name=…` (`CreateLinkRequestData`; exactly one id set).
    CreateLink {
        link_name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source_cluster_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        destination_cluster_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        remote_cluster_id: Option<String>,
        configs: Vec<NamedValue>,
        /// The fingerprint record to write once the link exists (empty: none).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        fingerprints: BTreeMap<String, String>,
    },
    /// `PUT links/{link_name}/configs:alter`.
    AlterConfigs {
        link_name: String,
        entries: Vec<AlterEntry>,
        /// The whole new fingerprint record, to write once the entries read
        /// back as written (`None`: the record does not change).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fingerprints: Option<BTreeMap<String, String>>,
    },
    /// `DELETE links/{link_name}`.
    DeleteLink { link_name: String },
    /// `POST links/{link_name}/mirrors` (`CreateMirrorTopicRequestData`).
    CreateMirror {
        link_name: String,
        source_topic_name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mirror_topic_name: Option<String>,
    },
    /// One name of `POST links/{link_name}/mirrors:{verb}`.
    AlterMirror {
        link_name: String,
        verb: String,
        mirror_topic_name: String,
        /// A promotion's wait before it is sent: until `mirror_lags` are 0
        /// and the source quiet (see `plan::cutover`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        gate: Option<Gate>,
    },
    /// `DELETE topics/{topic_name}`.
    DeleteTopic { topic_name: String },
}
