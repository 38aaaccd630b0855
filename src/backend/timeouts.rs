//! How long to wait for a cluster's endpoints: the cluster's `timeouts:`
//! (which `--timeout` overrides), else the defaults; and the words a timeout
//! error uses, so that it says which limit ran out and how to change it.

use std::time::Duration;

use crate::manifest::Cluster;

/// Default time to open a connection.
pub const CONNECT: Duration = Duration::from_secs(5);
/// Default time for one request's answer.
pub const REQUEST: Duration = Duration::from_secs(30);

/// The timeouts of one cluster's endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    pub request: Duration,
}

impl Timeouts {
    /// `cluster`'s timeouts, with the defaults for what it does not set.
    /// The request timeout bounds the whole wait for an endpoint, so a
    /// connection is never waited for longer than it.
    pub fn of(cluster: &Cluster) -> Self {
        let set = cluster
            .timeouts
            .as_ref()
            .map(|t| t.value)
            .unwrap_or_default();
        let request = set.request_ms.map(Duration::from_millis).unwrap_or(REQUEST);
        Self {
            connect: set
                .connect_ms
                .map(Duration::from_millis)
                .unwrap_or(CONNECT)
                .min(request),
            request,
        }
    }

    /// `(connect timeout 5 s, request timeout 30 s; \`--timeout\` … to change)`.
    pub fn explain(&self, cluster: &str) -> String {
        format!(
            "(connect timeout {}, request timeout {}; `--timeout SECONDS`, or `timeouts:` on cluster `{cluster}`, to change)",
            secs(self.connect),
            secs(self.request)
        )
    }
}

/// `5 s`, `0.5 s`.
pub fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_name_the_limits_and_how_to_change_them() {
        let t = Timeouts {
            connect: Duration::from_secs(5),
            request: Duration::from_millis(1500),
        };
        assert_eq!(
            t.explain("europe"),
            "(connect timeout 5 s, request timeout 1.5 s; `--timeout SECONDS`, or `timeouts:` on cluster `europe`, to change)"
        );
    }
}
