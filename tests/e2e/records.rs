//! Records on the local clusters for the cut-over steps: producers (as
//! fast as possible, or in the background until stopped), every record of a
//! topic by partition, end offsets, and a consumer group's committed
//! position and what its consumers read from there.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::Message;

use crate::kafka::{self, cfg};
use crate::stack::US;

/// Produces `n` records `p<partition>-<i>` round-robin over `partitions`,
/// as fast as librdkafka batches them.
pub(crate) fn produce_fast(topic: &str, n: usize, partitions: i32) -> Result<(), String> {
    let p: ThreadedProducer<DefaultProducerContext> = cfg(US)
        .set("linger.ms", "20")
        .set("batch.num.messages", "10000")
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .map_err(|e| e.to_string())?;
    for i in 0..n {
        let part = (i as i32) % partitions;
        let v = format!("p{part}-{i}");
        let mut rec = BaseRecord::<(), str>::to(topic).payload(&v).partition(part);
        loop {
            match p.send(rec) {
                Ok(()) => break,
                Err((e, r))
                    if e.rdkafka_error_code()
                        == Some(rdkafka::types::RDKafkaErrorCode::QueueFull) =>
                {
                    rec = r;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err((e, _)) => return Err(format!("produce: {e}")),
            }
        }
    }
    p.flush(Duration::from_secs(120))
        .map_err(|e| format!("flush: {e}"))
}

/// A producer writing to `topic` until the returned flag is set, in the
/// background (`every`: the pause between records).
pub(crate) struct Writer {
    stop: Arc<AtomicBool>,
    sent: Arc<Mutex<usize>>,
    handle: Option<std::thread::JoinHandle<Result<(), String>>>,
}

impl Writer {
    pub(crate) fn start(topic: &str, partitions: i32, every: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(Mutex::new(0usize));
        let (topic, s, n) = (topic.to_string(), stop.clone(), sent.clone());
        let handle = std::thread::spawn(move || {
            let p: ThreadedProducer<DefaultProducerContext> = cfg(US)
                .set("linger.ms", "5")
                .create()
                .map_err(|e| e.to_string())?;
            let mut i = 0usize;
            while !s.load(Ordering::SeqCst) {
                let part = (i as i32) % partitions;
                let v = format!("live-{i}");
                if p.send(
                    BaseRecord::<(), str>::to(&topic)
                        .payload(&v)
                        .partition(part),
                )
                .is_ok()
                {
                    i += 1;
                    if let Ok(mut g) = n.lock() {
                        *g = i;
                    }
                }
                if every.is_zero() {
                    if i.is_multiple_of(500) {
                        std::thread::sleep(Duration::from_millis(2));
                    }
                } else {
                    std::thread::sleep(every);
                }
            }
            p.flush(Duration::from_secs(30)).map_err(|e| e.to_string())
        });
        Self {
            stop,
            sent,
            handle: Some(handle),
        }
    }

    /// Stops writing; how many records were sent.
    pub(crate) fn stop(mut self) -> Result<usize, String> {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            h.join().map_err(|_| "the writer panicked".to_string())??;
        }
        Ok(self.sent.lock().map(|g| *g).unwrap_or_default())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Every record of every partition of `topic` on `bootstrap`, by partition.
pub(crate) fn records_by_partition(
    bootstrap: &str,
    topic: &str,
) -> Result<BTreeMap<i32, Vec<String>>, String> {
    let ends = end_offsets(bootstrap, topic)?;
    let c = kafka::from_start(
        cfg(bootstrap).set("enable.partition.eof", "false"),
        "linkctl-e2e-cutover-reader",
        topic,
        ends.keys().copied(),
    )?;
    let mut out: BTreeMap<i32, Vec<String>> = ends.keys().map(|p| (*p, Vec::new())).collect();
    let mut done: BTreeMap<i32, bool> = ends.iter().map(|(p, e)| (*p, *e == 0)).collect();
    let deadline = Instant::now() + Duration::from_secs(180);
    while done.values().any(|d| !d) {
        if Instant::now() > deadline {
            return Err(format!("reading {topic} on {bootstrap} timed out"));
        }
        match c.poll(Duration::from_millis(500)) {
            Some(Ok(m)) => {
                let p = m.partition();
                out.entry(p).or_default().push(kafka::value(&m));
                if m.offset() + 1 >= ends.get(&p).copied().unwrap_or(0) {
                    done.insert(p, true);
                }
            }
            Some(Err(e)) => return Err(format!("consume {topic}: {e}")),
            None => {}
        }
    }
    Ok(out)
}

/// End offset per partition.
pub(crate) fn end_offsets(bootstrap: &str, topic: &str) -> Result<BTreeMap<i32, i64>, String> {
    let n = kafka::partitions(bootstrap, topic)?;
    let c: BaseConsumer = cfg(bootstrap).create().map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    for p in 0..n as i32 {
        let (_, high) = c
            .fetch_watermarks(topic, p, Duration::from_secs(10))
            .map_err(|e| format!("watermarks of {topic}-{p}: {e}"))?;
        out.insert(p, high);
    }
    Ok(out)
}

/// Commits `offsets` (partition → offset) for `group` on `bootstrap`
/// without consuming (a group that read up to there and stopped).
pub(crate) fn commit(
    bootstrap: &str,
    topic: &str,
    group: &str,
    offsets: &BTreeMap<i32, i64>,
) -> Result<(), String> {
    let c = kafka::group_consumer(&mut cfg(bootstrap), group)?;
    kafka::commit_offsets(&c, topic, offsets.iter().map(|(p, o)| (*p, *o)))
}

/// What a consumer of `group` on `bootstrap` reads of `topic` from its
/// committed offsets to the end, by partition.
pub(crate) fn consume_group(
    bootstrap: &str,
    topic: &str,
    group: &str,
) -> Result<BTreeMap<i32, Vec<String>>, String> {
    let ends = end_offsets(bootstrap, topic)?;
    let c = kafka::subscribed(&mut cfg(bootstrap), group, topic)?;
    let mut out: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    let mut at: BTreeMap<i32, i64> = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let finished = ends
            .iter()
            .all(|(p, e)| *e == 0 || at.get(p).is_some_and(|o| o + 1 >= *e));
        if finished {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!(
                "consuming {topic} as {group} timed out at {at:?} of {ends:?}"
            ));
        }
        match c.poll(Duration::from_millis(500)) {
            Some(Ok(m)) => {
                out.entry(m.partition()).or_default().push(kafka::value(&m));
                at.insert(m.partition(), m.offset());
            }
            Some(Err(e)) => return Err(format!("consume: {e}")),
            None => {}
        }
    }
    c.unsubscribe();
    Ok(out)
}
