//! The view of `linkctl plan`.

use std::path::Path;

use crate::plan::render::{render_json, render_text};
use crate::plan::Plan;

use super::super::{pipe, Format, Output};
use super::plan_comment;

/// What `plan` reports.
pub trait PlanView {
    /// The plan that was computed.
    fn plan(&self, plan: &Plan);
    /// The plan was saved to `path`.
    fn saved(&self, path: &Path);
}

/// The view for `out`'s format; `saving_to` is the `-o` file, if any.
pub fn new(out: &Output, saving_to: Option<&Path>) -> Box<dyn PlanView> {
    match out.format {
        Format::Text => Box::new(PlanText { color: out.color }),
        Format::Json => Box::new(PlanJson),
        Format::Markdown => Box::new(PlanMarkdown {
            see_all: match saving_to {
                Some(p) => format!("run `linkctl show {}`", p.display()),
                None => "run `linkctl plan`".to_string(),
            },
        }),
    }
}

/// Terraform's idiom, then `Saved the plan to FILE.`
pub struct PlanText {
    pub color: bool,
}

impl PlanView for PlanText {
    fn plan(&self, plan: &Plan) {
        pipe::out(&render_text(plan, self.color));
    }
    fn saved(&self, path: &Path) {
        pipe::out_line(&format!("Saved the plan to {}.", path.display()));
    }
}

/// The versioned JSON plan, alone on stdout.
pub struct PlanJson;

impl PlanView for PlanJson {
    fn plan(&self, plan: &Plan) {
        pipe::out(&render_json(plan));
    }
    fn saved(&self, _path: &Path) {}
}

/// A pull-request comment, alone on stdout.
pub struct PlanMarkdown {
    see_all: String,
}

impl PlanView for PlanMarkdown {
    fn plan(&self, plan: &Plan) {
        plan_comment(plan, &self.see_all);
    }
    fn saved(&self, _path: &Path) {}
}
