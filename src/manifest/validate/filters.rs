//! Group and topic filters: empty names, `*` misuse.

use crate::manifest::diagnostic::Problem;
use crate::manifest::located::Located;
use crate::manifest::model::{Filter, Manifest, Pattern};

pub fn check(m: &Manifest, out: &mut Vec<Problem>) {
    for (name, link) in &m.links {
        if let Some(sync) = &link.consumer_offset_sync {
            let what = format!("consumer group filter of link `{}`", name.value);
            for f in &sync.value.groups {
                check_filter(f, &what, out);
            }
        }
        if let Some(auto) = &link.auto_create_mirrors {
            let what = format!("topic filter of link `{}`", name.value);
            for f in &auto.value.topics {
                check_filter(f, &what, out);
            }
        }
    }
}

fn check_filter(f: &Located<Filter>, what: &str, out: &mut Vec<Problem>) {
    let kind = if f.value.is_include() {
        "include"
    } else {
        "exclude"
    };
    match f.value.pattern() {
        Pattern::Literal(n) if n.trim().is_empty() => out.push(
            Problem::error("linkctl::empty_filter", format!("empty name in a {what}"))
                .at(f.span, "matches nothing")
                .help(format!(
                    "write a name, `\"*\"` for every name, or `{kind}: {{ prefix: \"app-\" }}`"
                )),
        ),
        Pattern::Prefix(p) if p.prefix.trim().is_empty() => out.push(
            Problem::error("linkctl::empty_filter", format!("empty prefix in a {what}"))
                .at(f.span, "empty prefix")
                .help(format!("to match every name write `{kind}: \"*\"`")),
        ),
        Pattern::Prefix(p) if p.prefix == "*" => out.push(
            Problem::error(
                "linkctl::star_prefix",
                format!("`*` used as a prefix in a {what}"),
            )
            .at(f.span, "only names starting with a literal `*` would match")
            .help(format!(
                "`*` is a literal that matches every name: write `{kind}: \"*\"`"
            )),
        ),
        Pattern::Literal(n) if n != "*" && n.contains('*') => {
            let stem = n.trim_end_matches('*');
            let help = if n.ends_with('*') && !stem.contains('*') {
                format!("for every name starting with `{stem}` write `{kind}: {{ prefix: \"{stem}\" }}`")
            } else {
                "filters have no wildcards: use a literal name, `\"*\"`, or `{ prefix: … }`".into()
            };
            out.push(
                Problem::warning(
                    "linkctl::wildcard_in_literal",
                    format!("`{n}` in a {what} is a literal name, not a pattern"),
                )
                .at(f.span, "matches only this exact name")
                .help(help),
            )
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    fn groups(filters: &str) -> String {
        with_link(&format!(
            "    source: us\n    destination: europe\n    consumer_offset_sync:\n      groups:\n{filters}"
        ))
    }

    #[test]
    fn empty_and_star_prefix_are_refused() {
        assert_eq!(
            codes(&groups("        - include: \"\"\n")),
            ["linkctl::empty_filter"]
        );
        assert_eq!(
            codes(&groups("        - exclude: { prefix: \"\" }\n")),
            ["linkctl::empty_filter"]
        );
        assert_eq!(
            codes(&groups("        - include: { prefix: \"*\" }\n")),
            ["linkctl::star_prefix"]
        );
        assert!(codes(&groups(
            "        - include: \"*\"\n        - exclude: { prefix: tmp- }\n"
        ))
        .is_empty());
    }

    #[test]
    fn trailing_star_suggests_prefix() {
        let p = problems(&groups("        - include: \"app-*\"\n"));
        assert_eq!(p[0].code, "linkctl::wildcard_in_literal");
        assert!(p[0].help.as_deref().unwrap().contains("prefix: \"app-\""));
    }
}
