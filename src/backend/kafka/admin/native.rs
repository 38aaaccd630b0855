//! librdkafka admin calls that rdkafka does not wrap (`DescribeTopics` for
//! topic ids, `CreateAcls`, `DescribeAcls`, `DeleteAcls`): the request goes
//! out through the command's admin client, and its result event is read from
//! a queue of its own. Every librdkafka object made here is destroyed by a
//! guard, whatever path the call takes.
//!
//! Everything here blocks: callers run it on tokio's blocking pool.

use std::ffi::{c_char, CStr, CString};
use std::ptr::NonNull;
use std::time::Duration;

use rdkafka::bindings as rd;
use rdkafka::types::RDKafkaErrorCode;

/// An admin call's failure: librdkafka's code (when it gave one) and words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    pub code: Option<RDKafkaErrorCode>,
    pub message: String,
}

impl CallError {
    fn new(code: Option<RDKafkaErrorCode>, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// A result event, destroyed on drop.
pub struct Event(NonNull<rd::rd_kafka_event_t>);

impl Event {
    pub fn ptr(&self) -> *mut rd::rd_kafka_event_t {
        self.0.as_ptr()
    }
}

impl Drop for Event {
    fn drop(&mut self) {
        // SAFETY: the pointer came from rd_kafka_queue_poll and is destroyed once.
        unsafe { rd::rd_kafka_event_destroy(self.0.as_ptr()) }
    }
}

struct Queue(NonNull<rd::rd_kafka_queue_t>);

impl Drop for Queue {
    fn drop(&mut self) {
        // SAFETY: made by rd_kafka_queue_new, destroyed once.
        unsafe { rd::rd_kafka_queue_destroy(self.0.as_ptr()) }
    }
}

struct Options(NonNull<rd::rd_kafka_AdminOptions_t>);

impl Drop for Options {
    fn drop(&mut self) {
        // SAFETY: made by rd_kafka_AdminOptions_new, destroyed once.
        unsafe { rd::rd_kafka_AdminOptions_destroy(self.0.as_ptr()) }
    }
}

/// A C string of `s` (an interior NUL is an error: no Kafka name holds one).
pub fn c_string(s: &str) -> Result<CString, CallError> {
    CString::new(s).map_err(|_| CallError::new(None, format!("{s:?} holds a NUL byte")))
}

/// The text at `p` (empty for a null pointer).
///
/// # Safety
/// `p` is null or points at a NUL-terminated string that outlives the call.
pub unsafe fn text(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

/// `Err` for an `rd_kafka_error_t` that is set (code other than NO_ERROR).
///
/// # Safety
/// `e` is null or a valid error object owned by a live result.
pub unsafe fn check(e: *const rd::rd_kafka_error_t) -> Result<(), CallError> {
    if e.is_null() {
        return Ok(());
    }
    let code = rd::rd_kafka_error_code(e);
    if code == rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
        return Ok(());
    }
    Err(CallError::new(
        Some(RDKafkaErrorCode::from(code)),
        text(rd::rd_kafka_error_string(e)),
    ))
}

/// Runs one admin request on the client `rk` and returns its result event.
/// `send` issues the request with the options and the queue it is given.
///
/// # Safety
/// `rk` is a live librdkafka client handle for the whole call; `send` only
/// calls the librdkafka function of `op` with the pointers it receives.
pub unsafe fn call(
    rk: *mut rd::rd_kafka_t,
    op: rd::rd_kafka_admin_op_t,
    timeout: Duration,
    send: impl FnOnce(*const rd::rd_kafka_AdminOptions_t, *mut rd::rd_kafka_queue_t),
) -> Result<Event, CallError> {
    let options = NonNull::new(rd::rd_kafka_AdminOptions_new(rk, op))
        .map(Options)
        .ok_or_else(|| CallError::new(None, "librdkafka refused the admin options"))?;
    let millis = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
    let mut errstr = [0 as c_char; 256];
    let set = rd::rd_kafka_AdminOptions_set_request_timeout(
        options.0.as_ptr(),
        millis,
        errstr.as_mut_ptr(),
        errstr.len(),
    );
    if set != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
        return Err(CallError::new(
            Some(RDKafkaErrorCode::from(set)),
            text(errstr.as_ptr()),
        ));
    }
    let queue = NonNull::new(rd::rd_kafka_queue_new(rk))
        .map(Queue)
        .ok_or_else(|| CallError::new(None, "librdkafka could not make a result queue"))?;
    send(options.0.as_ptr(), queue.0.as_ptr());
    // The request carries its own timeout; the poll waits a little longer so
    // that librdkafka's timeout answer (with its words) arrives first.
    let wait = i32::try_from((timeout + Duration::from_secs(1)).as_millis()).unwrap_or(i32::MAX);
    let event = NonNull::new(rd::rd_kafka_queue_poll(queue.0.as_ptr(), wait))
        .map(Event)
        .ok_or_else(|| {
            CallError::new(
                Some(RDKafkaErrorCode::RequestTimedOut),
                format!("no answer within {} s", timeout.as_secs_f64()),
            )
        })?;
    let code = rd::rd_kafka_event_error(event.ptr());
    if code != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
        return Err(CallError::new(
            Some(RDKafkaErrorCode::from(code)),
            text(rd::rd_kafka_event_error_string(event.ptr())),
        ));
    }
    Ok(event)
}

/// The elements that `list` reads from an event's result of one type;
/// `None` when the event is not of that type (`result` is null).
///
/// # Safety
/// `result` is null or a result owned by a live event, and `list` is the
/// accessor of that result type's elements.
pub unsafe fn listed<'a, R, T>(
    result: *const R,
    list: unsafe extern "C" fn(*const R, *mut usize) -> *mut *const T,
) -> Option<&'a [*const T]> {
    if result.is_null() {
        return None;
    }
    let mut n = 0usize;
    Some(elements(list(result, &mut n), n))
}

/// The error of an answer that is not the `what` result asked for.
pub fn not_a(what: &str) -> CallError {
    CallError::new(None, format!("the answer is not a {what} result"))
}

/// The `n` elements of a C array returned by a result accessor.
///
/// # Safety
/// `p` is null (then `n` is ignored) or points at `n` elements that live as
/// long as the returned slice is used.
pub unsafe fn elements<'a, T>(p: *mut *const T, n: usize) -> &'a [*const T] {
    if p.is_null() || n == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(p, n)
    }
}
