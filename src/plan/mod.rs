//! The planner: a pure function from (desired manifest, live state) to an
//! ordered plan, and the plan's renderings.

pub mod action;

pub use action::*;
