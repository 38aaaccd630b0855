//! The plan for a pull-request comment (GitHub / GitLab flavoured Markdown).
//!
//! A title with the summary line, the irreversible actions and the errors
//! called out first, a table per link object (cluster, link, creates,
//! changes, promotes / failovers, destroys), warnings and unmanaged objects,
//! then one collapsed `<details>` block per link object holding exactly the
//! text plan's lines for it in a fenced block. Secrets are redacted as in
//! the text plan (the details are its lines). The whole stays under
//! [`Markdown::limit`] characters: past it the details are cut at a line,
//! and a last line says how much was left out and how to see it all.

use std::fmt::Write as _;

use crate::plan::action::Action;
use crate::plan::model::{Plan, Summary};

use super::text::{group_title, render_actions, summary_line, title, unmanaged_title};

/// GitHub refuses comments over 65,536 characters; this leaves room for a
/// CI script's own lines around the plan.
pub const COMMENT_LIMIT: usize = 60_000;

/// At most this many irreversible actions are listed by name at the top.
const CALLOUT_ITEMS: usize = 20;

/// What the Markdown rendering needs besides the plan.
#[derive(Debug, Clone)]
pub struct Markdown {
    /// Most characters of the result.
    pub limit: usize,
    /// Lines shown under the title (e.g. where a saved plan comes from).
    pub preamble: Vec<String>,
    /// Where the whole plan can be seen when details are left out, e.g.
    /// ``run `linkctl show plan.json` ``.
    pub see_all: String,
}

impl Markdown {
    /// A pull-request comment (at most [`COMMENT_LIMIT`] characters) with
    /// no preamble; `see_all` says where the whole plan is.
    pub fn comment(see_all: impl Into<String>) -> Self {
        Self {
            limit: COMMENT_LIMIT,
            preamble: Vec::new(),
            see_all: see_all.into(),
        }
    }
}

/// The actions on one link object, in plan order.
struct Group<'a> {
    title: String,
    cluster: &'a str,
    link: &'a str,
    actions: Vec<&'a Action>,
}

fn groups(plan: &Plan) -> Vec<Group<'_>> {
    let mut out: Vec<Group<'_>> = Vec::new();
    for a in &plan.actions {
        let t = group_title(a);
        match out.iter_mut().find(|g| g.title == t) {
            Some(g) => g.actions.push(a),
            None => out.push(Group {
                title: t,
                cluster: &a.cluster,
                link: &a.link,
                actions: vec![a],
            }),
        }
    }
    out
}

/// Escapes text for a table cell or an HTML `<summary>` (the redaction
/// layer knows this form of every secret, so it lives there).
fn escape(s: &str) -> String {
    crate::redact::forms::markdown_escaped(s)
}

/// A code fence longer than any run of backticks in `body`.
fn fence(body: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    "`".repeat((longest + 1).max(3))
}

