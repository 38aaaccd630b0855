//! Link config writes: the batch `configs:alter` (per-key calls where a
//! server refuses it), a bounded read-after-write wait until the configs
//! read back as written, and linkctl's fingerprint record, written only
//! once the values it describes are confirmed.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use super::client::ClusterClient;
use super::errors::ConfluentError;
use super::execute::resolve;
use super::payload::{record_value, FINGERPRINTS_CONFIG};
use super::wait::WaitCtx;
use super::wire::LinkConfigData;
use super::ConfluentBackend;
use crate::backend::wait::Tick;
use crate::backend::ExecContext;
use crate::plan::normalize::same;
use crate::plan::payload::confluent::AlterOp;
use crate::plan::payload::ConfluentPayload;
use crate::plan::user_set::{origin_of, rows_are_informative, Origin};
use crate::state::LiveConfig;

/// What one config must read back as once a write took effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// This value (compared by meaning).
    Value(String),
    /// Not set on the link (reset to its default).
    Unset,
    /// A sensitive value: never returned, so only its row is awaited.
    Hidden,
}

/// One entry to send: name, operation, resolved value.
type Resolved<'p> = (&'p str, AlterOp, Option<String>);

/// How a batch of config changes went.
pub enum Sent {
    Done,
    /// `validate_only` was asked but the server has no batch form (404/405)
    /// and the per-key calls have no validate-only mode.
    CannotValidate(ConfluentError),
}

