//! `linkctl status`: links, tasks, mirrors, lag, and consumer group offsets
//! side by side. Building and rendering are pure; reading is done by backends.

pub mod build;
pub mod model;
pub mod render;

pub use build::build;
pub use model::*;
pub use render::render_text;
