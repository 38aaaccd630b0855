//! YAML syntax and shape errors (from serde-saphyr) as [`Problem`]s.

use crate::manifest::diagnostic::Problem;
use crate::manifest::located::ByteSpan;

use super::suggest;

/// Converts a parser error into a problem located in `text`.
pub fn from_parse_error(err: &serde_saphyr::Error, text: &str) -> Problem {
    let err = innermost(err);
    let span = err.location().and_then(|l| span_in(&l, text));
    let (problem, label) = problem_for(err, text);
    problem.at(span, label)
}

fn innermost(err: &serde_saphyr::Error) -> &serde_saphyr::Error {
    let mut e = err.without_snippet();
    while let serde_saphyr::Error::AliasError { error, .. } = e {
        e = error.without_snippet();
    }
    e
}

/// Message/help problem and label text for one error.
fn problem_for(err: &serde_saphyr::Error, text: &str) -> (Problem, String) {
    use serde_saphyr::Error as E;
    match err {
        E::SerdeUnknownField {
            field, expected, ..
        } => unknown_key(field, expected),
        E::SerdeUnknownVariant {
            variant, expected, ..
        } => {
            let what = variant_kind(expected);
            let code = if what == "mirror state" {
                "linkctl::invalid_state"
            } else {
                "linkctl::invalid_value"
            };
            let mut p = Problem::error(code, format!("unknown {what} `{variant}`"));
            let allowed = suggest::list(expected);
            p = match suggest::closest(variant, expected.iter().copied()) {
                Some(s) => p.help(format!("did you mean `{s}`? ({what} is one of {allowed})")),
                None => p.help(format!("{what} is one of {allowed}")),
            };
            (p, format!("not a valid {what}"))
        }
        E::SerdeMissingField { field, .. } => {
            let help = if *field == "version" {
                "add `version: 1` at the top of the manifest".to_string()
            } else {
                format!("add `{field}:` to this mapping")
            };
            (
                Problem::error(
                    "linkctl::missing_key",
                    format!("missing required key `{field}`"),
                )
                .help(help),
                format!("`{field}` is missing here"),
            )
        }
        E::DuplicateMappingKey { key, .. } => {
            let key = key.clone().unwrap_or_else(|| "?".into());
            (
                Problem::error("linkctl::duplicate_key", format!("duplicate key `{key}`")).help(
                    "a key may appear only once in a mapping; cluster and link names are \
                         keys, so they must be unique: rename or merge the two entries",
                ),
                "declared a second time here".into(),
            )
        }
        E::SerdeInvalidType {
            unexpected,
            expected,
            ..
        }
        | E::SerdeInvalidValue {
            unexpected,
            expected,
            ..
        } => {
            let expected = friendly(expected);
            let (code, message) = if matches!(err, E::SerdeInvalidType { .. }) {
                (
                    "linkctl::wrong_type",
                    format!("wrong type: expected {expected}, found {unexpected}"),
                )
            } else {
                (
                    "linkctl::invalid_value",
                    format!("invalid value {unexpected}: expected {expected}"),
                )
            };
            (
                Problem::error(code, message).help(format!("write {expected} here")),
                format!("expected {expected}"),
            )
        }
        E::Unexpected { expected, .. } if expected.contains("start") => {
            let (what, help) = if expected.contains("sequence") {
                ("a list", "write a list: `- item` lines, or `[a, b]`")
            } else if expected.contains("mapping") {
                (
                    "a mapping",
                    "write `key: value` lines (indented under their parent), or `{ key: value }`",
                )
            } else {
                (
                    "another kind of value",
                    "check the type this key expects in the schema",
                )
            };
            (
                Problem::error(
                    "linkctl::wrong_type",
                    format!("wrong type: expected {what}"),
                )
                .help(help),
                format!("expected {what}"),
            )
        }
        E::InvalidScalar { ty, .. } if is_negative_for_unsigned(err, ty, text) => (
            Problem::error(
                "linkctl::invalid_value",
                "invalid value: must not be negative",
            )
            .help("write 0 or a positive whole number"),
            "must not be negative".into(),
        ),
        E::InvalidScalar { ty, .. } => (
            Problem::error(
                "linkctl::wrong_type",
                format!("invalid value: expected {}", friendly(ty)),
            )
            .help(format!("write {} here", friendly(ty))),
            format!("expected {}", friendly(ty)),
        ),
        _ => {
            let msg = plain_message(err);
            // A one-key mapping is an enum variant; a second key is what
            // the parser trips on. Name the rule instead of YAML's words.
            if msg.contains("end of mapping after enum variant") {
                return (
                    Problem::error(
                        "linkctl::invalid_filter",
                        "a filter entry has exactly one of `include` or `exclude`",
                    )
                    .help("write one entry per filter, in order: `- include: \"*\"` then `- exclude: my-group`"),
                    "a second key in one filter entry".into(),
                );
            }
            if msg.contains("untagged enum Pattern") {
                return (
                    Problem::error(
                        "linkctl::invalid_filter",
                        "invalid name pattern in a filter",
                    )
                    .help(
                        "a pattern is a name (`\"*\"` matches every name) or \
                             `{ prefix: \"app-\" }`",
                    ),
                    "expected a name or `{ prefix: … }`".into(),
                );
            }
            let label = if err
                .location()
                .is_some_and(|l| l.line() as usize > text.lines().count())
            {
                "here (end of input)"
            } else {
                "here"
            };
            (
                Problem::error("linkctl::yaml_syntax", format!("invalid YAML: {msg}")).help(
                    "check indentation, `key: value` pairs, quotes and brackets around this point",
                ),
                label.into(),
            )
        }
    }
}

