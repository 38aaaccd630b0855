//! The planner: a pure function from (desired manifest, live state) to an
//! ordered plan, and the plan's renderings.
//!
//! - [`action`]: the action vocabulary; [`model`]: the [`Plan`];
//! - [`engine_model`]: what the planner asks of an engine ([`EngineModel`],
//!   implemented in `src/backend/`, handed in by `cli` as [`EngineModels`]);
//! - [`payload`]: what each action sends, as data; values as engines send
//!   them, secrets as references;
//! - [`desired`]: which link objects a manifest link asks for;
//! - [`diff`]: [`plan()`] itself; [`normalize`]: comparing values by meaning;
//! - [`secrets`]: fingerprints of write-only configs ([`secret_hash`]: the
//!   slow, salted hash under them); [`user_set`]: which
//!   live configs a user set ([`link_defaults`]: the defaults it knows);
//!   [`order`]: the DAG order;
//! - [`render`]: text and JSON; [`saved`]: saved plans and staleness;
//!   [`saved_check`]: a saved plan against what the planner makes.
//! - [`cutover`]: what `promoted` and `failed_over` mean on every engine.

pub mod action;
pub mod cutover;
pub mod desired;
pub mod diff;
pub mod engine_model;
pub mod link_defaults;
pub mod model;
pub mod normalize;
pub mod order;
pub mod payload;
pub mod render;
pub mod saved;
pub mod saved_check;
pub mod secret_hash;
pub mod secrets;
pub mod user_set;

pub use action::*;
pub use diff::plan;
pub use engine_model::{EngineModel, EngineModels, PlanContext, StepGroup};
pub use model::{Note, Plan, PlanOptions, Summary, Unmanaged};
