//! Why a Kafka-protocol call failed, typed: authentication refused, TLS
//! refused, an ACL missing, no answer in time, a bad client property. Each
//! failure is told in one message that names the cluster's bootstrap, what
//! linkctl was doing, what failed and what to check, with every secret of
//! the cluster's `kafka:` properties scrubbed from librdkafka's words.
//!
//! Failures are classified by librdkafka's error codes
//! (`KafkaError::rdkafka_error_code`); only the kind of a refused TLS
//! handshake, for which librdkafka has no code, is read from its reason.

use std::fmt;
use std::time::Duration;

use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode as Code;

use crate::manifest::sensitive::looks_secret;
use crate::manifest::{Cluster, REDACTED};

/// What linkctl knows of a cluster's connection settings, as it may show
/// them (secret values redacted), plus the secrets to scrub from any text
/// librdkafka hands back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterFacts {
    /// The manifest's name of the cluster.
    pub name: String,
    /// `bootstrap`, or [`REDACTED`] when it came from the environment.
    pub bootstrap: String,
    /// `sasl.username`, when set and not a secret.
    pub user: Option<String>,
    /// `sasl.mechanism`, when set.
    pub mechanism: Option<String>,
    /// `ssl.ca.location`, when set.
    pub ca: Option<String>,
    /// Every secret value of the cluster's settings, never shown.
    secrets: Vec<String>,
}

impl ClusterFacts {
    pub fn of(name: &str, cluster: &Cluster) -> Self {
        let prop = |key: &str| {
            cluster
                .kafka
                .iter()
                .find(|(k, _)| k.value == key)
                .map(|(k, v)| {
                    let t = v.value.text();
                    if t.is_secret() || looks_secret(&k.value, t.expose()) {
                        REDACTED.to_string()
                    } else {
                        t.expose().to_string()
                    }
                })
        };
        let mut secrets: Vec<String> = cluster
            .kafka
            .iter()
            .filter(|(k, v)| {
                v.value.text().is_secret() || looks_secret(&k.value, v.value.text().expose())
            })
            .map(|(_, v)| v.value.text().expose().to_string())
            .collect();
        if cluster.bootstrap.value.is_secret() {
            secrets.push(cluster.bootstrap.value.expose().to_string());
        }
        // Short values (empty, `1`) would scrub ordinary words.
        secrets.retain(|s| s.len() >= 4);
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Self {
            name: name.to_string(),
            bootstrap: cluster.bootstrap.value.display().to_string(),
            user: prop("sasl.username").filter(|u| u != REDACTED),
            mechanism: prop("sasl.mechanism"),
            ca: prop("ssl.ca.location"),
            secrets,
        }
    }

    /// `text` with every secret value of the cluster replaced by [`REDACTED`].
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), REDACTED);
            }
        }
        out
    }

    /// librdkafka's reason, scrubbed and without the parts that repeat what
    /// the message already says: the `sasl_ssl://host:port/id: ` broker
    /// prefixes and the `(after 12ms in state X…)` suffix.
    pub fn tidy(&self, reason: &str) -> String {
        let mut r = reason.trim();
        while let Some(rest) = strip_broker_prefix(r) {
            r = rest;
        }
        if let Some(i) = r.rfind(" (after ") {
            if r.ends_with(')') {
                r = &r[..i];
            }
        }
        self.scrub(r.trim())
    }
}

/// `rest` of `sasl_ssl://127.0.0.1:9092/bootstrap: rest` (or of
/// `[thrd:…]: rest`), `None` when `r` has no such prefix.
fn strip_broker_prefix(r: &str) -> Option<&str> {
    let (head, rest) = r.split_once(": ")?;
    let is_broker = head.contains("://") && !head.contains(' ');
    let is_thread = head.starts_with("[thrd:") && head.ends_with(']');
    (is_broker || is_thread).then_some(rest)
}

