//! Renderings of a plan: [`text`] for people (Terraform's idiom), [`json`]
//! for machines (versioned, documented in `docs/plan-json.md`),
//! [`markdown`] for pull-request comments, and [`saved`] for what `show`
//! says about a saved plan besides the plan itself.

pub mod items;
pub mod json;
pub mod markdown;
pub mod saved;
pub mod text;

pub use json::{render_json, render_json_value};
pub use markdown::{render_markdown, Markdown, COMMENT_LIMIT};
pub use text::render_text;
