//! Typed errors of the Confluent client. They carry the server's `message`
//! and never a secret: request bodies and headers are never copied into them.

use std::time::Duration;

use crate::backend::http_errors::TlsFailure;
use crate::backend::retry::Transient;
use crate::backend::BackendError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfluentError {
    /// The server answered with an error status.
    #[error("{method} {path}: HTTP {status}{}{}", code_suffix(*.error_code), message_suffix(.message))]
    Http {
        method: String,
        /// Path without the host (no credentials are ever in URLs).
        path: String,
        status: u16,
        error_code: Option<i64>,
        message: Option<String>,
        /// Seconds the server asked to wait (`Retry-After`), if it did.
        retry_after: Option<u64>,
    },
    /// Authentication was refused (HTTP 401).
    #[error("authentication failed at {url} (HTTP 401){}: check the cluster's `auth` credentials", message_suffix(.message))]
    Unauthorized {
        url: String,
        message: Option<String>,
    },
    /// The request never got an answer.
    #[error("cannot reach {url}: {reason}")]
    Transport { url: String, reason: String },
    /// The TLS handshake failed: the same certificates fail again, so this
    /// is never retried.
    #[error("TLS handshake with {url} failed: {failure}; {}", tls_fix(.failure, .cluster, *.mtls))]
    Tls {
        url: String,
        /// Manifest name of the cluster (the advice names its settings).
        cluster: String,
        /// The cluster has `auth.mtls`.
        mtls: bool,
        failure: TlsFailure,
    },
    /// The body did not decode.
    #[error("{method} {path}: unexpected response body: {reason}")]
    Decode {
        method: String,
        path: String,
        reason: String,
    },
    /// Values were written, but the fingerprint record was refused.
    #[error("link {link}: {} written, but the server refused linkctl's fingerprint record `linkctl.fingerprints` ({reason}); without it linkctl cannot tell later whether {} changed. See docs/secret-rotation.md (servers that refuse unknown link configs).", if .written.is_empty() { "the link's values were".to_string() } else { format!("new value(s) of {} were", .written.join(", ")) }, if .written.len() == 1 { "this secret" } else { "these secrets" })]
    RecordRefused {
        link: String,
        written: Vec<String>,
        reason: String,
    },
    /// A link delete refused while the link is in use (403 / 40301 or 400 / 40002).
    #[error("the server refused to delete link {link} (HTTP {status}{}{}). Confluent servers refuse this while the link has mirror topics that are not stopped: promote or fail them over first (or let `force_delete_links` do it){}", code_suffix(*.error_code), message_suffix(.message), if *.status == 403 { "; a 403 can also mean the credentials may not delete links" } else { "" })]
    LinkInUse {
        link: String,
        status: u16,
        error_code: Option<i64>,
        message: Option<String>,
    },
    /// A list's `metadata.next` cannot be followed (loop, bound, other host).
    #[error("GET {path}: cannot read every page of the list: {reason}")]
    Paging { path: String, reason: String },
    /// The endpoint serves another cluster than the manifest pins.
    #[error("wrong cluster: the manifest pins cluster_id {expected} but {url} serves {actual}; refusing to touch it")]
    WrongCluster {
        expected: String,
        actual: String,
        url: String,
    },
    /// The `rest` URL lacks the `/kafka` path of a Confluent Server's REST
    /// API: the server answers 404 under `{rest}/v3` but serves
    /// `{rest}/kafka/v3`.
    #[error("the `rest` URL {rest} of cluster `{cluster}` lacks the `/kafka` path: the server answers 404 under {rest}/v3 but serves {rest}/kafka/v3; write `rest: {rest}/kafka`")]
    MissingKafkaPath { cluster: String, rest: String },
    /// Per-topic failures in a 200 bulk response.
    #[error("{action} refused for {}", .failures.iter().map(|(t, m)| format!("mirror {t}: {m}")).collect::<Vec<_>>().join("; "))]
    TopicErrors {
        action: String,
        failures: Vec<(String, String)>,
    },
    /// A wait ended in a terminal bad state.
    #[error("{what} went {status}{}", message_suffix(.message))]
    WaitFailed {
        what: String,
        status: String,
        message: Option<String>,
    },
    /// A wait ran out of time.
    #[error("{what} still {status} after waiting {:.1} s (timeout {:.0} s)", .waited.as_secs_f64(), .timeout.as_secs_f64())]
    WaitTimeout {
        what: String,
        status: String,
        waited: Duration,
        timeout: Duration,
    },
    /// The command was interrupted while waiting.
    #[error("interrupted while waiting for {what}")]
    Interrupted { what: String },
    /// The manifest lacks something the action needs.
    #[error("{0}")]
    Manifest(String),
}

fn code_suffix(code: Option<i64>) -> String {
    match code {
        Some(c) => format!(" (error_code {c})"),
        None => String::new(),
    }
}

/// The server's message, terminal-safe (it is text from the network).
fn message_suffix(m: &Option<String>) -> String {
    match m {
        Some(m) if !m.is_empty() => format!(": {}", crate::redact::server_text(m)),
        _ => String::new(),
    }
}