/// What linkctl was doing when a Kafka-protocol call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Doing {
    CreateClient,
    ReadMetadata,
    DescribeConfigs {
        topic: Option<String>,
    },
    ReadEndOffsets {
        topic: Option<(String, i32)>,
    },
    ListGroups,
    ReadGroupOffsets {
        group: String,
        topic: Option<String>,
    },
    DeleteTopics {
        topic: Option<String>,
    },
    ReadTopicIds,
    ReadLog {
        topic: String,
    },
    DescribeAcls,
    CreateAcls,
    DeleteAcls,
    CommitGroupOffsets {
        group: String,
    },
    /// A write of the apply lock's topics: `operation` is the ACL it needs
    /// on `topic` (`Create`, `Alter`, `AlterConfigs`).
    KeepLock {
        operation: &'static str,
        topic: String,
    },
}

impl fmt::Display for Doing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Doing::CreateClient => write!(f, "create a Kafka client"),
            Doing::ReadMetadata => write!(f, "read topic metadata"),
            Doing::DescribeConfigs { topic: None } => write!(f, "describe topic configs"),
            Doing::DescribeConfigs { topic: Some(t) } => {
                write!(f, "describe the configs of topic `{t}`")
            }
            Doing::ReadEndOffsets { topic: None } => write!(f, "read end offsets"),
            Doing::ReadEndOffsets {
                topic: Some((t, p)),
            } => {
                write!(f, "read the end offset of {t}-{p}")
            }
            Doing::ListGroups => write!(f, "list consumer groups"),
            Doing::ReadGroupOffsets { group, .. } => {
                write!(f, "read the offsets of group `{group}`")
            }
            Doing::DeleteTopics { topic: None } => write!(f, "delete topics"),
            Doing::DeleteTopics { topic: Some(t) } => write!(f, "delete topic `{t}`"),
            Doing::ReadTopicIds => write!(f, "read topic ids"),
            Doing::ReadLog { topic } => write!(f, "read topic `{topic}`"),
            Doing::DescribeAcls => write!(f, "describe ACLs"),
            Doing::CreateAcls => write!(f, "create ACLs"),
            Doing::DeleteAcls => write!(f, "delete ACLs"),
            Doing::CommitGroupOffsets { group } => {
                write!(f, "commit the offsets of group `{group}`")
            }
            Doing::KeepLock { topic, .. } => {
                write!(f, "keep the apply lock (topic `{topic}`)")
            }
        }
    }
}

/// A Kafka ACL resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// A topic (`None`: the topics of the request).
    Topic(Option<String>),
    /// A consumer group (`None`: the groups of the request).
    Group(Option<String>),
    Cluster,
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Resource::Topic(Some(t)) => write!(f, "topic `{t}`"),
            Resource::Topic(None) => write!(f, "the topics it asked for"),
            Resource::Group(Some(g)) => write!(f, "group `{g}`"),
            Resource::Group(None) => write!(f, "the consumer groups"),
            Resource::Cluster => write!(f, "the cluster"),
        }
    }
}

/// The ACL a request needs: an operation on a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acl {
    /// Kafka's name of the operation (`Describe`, `DescribeConfigs`, `Delete`).
    pub operation: &'static str,
    pub resource: Resource,
}

impl Acl {
    /// The `kafka-acls` flags granting it to `principal`.
    fn grant(&self, principal: &str) -> String {
        let resource = match &self.resource {
            Resource::Topic(Some(t)) => format!("--topic '{t}'"),
            Resource::Topic(None) => "--topic <TOPIC>".to_string(),
            Resource::Group(Some(g)) => format!("--group '{g}'"),
            Resource::Group(None) => "--group <GROUP>".to_string(),
            Resource::Cluster => "--cluster".to_string(),
        };
        format!(
            "kafka-acls --add --allow-principal {principal} --operation {} {resource}",
            self.operation
        )
    }
}

