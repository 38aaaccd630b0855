//! The apply engine, shared by every replication engine: runs a plan's
//! actions in dependency order through the backends' executors, streams
//! events (progress display or JSON lines), leaves out what depends on a
//! failure (or stops at the first one with `--fail-fast`) and ends with a
//! report of what was done, what failed and what was not attempted, and why.

pub mod dag;
pub mod events;
pub mod one_off;
pub mod progress;
pub mod report;
pub mod secrets;
pub mod tally;

pub use dag::{apply, ApplyEnv, ApplyOptions, EngineSet};
pub use events::{ApplyEvent, EventSink, JsonLines};
pub use one_off::OneOff;
pub use progress::HumanProgress;
pub use report::{ApplyReport, DoneEntry, FailedEntry, NotAttemptedWhy};
pub use secrets::ManifestSecrets;
