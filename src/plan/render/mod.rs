//! Renderings of a plan: [`text`] for people (Terraform's idiom), [`json`]
//! for machines (versioned, documented in `docs/plan-json.md`).

pub mod items;
pub mod json;
pub mod text;

pub use json::render_json;
pub use text::render_text;
