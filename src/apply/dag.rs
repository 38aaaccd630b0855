//! Runs a plan's actions in `depends_on` order.
//!
//! Execution goes in waves: every action whose dependencies are done is ready.
//! The ready actions of one cluster run one step after the other (a step is
//! one action, or all ready pause/resume/promote/failover actions of one link
//! and kind, handed to the executor as one batch so it can send one bulk
//! request); different clusters run concurrently. The first failure stops the
//! apply: running steps finish, nothing new starts.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use super::events::{ApplyEvent, EventSink};
use super::report::{ApplyReport, DoneEntry, FailedEntry};
use crate::backend::{BackendError, ExecContext, Executor, Outcome, Progress};
use crate::manifest::{Engine, Manifest};
use crate::plan::Action;

/// How an apply waits.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Longest wait for one asynchronous state transition.
    pub wait_timeout: Duration,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        Self {
            wait_timeout: Duration::from_secs(300),
        }
    }
}

/// The executor of each engine.
#[derive(Default)]
pub struct Executors<'a> {
    by_engine: Vec<(Engine, &'a dyn Executor)>,
}

impl<'a> Executors<'a> {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn with(mut self, engine: Engine, exec: &'a dyn Executor) -> Self {
        self.by_engine.push((engine, exec));
        self
    }
    fn get(&self, engine: Engine) -> Option<&'a dyn Executor> {
        self.by_engine
            .iter()
            .find(|(e, _)| *e == engine)
            .map(|(_, x)| *x)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Pending,
    Done,
    Failed,
}

/// Forwards an executor's progress to the event sink.
struct ProgressEvents<'a>(&'a dyn EventSink);

impl Progress for ProgressEvents<'_> {
    fn update(&self, action_id: &str, message: &str) {
        self.0.emit(&ApplyEvent::Progress {
            id: action_id.to_string(),
            message: message.to_string(),
        });
    }
}

type LaneFuture<'a> =
    Pin<Box<dyn Future<Output = Vec<(usize, Option<Result<Outcome, BackendError>>)>> + Send + 'a>>;

/// The steps (groups of action indexes) of one (cluster, engine).
type Lane = ((String, Engine), Vec<Vec<usize>>);

