//! A quick check that a cluster's Kafka bootstrap accepts connections,
//! made before the Kafka protocol is used: an unreachable bootstrap (a
//! REST-only user in CI, a private network) is reported at once, within the
//! cluster's connect timeout, instead of after the client's retries.

use std::time::Duration;

use tokio::net::TcpStream;

use crate::backend::timeouts::{secs, Timeouts};
use crate::backend::BackendError;
use crate::manifest::Cluster;

/// `host:port` addresses of a bootstrap list, without `SCHEME://` prefixes.
pub fn addresses(bootstrap: &str) -> Vec<String> {
    bootstrap
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.rsplit("://").next().unwrap_or(s).to_string())
        .collect()
}

/// Ok when one address of `cluster`'s bootstrap accepts a TCP connection
/// within its connect timeout.
pub async fn check(name: &str, cluster: &Cluster) -> Result<(), BackendError> {
    let limit = Timeouts::of(cluster).connect;
    let addrs = addresses(cluster.bootstrap.value.expose());
    let last = match connect_any(&addrs, limit).await {
        Ok(()) => return Ok(()),
        Err(last) => last,
    };
    Err(BackendError::new(
        name,
        format!(
            "the Kafka bootstrap {} cannot be reached ({last}; connect timeout {}, `timeouts.connect_ms` on cluster `{name}` to change)",
            addrs.join(","),
            secs(limit)
        ),
    ))
}

/// Ok when one of `addrs` accepts a connection within `limit`; else why
/// the last one did not.
async fn connect_any(addrs: &[String], limit: Duration) -> Result<(), String> {
    let mut last = String::from("no address");
    for a in addrs {
        match tokio::time::timeout(limit, TcpStream::connect(a.as_str())).await {
            Ok(Ok(_)) => return Ok(()),
            Ok(Err(e)) => last = e.to_string(),
            Err(_) => last = format!("no answer within {}", secs(limit)),
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_drop_schemes_and_spaces() {
        assert_eq!(
            addresses("SASL_SSL://a:9092, b:9093,"),
            ["a:9092".to_string(), "b:9093".to_string()]
        );
    }

    #[tokio::test]
    async fn a_closed_port_is_reported_at_once() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = l.local_addr().unwrap().to_string();
        drop(l);
        let started = std::time::Instant::now();
        assert!(connect_any(&[open], Duration::from_secs(5)).await.is_err());
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
