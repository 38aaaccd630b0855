//! Runs a plan's actions in `depends_on` order, a step at a time per link.
//!
//! A *lane* is one link object (cluster, link): its steps run one after the
//! other, and different lanes run concurrently. Whenever a lane is free, its
//! ready actions (dependencies done) that the engine batches together
//! ([`StepGroup`]) form its next step, handed to the engine at once: all of
//! a link's ready mirror creates, or all its promotions, in one step.
//!
//! Failures stay local: an action that fails (or is interrupted, or is not
//! attempted by its step) blocks the actions that depend on it, directly or
//! not, and everything else goes on. With `fail_fast`, the first failure
//! stops the apply instead: running steps finish, nothing new starts.
//!
//! Every action gets exactly one closing event. One that starts: `done`,
//! `failed`, `interrupted` (the command was interrupted while it ran: what
//! it sent may or may not have taken effect), or `not_attempted` (its step
//! stopped before sending it). One that never starts: `skipped`, with why
//! (an action it depends on did not succeed, the apply stopped at the first
//! failure, or it was interrupted). After an interrupt, no new step starts.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::events::{ApplyEvent, EventSink};
use super::report::{ApplyReport, DoneEntry, FailedEntry, NotAttemptedWhy};
use super::tally::Tally;
use crate::backend::kafka::KafkaClients;
use crate::backend::{
    ActionResult, BackendError, Clusters, Engine, ExecContext, Progress, Secrets,
};
use crate::manifest::EngineName;
use crate::plan::{Action, EngineModels, StepGroup};

/// How an apply waits and how much it runs at once.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Longest wait for one asynchronous state transition.
    pub wait_timeout: Duration,
    /// Most per-object writes (mirror creates, topic deletes) in flight at
    /// once, across every step (`apply --parallelism`, like Terraform's).
    pub parallelism: usize,
    /// Stop at the first failure (`apply --fail-fast`): nothing new starts,
    /// and a step sends nothing more once one of its writes failed. Without
    /// it, only what depends on a failed action is left out.
    pub fail_fast: bool,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        Self {
            wait_timeout: Duration::from_secs(300),
            parallelism: 10,
            fail_fast: false,
        }
    }
}

/// Finds the implementation of an action's engine (the registry's
/// `Engines`, handed in by `cli`, or a test's fakes).
pub trait EngineSet: Sync {
    fn engine(&self, name: EngineName) -> Option<&dyn Engine>;

    /// The pure half of every engine (how actions batch into steps).
    fn models(&self) -> EngineModels;
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
    /// Never started (see [`NotAttemptedWhy`]).
    Skipped,
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

/// How often a running apply says where it stands as a whole.
pub const PROGRESS_EVERY: Duration = Duration::from_secs(3);

/// Forwards events to the apply's sink and counts them for the overall
/// progress.
struct Counted<'a> {
    inner: &'a dyn EventSink,
    tally: std::sync::Mutex<Tally>,
    /// tokio's clock, which a test can pause and advance.
    started: tokio::time::Instant,
}

impl Counted<'_> {
    /// Emits where the apply stands now.
    fn overall(&self) {
        let o = match self.tally.lock() {
            Ok(t) => t.overall(self.started.elapsed()),
            Err(p) => p.into_inner().overall(self.started.elapsed()),
        };
        self.inner.emit(&ApplyEvent::ApplyProgress(o));
    }
}

impl EventSink for Counted<'_> {
    fn emit(&self, e: &ApplyEvent) {
        let at = self.started.elapsed();
        match self.tally.lock() {
            Ok(mut t) => t.observe(e, at),
            Err(p) => p.into_inner().observe(e, at),
        }
        self.inner.emit(e);
    }
}

/// `(cluster, link)`: the steps of one link object run one at a time.
type Lane = (String, String);

fn lane(a: &Action) -> Lane {
    (a.cluster.clone(), a.link.clone())
}