/// Applies `actions` (a plan's actions, in plan order).
pub async fn apply(
    actions: &[Action],
    executors: &Executors<'_>,
    manifest: &Manifest,
    sink: &dyn EventSink,
    opts: &ApplyOptions,
) -> ApplyReport {
    let started = Instant::now();
    let index: HashMap<&str, usize> = actions
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect();
    let mut status = vec![Status::Pending; actions.len()];
    let mut report = ApplyReport::default();
    let progress = ProgressEvents(sink);
    let ctx = ExecContext {
        manifest,
        progress: &progress,
        wait_timeout: opts.wait_timeout,
    };

    // A dependency on an action that is not in the plan can never be met.
    for (i, a) in actions.iter().enumerate() {
        if let Some(missing) = a
            .depends_on
            .iter()
            .find(|d| !index.contains_key(d.as_str()))
        {
            status[i] = Status::Failed;
            report.failed.push(FailedEntry {
                id: a.id.clone(),
                cluster: a.cluster.clone(),
                error: format!("depends on {missing}, which is not in the plan"),
            });
        }
    }

    while report.failed.is_empty() {
        let ready: Vec<usize> = (0..actions.len())
            .filter(|i| status[*i] == Status::Pending)
            .filter(|i| {
                actions[*i].depends_on.iter().all(|d| {
                    index
                        .get(d.as_str())
                        .is_some_and(|j| status[*j] == Status::Done)
                })
            })
            .collect();
        if ready.is_empty() {
            break;
        }
        // Per (cluster, engine), in plan order: a sequence of steps; a step is
        // one action, or the bulk mirror actions of one link and kind.
        let mut lanes: Vec<Lane> = Vec::new();
        for i in ready {
            let a = &actions[i];
            let key = (a.cluster.clone(), a.engine);
            let lane = match lanes.iter().position(|(k, _)| *k == key) {
                Some(p) => p,
                None => {
                    lanes.push((key, Vec::new()));
                    lanes.len() - 1
                }
            };
            let steps = &mut lanes[lane].1;
            let merge = if a.kind.is_bulk() {
                steps.iter().position(|st: &Vec<usize>| {
                    let b = &actions[st[0]];
                    b.kind.is_bulk() && b.link == a.link && b.kind == a.kind
                })
            } else {
                None
            };
            match merge {
                Some(p) => steps[p].push(i),
                None => steps.push(vec![i]),
            }
        }
        let stop = AtomicBool::new(false);
        let mut futures: Vec<LaneFuture<'_>> = Vec::new();
        for ((_, engine), steps) in lanes {
            let ctx = &ctx;
            let stop = &stop;
            let exec = executors.get(engine);
            futures.push(Box::pin(async move {
                let mut results = Vec::new();
                for step in steps {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    for i in &step {
                        let a = &actions[*i];
                        sink.emit(&ApplyEvent::ActionStarted {
                            id: a.id.clone(),
                            kind: a.kind,
                            cluster: a.cluster.clone(),
                            link: a.link.clone(),
                            mirror: a.mirror.clone(),
                            irreversible: a.irreversible,
                        });
                    }
                    let t = Instant::now();
                    let outcomes: Vec<Option<Result<Outcome, BackendError>>> = match exec {
                        None => step
                            .iter()
                            .map(|i| {
                                let a = &actions[*i];
                                Some(Err(BackendError::new(
                                    &a.cluster,
                                    format!("no executor for the {engine:?} engine"),
                                )))
                            })
                            .collect(),
                        Some(exec) if step.len() == 1 => {
                            vec![Some(exec.execute(&actions[step[0]], ctx).await)]
                        }
                        Some(exec) => {
                            let refs: Vec<&Action> = step.iter().map(|i| &actions[*i]).collect();
                            exec.execute_batch(&refs, ctx).await
                        }
                    };
                    let elapsed_ms = t.elapsed().as_millis() as u64;
                    for (i, r) in step
                        .iter()
                        .copied()
                        .zip(outcomes.into_iter().chain(std::iter::repeat_with(|| None)))
                    {
                        let a = &actions[i];
                        match &r {
                            Some(Ok(out)) => sink.emit(&ApplyEvent::ActionDone {
                                id: a.id.clone(),
                                summary: out.summary.clone(),
                                elapsed_ms,
                            }),
                            Some(Err(e)) => {
                                stop.store(true, Ordering::SeqCst);
                                sink.emit(&ApplyEvent::ActionFailed {
                                    id: a.id.clone(),
                                    cluster: e.cluster.clone(),
                                    error: e.message.clone(),
                                    elapsed_ms,
                                })
                            }
                            None => {}
                        }
                        results.push((i, r));
                    }
                }
                results
            }));
        }
        for lane in join_all(futures).await {
            for (i, result) in lane {
                let a = &actions[i];
                match result {
                    Some(Ok(out)) => {
                        status[i] = Status::Done;
                        report.done.push(DoneEntry {
                            id: a.id.clone(),
                            summary: out.summary,
                        });
                    }
                    Some(Err(e)) => {
                        status[i] = Status::Failed;
                        report.failed.push(FailedEntry {
                            id: a.id.clone(),
                            cluster: e.cluster,
                            error: e.message,
                        });
                    }
                    None => {}
                }
            }
        }
    }
    report.not_attempted = (0..actions.len())
        .filter(|i| status[*i] == Status::Pending)
        .map(|i| actions[i].id.clone())
        .collect();
    sink.emit(&ApplyEvent::Summary {
        done: report.done.len(),
        failed: report.failed.len(),
        not_attempted: report.not_attempted.len(),
        elapsed_ms: started.elapsed().as_millis() as u64,
    });
    report
}

/// Polls every future until all are ready; results in input order.
async fn join_all<T>(futures: Vec<Pin<Box<dyn Future<Output = T> + Send + '_>>>) -> Vec<T> {
    let mut slots: Vec<Option<Pin<Box<dyn Future<Output = T> + Send + '_>>>> =
        futures.into_iter().map(Some).collect();
    let mut out: Vec<Option<T>> = slots.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (slot, res) in slots.iter_mut().zip(out.iter_mut()) {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => {
                        *res = Some(v);
                        *slot = None;
                    }
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}
