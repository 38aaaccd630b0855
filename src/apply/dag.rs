//! Runs a plan's actions in `depends_on` order, a step at a time per link.
//!
//! A *lane* is one link object (cluster, link): its steps run one after the
//! other, and different lanes run concurrently. Whenever a lane is free, its
//! ready actions (dependencies done) that the engine batches together
//! ([`StepGroup`]) form its next step, handed to the engine at once: all of
//! a link's ready mirror creates, or all its promotions, in one step. The
//! first failure stops the apply: running steps finish, nothing new starts.
//!
//! Every action that starts gets exactly one closing event: `done`,
//! `failed`, `interrupted` (the command was interrupted while it ran: what
//! it sent may or may not have taken effect), or `not_attempted` (its step
//! stopped before sending it). After an interrupt, no new step starts.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::events::{ApplyEvent, EventSink};
use super::report::{ApplyReport, DoneEntry, FailedEntry};
use crate::backend::kafka::KafkaClients;
use crate::backend::{
    registry, ActionResult, BackendError, Clusters, Engine, ExecContext, Progress, Secrets,
    StepGroup,
};
use crate::manifest::Engine as EngineName;
use crate::plan::Action;

/// How an apply waits and how much it runs at once.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Longest wait for one asynchronous state transition.
    pub wait_timeout: Duration,
    /// Most per-object writes (mirror creates, topic deletes) in flight at
    /// once, across every step (`apply --parallelism`, like Terraform's).
    pub parallelism: usize,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        Self {
            wait_timeout: Duration::from_secs(300),
            parallelism: 10,
        }
    }
}

/// Finds the implementation of an action's engine (the registry's
/// `Engines`, or a test's fakes).
pub trait EngineSet: Sync {
    fn engine(&self, name: EngineName) -> Option<&dyn Engine>;
}

impl EngineSet for registry::Engines {
    fn engine(&self, name: EngineName) -> Option<&dyn Engine> {
        Some(self.get(name))
    }
}

/// What executors reach clusters with, and the command's interrupt.
#[derive(Clone, Copy)]
pub struct ApplyEnv<'a> {
    pub clusters: Clusters<'a>,
    pub secrets: &'a dyn Secrets,
    pub kafka: &'a KafkaClients,
    /// Cancelled on the first Ctrl-C: no new step starts, running steps
    /// stop at their next safe point.
    pub cancel: &'a CancellationToken,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Pending,
    Running,
    Done,
    Failed,
    Interrupted,
    NotAttempted,
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

/// `(cluster, link)`: the steps of one link object run one at a time.
type Lane = (String, String);

fn lane(a: &Action) -> Lane {
    (a.cluster.clone(), a.link.clone())
}

/// The next step of every free lane: in plan order, the first ready action
/// of the lane and every other ready action of that lane, engine and batch.
fn next_steps(actions: &[Action], ready: &[usize], busy: &BTreeSet<Lane>) -> Vec<Vec<usize>> {
    let mut steps: Vec<(Lane, EngineName, StepGroup, Vec<usize>)> = Vec::new();
    for &i in ready {
        let a = &actions[i];
        let l = lane(a);
        if busy.contains(&l) {
            continue;
        }
        let group = registry::model(a.engine).step_group(a.kind);
        match steps.iter_mut().find(|(sl, ..)| *sl == l) {
            Some((_, engine, g, members)) => {
                if *engine == a.engine && *g == group && matches!(group, StepGroup::Batch(_)) {
                    members.push(i);
                }
            }
            None => steps.push((l, a.engine, group, vec![i])),
        }
    }
    steps.into_iter().map(|(.., m)| m).collect()
}