impl Doing {
    /// The ACL whose absence makes a broker answer `code` to this request.
    pub fn needed(&self, code: Code) -> Option<Acl> {
        let topic = || match self {
            Doing::DescribeConfigs { topic } | Doing::DeleteTopics { topic } => topic.clone(),
            Doing::ReadEndOffsets { topic } => topic.as_ref().map(|(t, _)| t.clone()),
            Doing::ReadGroupOffsets { topic, .. } => topic.clone(),
            Doing::ReadLog { topic } => Some(topic.clone()),
            _ => None,
        };
        let acl = |operation, resource| {
            Some(Acl {
                operation,
                resource,
            })
        };
        match (code, self) {
            (Code::TopicAuthorizationFailed, Doing::DescribeConfigs { .. }) => {
                acl("DescribeConfigs", Resource::Topic(topic()))
            }
            (Code::TopicAuthorizationFailed, Doing::DeleteTopics { .. }) => {
                acl("Delete", Resource::Topic(topic()))
            }
            (Code::TopicAuthorizationFailed, Doing::ReadLog { .. }) => {
                acl("Read", Resource::Topic(topic()))
            }
            (
                Code::TopicAuthorizationFailed | Code::ClusterAuthorizationFailed,
                Doing::KeepLock { operation, topic },
            ) => acl(operation, Resource::Topic(Some(topic.clone()))),
            (Code::TopicAuthorizationFailed, _) => acl("Describe", Resource::Topic(topic())),
            (Code::GroupAuthorizationFailed, Doing::ReadGroupOffsets { group, .. }) => {
                acl("Describe", Resource::Group(Some(group.clone())))
            }
            (Code::GroupAuthorizationFailed, Doing::CommitGroupOffsets { group }) => {
                acl("Read", Resource::Group(Some(group.clone())))
            }
            (
                Code::ClusterAuthorizationFailed,
                Doing::DescribeAcls | Doing::CreateAcls | Doing::DeleteAcls,
            ) => acl(
                if *self == Doing::DescribeAcls {
                    "Describe"
                } else {
                    "Alter"
                },
                Resource::Cluster,
            ),
            (Code::GroupAuthorizationFailed, _) => acl("Describe", Resource::Group(None)),
            (Code::ClusterAuthorizationFailed, Doing::DescribeConfigs { .. }) => {
                acl("DescribeConfigs", Resource::Cluster)
            }
            (Code::ClusterAuthorizationFailed, _) => acl("Describe", Resource::Cluster),
            _ => None,
        }
    }
}

/// How a TLS handshake was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsRefusal {
    /// The broker's certificate chain does not lead to a trusted CA.
    UntrustedCa,
    /// The certificate is valid, but not for the address connected to.
    HostnameMismatch,
    /// The certificate has expired (or is not valid yet).
    Expired,
    /// The certificate was refused, for a reason not known (yet: see
    /// [`super::tls_check`]).
    Unverified,
    /// Anything else (a plaintext listener, a protocol mismatch, …).
    Other,
}

impl TlsRefusal {
    /// librdkafka has one error code for every TLS failure (`_SSL`), and
    /// says only "certificate verify failed" of a refused certificate (the
    /// words it looks for itself to add its own hint); where it ran the
    /// check after the handshake, OpenSSL's reason follows.
    pub fn of(reason: &str) -> Self {
        let r = reason.to_ascii_lowercase();
        if r.contains("hostname mismatch") || r.contains("ip address mismatch") {
            TlsRefusal::HostnameMismatch
        } else if r.contains("certificate has expired")
            || r.contains("certificate is not yet valid")
        {
            TlsRefusal::Expired
        } else if r.contains("certificate verify failed")
            || r.contains("error:0a000086")
            || r.contains("failed to verify broker certificate")
        {
            TlsRefusal::Unverified
        } else {
            TlsRefusal::Other
        }
    }
}

/// What went wrong, without the cluster and the operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// The broker refused the SASL credentials (or the mechanism).
    Authentication { reason: String },
    /// The TLS handshake failed.
    Tls { refusal: TlsRefusal, reason: String },
    /// The principal lacks an ACL: the broker answered `code`, or (`None`)
    /// it answered nothing where a denial is the one likely cause (rdkafka
    /// 0.39 drops the per-topic error code of `DescribeConfigs` and hands
    /// back a topic with no config entry at all, as brokers answer to a
    /// denied topic, or to one deleted a moment ago).
    NotAuthorized { acl: Acl, code: Option<Code> },
    /// Nothing answered in time; `last` is the last connection error seen.
    TimedOut {
        after: Duration,
        last: Option<String>,
    },
    /// librdkafka refused a client property.
    BadProperty { key: String, reason: String },
    /// Anything else, in librdkafka's words.
    Other { reason: String },
}

