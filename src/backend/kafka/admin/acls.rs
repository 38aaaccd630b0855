//! Producer fences: a `DENY Write` ACL for every principal (`User:*`, any
//! host) on a literal topic, the one shape of ACL linkctl creates. It stops
//! every producer of the topic, whatever ALLOW ACLs exist (a DENY wins).
//!
//! A cluster without an authorizer can have no fence, and cannot get one.
//! Its brokers answer `DescribeAcls` with `SECURITY_DISABLED`, which
//! librdkafka does not pass on (the answer reads as "no ACL"), so whether
//! there is one is read from a broker's `authorizer.class.name`; a broker
//! that refuses to describe its configs has an authorizer.

use std::collections::BTreeSet;
use std::ffi::c_char;
use std::sync::Arc;

use rdkafka::bindings as rd;
use rdkafka::consumer::Consumer;
use rdkafka::types::RDKafkaErrorCode;

use super::native::{c_string, call, check, listed, not_a, text, CallError};
use super::KafkaAdmin;
use crate::backend::kafka::errors::Doing;
use crate::backend::BackendError;

/// Every principal.
pub const ANY_PRINCIPAL: &str = "User:*";
/// The broker setting naming the authorizer (empty: none).
const AUTHORIZER_KEY: &str = "authorizer.class.name";

/// An answer that means "not allowed to ask": there is an authorizer.
fn is_refusal(code: Option<RDKafkaErrorCode>) -> bool {
    matches!(
        code,
        Some(
            RDKafkaErrorCode::ClusterAuthorizationFailed
                | RDKafkaErrorCode::TopicAuthorizationFailed
                | RDKafkaErrorCode::GroupAuthorizationFailed
        )
    )
}
const ANY_HOST: &str = "*";

/// The fences a cluster holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fences {
    /// The cluster has an authorizer (else ACLs cannot be read or written).
    pub authorizer: bool,
    /// Topics with a `DENY Write` ACL for `User:*` from any host.
    pub topics: BTreeSet<String>,
}

impl KafkaAdmin {
    /// The fenced topics of the cluster: one `DescribeAcls`, and one
    /// `DescribeConfigs` of a broker (is there an authorizer).
    pub async fn fences(self: &Arc<Self>) -> Result<Fences, BackendError> {
        self.ensure_ready().await?;
        if !self.has_authorizer().await? {
            return Ok(Fences::default());
        }
        self.blocking(|me| {
            let admin = me.admin_client()?;
            let rk = admin.inner().native_ptr();
            // SAFETY: `admin` keeps the client alive for the whole call.
            match unsafe { describe(rk, me.timeout) } {
                Ok(topics) => Ok(Fences {
                    authorizer: true,
                    topics,
                }),
                Err(e) if e.code == Some(RDKafkaErrorCode::SecurityDisabled) => {
                    Ok(Fences::default())
                }
                Err(e) => Err(me.call_failed(Doing::DescribeAcls, e)),
            }
        })
        .await
    }

    /// Whether the brokers have an authorizer: a broker's
    /// `authorizer.class.name` is set, or the broker refuses to say.
    async fn has_authorizer(self: &Arc<Self>) -> Result<bool, BackendError> {
        let broker = self
            .blocking(|me| {
                let consumer = me.consumer()?;
                let md = consumer.fetch_metadata(None, me.timeout);
                Self::serve(&consumer);
                let md = md.map_err(|e| me.err(Doing::ReadMetadata, &e))?;
                Ok(md.brokers().first().map(|b| b.id()))
            })
            .await?;
        let Some(id) = broker else {
            return Ok(true);
        };
        let admin = self.admin_client()?;
        let spec = [rdkafka::admin::ResourceSpecifier::Broker(id)];
        let results = match admin
            .describe_configs(spec.iter(), &self.admin_options())
            .await
        {
            Ok(r) => r,
            Err(e) if is_refusal(e.rdkafka_error_code()) => return Ok(true),
            Err(e) => return Err(self.err(Doing::DescribeAcls, &e)),
        };
        match results.into_iter().next() {
            Some(Ok(r)) if r.entries.is_empty() => Ok(true),
            Some(Ok(r)) => Ok(r
                .get(AUTHORIZER_KEY)
                .and_then(|e| e.value.as_deref())
                .is_some_and(|v| !v.trim().is_empty())),
            Some(Err(code)) if is_refusal(Some(code)) => Ok(true),
            Some(Err(code)) => Err(self.err_code(Doing::DescribeAcls, code)),
            None => Ok(true),
        }
    }

    /// Adds the fence of each of `topics` (an existing one stays as it is).
    pub async fn fence(self: &Arc<Self>, topics: &[String]) -> Result<(), BackendError> {
        self.change_fences(topics, true).await
    }

    /// Removes the fence of each of `topics` (a missing one is no error).
    pub async fn unfence(self: &Arc<Self>, topics: &[String]) -> Result<(), BackendError> {
        self.change_fences(topics, false).await
    }