/// What to change, for a TLS failure talking to `cluster`.
fn tls_fix(failure: &TlsFailure, cluster: &str, mtls: bool) -> String {
    let c = format!("cluster `{cluster}`");
    match (failure, mtls) {
        (TlsFailure::UntrustedServer, true) => format!(
            "add the CA that signed the server's certificate to `https_ca` (or `auth.mtls.ca`) \
             of {c}"
        ),
        (TlsFailure::UntrustedServer, false) => {
            format!("add the CA that signed the server's certificate to `https_ca` of {c}")
        }
        (TlsFailure::ServerNameMismatch { .. }, _) => format!(
            "use a `rest` URL for {c} whose host the certificate names, or give the server a \
             certificate for this host"
        ),
        (TlsFailure::ClientCertificateRequired, false) => {
            format!("set `auth.mtls` of {c} (`cert` and `key`)")
        }
        (TlsFailure::ClientCertificateRefused(_), _)
        | (TlsFailure::ClientCertificateRequired, true) => format!(
            "check `auth.mtls` of {c}: `cert` must be signed by a CA the server trusts, \
             valid now and made for client authentication, and `key` must be its key"
        ),
        (TlsFailure::BadServerCertificate(_), _) => {
            format!("check the server's certificate, and `https_ca` of {c}")
        }
        (TlsFailure::Other(_), _) => {
            format!("check the `rest` URL (https:// for TLS) and `auth.mtls` of {c}")
        }
    }
}

impl Transient for ConfluentError {
    /// 429, 5xx except 501, Kafka's retriable error 50003, and a request
    /// that got no answer.
    fn is_transient(&self) -> bool {
        match self {
            Self::Http {
                status, error_code, ..
            } => {
                *status == 429
                    || (*status >= 500 && *status != 501)
                    || *error_code == Some(50003)
                    || *error_code == Some(42901)
            }
            Self::Transport { .. } => true,
            _ => false,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Http {
                retry_after: Some(s),
                ..
            } => Some(Duration::from_secs(*s)),
            _ => None,
        }
    }

    fn waiting_reason(&self) -> Option<String> {
        match self {
            Self::Http { status: 429, .. } => Some("rate limited (HTTP 429)".into()),
            Self::Http { status, .. } => Some(format!("HTTP {status}")),
            Self::Transport { reason, .. } => {
                Some(crate::backend::http_errors::short_reason(reason))
            }
            _ => None,
        }
    }
}

impl ConfluentError {
    /// HTTP status of a server answer, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Http { status, .. } => Some(*status),
            Self::Unauthorized { .. } => Some(401),
            _ => None,
        }
    }
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
    /// A refusal to delete a link that still has live mirrors: 403 / 40301
    /// (as KCP saw on cp-server) or 400 / 40002 (as other servers answer).
    pub fn link_in_use(self, link: &str) -> Self {
        match self {
            Self::Http {
                status,
                error_code,
                message,
                ..
            } if status == 403 || (status == 400 && error_code == Some(40002)) => Self::LinkInUse {
                link: link.to_string(),
                status,
                error_code,
                message,
            },
            other => other,
        }
    }
    /// 409: the object already exists (`40902` for links).
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }
    pub fn into_backend(self, cluster: &str) -> BackendError {
        match self {
            Self::Interrupted { what } => BackendError::interrupted(cluster, what),
            other => BackendError::new(cluster, other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_errors_carry_the_server_message() {
        let e = ConfluentError::Http {
            method: "DELETE".into(),
            path: "/kafka/v3/clusters/c1/links/l".into(),
            status: 403,
            error_code: Some(40301),
            message: Some("link in use".into()),
            retry_after: None,
        };
        assert_eq!(
            e.to_string(),
            "DELETE /kafka/v3/clusters/c1/links/l: HTTP 403 (error_code 40301): link in use"
        );
        assert!(!e.is_transient());
    }

    #[test]
    fn a_missing_kafka_path_names_the_fix() {
        let e = ConfluentError::MissingKafkaPath {
            cluster: "us".into(),
            rest: "https://rest.example:443".into(),
        };
        assert!(!e.is_transient());
        assert_eq!(
            e.to_string(),
            "the `rest` URL https://rest.example:443 of cluster `us` lacks the `/kafka` path: the server answers 404 under https://rest.example:443/v3 but serves https://rest.example:443/kafka/v3; write `rest: https://rest.example:443/kafka`"
        );
    }

    #[test]
    fn tls_failures_are_permanent_and_say_what_to_fix() {
        let e = ConfluentError::Tls {
            url: "https://rest.example/kafka/v3/clusters".into(),
            cluster: "europe".into(),
            mtls: true,
            failure: TlsFailure::UntrustedServer,
        };
        assert!(!e.is_transient());
        assert!(
            e.to_string().ends_with(
                "add the CA that signed the server's certificate to `https_ca` (or `auth.mtls.ca`) of cluster `europe`"
            ),
            "{e}"
        );
    }
}