/// Problem and label text for a key that is not one of `expected`.
pub(super) fn unknown_key(field: &str, expected: &[&str]) -> (Problem, String) {
    let p = Problem::error("linkctl::unknown_key", format!("unknown key `{field}`"));
    let p = match suggest::closest(field, expected.iter().copied()) {
        Some(s) => p.help(format!(
            "did you mean `{s}`? (allowed here: {})",
            suggest::list(expected)
        )),
        None => p.help(format!("allowed here: {}", suggest::list(expected))),
    };
    (p, "not a known key here".into())
}

/// Whether the parser stopped at an unknown key.
pub(super) fn is_unknown_key(err: &serde_saphyr::Error) -> bool {
    matches!(
        innermost(err),
        serde_saphyr::Error::SerdeUnknownField { .. }
    )
}

/// What kind of value an enum's variant list describes.
fn variant_kind(expected: &[&str]) -> &'static str {
    if expected.contains(&"promoted") {
        "mirror state"
    } else if expected.contains(&"mirrormaker2") {
        "engine"
    } else if expected.contains(&"source-initiated") {
        "link mode"
    } else if expected.contains(&"include") {
        "filter kind"
    } else if expected.contains(&"basic") {
        "auth kind"
    } else {
        "value"
    }
}

/// Whether `err` is a negative whole number where an unsigned one (`ty`,
/// e.g. `u64`) is expected: `interval_ms: -5` says so instead of "expected
/// a whole number".
fn is_negative_for_unsigned(err: &serde_saphyr::Error, ty: &str, text: &str) -> bool {
    let unsigned = matches!(ty, "u8" | "u16" | "u32" | "u64" | "usize" | "u32 integer");
    let scalar = err
        .location()
        .and_then(|l| span_in(&l, text))
        .and_then(|s| text.get(s.offset..s.offset + s.len))
        .map(|s| s.trim().trim_matches(|c| c == '"' || c == '\''));
    unsigned
        && scalar
            .and_then(|s| s.strip_prefix('-'))
            .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// Turns serde's type names into words.
fn friendly(ty: &str) -> String {
    match ty {
        "u8" | "u16" | "u32" | "u64" | "usize" | "i32" | "i64" | "u32 integer" => {
            "a whole number".into()
        }
        "bool" | "a boolean" => "`true` or `false`".into(),
        "a string" | "string" => "a string".into(),
        other => other.to_string(),
    }
}

/// The parser's message without its trailing " at line L, column C".
fn plain_message(err: &serde_saphyr::Error) -> String {
    let msg = err.render_with_options(serde_saphyr::render_options! {
        snippets: serde_saphyr::SnippetMode::Off,
    });
    let msg = msg.trim();
    match msg.rfind(" at line ") {
        Some(i) if msg[i..].contains(", column ") => msg[..i].to_string(),
        _ => msg.to_string(),
    }
}

/// A byte span in `text` for a parser location (byte offsets when the parser
/// knows them; else computed from line and column).
fn span_in(loc: &serde_saphyr::Location, text: &str) -> Option<ByteSpan> {
    if let Some(span) = crate::manifest::located::span_of(loc) {
        let offset = span.offset.min(text.len());
        let len = span.len.min(text.len() - offset);
        return Some(ByteSpan { offset, len });
    }
    let (line, column) = (loc.line() as usize, loc.column() as usize);
    if line == 0 {
        return None;
    }
    let mut offset = 0usize;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let col_bytes: usize = l
                .chars()
                .take(column.saturating_sub(1))
                .map(char::len_utf8)
                .sum();
            return Some(ByteSpan {
                offset: offset + col_bytes,
                len: 0,
            });
        }
        offset += l.len();
    }
    Some(ByteSpan {
        offset: text.len(),
        len: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::load::{parse, SourceFile};

    fn problem(yaml: &str) -> Problem {
        let src = SourceFile::new("t.yaml", yaml);
        let err = parse(&src, |_| None).expect_err("must fail");
        from_parse_error(&err, yaml)
    }

    #[test]
    fn a_negative_whole_number_is_named_as_such() {
        let link = "links:\n  l:\n    source: a\n    destination: b\n    consumer_offset_sync:\n      interval_ms: ";
        for v in ["-5", "-5000000000000000000000", "\"-5\""] {
            let y = format!("version: 1\nclusters: {{}}\n{link}{v}\n");
            let p = problem(&y);
            assert_eq!(p.code, "linkctl::invalid_value", "{v}");
            assert_eq!(p.message, "invalid value: must not be negative", "{v}");
        }
        for v in ["fast", "-", "-5x", "1.5", "-1.5"] {
            let y = format!("version: 1\nclusters: {{}}\n{link}{v}\n");
            let p = problem(&y);
            assert!(!p.message.contains("negative"), "{v}: {}", p.message);
        }
    }

    #[test]
    fn unknown_key_suggests_the_close_one() {
        let p = problem("version: 1\nclusters:\n  us:\n    bootstarp: x\n");
        assert_eq!(p.code, "linkctl::unknown_key");
        assert!(p
            .help
            .as_deref()
            .unwrap()
            .starts_with("did you mean `bootstrap`?"));
        assert_eq!(
            p.line_col("version: 1\nclusters:\n  us:\n    bootstarp: x\n"),
            Some((4, 5))
        );
    }

    #[test]
    fn unknown_state_is_named_and_suggested() {
        let y = "version: 1\nclusters: {}\nlinks:\n  l:\n    source: a\n    destination: b\n    mirrors:\n      - topic: x\n        state: actve\n";
        let p = problem(y);
        assert_eq!(p.code, "linkctl::invalid_state");
        assert_eq!(p.message, "unknown mirror state `actve`");
        assert!(p.help.unwrap().contains("did you mean `active`?"));
    }

    #[test]
    fn duplicate_key_has_no_parser_jargon() {
        let p = problem("version: 1\nclusters:\n  us: {bootstrap: a}\n  us: {bootstrap: b}\n");
        assert_eq!(p.code, "linkctl::duplicate_key");
        assert_eq!(p.message, "duplicate key `us`");
        assert!(!p.message.contains("DuplicateKeyPolicy"));
    }

    #[test]
    fn syntax_errors_have_a_location_even_at_the_end() {
        for y in [
            "version: 1\nclusters: [\n",
            "\u{0}\u{1}",
            "a: 'x",
            "version: 1\nclusters: {}\n\t- x",
        ] {
            let p = problem(y);
            let l = p.primary.expect("located");
            assert!(l.span.offset + l.span.len <= y.len(), "{y:?}");
        }
    }
}