    async fn change_fences(
        self: &Arc<Self>,
        topics: &[String],
        add: bool,
    ) -> Result<(), BackendError> {
        if topics.is_empty() {
            return Ok(());
        }
        self.ensure_ready().await?;
        let topics = topics.to_vec();
        self.blocking(move |me| {
            let admin = me.admin_client()?;
            let rk = admin.inner().native_ptr();
            let doing = if add {
                Doing::CreateAcls
            } else {
                Doing::DeleteAcls
            };
            // SAFETY: `admin` keeps the client alive for the whole call.
            unsafe { change(rk, &topics, add, me.timeout) }.map_err(|e| me.call_failed(doing, e))
        })
        .await
    }
}

/// A binding (or a filter: same shape) of the fence of `topic`.
///
/// # Safety
/// Plain librdkafka constructor calls; the result is owned by the caller.
unsafe fn binding(topic: Option<&str>, filter: bool) -> Result<Binding, CallError> {
    let name = topic.map(c_string).transpose()?;
    let principal = c_string(ANY_PRINCIPAL)?;
    let host = c_string(ANY_HOST)?;
    let mut errstr = [0 as c_char; 256];
    let make = if filter {
        rd::rd_kafka_AclBindingFilter_new
    } else {
        rd::rd_kafka_AclBinding_new
    };
    let p = make(
        rd::rd_kafka_ResourceType_t::RD_KAFKA_RESOURCE_TOPIC,
        name.as_ref().map_or(std::ptr::null(), |n| n.as_ptr()),
        rd::rd_kafka_ResourcePatternType_t::RD_KAFKA_RESOURCE_PATTERN_LITERAL,
        principal.as_ptr(),
        host.as_ptr(),
        rd::rd_kafka_AclOperation_t::RD_KAFKA_ACL_OPERATION_WRITE,
        rd::rd_kafka_AclPermissionType_t::RD_KAFKA_ACL_PERMISSION_TYPE_DENY,
        errstr.as_mut_ptr(),
        errstr.len(),
    );
    if p.is_null() {
        return Err(CallError {
            code: None,
            message: text(errstr.as_ptr()),
        });
    }
    Ok(Binding(p))
}

struct Binding(*mut rd::rd_kafka_AclBinding_t);

impl Drop for Binding {
    fn drop(&mut self) {
        // SAFETY: made by rd_kafka_AclBinding(Filter)_new, destroyed once.
        unsafe { rd::rd_kafka_AclBinding_destroy(self.0) }
    }
}

/// # Safety
/// `rk` is a live client handle.
unsafe fn describe(
    rk: *mut rd::rd_kafka_t,
    timeout: std::time::Duration,
) -> Result<BTreeSet<String>, CallError> {
    let filter = binding(None, true)?;
    let event = call(
        rk,
        rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBEACLS,
        timeout,
        |options, queue| rd::rd_kafka_DescribeAcls(rk, filter.0, options, queue),
    )?;
    let acls = listed(
        rd::rd_kafka_event_DescribeAcls_result(event.ptr()),
        rd::rd_kafka_DescribeAcls_result_acls,
    )
    .ok_or_else(|| not_a("DescribeAcls"))?;
    Ok(acls
        .iter()
        .filter(|&&a| text(rd::rd_kafka_AclBinding_host(a)) == ANY_HOST)
        .map(|&a| text(rd::rd_kafka_AclBinding_name(a)))
        .collect())
}

/// # Safety
/// `rk` is a live client handle.
unsafe fn change(
    rk: *mut rd::rd_kafka_t,
    topics: &[String],
    add: bool,
    timeout: std::time::Duration,
) -> Result<(), CallError> {
    let bindings = topics
        .iter()
        .map(|t| binding(Some(t), !add))
        .collect::<Result<Vec<_>, _>>()?;
    let mut ptrs: Vec<*mut rd::rd_kafka_AclBinding_t> = bindings.iter().map(|b| b.0).collect();
    let op = if add {
        rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_CREATEACLS
    } else {
        rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DELETEACLS
    };
    let event = call(rk, op, timeout, |options, queue| {
        let (acls, n) = (ptrs.as_mut_ptr(), ptrs.len());
        if add {
            rd::rd_kafka_CreateAcls(rk, acls, n, options, queue)
        } else {
            rd::rd_kafka_DeleteAcls(rk, acls, n, options, queue)
        }
    })?;
    // An answer of another type lists no error.
    if add {
        let results = listed(
            rd::rd_kafka_event_CreateAcls_result(event.ptr()),
            rd::rd_kafka_CreateAcls_result_acls,
        );
        for &r in results.unwrap_or_default() {
            check(rd::rd_kafka_acl_result_error(r))?;
        }
    } else {
        let responses = listed(
            rd::rd_kafka_event_DeleteAcls_result(event.ptr()),
            rd::rd_kafka_DeleteAcls_result_responses,
        );
        for &r in responses.unwrap_or_default() {
            check(rd::rd_kafka_DeleteAcls_result_response_error(r))?;
        }
    }
    Ok(())
}
