//! librdkafka client settings for a manifest cluster.

use rdkafka::ClientConfig;

use super::context::log_level;
use crate::manifest::Cluster;

/// Client settings for `cluster`: bootstrap servers plus the manifest's extra
/// `kafka:` properties (interpolated; secrets stay inside librdkafka). No
/// `debug` contexts are turned on: librdkafka's own lines reach linkctl's
/// log (`-v`), never the terminal directly.
pub fn client_config(cluster: &Cluster) -> ClientConfig {
    let mut cfg = ClientConfig::new();
    cfg.set("bootstrap.servers", cluster.bootstrap.value.expose());
    cfg.set("socket.timeout.ms", "10000");
    cfg.set_log_level(log_level());
    for (k, v) in &cluster.kafka {
        cfg.set(k.value.as_str(), v.value.text().expose());
    }
    cfg
}