/// The next step of every free lane: in plan order, the first ready action
/// of the lane and every other ready action of that lane, engine and batch.
fn next_steps(
    models: &EngineModels,
    actions: &[Action],
    ready: &[usize],
    busy: &BTreeSet<Lane>,
) -> Vec<Vec<usize>> {
    let mut steps: Vec<(Lane, EngineName, StepGroup, Vec<usize>)> = Vec::new();
    for &i in ready {
        let a = &actions[i];
        let l = lane(a);
        if busy.contains(&l) {
            continue;
        }
        let group = models.of(a.engine).step_group(a.kind);
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

/// What an apply run knows of each action, and the events that close them.
struct Run<'a> {
    actions: &'a [Action],
    index: HashMap<&'a str, usize>,
    /// Who depends on each action (by index).
    dependents: Vec<Vec<usize>>,
    status: Vec<Status>,
    done: BTreeMap<usize, DoneEntry>,
    failed: BTreeMap<usize, FailedEntry>,
    interrupted: BTreeMap<usize, FailedEntry>,
    why_not: BTreeMap<String, NotAttemptedWhy>,
    sink: &'a dyn EventSink,
}

impl<'a> Run<'a> {
    fn new(actions: &'a [Action], sink: &'a dyn EventSink) -> Self {
        let index: HashMap<&str, usize> = actions
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.as_str(), i))
            .collect();
        let mut dependents = vec![Vec::new(); actions.len()];
        for (i, a) in actions.iter().enumerate() {
            for d in &a.depends_on {
                if let Some(j) = index.get(d.as_str()) {
                    dependents[*j].push(i);
                }
            }
        }
        Self {
            actions,
            index,
            dependents,
            status: vec![Status::Pending; actions.len()],
            done: BTreeMap::new(),
            failed: BTreeMap::new(),
            interrupted: BTreeMap::new(),
            why_not: BTreeMap::new(),
            sink,
        }
    }

    /// Pending actions whose dependencies are all done, in plan order.
    fn ready(&self) -> Vec<usize> {
        (0..self.actions.len())
            .filter(|i| self.status[*i] == Status::Pending)
            .filter(|i| {
                self.actions[*i].depends_on.iter().all(|d| {
                    self.index
                        .get(d.as_str())
                        .is_some_and(|j| self.status[*j] == Status::Done)
                })
            })
            .collect()
    }

    /// Closes a pending action that will never start.
    fn skip(&mut self, i: usize, why: NotAttemptedWhy) {
        self.status[i] = Status::Skipped;
        let id = self.actions[i].id.clone();
        self.sink.emit(&ApplyEvent::ActionSkipped {
            id: id.clone(),
            reason: why.reason.clone(),
            depends_on: why.depends_on.clone(),
        });
        self.why_not.insert(id, why);
    }

    /// Skips every pending action that depends on `root` (which did not
    /// succeed: it `outcome`), directly or through other actions.
    fn block_dependents(&mut self, root: usize, outcome: &str) {
        let root_id = self.actions[root].id.clone();
        let mut todo = self.dependents[root].clone();
        while let Some(i) = todo.pop() {
            if self.status[i] != Status::Pending {
                continue;
            }
            self.skip(
                i,
                NotAttemptedWhy {
                    depends_on: Some(root_id.clone()),
                    reason: format!("depends on {root_id}, which {outcome}"),
                },
            );
            todo.extend(self.dependents[i].iter().copied());
        }
    }

    /// A dependency on an action that is not in the plan can never be met.
    fn skip_missing_dependencies(&mut self) {
        for i in 0..self.actions.len() {
            let a = &self.actions[i];
            let missing = a
                .depends_on
                .iter()
                .find(|d| !self.index.contains_key(d.as_str()))
                .cloned();
            if let Some(missing) = missing {
                self.skip(
                    i,
                    NotAttemptedWhy {
                        depends_on: Some(missing.clone()),
                        reason: format!("depends on {missing}, which is not in the plan"),
                    },
                );
                self.block_dependents(i, "was not attempted");
            }
        }
    }

    /// Records what the engine answered for action `i` of a step.
    fn record(&mut self, i: usize, result: ActionResult, elapsed_ms: u64) {
        let a = &self.actions[i];
        match result {
            ActionResult::Done(out) => {
                self.status[i] = Status::Done;
                let entry = DoneEntry {
                    id: a.id.clone(),
                    summary: out.summary,
                    cutover: out.cutover,
                    left_behind: out.left_behind,
                };
                self.sink.emit(&ApplyEvent::ActionDone {
                    id: a.id.clone(),
                    summary: entry.summary.clone(),
                    elapsed_ms,
                    cutover: entry.cutover.clone(),
                    left_behind: entry.left_behind.clone(),
                });
                for message in out.warnings {
                    self.sink.emit(&ApplyEvent::Warning {
                        message,
                        remaining_actions: None,
                    });
                }
                self.done.insert(i, entry);
            }
            ActionResult::Failed(e) => {
                let was_interrupted = e.interrupted;
                let entry = FailedEntry {
                    id: a.id.clone(),
                    cluster: e.cluster,
                    error: e.message,
                };
                if was_interrupted {
                    self.status[i] = Status::Interrupted;
                    self.sink.emit(&ApplyEvent::ActionInterrupted {
                        id: a.id.clone(),
                        message: entry.error.clone(),
                        elapsed_ms,
                    });
                    self.interrupted.insert(i, entry);
                    self.block_dependents(i, "was interrupted");
                } else {
                    self.status[i] = Status::Failed;
                    self.sink.emit(&ApplyEvent::ActionFailed {
                        id: a.id.clone(),
                        cluster: entry.cluster.clone(),
                        error: entry.error.clone(),
                        elapsed_ms,
                    });
                    self.failed.insert(i, entry);
                    self.block_dependents(i, "failed");
                }
            }
            ActionResult::NotAttempted => {
                self.status[i] = Status::NotAttempted;
                self.sink
                    .emit(&ApplyEvent::ActionNotAttempted { id: a.id.clone() });
                self.block_dependents(i, "was not attempted");
            }
        }
    }

    /// Closes what never started when the apply ends early.
    fn skip_the_rest(&mut self, interrupted: bool) {
        let reason = if interrupted {
            "the apply was interrupted before it started"
        } else if !self.failed.is_empty() {
            "the apply stopped at the first failure (--fail-fast)"
        } else {
            "it never became ready"
        };
        for i in 0..self.actions.len() {
            if self.status[i] == Status::Pending {
                self.skip(
                    i,
                    NotAttemptedWhy {
                        depends_on: None,
                        reason: reason.to_string(),
                    },
                );
            }
        }
    }

    fn report(mut self, was_interrupted: bool) -> ApplyReport {
        ApplyReport {
            done: std::mem::take(&mut self.done).into_values().collect(),
            failed: std::mem::take(&mut self.failed).into_values().collect(),
            interrupted: std::mem::take(&mut self.interrupted)
                .into_values()
                .collect(),
            was_interrupted,
            not_attempted: (0..self.actions.len())
                .filter(|i| matches!(self.status[*i], Status::NotAttempted | Status::Skipped))
                .map(|i| self.actions[i].id.clone())
                .collect(),
            why_not_attempted: self.why_not,
        }
    }
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
    let counted = Counted {
        inner: sink,
        tally: std::sync::Mutex::new(Tally::new(actions.len())),
        started: tokio::time::Instant::now(),
    };
    let sink: &dyn EventSink = &counted;
    let mut run = Run::new(actions, sink);
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
        fail_fast: opts.fail_fast,
    };
    let ctx = &ctx;
    let models = engines.models();
    run.skip_missing_dependencies();

    let mut busy: BTreeSet<Lane> = BTreeSet::new();
    let mut running = FuturesUnordered::new();
    if !actions.is_empty() {
        counted.overall();
    }
    let mut ticks =
        tokio::time::interval_at(tokio::time::Instant::now() + PROGRESS_EVERY, PROGRESS_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let stopped = env.cancel.is_cancelled() || (opts.fail_fast && !run.failed.is_empty());
        if !stopped {
            for step in next_steps(&models, actions, &run.ready(), &busy) {
                let first = &actions[step[0]];
                busy.insert(lane(first));
                for i in &step {
                    run.status[*i] = Status::Running;
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
                                        models.of(a.engine).name()
                                    ),
                                ))
                            })
                            .collect(),
                    };
                    (step, results, t.elapsed())
                });
            }
        }
        let next = loop {
            tokio::select! {
                n = running.next() => break n,
                _ = ticks.tick() => counted.overall(),
            }
        };
        let Some((step, results, elapsed)) = next else {
            break;
        };
        busy.remove(&lane(&actions[step[0]]));
        let elapsed_ms = elapsed.as_millis() as u64;
        let mut results = results.into_iter();
        for i in step {
            run.record(
                i,
                results.next().unwrap_or(ActionResult::NotAttempted),
                elapsed_ms,
            );
        }
    }
    let was_interrupted = env.cancel.is_cancelled();
    run.skip_the_rest(was_interrupted);
    let report = run.report(was_interrupted);
    sink.emit(&ApplyEvent::Summary {
        done: report.done.len(),
        failed: report.failed.len(),
        interrupted: report.interrupted.len(),
        not_attempted: report.not_attempted.len(),
        blocked: report.blocked(),
        elapsed_ms: started.elapsed().as_millis() as u64,
    });
    report
}
