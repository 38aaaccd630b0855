//! Reads a rebalance cannot refuse, shared by every link of a command.
//!
//! Kafka Connect answers `GET /connectors/{c}/config` and `…/tasks` from
//! its herder thread, which refuses them ("a rebalance is expected", HTTP
//! 500) while the group rebalances — and every connector created, or whose
//! task count changes, makes it rebalance. When a hundred links are written
//! at once the group rebalances nearly all the time, and a per-connector
//! read could fail for longer than its timeout. `GET /connectors?expand=info
//! &expand=status` is answered from the worker's copy of the config topic
//! and of the status topic, rebalance or not, for every connector at once.
//!
//! [`ConnectClient::statuses`] and [`ConnectClient::config`] serve from one
//! such snapshot, asked for no earlier than the caller needs (after its
//! last write) and shared by the callers of a round. A worker that is not
//! the leader reads the config topic a moment after the leader wrote it: a
//! snapshot that does not show what this client last wrote to a connector
//! is asked for again, then the connector's own endpoint is.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::connect_client::{ConnectClient, ConnectorStatus, Expanded};
use crate::backend::BackendError;

/// How old a snapshot another caller asked for may be and still serve
/// (shorter than the first poll interval of a wait).
pub const SHARED_ROUND: Duration = Duration::from_millis(200);

/// Snapshots asked for again when one lags behind this client's own write,
/// before the connector's own endpoint is asked.
const LAGGING_SNAPSHOTS: usize = 3;

/// One `GET /connectors?expand=info&expand=status` answer.
pub struct Snapshot {
    asked: Instant,
    pub statuses: Arc<BTreeMap<String, ConnectorStatus>>,
    /// `None` when the worker left out the `info` expansion (a stand-in).
    pub configs: Option<BTreeMap<String, BTreeMap<String, String>>>,
}

impl Snapshot {
    fn of(asked: Instant, expanded: BTreeMap<String, Expanded>) -> Self {
        let complete = expanded.values().all(|e| e.info.is_some());
        let mut statuses = BTreeMap::new();
        let mut configs = BTreeMap::new();
        for (name, e) in expanded {
            if let Some(s) = e.status {
                statuses.insert(name.clone(), s);
            }
            if let Some(i) = e.info {
                configs.insert(name, i.config);
            }
        }
        Self {
            asked,
            statuses: Arc::new(statuses),
            configs: complete.then_some(configs),
        }
    }
}

/// A connector config this client wrote (`None`: it deleted the
/// connector), and when the write was answered.
type Written = (Instant, Option<BTreeMap<String, String>>);

/// The shared snapshot of a client and its clones, and what the client
/// wrote last to each connector.
#[derive(Default)]
pub struct Snapshots {
    held: tokio::sync::Mutex<Option<Arc<Snapshot>>>,
    written: std::sync::Mutex<HashMap<String, Written>>,
}

impl Snapshots {
    /// Records a write this client made (the write has been answered).
    pub fn wrote(&self, connector: &str, config: Option<&BTreeMap<String, String>>) {
        if let Ok(mut w) = self.written.lock() {
            w.insert(connector.to_string(), (Instant::now(), config.cloned()));
        }
    }

    fn last_write(&self, connector: &str) -> Option<Written> {
        self.written.lock().ok()?.get(connector).cloned()
    }
}

/// Whether the stored config `live` is the config `written` (Connect adds
/// the connector's `name`).
fn shows(
    live: Option<&BTreeMap<String, String>>,
    written: Option<&BTreeMap<String, String>>,
) -> bool {
    let strip = |c: &BTreeMap<String, String>| {
        c.iter()
            .filter(|(k, _)| k.as_str() != "name")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    match (live, written) {
        (None, None) => true,
        (Some(l), Some(w)) => strip(l) == strip(w),
        _ => false,
    }
}

impl Snapshots {
    /// The connectors of `listed` that do not show this client's last
    /// write to them yet (a worker behind the leader).
    fn behind(&self, listed: &BTreeMap<String, Expanded>) -> usize {
        // A worker that leaves out `info` (a stand-in) cannot say: not behind.
        let has_info = listed.values().all(|e| e.info.is_some());
        let Ok(written) = self.written.lock() else {
            return 0;
        };
        if !has_info {
            return 0;
        }
        written
            .iter()
            .filter(|(name, (_, w))| {
                let live = listed.get(*name).and_then(|e| e.info.as_ref());
                !shows(live.map(|i| &i.config), w.as_ref())
            })
            .count()
    }
}

impl ConnectClient {
    /// Every connector with its config and status, as a worker that shows
    /// this client's writes answers: a list from a worker still behind the
    /// leader is asked for again (a few times; then it is what there is).
    pub async fn list_current(&self) -> Result<BTreeMap<String, Expanded>, BackendError> {
        let mut listed = self.list_expanded().await?;
        for _ in 0..LAGGING_SNAPSHOTS * 3 {
            if self.snapshots().behind(&listed) == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            listed = self.list_expanded().await?;
        }
        Ok(listed)
    }

    /// A snapshot asked for no earlier than `since` and less than `max_age`
    /// ago: concurrent callers of one round share one request.
    pub async fn snapshot(
        &self,
        since: Instant,
        max_age: Duration,
    ) -> Result<Arc<Snapshot>, BackendError> {
        let mut held = self.snapshots().held.lock().await;
        if let Some(s) = held.as_ref() {
            if s.asked >= since && s.asked.elapsed() < max_age {
                return Ok(s.clone());
            }
        }
        let asked = Instant::now();
        let fresh = Arc::new(Snapshot::of(asked, self.list_expanded().await?));
        *held = Some(fresh.clone());
        Ok(fresh)
    }

    /// The status of every connector, from a snapshot asked for no earlier
    /// than `since` (the waiter's last write) and less than `max_age` ago.
    pub async fn statuses(
        &self,
        since: Instant,
        max_age: Duration,
    ) -> Result<Arc<BTreeMap<String, ConnectorStatus>>, BackendError> {
        Ok(self.snapshot(since, max_age).await?.statuses.clone())
    }

    /// A connector's config, or `None` when it does not exist: from a
    /// shared snapshot that shows this client's last write to it (a
    /// lagging worker is asked again), else from `GET /connectors/{c}/config`.
    pub async fn config(
        &self,
        name: &str,
    ) -> Result<Option<BTreeMap<String, String>>, BackendError> {
        let last = self.snapshots().last_write(name);
        let mut since = last.as_ref().map_or_else(|| self.created(), |(t, _)| *t);
        for _ in 0..LAGGING_SNAPSHOTS {
            let snap = self.snapshot(since, SHARED_ROUND).await?;
            let Some(configs) = snap.configs.as_ref() else {
                break;
            };
            let live = configs.get(name);
            if last.as_ref().is_none_or(|(_, w)| shows(live, w.as_ref())) {
                return Ok(live.cloned());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            since = Instant::now();
        }
        self.config_of(name).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_config_shows_the_write_whatever_its_name_key() {
        let written = BTreeMap::from([("topics".to_string(), "a,b".to_string())]);
        let mut stored = written.clone();
        stored.insert("name".into(), "l-source".into());
        assert!(shows(Some(&stored), Some(&written)));
        let other = BTreeMap::from([("topics".to_string(), "a".to_string())]);
        assert!(!shows(Some(&other), Some(&written)));
        assert!(!shows(None, Some(&written)));
        assert!(shows(None, None));
        assert!(!shows(Some(&stored), None));
    }
}