impl FailureKind {
    /// True for failures that retrying with the same settings cannot fix.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            FailureKind::Authentication { .. }
                | FailureKind::Tls { .. }
                | FailureKind::BadProperty { .. }
        )
    }
}

/// A Kafka-protocol call of one cluster that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaFailure {
    pub doing: Doing,
    pub kind: FailureKind,
}

/// The codes of an expired wait.
pub fn is_timeout(code: Option<Code>) -> bool {
    matches!(
        code,
        Some(Code::OperationTimedOut | Code::RequestTimedOut | Code::MessageTimedOut)
    )
}

/// The codes of a refused authentication.
pub fn is_authentication(code: Code) -> bool {
    matches!(
        code,
        Code::Authentication
            | Code::SaslAuthenticationFailed
            | Code::UnsupportedSASLMechanism
            | Code::IllegalSASLState
    )
}

impl FailureKind {
    /// The kind of `e`, a librdkafka error answered to a request. `None`
    /// for a timeout, which the caller completes with what librdkafka
    /// reported meanwhile.
    pub fn classify(doing: &Doing, e: &KafkaError, facts: &ClusterFacts) -> Option<Self> {
        if let KafkaError::ClientConfig(_, desc, key, _value) = e {
            // The value may be a secret: never shown.
            return Some(FailureKind::BadProperty {
                key: key.clone(),
                reason: facts.scrub(desc),
            });
        }
        if let KafkaError::ClientCreation(reason) = e {
            return Some(FailureKind::Other {
                reason: facts.tidy(reason),
            });
        }
        let code = e.rdkafka_error_code();
        if is_timeout(code) {
            return None;
        }
        Some(match code {
            Some(c) if is_authentication(c) => FailureKind::Authentication {
                reason: facts.tidy(&e.to_string()),
            },
            Some(Code::SSL) => {
                let reason = facts.tidy(&e.to_string());
                FailureKind::Tls {
                    refusal: TlsRefusal::of(&reason),
                    reason,
                }
            }
            Some(c) => match doing.needed(c) {
                Some(acl) => FailureKind::NotAuthorized { acl, code: Some(c) },
                None => FailureKind::Other {
                    reason: facts.scrub(&e.to_string()),
                },
            },
            None => FailureKind::Other {
                reason: facts.scrub(&e.to_string()),
            },
        })
    }

    /// The kind of an error librdkafka reported on its own (the error
    /// callback: a connection, TLS or SASL failure), `reason` in its words.
    pub fn from_callback(code: Option<Code>, reason: &str, facts: &ClusterFacts) -> Self {
        let reason = facts.tidy(reason);
        match code {
            Some(c) if is_authentication(c) => FailureKind::Authentication { reason },
            Some(Code::SSL) => FailureKind::Tls {
                refusal: TlsRefusal::of(&reason),
                reason,
            },
            _ => FailureKind::Other { reason },
        }
    }
}

