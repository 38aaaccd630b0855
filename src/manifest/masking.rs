//! The manifest text with its secrets masked, for drawing diagnostics.
//!
//! A diagnostic draws the lines around a problem; they must not show a
//! secret written in the file, whatever phase of validation stopped (a
//! syntax error, an unknown key, a wrong type: the manifest may not parse
//! at all). So the text itself is scanned, line by line, not the model:
//! the values of keys whose name says they hold a secret
//! ([`is_sensitive_key`], `token`), including block scalars and quoted
//! values over several lines; `password=…` inside any value (a JAAS line);
//! and the password of `user:password@` in a URL. `${env:…}` references
//! stay as written: they name where a secret is, not what it is.
//!
//! Masking keeps every byte offset and every newline (each masked
//! character becomes as many `*` as it has bytes), so spans still point
//! where they did and line numbers stay those of the file. Pure.

use super::sensitive::is_sensitive_key;

/// `text` with its secrets masked, and the secret values found (to be
/// filtered from any other output, e.g. a parser's message quoting one).
pub fn mask(text: &str) -> (String, Vec<String>) {
    let mut m = Masker {
        bytes: text.as_bytes().to_vec(),
        text,
        found: Vec::new(),
    };
    m.run();
    let masked = String::from_utf8(m.bytes).unwrap_or_else(|_| "*".repeat(text.len()));
    (masked, m.found)
}

struct Masker<'a> {
    text: &'a str,
    bytes: Vec<u8>,
    found: Vec<String>,
}

/// Where each line starts and ends (without its newline).
fn lines(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            out.push((start, i));
            start = i + 1;
        }
    }
    out.push((start, text.len()));
    out
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '-']).len()
}

/// The bytes of leading whitespace of `line`.
fn leading(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn secret_key(key: &str) -> bool {
    let k = key.trim().trim_matches(|c| c == '"' || c == '\'');
    !k.is_empty() && (is_sensitive_key(k) || k.eq_ignore_ascii_case("token"))
}

impl Masker<'_> {
    fn hide(&mut self, start: usize, end: usize) {
        let (start, end) = (start.min(self.text.len()), end.min(self.text.len()));
        if start >= end {
            return;
        }
        let value = &self.text[start..end];
        // A reference names where the secret is, and is shown as written.
        if value.contains("${env:") {
            return;
        }
        let v = value.trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace());
        if !v.is_empty() {
            self.found.push(v.to_string());
        }
        for i in start..end {
            if !matches!(self.bytes[i], b'\n' | b'\r') {
                self.bytes[i] = b'*';
            }
        }
    }

    fn run(&mut self) {
        let all = lines(self.text);
        let mut i = 0;
        while i < all.len() {
            let (start, end) = all[i];
            let line = &self.text[start..end];
            self.embedded(start, line);
            i = self.keys(&all, i);
        }
    }

    /// `password=…` anywhere, and `user:password@` in URLs.
    fn embedded(&mut self, base: usize, line: &str) {
        for r in crate::redact::embedded_ranges(line) {
            self.hide(base + r.start, base + r.end);
        }
        let mut from = 0;
        while let Some(at) = line[from..].find("://") {
            let s = from + at + 3;
            let authority_end = line[s..]
                .find(|c: char| c.is_whitespace() || matches!(c, '/' | '"' | '\'' | ',' | '}'))
                .map_or(line.len(), |e| s + e);
            if let Some(atsign) = line[s..authority_end].rfind('@') {
                let userinfo = &line[s..s + atsign];
                if let Some(colon) = userinfo.find(':') {
                    self.hide(base + s + colon + 1, base + s + atsign);
                }
            }
            from = s;
        }
    }

    /// Values of secret keys on line `i` (and the lines they continue
    /// on); returns the next line to look at.
    fn keys(&mut self, all: &[(usize, usize)], i: usize) -> usize {
        let (start, end) = all[i];
        let line = &self.text[start..end];
        let mut next = i + 1;
        let mut from = 0;
        while let Some(colon) = find_key_colon(line, from) {
            let key_start = line[..colon]
                .rfind(['{', ',', '[', '-', ' ', '\t'])
                .map_or(0, |p| p + 1);
            let key = &line[key_start..colon];
            let value_start = colon + 1;
            from = value_start;
            if !secret_key(key) {
                continue;
            }
            let rest = &line[value_start..];
            let lead = rest.len() - rest.trim_start().len();
            let v = value_start + lead;
            let in_flow = line[..colon].contains('{');
            match line.as_bytes().get(v) {
                None | Some(b'#') => next = self.block(all, i, indent(line)),
                Some(b'|' | b'>') => {
                    self.hide(start + v, start + line.len());
                    next = self.block(all, i, indent(line));
                }
                Some(q @ (b'"' | b'\'')) => {
                    let q = char::from(*q);
                    match line[v + 1..].find(q) {
                        Some(e) => self.hide(start + v + 1, start + v + 1 + e),
                        None => {
                            // A quoted value over several lines.
                            self.hide(start + v + 1, start + line.len());
                            next = self.quoted(all, i + 1, q);
                        }
                    }
                }
                Some(_) => {
                    let stop = if in_flow {
                        line[v..].find([',', '}']).map_or(line.len(), |e| v + e)
                    } else {
                        line[v..].find(" #").map_or(line.len(), |e| v + e)
                    };
                    let stop = v + line[v..stop].trim_end().len();
                    self.hide(start + v, start + stop);
                }
            }
        }
        next
    }

    /// Masks the lines after `i` indented deeper than `base` (a block
    /// value); returns the first line after them.
    fn block(&mut self, all: &[(usize, usize)], i: usize, base: usize) -> usize {
        let mut j = i + 1;
        while let Some(&(s, e)) = all.get(j) {
            let line = &self.text[s..e];
            if !line.trim().is_empty() && indent(line) <= base {
                break;
            }
            self.hide(s + leading(line), e);
            j += 1;
        }
        j
    }

    /// Masks lines from `j` up to the one closing quote `q`; returns the next.
    fn quoted(&mut self, all: &[(usize, usize)], mut j: usize, q: char) -> usize {
        while let Some(&(s, e)) = all.get(j) {
            let line = &self.text[s..e];
            match line.find(q) {
                Some(at) => {
                    self.hide(s + leading(line).min(at), s + at);
                    return j + 1;
                }
                None => self.hide(s + leading(line), e),
            }
            j += 1;
        }
        j
    }
}