/// `body` in a fenced code block with the info string `info`.
pub fn fenced(body: &str, info: &str) -> String {
    let f = fence(body);
    let newline = if body.is_empty() || body.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    format!("{f}{info}\n{body}{newline}{f}\n")
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// `1 irreversible action`, `2 errors`.
fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("{n} {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Everything above the details: always shown in full.
fn head(plan: &Plan, md: &Markdown, groups: &[Group<'_>]) -> String {
    let mut out = String::from("### linkctl plan\n\n");
    for line in &md.preamble {
        let _ = writeln!(out, "{line}  ");
    }
    if !md.preamble.is_empty() {
        out.push('\n');
    }
    if plan.actions.is_empty() && plan.errors.is_empty() {
        out.push_str("**No changes.** Live state matches the manifest.\n");
    } else {
        let _ = writeln!(out, "**{}**", summary_line(&plan.summary));
    }
    if !plan.errors.is_empty() {
        let _ = write!(
            out,
            "\n> [!CAUTION]\n> **The plan has {}: it cannot be applied until {} fixed.**\n",
            count(plan.errors.len(), "error"),
            if plan.errors.len() == 1 {
                "it is"
            } else {
                "they are"
            }
        );
        for e in &plan.errors {
            let _ = writeln!(out, "> - `{}`: {}", escape(&e.target), escape(&e.message));
        }
    }
    let irreversible: Vec<&Action> = plan.actions.iter().filter(|a| a.irreversible).collect();
    if !irreversible.is_empty() {
        let _ = write!(
            out,
            "\n> [!WARNING]\n> **{}** (cannot be undone):\n",
            count(irreversible.len(), "irreversible action")
        );
        for a in irreversible.iter().take(CALLOUT_ITEMS) {
            let (marker, what) = title(a);
            let _ = writeln!(
                out,
                "> - `{marker}` {} ({})",
                escape(&what),
                escape(&group_title(a))
            );
        }
        if irreversible.len() > CALLOUT_ITEMS {
            let _ = writeln!(
                out,
                "> - and {} more (see the details below)",
                irreversible.len() - CALLOUT_ITEMS
            );
        }
    }
    if !groups.is_empty() {
        out.push_str(
            "\n| cluster | link | create | change | promote / fail over | destroy |\n\
             |---|---|--:|--:|--:|--:|\n",
        );
        for g in groups {
            let s = Summary::of(g.actions.iter().copied());
            let side = if g.title.ends_with("(source side)") {
                " (source side)"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "| {} | {}{side} | {} | {} | {} | {} |",
                escape(g.cluster),
                escape(g.link),
                s.create,
                s.change,
                s.promote + s.failover,
                s.destroy
            );
        }
    }
    if !plan.warnings.is_empty() {
        out.push_str("\n**Warnings**\n\n");
        for w in &plan.warnings {
            let _ = writeln!(out, "- `{}`: {}", escape(&w.target), escape(&w.message));
        }
    }
    if !plan.unmanaged.is_empty() {
        out.push_str("\n**Not managed by this manifest** (left alone)\n\n");
        for u in &plan.unmanaged {
            let _ = writeln!(
                out,
                "- {}: {}",
                escape(&unmanaged_title(u)),
                escape(&u.detail)
            );
        }
    }
    out
}

fn details_open(g: &Group<'_>) -> String {
    let s = Summary::of(g.actions.iter().copied());
    let mut parts = Vec::new();
    for (n, what) in [
        (s.create, "to create"),
        (s.change, "to change"),
        (s.promote, "to promote"),
        (s.failover, "to fail over"),
        (s.destroy, "to destroy"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    format!(
        "\n<details><summary>{}: {}</summary>\n\n",
        escape(&g.title),
        parts.join(", ")
    )
}

/// Renders `plan` as Markdown of at most `md.limit` characters (the limit
/// is kept when it leaves room for the head and the "left out" line).
pub fn render_markdown(plan: &Plan, md: &Markdown) -> String {
    let groups = groups(plan);
    let mut out = head(plan, md, &groups);
    // Room for the closing lines of a cut block and the "left out" line.
    let reserve = 200 + chars(&md.see_all);
    let mut used = chars(&out);
    let mut left_lines = 0usize;
    let mut left_chars = 0usize;
    for g in &groups {
        let body = render_actions(&g.actions);
        let f = fence(&body);
        let open = format!("{}{f}text\n", details_open(g));
        let close = format!("{f}\n\n</details>\n");
        let whole = chars(&open) + chars(&body) + chars(&close);
        if left_lines == 0 && left_chars == 0 && used + whole + reserve <= md.limit {
            out.push_str(&open);
            out.push_str(&body);
            out.push_str(&close);
            used += whole;
            continue;
        }
        // Cut: as many whole lines of this block as fit, then nothing more.
        let fits_open = left_lines == 0
            && left_chars == 0
            && used + chars(&open) + chars(&close) + reserve <= md.limit;
        if fits_open {
            out.push_str(&open);
            used += chars(&open) + chars(&close);
        }
        let mut cut = !fits_open;
        for line in body.split_inclusive('\n') {
            let n = chars(line);
            if !cut && used + n + reserve <= md.limit {
                out.push_str(line);
                used += n;
            } else {
                cut = true;
                left_lines += 1;
                left_chars += n;
            }
        }
        if fits_open {
            out.push_str(&close);
        }
    }
    if left_lines > 0 {
        let _ = write!(
            out,
            "\n**… {} ({} characters) of the plan's details were left out to fit a comment.** \
             To see the whole plan, {}.\n",
            count(left_lines, "line"),
            left_chars,
            md.see_all
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outgrow_backticks_in_the_body() {
        assert_eq!(fence("plain"), "```");
        assert_eq!(fence("a ```` b"), "`````");
    }

    #[test]
    fn cells_and_summaries_are_escaped() {
        assert_eq!(escape("a|b<c>&`d`"), "a&#124;b&lt;c&gt;&amp;&#96;d&#96;");
        assert_eq!(escape("my_group*"), "my\\_group\\*");
    }
}
