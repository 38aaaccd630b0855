//! What a failed TLS handshake with a REST endpoint means, found in the
//! error chain of a reqwest error, for the clients of every engine
//! (Confluent REST, Kafka Connect); and the words for any other request
//! that got no answer ([`transport_reason`]).
//!
//! reqwest wraps the rustls error several layers deep (hyper, the connector,
//! an `io::Error` whose `source()` skips the error it holds), so the chain is
//! walked, looking inside each `io::Error` too. A TLS failure is permanent:
//! sending the same request again meets the same certificates, so callers
//! must not retry it. Nothing here holds key material: only the kind of
//! failure, host names and rustls's own words.

use std::error::Error as StdError;

use rustls::{AlertDescription, CertificateError};

/// Why the TLS handshake with a server failed, in terms of what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsFailure {
    /// The server's certificate chains to no certificate authority the
    /// client trusts (the system's roots and any CA bundle configured).
    UntrustedServer,
    /// The server's certificate is valid, but for other names than the
    /// URL's host.
    ServerNameMismatch {
        /// The URL's host, when rustls said.
        host: Option<String>,
        /// The names the certificate holds (empty when rustls did not say).
        presented: Vec<String>,
    },
    /// Another problem with the server's certificate (expired, not yet
    /// valid, wrong purpose…), in rustls's words.
    BadServerCertificate(String),
    /// The server requires a client certificate and none was sent.
    ClientCertificateRequired,
    /// The server refused the client certificate; the TLS alert it sent.
    ClientCertificateRefused(String),
    /// Any other TLS failure (no common protocol version or cipher, not a
    /// TLS server…), in rustls's words.
    Other(String),
}

impl std::fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UntrustedServer => write!(
                f,
                "the server's certificate is not trusted (it is signed by a certificate \
                 authority that is neither among the system's trusted roots nor in the \
                 configured CA bundle)"
            ),
            Self::ServerNameMismatch { host, presented } => {
                match host {
                    Some(h) => write!(f, "the server's certificate is not valid for {h}")?,
                    None => write!(f, "the server's certificate is not valid for this host")?,
                }
                if !presented.is_empty() {
                    write!(f, " (it names {})", presented.join(", "))?;
                }
                Ok(())
            }
            Self::BadServerCertificate(why) => {
                write!(f, "the server's certificate was refused ({why})")
            }
            Self::ClientCertificateRequired => write!(
                f,
                "the server asked for a client certificate and none was sent"
            ),
            Self::ClientCertificateRefused(alert) => write!(
                f,
                "the server refused the client certificate (TLS alert {alert}{})",
                match alert.as_str() {
                    "UnknownCA" => ", meaning it does not trust the CA that signed it",
                    "CertificateExpired" => ", meaning it has expired",
                    _ => "",
                }
            ),
            Self::Other(why) => write!(f, "{why}"),
        }
    }
}

/// The TLS failure behind `err`, if the request failed in a TLS handshake
/// (or on a TLS alert right after it: with TLS 1.3 a server refuses a client
/// certificate once the client already counts the handshake as done).
pub fn tls_failure(err: &(dyn StdError + 'static)) -> Option<TlsFailure> {
    let mut next: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(classify(tls));
        }
        // An `io::Error`'s `source()` is the source of the error it wraps,
        // skipping that error: look at the wrapped error itself.
        next = match e.downcast_ref::<std::io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
            None => e.source(),
        };
    }
    None
}

/// The reason a request got no answer, with its causes (never a cause that
/// quotes a URL, which may hold credentials).
pub fn transport_reason(e: &reqwest::Error) -> String {
    let mut reason = if e.is_timeout() {
        "request timed out".to_string()
    } else if e.is_connect() {
        "connection failed".to_string()
    } else {
        "request failed".to_string()
    };
    let mut src = e.source();
    while let Some(s) = src {
        let text = s.to_string();
        if !reason.contains(&text) && !text.contains("://") {
            reason.push_str(": ");
            reason.push_str(&text);
        }
        src = s.source();
    }
    reason
}