/// The next `:` after `from` that ends a mapping key (followed by a space,
/// a tab or the end of the line), outside quotes.
fn find_key_colon(line: &str, from: usize) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut quote: Option<u8> = None;
    for (i, &b) in bytes.iter().enumerate().skip(from) {
        match (quote, b) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') if i == 0 || matches!(bytes[i - 1], b' ' | b'{' | b',' | b'[') => {
                quote = Some(b)
            }
            (None, b'#') if i == 0 || bytes[i - 1] == b' ' => return None,
            (None, b':') if matches!(bytes.get(i + 1), None | Some(b' ' | b'\t')) => {
                return Some(i)
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        let (m, _) = mask(text);
        assert_eq!(m.len(), text.len());
        assert_eq!(m.lines().count(), text.lines().count(), "lines kept");
        m
    }

    #[test]
    fn values_of_secret_keys_are_masked_in_block_and_flow() {
        let t = "auth: { basic: { username: u, password: hunter2 } }\n  token: \"abc def\"\n  sasl.jaas.config: x required password=\"pw1\";\nrest: http://u:pw2@h/kafka\nok: visible\n";
        let m = masked(t);
        for s in ["hunter2", "abc def", "pw1", "pw2"] {
            assert!(!m.contains(s), "{s}: {m}");
        }
        assert!(
            m.contains("username: u") && m.contains("ok: visible") && m.contains("@h/kafka"),
            "{m}"
        );
    }

    #[test]
    fn multi_line_secrets_keep_their_lines() {
        let t = "config:\n  ssl.keystore.key: |\n    -----BEGIN-----\n    KEYDATA\n  next: 1\n  password: \"a\n    b\"\nafter: 2\n";
        let m = masked(t);
        assert!(
            !m.contains("KEYDATA") && !m.contains("BEGIN") && !m.contains("a\n"),
            "{m}"
        );
        assert!(m.contains("next: 1") && m.contains("after: 2"), "{m}");
    }

    #[test]
    fn a_text_that_does_not_parse_is_masked_too() {
        let t = "clusters:\n  us:\n    auth: {basic: {username: u, password: s3cret\n  bad: [\n";
        let (m, found) = mask(t);
        assert!(!m.contains("s3cret"), "{m}");
        assert!(found.iter().any(|f| f == "s3cret"), "{found:?}");
    }
}
