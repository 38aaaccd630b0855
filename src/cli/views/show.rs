//! The view of `linkctl show PLANFILE`: the saved plan exactly as `plan`
//! rendered it, with what the file says about it (when it was made,
//! against which clusters, whether the manifest on disk still matches).

use crate::plan::render::{render_json_value, render_markdown, render_text, saved, Markdown};
use crate::plan::saved::{ManifestCheck, SavedPlan};

use super::super::{pipe, Format, Output};

/// What `show` reports.
pub trait ShowView {
    /// The saved plan read from `path`, and how it compares with the manifest.
    fn show(&self, saved: &SavedPlan, path: &str, check: &ManifestCheck);
}

/// The view for `out`'s format.
pub fn new(out: &Output) -> Box<dyn ShowView> {
    match out.format {
        Format::Text => Box::new(ShowText { color: out.color }),
        Format::Json => Box::new(ShowJson),
        Format::Markdown => Box::new(ShowMarkdown),
    }
}

/// A few lines about the file, then the text plan byte for byte.
pub struct ShowText {
    pub color: bool,
}

impl ShowView for ShowText {
    fn show(&self, s: &SavedPlan, path: &str, check: &ManifestCheck) {
        pipe::out(&saved::text_header(s, path, check));
        pipe::out(&render_text(&s.plan, self.color));
    }
}

/// The JSON plan of `plan --format json` with a `saved_plan` member.
pub struct ShowJson;

impl ShowView for ShowJson {
    fn show(&self, s: &SavedPlan, path: &str, check: &ManifestCheck) {
        let mut v = render_json_value(&s.plan);
        if let Some(o) = v.as_object_mut() {
            o.insert("saved_plan".to_string(), saved::json_object(s, path, check));
        }
        // Strings, numbers, booleans, arrays and objects: cannot fail.
        let mut text = serde_json::to_string_pretty(&v).unwrap_or_default();
        text.push('\n');
        pipe::out(&text);
    }
}

/// The pull-request comment of `plan --format markdown`, with the file's
/// facts under the title.
pub struct ShowMarkdown;

impl ShowView for ShowMarkdown {
    fn show(&self, s: &SavedPlan, path: &str, check: &ManifestCheck) {
        let md = Markdown {
            preamble: saved::markdown_preamble(s, path, check),
            ..Markdown::comment(format!("run `linkctl show {path}`"))
        };
        pipe::out(&render_markdown(&s.plan, &md));
    }
}
