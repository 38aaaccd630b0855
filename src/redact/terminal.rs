//! Terminal safety: control characters and escape sequences out of text.
//!
//! Text a server sent (an error body, a link's error message, a task
//! trace) may hold escape sequences that clear the screen, retitle the
//! window or hide what follows; printed raw they act on the reader's
//! terminal. [`server_text`] removes them where such text enters linkctl;
//! [`printable`] does it again at the output boundary, keeping only the
//! colour sequences (SGR, `ESC [ … m`) linkctl itself writes when colour
//! is on.

use std::borrow::Cow;

const ESC: char = '\u{1b}';
/// The 8-bit Control Sequence Introducer.
const CSI: char = '\u{9b}';
/// The 8-bit Operating System Command.
const OSC: char = '\u{9d}';

/// `s` without escape sequences and control characters (newlines and tabs kept).
pub fn server_text(s: &str) -> Cow<'_, str> {
    strip(s, false)
}

/// `s` for a terminal or a log: escape sequences and control characters
/// removed, except newlines, tabs and (`keep_colour`) SGR colour sequences.
pub fn printable(s: &str, keep_colour: bool) -> Cow<'_, str> {
    strip(s, keep_colour)
}

/// Control characters, and the invisible marks that reorder text (bidi overrides).
fn is_dropped_control(c: char) -> bool {
    (c != '\n' && c != '\t' && c.is_control())
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

fn strip(s: &str, keep_colour: bool) -> Cow<'_, str> {
    if !s.chars().any(is_dropped_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            ESC => match chars.peek().map(|&(_, n)| n) {
                Some('[') => {
                    chars.next();
                    let end = skip_csi(&mut chars);
                    if keep_colour && end.is_some_and(|(j, f)| f == 'm' && is_sgr(&s[i + 2..j])) {
                        out.push_str(&s[i..=end.map_or(i, |(j, _)| j)]);
                    }
                }
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    chars.next();
                    skip_string(&mut chars);
                }
                Some(_) => {
                    // A two-character sequence (ESC c resets the terminal).
                    chars.next();
                }
                None => {}
            },
            CSI => {
                skip_csi(&mut chars);
            }
            OSC => skip_string(&mut chars),
            c if is_dropped_control(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Parameters of an SGR sequence: digits and `;` only.
fn is_sgr(params: &str) -> bool {
    params.bytes().all(|b| b.is_ascii_digit() || b == b';')
}

type Chars<'a> = std::iter::Peekable<std::str::CharIndices<'a>>;

/// Skips a CSI sequence's parameters and final byte; returns the final one.
fn skip_csi(chars: &mut Chars<'_>) -> Option<(usize, char)> {
    for (j, c) in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            return Some((j, c));
        }
        if !('\u{20}'..='\u{3f}').contains(&c) {
            return None;
        }
    }
    None
}

/// Skips an OSC (or DCS, SOS, PM, APC) string up to BEL or ST.
fn skip_string(chars: &mut Chars<'_>) {
    while let Some((_, c)) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            ESC => {
                if chars.peek().is_some_and(|&(_, n)| n == '\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_removed() {
        let evil =
            "bad\u{1b}[2J request\u{1b}]0;pwned\u{7} here\u{1b}]2;t\u{1b}\\!\r\u{0}\u{9b}31m";
        assert_eq!(server_text(evil), "bad request here!");
        assert_eq!(server_text("a\n\tb"), "a\n\tb");
    }

    #[test]
    fn colour_is_kept_only_when_asked() {
        let s = "\u{1b}[1;32m+\u{1b}[0m x\u{1b}[2J";
        assert_eq!(printable(s, true), "\u{1b}[1;32m+\u{1b}[0m x");
        assert_eq!(printable(s, false), "+ x");
        assert_eq!(printable("\u{1b}[?25l", true), "");
    }
}
