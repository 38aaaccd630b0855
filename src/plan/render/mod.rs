//! Renderings of a plan: [`text`] for people (Terraform's idiom), [`json`]
//! for machines (versioned, documented in `docs/plan-json.md`).

pub mod items;
pub mod json;
pub mod text;

pub use json::{render_json, render_json_value};
pub use text::render_text;
