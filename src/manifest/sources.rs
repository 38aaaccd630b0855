//! A manifest written in several files: one offset space for all of them.
//!
//! The files' texts are laid one after the other (a newline between two), so
//! every span of the model is one byte offset, whichever file it came from,
//! and the semantic checks work on the whole set as they do on one file. To
//! show a span, [`SourceFile::locate`] and the miette source [`Sources`] find
//! the file it falls in and count lines from that file's start.

use std::sync::Arc;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use super::diagnostic::line_col;
use super::load::{Part, SourceFile};

/// Where an offset is, for people: the file, its 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl SourceFile {
    /// The files of `files`, in this order, as one source named `name`.
    pub fn join(name: impl Into<String>, files: &[SourceFile]) -> Self {
        let mut text = String::new();
        let mut parts = Vec::new();
        for f in files {
            if !parts.is_empty() {
                text.push('\n');
            }
            parts.push(Part {
                name: f.name.clone(),
                start: text.len(),
                len: f.text.len(),
            });
            text.push_str(&f.text);
        }
        Self {
            name: name.into(),
            text: Arc::new(text),
            parts,
        }
    }

    /// The part `offset` falls in (its end included: a span may point just
    /// past a file's last byte).
    pub fn part_at(&self, offset: usize) -> Option<&Part> {
        self.parts
            .iter()
            .find(|p| p.start <= offset && offset <= p.start + p.len)
    }

    /// The file, line and column of `offset`.
    pub fn locate(&self, offset: usize) -> Place {
        match self.part_at(offset) {
            Some(p) => {
                let (line, column) = line_col(self.part_text(p), offset - p.start);
                Place {
                    file: p.name.clone(),
                    line,
                    column,
                }
            }
            None => {
                let (line, column) = line_col(&self.text, offset);
                Place {
                    file: self.name.clone(),
                    line,
                    column,
                }
            }
        }
    }
}

/// The files of a [`SourceFile`] as a miette source.
#[derive(Debug, Clone)]
pub struct Sources {
    text: Arc<String>,
    parts: Vec<Part>,
}

impl Sources {
    pub fn of(source: &SourceFile) -> Self {
        Self {
            text: source.text.clone(),
            parts: source.parts.clone(),
        }
    }
}

impl SourceCode for Sources {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (offset, len) = (span.offset(), span.len());
        // A span that crosses from one file into the next is not one snippet.
        let part = self
            .parts
            .iter()
            .find(|p| p.start <= offset && offset + len <= p.start + p.len)
            .ok_or(MietteError::OutOfBounds)?;
        let text = self
            .text
            .get(part.start..part.start + part.len)
            .ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::from((offset - part.start, len));
        let c = text.read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            part.name.clone(),
            c.data(),
            SourceSpan::from((c.span().offset() + part.start, c.span().len())),
            c.line(),
            c.column(),
            c.line_count(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two() -> SourceFile {
        SourceFile::join(
            "dir",
            &[
                SourceFile::new("a.yaml", "x: 1\ny: 2\n"),
                SourceFile::new("b.yaml", "z: 3"),
            ],
        )
    }

    #[test]
    fn offsets_map_back_to_their_file() {
        let s = two();
        assert_eq!(s.text.as_str(), "x: 1\ny: 2\n\nz: 3");
        let b = s.text.find('z').unwrap();
        assert_eq!(
            s.locate(b),
            Place {
                file: "b.yaml".into(),
                line: 1,
                column: 1
            }
        );
        assert_eq!(s.locate(5).line, 2);
        assert_eq!(s.locate(5).file, "a.yaml");
    }

    #[test]
    fn snippets_are_read_from_one_file() {
        let s = two();
        let src = s.named_source();
        let b = s.text.find('z').unwrap();
        let c = src.read_span(&(b, 1).into(), 1, 1).expect("reads");
        assert_eq!(c.name(), Some("b.yaml"));
        assert_eq!(c.line(), 0);
        assert_eq!(std::str::from_utf8(c.data()).unwrap(), "z: 3");
        assert_eq!(c.span().offset(), b);
        assert!(src.read_span(&(5, b - 5 + 1).into(), 0, 0).is_err());
    }
}
