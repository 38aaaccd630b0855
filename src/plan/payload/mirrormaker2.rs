//! What a MirrorMaker 2 action sends (Kafka Connect connector writes), as
//! data: built by `backend::mirrormaker2::payload` at plan time, sent by its
//! executor.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::WireValue;
use crate::manifest::Filter;
use crate::plan::cutover::Gate;

/// One connector's full config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorConfig {
    pub name: String,
    pub config: BTreeMap<String, WireValue>,
}

/// The request(s) of one action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mm2Payload {
    /// `PUT /connectors/{name}/config` for each, in order.
    WriteConnectors {
        connectors: Vec<ConnectorConfig>,
        /// Canonical keys whose live settings the write keeps.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        keep_live: Vec<String>,
    },
    /// `topic` joins the `topics` of `connector`; `adopt`: the destination
    /// topic may exist already (its records stay in front).
    StartMirror {
        connector: String,
        topic: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        adopt: bool,
    },
    /// `topic` leaves `topics` and is remembered as stopped. A promotion
    /// (`gate`) first waits until the destination holds every record of the
    /// source and the source is quiet, and syncs the offsets of the groups
    /// `groups` covers; a failover stops at once and reports what it left.
    StopMirror {
        connector: String,
        topic: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        gate: Option<Gate>,
        /// The consumer groups whose offsets the link syncs (its filters).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        groups: Vec<Filter>,
    },
    /// The destination topic was deleted out of band: stop the connector,
    /// forget its stored offsets for `topic`, delete what the destination
    /// topic holds, and mirror `topic` again from the source's start.
    Remirror { connector: String, topic: String },
    /// `topic` leaves both lists, and the topic is deleted on the destination.
    DeleteMirrorTopic { connector: String, topic: String },
    /// Per connector: stop, reset its stored offsets, delete.
    DeleteConnectors { connectors: Vec<String> },
}