/// Applies `actions` (a plan's actions, in plan order).
pub async fn apply(
    actions: &[Action],
    engines: &dyn EngineSet,
    env: ApplyEnv<'_>,
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
    let mut done: BTreeMap<usize, DoneEntry> = BTreeMap::new();
    let mut failed: BTreeMap<usize, FailedEntry> = BTreeMap::new();
    let mut interrupted: BTreeMap<usize, FailedEntry> = BTreeMap::new();
    let progress = ProgressEvents(sink);
    let permits = Semaphore::new(opts.parallelism.max(1));
    let ctx = ExecContext {
        clusters: env.clusters,
        secrets: env.secrets,
        kafka: env.kafka,
        progress: &progress,
        wait_timeout: opts.wait_timeout,
        permits: &permits,
        cancel: env.cancel,
    };
    let ctx = &ctx;

    // A dependency on an action that is not in the plan can never be met.
    for (i, a) in actions.iter().enumerate() {
        if let Some(missing) = a
            .depends_on
            .iter()
            .find(|d| !index.contains_key(d.as_str()))
        {
            status[i] = Status::Failed;
            failed.insert(
                i,
                FailedEntry {
                    id: a.id.clone(),
                    cluster: a.cluster.clone(),
                    error: format!("depends on {missing}, which is not in the plan"),
                },
            );
        }
    }

    let mut busy: BTreeSet<Lane> = BTreeSet::new();
    let mut running = FuturesUnordered::new();
    loop {
        if failed.is_empty() && !env.cancel.is_cancelled() {
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
            for step in next_steps(actions, &ready, &busy) {
                let first = &actions[step[0]];
                busy.insert(lane(first));
                for i in &step {
                    status[*i] = Status::Running;
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
                let engine = engines.engine(first.engine);
                running.push(async move {
                    let t = Instant::now();
                    let members: Vec<&Action> = step.iter().map(|i| &actions[*i]).collect();
                    let results = match engine {
                        Some(e) => e.execute_step(&members, ctx).await,
                        None => members
                            .iter()
                            .map(|a| {
                                ActionResult::Failed(BackendError::new(
                                    &a.cluster,
                                    format!(
                                        "no executor for the {} engine",
                                        registry::model(a.engine).name()
                                    ),
                                ))
                            })
                            .collect(),
                    };
                    (step, results, t.elapsed())
                });
            }
        }
        let Some((step, results, elapsed)) = running.next().await else {
            break;
        };
        busy.remove(&lane(&actions[step[0]]));
        let elapsed_ms = elapsed.as_millis() as u64;
        let mut results = results.into_iter();
        for i in step {
            let a = &actions[i];
            match results.next().unwrap_or(ActionResult::NotAttempted) {
                ActionResult::Done(out) => {
                    status[i] = Status::Done;
                    let entry = DoneEntry {
                        id: a.id.clone(),
                        summary: out.summary,
                        cutover: out.cutover,
                    };
                    sink.emit(&ApplyEvent::ActionDone {
                        id: a.id.clone(),
                        summary: entry.summary.clone(),
                        elapsed_ms,
                        cutover: entry.cutover.clone(),
                    });
                    for message in out.warnings {
                        sink.emit(&ApplyEvent::Warning {
                            message,
                            remaining_actions: None,
                        });
                    }
                    done.insert(i, entry);
                }
                ActionResult::Failed(e) => {
                    let was_interrupted = e.interrupted;
                    let entry = FailedEntry {
                        id: a.id.clone(),
                        cluster: e.cluster,
                        error: e.message,
                    };
                    if was_interrupted {
                        status[i] = Status::Interrupted;
                        sink.emit(&ApplyEvent::ActionInterrupted {
                            id: a.id.clone(),
                            message: entry.error.clone(),
                            elapsed_ms,
                        });
                        interrupted.insert(i, entry);
                    } else {
                        status[i] = Status::Failed;
                        sink.emit(&ApplyEvent::ActionFailed {
                            id: a.id.clone(),
                            cluster: entry.cluster.clone(),
                            error: entry.error.clone(),
                            elapsed_ms,
                        });
                        failed.insert(i, entry);
                    }
                }
                ActionResult::NotAttempted => {
                    status[i] = Status::NotAttempted;
                    sink.emit(&ApplyEvent::ActionNotAttempted { id: a.id.clone() });
                }
            }
        }
    }
    let report = ApplyReport {
        done: done.into_values().collect(),
        failed: failed.into_values().collect(),
        interrupted: interrupted.into_values().collect(),
        was_interrupted: env.cancel.is_cancelled(),
        not_attempted: (0..actions.len())
            .filter(|i| matches!(status[*i], Status::Pending | Status::NotAttempted))
            .map(|i| actions[i].id.clone())
            .collect(),
    };
    sink.emit(&ApplyEvent::Summary {
        done: report.done.len(),
        failed: report.failed.len(),
        interrupted: report.interrupted.len(),
        not_attempted: report.not_attempted.len(),
        elapsed_ms: started.elapsed().as_millis() as u64,
    });
    report
}
