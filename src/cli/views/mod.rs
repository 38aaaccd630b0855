//! What each command prints, one view per command, the way Terraform's
//! `internal/command/views` does it.
//!
//! A view is a trait with one method per thing its command reports (the
//! plan, the saved path, the final report, …); each output format is one
//! implementation of it (`…Text`, `…Json`, `…Markdown`), and the
//! command's `new` picks the implementation once from `--format`. Command
//! bodies call the view and never look at the format: a new format is one
//! new implementation per view. Everything goes through [`super::pipe`].
//!
//! Messages for people about failures (`error: …`) go to stderr in every
//! format; stdout carries only the format's own output.

pub mod apply;
pub mod plan;
pub mod show;
pub mod status;
pub mod validate;

use crate::plan::render::{render_markdown, Markdown};
use crate::plan::Plan;

/// `body` in a Markdown fenced code block (a fence longer than any run of
/// backticks in it), ending with a newline.
pub fn fenced(body: &str) -> String {
    crate::plan::render::markdown::fenced(body, "text")
}

/// `plan` as a pull-request comment on stdout; `see_all` says where the
/// whole plan is.
pub fn plan_comment(plan: &Plan, see_all: &str) {
    super::pipe::out(&render_markdown(plan, &Markdown::comment(see_all)));
}
