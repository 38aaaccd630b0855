//! `Problem`: one thing wrong (or suspicious) in a manifest, with where it is.
//!
//! Problems are plain data produced by the pure validation code; [`Report`]
//! pairs one with the manifest text so miette can draw it (file:line:col, a
//! label under the offending value, a help line). Messages never contain
//! interpolated (`${env:…}`) values.

use std::fmt;

use serde::Serialize;

use super::load::SourceFile;
use super::located::ByteSpan;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The manifest cannot be used.
    Error,
    /// The manifest works, but probably not as intended (fails with `--strict`).
    Warning,
}

/// A span of the manifest with the text shown under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: ByteSpan,
    pub text: String,
}

/// One problem found in a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    /// Stable identifier, e.g. `linkctl::unknown_cluster`.
    pub code: &'static str,
    pub message: String,
    /// Where the problem is (absent only when the value has no known position).
    pub primary: Option<Label>,
    /// Related places (e.g. the first declaration of a duplicate).
    pub secondary: Vec<Label>,
    pub help: Option<String>,
    /// The link a problem is about when the same problem can be said of
    /// many links (its message names it as ``link `NAME` ``): one-line
    /// summaries say it once with the list of links.
    pub link: Option<String>,
}

impl Problem {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity,
            code,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
            link: None,
        }
    }

    /// Sets the primary location (ignored when `span` is `None`).
    pub fn at(mut self, span: Option<ByteSpan>, label: impl Into<String>) -> Self {
        if let Some(span) = span {
            self.primary = Some(Label {
                span,
                text: label.into(),
            });
        }
        self
    }

    /// Adds a secondary location (ignored when `span` is `None`).
    pub fn also(mut self, span: Option<ByteSpan>, label: impl Into<String>) -> Self {
        if let Some(span) = span {
            self.secondary.push(Label {
                span,
                text: label.into(),
            });
        }
        self
    }

    /// Marks the problem as one that may be said of many links (see
    /// [`Problem::link`]).
    pub fn of_link(mut self, link: &str) -> Self {
        self.link = Some(link.to_string());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Moves every location `by` bytes (a file's place in a set of files).
    pub fn shift(&mut self, by: usize) {
        if let Some(l) = self.primary.as_mut() {
            l.span = l.span.shifted(by);
        }
        for l in &mut self.secondary {
            l.span = l.span.shifted(by);
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The file, line and column of the primary location in `source`.
    pub fn place(&self, source: &SourceFile) -> Option<super::sources::Place> {
        self.primary.as_ref().map(|l| source.locate(l.span.offset))
    }

    /// 1-based line and column of the primary location in `text`.
    pub fn line_col(&self, text: &str) -> Option<(usize, usize)> {
        self.primary.as_ref().map(|l| line_col(text, l.span.offset))
    }

    /// Sort key: by position, then code (problems without position last).
    pub fn position(&self) -> usize {
        self.primary
            .as_ref()
            .map(|l| l.span.offset)
            .unwrap_or(usize::MAX)
    }
}

/// Widens empty labels (the parser sometimes reports a point) to the rest of
/// their line, so there is something to underline.
pub fn widen_empty_spans(problems: &mut [Problem], text: &str) {
    let widen = |l: &mut Label| {
        if l.span.len > 0 || l.span.offset >= text.len() || !text.is_char_boundary(l.span.offset) {
            return;
        }
        let rest = &text[l.span.offset..];
        let line = rest.split('\n').next().unwrap_or("");
        let line = line.split(" #").next().unwrap_or(line);
        l.span.len = line.trim_end().len();
    };
    for p in problems {
        if let Some(l) = p.primary.as_mut() {
            widen(l);
        }
        p.secondary.iter_mut().for_each(widen);
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

/// Sorts problems by position so the output follows the file.
pub fn sort(problems: &mut [Problem]) {
    problems.sort_by(|a, b| {
        (a.position(), a.severity, a.code, &a.message).cmp(&(
            b.position(),
            b.severity,
            b.code,
            &b.message,
        ))
    });
}

/// A problem together with the manifest text, ready for miette.
#[derive(Debug)]
pub struct Report {
    problem: Problem,
    source: super::sources::Sources,
    file: String,
}

impl Report {
    pub fn new(problem: Problem, file: &SourceFile) -> Self {
        Self {
            problem,
            source: file.named_source(),
            file: file.name.clone(),
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problem.message)?;
        if self.problem.primary.is_none() {
            // No snippet carries the location: name the file at least.
            write!(f, " (in {})", self.file)?;
        }
        Ok(())
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.problem.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.problem.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.problem
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.problem
            .primary
            .as_ref()
            .map(|_| &self.source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let primary = self.problem.primary.as_ref()?;
        let first =
            miette::LabeledSpan::new_primary_with_span(Some(primary.text.clone()), primary.span);
        let rest = self
            .problem
            .secondary
            .iter()
            .map(|l| miette::LabeledSpan::new_with_span(Some(l.text.clone()), l.span));
        Some(Box::new(std::iter::once(first).chain(rest)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let text = "a: é\nbb: x\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (1, 4));
        // 'x' is after "a: é\n" (6 bytes) + "bb: " (4 bytes).
        assert_eq!(line_col(text, 10), (2, 5));
        assert_eq!(line_col(text, 4), (1, 4), "inside a multi-byte char");
        assert_eq!(line_col(text, 999), (3, 1));
    }

    #[test]
    fn empty_spans_cover_the_rest_of_the_line() {
        let text = "a:\n  - include: x # c\n";
        let mut v =
            vec![Problem::error("linkctl::x", "x").at(Some(ByteSpan { offset: 7, len: 0 }), "l")];
        widen_empty_spans(&mut v, text);
        let l = v[0].primary.as_ref().unwrap();
        assert_eq!(
            &text[l.span.offset..l.span.offset + l.span.len],
            "include: x"
        );
    }

    #[test]
    fn problems_sort_by_position() {
        let sp = |o| Some(ByteSpan { offset: o, len: 1 });
        let mut v = vec![
            Problem::error("linkctl::b", "b").at(sp(10), "x"),
            Problem::error("linkctl::none", "n"),
            Problem::warning("linkctl::a", "a").at(sp(2), "x"),
        ];
        sort(&mut v);
        let codes: Vec<_> = v.iter().map(|p| p.code).collect();
        assert_eq!(codes, ["linkctl::a", "linkctl::b", "linkctl::none"]);
    }
}