impl KafkaFailure {
    /// The message a user reads (the cluster's name comes before it, in
    /// [`crate::backend::BackendError`]'s `cluster: message`).
    pub fn message(&self, facts: &ClusterFacts) -> String {
        let ClusterFacts {
            name, bootstrap, ..
        } = facts;
        let doing = &self.doing;
        let props = format!("under `kafka:` of cluster `{name}`");
        match &self.kind {
            FailureKind::Authentication { reason } => {
                let reason = reason
                    .strip_prefix("SASL authentication error: ")
                    .unwrap_or(reason);
                let user = facts
                    .user
                    .as_ref()
                    .map(|u| format!(" (`{u}`)"))
                    .unwrap_or_default();
                let mechanism = facts
                    .mechanism
                    .as_ref()
                    .map(|m| format!(" (`{m}`)"))
                    .unwrap_or_default();
                format!(
                    "cannot {doing}: SASL authentication with {bootstrap} failed: {reason}. \
                     Check `sasl.username`{user}, `sasl.password` and `sasl.mechanism`{mechanism} {props}: \
                     a wrong password and an unknown user are refused alike"
                )
            }
            FailureKind::Tls { refusal, reason } => {
                // librdkafka's own hint is replaced by linkctl's.
                let reason = reason
                    .split(": broker certificate could not be verified")
                    .next()
                    .unwrap_or(reason);
                let ca = match &facts.ca {
                    Some(ca) => format!("now `{ca}`"),
                    None => "now unset: the system's trust store".to_string(),
                };
                let untrusted = format!(
                    "set `ssl.ca.location` {props} to the PEM file of the CA that signed the brokers' certificates ({ca})"
                );
                let hint = match refusal {
                    TlsRefusal::UntrustedCa => format!(
                        "the broker's certificate is not signed by a CA linkctl trusts: {untrusted}"
                    ),
                    TlsRefusal::HostnameMismatch => format!(
                        "the broker's certificate is not valid for the address linkctl connected to ({bootstrap}). \
                         The bootstrap address (and the brokers' advertised listeners) must be a name or IP \
                         address the certificate lists in its subjectAltName: use such an address, \
                         or give the brokers a certificate for theirs"
                    ),
                    TlsRefusal::Expired => "the broker's certificate has expired or is not valid yet: \
                         renew the brokers' certificates (or check this machine's clock)"
                        .to_string(),
                    TlsRefusal::Unverified => format!(
                        "the broker's certificate could not be verified: either it is not signed by a CA linkctl trusts \
                         ({untrusted}), or it is not valid for the address linkctl connected to ({bootstrap})"
                    ),
                    TlsRefusal::Other => format!(
                        "check that the listener at {bootstrap} speaks TLS (`security.protocol` SSL or SASL_SSL {props}) \
                         and its `ssl.*` properties ({ca} for `ssl.ca.location`)"
                    ),
                };
                format!("cannot {doing}: TLS handshake with {bootstrap} refused ({reason}): {hint}")
            }
            FailureKind::NotAuthorized { acl, code } => {
                let principal = facts
                    .user
                    .as_ref()
                    .map(|u| format!("User:{u}"))
                    .unwrap_or_else(|| "<PRINCIPAL>".to_string());
                let who = facts
                    .user
                    .as_ref()
                    .map(|u| format!("principal `User:{u}`"))
                    .unwrap_or_else(|| "linkctl's principal".to_string());
                let answer = match code {
                    Some(code) => format!("{code:?}"),
                    None => "the broker answered no config entry, as it does to a denied request, \
                             or for a topic deleted a moment ago"
                        .to_string(),
                };
                format!(
                    "cannot {doing}: not authorized ({answer}): {who} needs ALLOW {} on {} on {bootstrap}. \
                     Grant it (e.g. `{}`), or use a principal that has it {props}",
                    acl.operation,
                    acl.resource,
                    acl.grant(&principal)
                )
            }
            FailureKind::TimedOut { after, last } => {
                let last = last
                    .as_ref()
                    .map(|l| format!("; last error: {l}"))
                    .unwrap_or_default();
                format!(
                    "cannot {doing}: the brokers of `{name}` ({bootstrap}) did not answer within {}{last}. \
                     Check the bootstrap address and `security.protocol` {props}; \
                     `--timeout SECONDS`, or `timeouts.request_ms` on the cluster, to wait longer",
                    crate::backend::timeouts::secs(*after)
                )
            }
            FailureKind::BadProperty { key, reason } => {
                format!("cannot {doing}: librdkafka refuses property `{key}` {props}: {reason}")
            }
            FailureKind::Other { reason } => format!("cannot {doing} on {bootstrap}: {reason}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> ClusterFacts {
        ClusterFacts {
            name: "us".into(),
            bootstrap: "127.0.0.1:19192".into(),
            user: Some("linkctl".into()),
            mechanism: Some("SCRAM-SHA-512".into()),
            ca: Some("/tls/ca.pem".into()),
            secrets: vec!["hunter2-secret".into()],
        }
    }

    #[test]
    fn reasons_lose_broker_prefixes_timings_and_secrets() {
        let f = facts();
        assert_eq!(
            f.tidy("sasl_ssl://127.0.0.1:19192/bootstrap: SASL authentication error: Authentication failed (after 305ms in state AUTH_REQ, 1 identical error(s) suppressed)"),
            "SASL authentication error: Authentication failed"
        );
        assert_eq!(
            f.tidy(
                "[thrd:ssl://h:1/bootstrap]: ssl://h:1/bootstrap: bad password hunter2-secret here"
            ),
            format!("bad password {REDACTED} here")
        );
        assert_eq!(f.tidy("Local: Timed out"), "Local: Timed out");
    }

    #[test]
    fn denials_name_the_operation_and_the_resource() {
        let d = Doing::DescribeConfigs {
            topic: Some("t".into()),
        };
        assert_eq!(
            d.needed(Code::TopicAuthorizationFailed),
            Some(Acl {
                operation: "DescribeConfigs",
                resource: Resource::Topic(Some("t".into()))
            })
        );
        let del = Doing::DeleteTopics {
            topic: Some("t".into()),
        };
        assert_eq!(
            del.needed(Code::TopicAuthorizationFailed)
                .map(|a| a.operation),
            Some("Delete")
        );
        let g = Doing::ReadGroupOffsets {
            group: "g".into(),
            topic: None,
        };
        assert_eq!(
            g.needed(Code::GroupAuthorizationFailed),
            Some(Acl {
                operation: "Describe",
                resource: Resource::Group(Some("g".into()))
            })
        );
        assert_eq!(
            Doing::ListGroups.needed(Code::ClusterAuthorizationFailed),
            Some(Acl {
                operation: "Describe",
                resource: Resource::Cluster
            })
        );
        assert_eq!(Doing::ReadMetadata.needed(Code::BrokerNotAvailable), None);
        let msg = KafkaFailure {
            doing: del,
            kind: FailureKind::NotAuthorized {
                acl: Acl {
                    operation: "Delete",
                    resource: Resource::Topic(Some("t".into())),
                },
                code: Some(Code::TopicAuthorizationFailed),
            },
        }
        .message(&facts());
        assert!(
            msg.contains(
                "principal `User:linkctl` needs ALLOW Delete on topic `t` on 127.0.0.1:19192"
            ),
            "{msg}"
        );
        assert!(
            msg.contains(
                "kafka-acls --add --allow-principal User:linkctl --operation Delete --topic 't'"
            ),
            "{msg}"
        );
    }

    #[test]
    fn errors_are_classified_by_code() {
        let f = facts();
        let d = Doing::ReadMetadata;
        let k = FailureKind::classify(&d, &KafkaError::MetadataFetch(Code::OperationTimedOut), &f);
        assert_eq!(k, None);
        let k = FailureKind::classify(&d, &KafkaError::MetadataFetch(Code::Authentication), &f);
        assert!(matches!(k, Some(FailureKind::Authentication { .. })));
        let k = FailureKind::classify(
            &d,
            &KafkaError::ClientConfig(
                rdkafka::types::RDKafkaConfRes::RD_KAFKA_CONF_INVALID,
                "Invalid value".into(),
                "sasl.password".into(),
                "hunter2-secret".into(),
            ),
            &f,
        );
        let msg = KafkaFailure {
            doing: Doing::CreateClient,
            kind: k.expect("classified"),
        }
        .message(&f);
        assert!(!msg.contains("hunter2"), "{msg}");
        assert!(msg.contains("`sasl.password`"), "{msg}");
    }

    #[test]
    fn tls_refusals_are_told_apart() {
        assert_eq!(
            TlsRefusal::of("SSL handshake failed: error:0A000086:SSL routines::certificate verify failed: broker certificate could not be verified"),
            TlsRefusal::Unverified
        );
        assert_eq!(
            TlsRefusal::of("Failed to verify broker certificate: Hostname mismatch"),
            TlsRefusal::HostnameMismatch
        );
        assert_eq!(
            TlsRefusal::of("SSL handshake failed: wrong version number"),
            TlsRefusal::Other
        );
    }
}