impl ConfluentBackend {
    /// Sends `entries` to link `link`: one `configs:alter`, or per-key calls
    /// where the server refuses the batch form (404/405, as KCP saw on
    /// Confluent Platform). With `validate_only`, nothing changes.
    async fn send_configs(
        client: &ClusterClient,
        link: &str,
        entries: &[Resolved<'_>],
        validate_only: bool,
    ) -> Result<Sent, ConfluentError> {
        let body = json!({"data": entries.iter().map(|(name, op, v)| json!({
            "name": name,
            "value": v,
            "operation": match op { AlterOp::Set => "SET", AlterOp::Delete => "DELETE" },
        })).collect::<Vec<_>>()});
        let query: &[(&str, &str)] = if validate_only {
            &[("validate_only", "true")]
        } else {
            &[]
        };
        let path = ["links", link, "configs:alter"];
        match client
            .write_idempotent(Method::PUT, &path, query, Some(&body))
            .await
        {
            Ok(_) => return Ok(Sent::Done),
            Err(e) if matches!(e.status(), Some(404) | Some(405)) => {
                if validate_only {
                    return Ok(Sent::CannotValidate(e));
                }
                tracing::debug!(%link, "configs:alter refused; falling back to per-key calls");
            }
            Err(e) => return Err(e),
        }
        for (name, op, value) in entries {
            let key_path = ["links", link, "configs", name];
            match (op, value) {
                (AlterOp::Set, Some(v)) => {
                    let b = json!({ "value": v });
                    client
                        .write_idempotent(Method::PUT, &key_path, &[], Some(&b))
                        .await?;
                }
                _ => {
                    client
                        .write_idempotent(Method::DELETE, &key_path, &[], None)
                        .await?;
                }
            }
        }
        Ok(Sent::Done)
    }

    /// Sends an `AlterConfigs` payload. Applied for real, it then waits
    /// until the configs read back as written, and writes the fingerprint
    /// record it carries. Returns the number of entries.
    pub(super) async fn alter_configs(
        &self,
        client: &ClusterClient,
        p: &ConfluentPayload,
        ctx: &ExecContext<'_>,
        w: Option<&WaitCtx<'_>>,
    ) -> Result<(usize, Sent, Option<String>), ConfluentError> {
        let ConfluentPayload::AlterConfigs {
            link_name,
            entries,
            fingerprints,
        } = p
        else {
            return Err(ConfluentError::Manifest(
                "internal: not an alter-configs payload".into(),
            ));
        };
        let mut resolved = Vec::new();
        let mut expect = BTreeMap::new();
        for e in entries {
            let value = match &e.value {
                Some(v) => Some(resolve(v, ctx)?),
                None => None,
            };
            let wanted = match (e.operation, &e.value, &value) {
                (AlterOp::Delete, _, _) | (AlterOp::Set, _, None) => Expect::Unset,
                (AlterOp::Set, Some(crate::plan::payload::WireValue::Secret(_)), Some(_)) => {
                    Expect::Hidden
                }
                (AlterOp::Set, _, Some(v)) => Expect::Value(v.clone()),
            };
            expect.insert(e.name.clone(), wanted);
            resolved.push((e.name.as_str(), e.operation, value));
        }
        let Some(w) = w else {
            let sent = Self::send_configs(client, link_name, &resolved, true).await?;
            return Ok((entries.len(), sent, None));
        };
        Self::send_configs(client, link_name, &resolved, false).await?;
        wait_configs(client, link_name, &expect, w).await?;
        if let Some(record) = fingerprints {
            let written: Vec<&str> = entries
                .iter()
                .filter(|e| matches!(expect.get(&e.name), Some(Expect::Hidden)))
                .map(|e| e.name.as_str())
                .collect();
            let warning = write_record(client, link_name, record, &written, w).await?;
            return Ok((entries.len(), Sent::Done, warning));
        }
        Ok((entries.len(), Sent::Done, None))
    }
}

/// Writes linkctl's fingerprint record on `link` and waits until it reads
/// back. A server that refuses the record (a 4xx: it takes no link config
/// it does not know) leaves the link and its values in place: that is not
/// a failure of the action, and the warning returned says what it means
/// and what to do. Any other failure says what was written.
pub(super) async fn write_record(
    client: &ClusterClient,
    link: &str,
    record: &BTreeMap<String, String>,
    written: &[&str],
    w: &WaitCtx<'_>,
) -> Result<Option<String>, ConfluentError> {
    let value = record_value(record);
    let entry = [(FINGERPRINTS_CONFIG, AlterOp::Set, Some(value.clone()))];
    let keys: Vec<&str> = record.keys().map(String::as_str).collect();
    match ConfluentBackend::send_configs(client, link, &entry, false).await {
        Ok(_) => {}
        Err(e) if e.status().is_some_and(|s| (400..500).contains(&s)) => {
            return Ok(Some(record_refused_warning(link, &keys, &e)));
        }
        Err(e) => {
            return Err(ConfluentError::RecordRefused {
                link: link.to_string(),
                written: written.iter().map(|s| s.to_string()).collect(),
                reason: e.to_string(),
            })
        }
    }
    let expect = BTreeMap::from([(FINGERPRINTS_CONFIG.to_string(), Expect::Value(value))]);
    wait_configs(client, link, &expect, w).await?;
    Ok(None)
}

/// What a refused fingerprint record means for `link`, and what to do.
fn record_refused_warning(link: &str, keys: &[&str], e: &ConfluentError) -> String {
    format!(
        "link {link}: the server refused linkctl's fingerprint record `{FINGERPRINTS_CONFIG}` ({e}). \
         The link and its values are in place, but linkctl cannot detect later changes of {} on this link: \
         after changing one, set or bump `rotation:` on the link for one apply to send it again \
         (docs/secret-rotation.md, servers that refuse unknown link configs)",
        keys.join(", ")
    )
}

/// True when `row` (absent: `None`) shows what `want` asks for.
fn shows(key: &str, row: Option<&LiveConfig>, want: &Expect, informative: bool) -> bool {
    match (want, row) {
        (Expect::Value(v), Some(r)) => same(key, r.value.as_deref(), Some(v)),
        (Expect::Value(_), None) => false,
        (Expect::Unset, None) => true,
        (Expect::Unset, Some(r)) => origin_of(key, r, informative, false) != Origin::User,
        (Expect::Hidden, Some(r)) => !(informative && r.is_default == Some(true)),
        (Expect::Hidden, None) => false,
    }
}

/// Polls `GET links/{link}/configs` until every key of `expect` reads back
/// as asked, bounded by the wait's timeout (a server may answer reads from
/// a replica that has not seen the write yet).
pub async fn wait_configs(
    client: &ClusterClient,
    link: &str,
    expect: &BTreeMap<String, Expect>,
    w: &WaitCtx<'_>,
) -> Result<Duration, ConfluentError> {
    let mut ticker = w.ticker();
    loop {
        let rows: Vec<LinkConfigData> = client.get_all(&["links", link, "configs"], &[]).await?;
        let live = super::read::live_configs(rows);
        let informative = rows_are_informative(&live);
        let pending: Vec<&str> = expect
            .iter()
            .filter(|(k, want)| !shows(k, live.get(*k), want, informative))
            .map(|(k, _)| k.as_str())
            .collect();
        if pending.is_empty() {
            return Ok(ticker.elapsed());
        }
        let elapsed = ticker.elapsed();
        w.progress.update(
            w.action_id,
            &format!(
                "still waiting after {:.1} s for link {link} to read back {}",
                elapsed.as_secs_f64(),
                pending.join(", ")
            ),
        );
        match ticker.tick().await {
            Tick::Poll => {}
            Tick::TimedOut => {
                return Err(ConfluentError::WaitTimeout {
                    what: format!("configs of link {link} (written)"),
                    status: format!("reading back other values for {}", pending.join(", ")),
                    waited: elapsed,
                    timeout: w.timeout,
                })
            }
            Tick::Interrupted => {
                return Err(ConfluentError::Interrupted {
                    what: format!("the configs of link {link} to read back as written"),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(v: Option<&str>, is_default: Option<bool>) -> LiveConfig {
        LiveConfig::plain(v, is_default)
    }

    #[test]
    fn what_a_written_config_reads_back_as() {
        // (key, row value and is_default or no row, expectation, informative rows, shown)
        let v = Expect::Value("5000".into());
        let cases = [
            (
                "acl.sync.ms",
                Some((Some("5000"), Some(false))),
                &v,
                true,
                true,
            ),
            (
                "acl.sync.ms",
                Some((Some("4000"), Some(false))),
                &v,
                true,
                false,
            ),
            ("acl.sync.ms", None, &v, true, false),
            ("x", None, &Expect::Unset, true, true),
            (
                "acl.sync.ms",
                Some((Some("6000"), Some(true))),
                &Expect::Unset,
                true,
                true,
            ),
            (
                "acl.sync.ms",
                Some((Some("5000"), Some(false))),
                &Expect::Unset,
                false,
                true,
            ),
            (
                "acl.sync.ms",
                Some((Some("6000"), Some(false))),
                &Expect::Unset,
                true,
                false,
            ),
            (
                "sasl.jaas.config",
                Some((None, Some(false))),
                &Expect::Hidden,
                true,
                true,
            ),
            (
                "sasl.jaas.config",
                Some((None, Some(true))),
                &Expect::Hidden,
                true,
                false,
            ),
            ("sasl.jaas.config", None, &Expect::Hidden, true, false),
        ];
        for (key, r, want, informative, expected) in cases {
            let r = r.map(|(v, d)| row(v, d));
            assert_eq!(
                shows(key, r.as_ref(), want, informative),
                expected,
                "{key} {r:?} {want:?}"
            );
        }
    }
}