fn classify(e: &rustls::Error) -> TlsFailure {
    match e {
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
            TlsFailure::UntrustedServer
        }
        rustls::Error::InvalidCertificate(CertificateError::NotValidForName) => {
            TlsFailure::ServerNameMismatch {
                host: None,
                presented: Vec::new(),
            }
        }
        rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
            expected,
            presented,
        }) => TlsFailure::ServerNameMismatch {
            host: Some(expected.to_str().into_owned()),
            presented: presented.iter().map(|n| plain_name(n)).collect(),
        },
        rustls::Error::InvalidCertificate(_) => TlsFailure::BadServerCertificate(e.to_string()),
        rustls::Error::AlertReceived(AlertDescription::CertificateRequired) => {
            TlsFailure::ClientCertificateRequired
        }
        rustls::Error::AlertReceived(
            alert @ (AlertDescription::BadCertificate
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateRevoked
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnknownCA
            | AlertDescription::AccessDenied),
        ) => TlsFailure::ClientCertificateRefused(format!("{alert:?}")),
        rustls::Error::AlertReceived(alert) => TlsFailure::Other(format!(
            "the server ended the TLS handshake (alert {alert:?})"
        )),
        other => TlsFailure::Other(format!("TLS failed: {other}")),
    }
}

/// A name as webpki shows it (`DnsName("example.com")`, `IpAddress(10.0.0.1)`),
/// without the wrapping.
fn plain_name(name: &str) -> String {
    name.strip_prefix("DnsName(\"")
        .and_then(|n| n.strip_suffix("\")"))
        .or_else(|| {
            name.strip_prefix("IpAddress(")
                .and_then(|n| n.strip_suffix(')'))
        })
        .unwrap_or(name)
        .to_string()
}

/// A few words for the waiting line from a transport failure's reason
/// (`connection refused`, `no answer`), or the reason itself.
pub fn short_reason(reason: &str) -> String {
    let lower = reason.to_ascii_lowercase();
    let known = [
        ("connection refused", "connection refused"),
        ("timed out", "no answer"),
        ("connection reset", "connection reset"),
        ("dns error", "host not found"),
        ("failed to lookup", "host not found"),
        ("broken pipe", "connection closed"),
        ("connection closed", "connection closed"),
    ];
    known
        .iter()
        .find(|(k, _)| lower.contains(k))
        .map_or_else(|| reason.to_string(), |(_, short)| short.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How reqwest nests it: an `io::Error` holding an `io::Error` holding
    /// the rustls error, under an error whose `source()` is the outer one.
    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "client error (Connect)")
        }
    }
    impl StdError for Outer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    fn nested(e: rustls::Error) -> Outer {
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, e);
        Outer(std::io::Error::other(io))
    }

    #[test]
    fn failures_are_found_inside_io_errors() {
        let cases = [
            (
                rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
                TlsFailure::UntrustedServer,
            ),
            (
                rustls::Error::AlertReceived(AlertDescription::CertificateRequired),
                TlsFailure::ClientCertificateRequired,
            ),
            (
                rustls::Error::AlertReceived(AlertDescription::UnknownCA),
                TlsFailure::ClientCertificateRefused("UnknownCA".into()),
            ),
            (
                rustls::Error::InvalidCertificate(CertificateError::Expired),
                TlsFailure::BadServerCertificate("invalid peer certificate: Expired".into()),
            ),
            (
                rustls::Error::AlertReceived(AlertDescription::ProtocolVersion),
                TlsFailure::Other(
                    "the server ended the TLS handshake (alert ProtocolVersion)".into(),
                ),
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(tls_failure(&nested(error)), Some(expected));
        }
    }

    #[test]
    fn names_are_shown_plainly() {
        let e = rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
            expected: rustls::pki_types::ServerName::try_from("127.0.0.1").expect("name"),
            presented: vec![
                "DnsName(\"kafka.example\")".into(),
                "IpAddress(10.0.0.1)".into(),
            ],
        });
        let failure = tls_failure(&nested(e)).expect("TLS");
        assert_eq!(
            failure.to_string(),
            "the server's certificate is not valid for 127.0.0.1 \
             (it names kafka.example, 10.0.0.1)"
        );
    }

    #[test]
    fn other_failures_are_not_tls() {
        let refused = Outer(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(tls_failure(&refused), None);
    }
}
