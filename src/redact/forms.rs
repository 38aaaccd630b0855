//! The forms a secret takes in text: as is, JSON-escaped (once and twice: a
//! server that quotes a JSON request in a JSON error), each of those as
//! Markdown escapes it (a server message in `plan --format markdown`),
//! URL-encoded (`%20` and form `+`, upper- and lower-case hex) and Base64
//! (standard and URL-safe, at each of the three alignments it can have
//! inside a longer encoded string, such as the `user:password` of a Basic
//! header); a URL also as the URL parser writes it back (host in lower
//! case, default port dropped), which is how messages about it print it.

use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine;

/// Every form of `secret` worth looking for (no duplicates, no empty one).
pub fn forms(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_string()];
    let once = json_escaped(secret);
    let twice = json_escaped(&once);
    out.extend([secret, once.as_str(), twice.as_str()].map(markdown_escaped));
    out.extend([once, twice]);
    out.extend(url_encoded(secret));
    out.extend(base64_fragments(secret.as_bytes()));
    out.extend(url_normalized(secret));
    out.retain(|f| !f.is_empty());
    out.sort();
    out.dedup();
    out
}

/// A secret that is a URL (a REST base read from `${env:…}`), as `url`
/// serialises it, with and without the trailing `/` it adds to an empty
/// path; nothing for anything else.
fn url_normalized(s: &str) -> Vec<String> {
    match url::Url::parse(s) {
        Ok(u) if u.has_host() => {
            let full = u.to_string();
            let trimmed = full.trim_end_matches('/').to_string();
            vec![full, trimmed]
        }
        _ => Vec::new(),
    }
}

/// `s` as it appears inside a JSON string.
pub fn json_escaped(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or(&quoted)
        .to_string()
}

/// `s` as the Markdown renderer escapes text for a table cell, a quote or
/// a `<summary>` (`plan::render::markdown` escapes with this function): a
/// secret quoted in a server message is escaped there before the output is
/// redacted, so this is one of the forms the redaction layer looks for.
pub fn markdown_escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("&#124;"),
            '`' => out.push_str("&#96;"),
            '*' | '_' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Percent-encoded forms of `s`: every byte outside RFC 3986's unreserved
/// set as `%XX` (upper and lower case), and the form encoding (`+` for a space).
fn url_encoded(s: &str) -> Vec<String> {
    let mut upper = String::new();
    let mut lower = String::new();
    let mut form = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            let c = char::from(b);
            upper.push(c);
            lower.push(c);
            form.push(c);
        } else {
            upper.push_str(&format!("%{b:02X}"));
            lower.push_str(&format!("%{b:02x}"));
            if b == b' ' {
                form.push('+');
            } else {
                form.push_str(&format!("%{b:02X}"));
            }
        }
    }
    vec![upper, lower, form]
}

/// The Base64 characters that encode `bytes` alone wherever they start in a
/// longer encoded string: for each of the 3 possible alignments, the
/// characters that depend on none of the bytes around them.
fn base64_fragments(bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for lead in 0..3usize {
        let mut padded = vec![0u8; lead];
        padded.extend_from_slice(bytes);
        let first = (8 * lead).div_ceil(6);
        let last = (8 * padded.len()) / 6;
        if last <= first {
            continue;
        }
        for engine in [&STANDARD, &URL_SAFE] {
            let encoded = engine.encode(&padded);
            if let Some(core) = encoded.get(first..last) {
                out.push(core.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_of_a_longer_string_holds_a_fragment() {
        let secret = "S3NT1NEL-pass";
        for user in ["", "k", "ke", "key", "a-user"] {
            let header = STANDARD.encode(format!("{user}:{secret}"));
            assert!(
                forms(secret).iter().any(|f| header.contains(f.as_str())),
                "{user}: {header}"
            );
        }
    }

    #[test]
    fn escaped_and_encoded_forms() {
        let f = forms("p\"w d/é");
        assert!(f.contains(&r#"p\"w d/é"#.to_string()));
        assert!(f.contains(&r#"p\\\"w d/é"#.to_string()));
        assert!(f.contains(&"p%22w%20d%2F%C3%A9".to_string()));
        assert!(f.contains(&"p%22w+d%2F%C3%A9".to_string()));
        assert!(f.contains(&"p%22w%20d%2f%c3%a9".to_string()));
        // JSON-escaped, then escaped again by the Markdown renderer.
        assert!(f.contains(&r#"p\\"w d/é"#.to_string()));
        assert!(forms("a<b|c_d").contains(&r"a&lt;b&#124;c\_d".to_string()));
    }

    #[test]
    fn a_url_is_also_looked_for_as_the_parser_writes_it() {
        let f = forms("http://SENTINEL-Host.example.com:80/kafka");
        assert!(
            f.contains(&"http://sentinel-host.example.com/kafka".to_string()),
            "{f:?}"
        );
        assert!(forms("not a url").iter().all(|x| !x.contains("://")));
    }
}
