//! The view of `linkctl status`.

use crate::status::{render_text, StatusReport};

use super::super::{pipe, Format, Output};
use super::fenced;

/// What `status` reports.
pub trait StatusView {
    /// The status of every link in scope; `Err` when it cannot be rendered.
    fn report(&self, report: &StatusReport) -> Result<(), String>;
}

/// The view for `out`'s format.
pub fn new(out: &Output) -> Box<dyn StatusView> {
    match out.format {
        Format::Text => Box::new(StatusText { color: out.color }),
        Format::Json => Box::new(StatusJson),
        Format::Markdown => Box::new(StatusMarkdown),
    }
}

/// Aligned tables for people.
pub struct StatusText {
    pub color: bool,
}

impl StatusView for StatusText {
    fn report(&self, report: &StatusReport) -> Result<(), String> {
        pipe::out(&render_text(report, self.color));
        Ok(())
    }
}

/// The report as pretty JSON.
pub struct StatusJson;

impl StatusView for StatusJson {
    fn report(&self, report: &StatusReport) -> Result<(), String> {
        let s = serde_json::to_string_pretty(report).map_err(|e| e.to_string())?;
        pipe::out_line(&s);
        Ok(())
    }
}

/// The text tables in a fenced block, under a title.
pub struct StatusMarkdown;

impl StatusView for StatusMarkdown {
    fn report(&self, report: &StatusReport) -> Result<(), String> {
        pipe::out(&format!(
            "### linkctl status\n\n{}",
            fenced(&render_text(report, false))
        ));
        Ok(())
    }
}
