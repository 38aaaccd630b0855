//! The plan for people, in Terraform's idiom.
//!
//! `+` create, `~` update, `-` delete, `!` irreversible state change; a
//! header per cluster and link; aligned `key = value` lines; `old -> new`;
//! filter and list values as list diffs; long values as word diffs
//! (`[-old-]{+new+}`); `(sensitive value)` for secrets. Colour only when
//! `color` is true (the caller decides: TTY, `--no-color`, `NO_COLOR`).

use std::fmt::Write as _;

use owo_colors::{OwoColorize, Style};
use similar::{ChangeTag, TextDiff};

use crate::manifest::REDACTED;
use crate::plan::action::{Action, ActionKind, Change, ChangeOp, ObjectSide, Value};
use crate::plan::model::{Plan, Summary, Unmanaged};

use super::items::items;

/// Values longer than this are shown as a word diff.
const LONG: usize = 60;

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, s: &str, style: Style) -> String {
        if self.color {
            s.style(style).to_string()
        } else {
            s.to_string()
        }
    }
    fn marker(&self, m: char) -> String {
        let style = match m {
            '+' => Style::new().green(),
            '-' => Style::new().red(),
            '~' => Style::new().yellow(),
            '!' => Style::new().magenta().bold(),
            _ => Style::new(),
        };
        self.paint(&m.to_string(), style)
    }
}

/// Renders `plan` as text (always ends with a newline).
pub fn render_text(plan: &Plan, color: bool) -> String {
    let p = Painter { color };
    let mut out = String::new();
    if plan.actions.is_empty() && plan.errors.is_empty() {
        out.push_str("No changes. Live state matches the manifest.\n");
    } else if !plan.actions.is_empty() {
        out.push_str("linkctl will perform these actions, in this order:\n");
        let mut current: Option<(&str, &str, ObjectSide)> = None;
        for a in &plan.actions {
            let here = (a.cluster.as_str(), a.link.as_str(), a.side);
            if current != Some(here) {
                let header = format!("# {}", group_title(a));
                let _ = writeln!(out, "\n{}", p.paint(&header, Style::new().bold()));
                current = Some(here);
            } else {
                out.push('\n');
            }
            render_action(&mut out, &p, a);
            if let Some(r) = plan.readiness.iter().find(|r| r.action == a.id) {
                let line = format!("# now: {}", r.summary());
                let style = if r.ready() {
                    Style::new().green()
                } else {
                    Style::new().yellow()
                };
                let _ = writeln!(out, "      {}", p.paint(&line, style));
            }
        }
    }
    if !plan.unmanaged.is_empty() {
        out.push_str("\nNot managed by this manifest (left alone):\n");
        for u in &plan.unmanaged {
            let _ = writeln!(out, "  {}: {}", unmanaged_title(u), u.detail);
        }
    }
    if !plan.warnings.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            p.paint("Warnings:", Style::new().yellow().bold())
        );
        for w in &plan.warnings {
            let _ = writeln!(out, "  - {}: {}", w.target, w.message);
        }
    }
    if !plan.errors.is_empty() {
        let _ = writeln!(out, "\n{}", p.paint("Errors:", Style::new().red().bold()));
        for e in &plan.errors {
            let _ = writeln!(out, "  - {}: {}", e.target, e.message);
        }
    }
    if !plan.actions.is_empty() || !plan.errors.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            p.paint(&summary_line(&plan.summary), Style::new().bold())
        );
    }
    if !plan.errors.is_empty() {
        let n = plan.errors.len();
        let _ = writeln!(
            out,
            "{}",
            p.paint(
                &format!(
                    "The plan has {n} error{}: it cannot be applied until {} fixed.",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "it is" } else { "they are" }
                ),
                Style::new().red().bold()
            )
        );
    }
    if out.starts_with('\n') {
        out.remove(0);
    }
    out
}

/// `Plan: 1 to create, 0 to change, 0 to promote, 0 to destroy.` (fail
/// overs named only when there are some).
pub fn summary_line(s: &Summary) -> String {
    let failover = if s.failover > 0 {
        format!(", {} to fail over", s.failover)
    } else {
        String::new()
    };
    format!(
        "Plan: {} to create, {} to change, {} to promote{failover}, {} to destroy.",
        s.create, s.change, s.promote, s.destroy
    )
}

/// `europe / link old-link` or `europe / link l / mirror m`.
pub fn unmanaged_title(u: &Unmanaged) -> String {
    match &u.mirror {
        Some(m) => format!("{} / link {} / mirror {m}", u.cluster, u.link),
        None => format!("{} / link {}", u.cluster, u.link),
    }
}

/// `europe / link demo-link`, with ` (source side)` for a link object on
/// the source cluster: the header of the actions on one link object.
pub fn group_title(a: &Action) -> String {
    let side = if a.side == ObjectSide::Source {
        " (source side)"
    } else {
        ""
    };
    format!("{} / link {}{side}", a.cluster, a.link)
}

/// `actions` (of one link object) as the text plan shows them under their
/// header, without colour.
pub fn render_actions(actions: &[&Action]) -> String {
    let p = Painter { color: false };
    let mut out = String::new();
    for (i, a) in actions.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        render_action(&mut out, &p, a);
    }
    out
}

/// The one-line title of an action (`promote mirror demo`) and its marker.
pub fn title(a: &Action) -> (char, String) {
    let m = a.mirror.as_deref().unwrap_or("");
    match a.kind {
        ActionKind::CreateLink => ('+', format!("create link {}", a.link)),
        ActionKind::UpdateLinkConfigs => ('~', format!("update link {}", a.link)),
        ActionKind::DeleteLink => ('-', format!("delete link {}", a.link)),
        ActionKind::CreateMirror => (
            '+',
            match &a.source_topic {
                Some(t) if t != m => format!("create mirror {m} (source topic \"{t}\")"),
                _ => format!("create mirror {m}"),
            },
        ),
        ActionKind::PauseMirror => ('~', format!("pause mirror {m}")),
        ActionKind::ResumeMirror => ('~', format!("resume mirror {m}")),
        ActionKind::PromoteMirror => ('!', format!("promote mirror {m}")),
        ActionKind::FailoverMirror => ('!', format!("fail over mirror {m}")),
        ActionKind::DeleteMirrorTopic => ('-', format!("delete mirror topic {m}")),
        ActionKind::FenceTopic => (
            '+',
            format!(
                "fence source topic {}",
                a.source_topic.as_deref().unwrap_or(m)
            ),
        ),
        ActionKind::UnfenceTopic => (
            '-',
            format!(
                "unfence source topic {}",
                a.source_topic.as_deref().unwrap_or(m)
            ),
        ),
        ActionKind::RemirrorTopic => ('!', format!("re-copy mirror {m} from its source")),
    }
}

fn render_action(out: &mut String, p: &Painter, a: &Action) {
    let (marker, text) = title(a);
    let _ = writeln!(out, "  {} {text}", p.marker(marker));
    for n in &a.notes {
        let _ = writeln!(
            out,
            "      {}",
            p.paint(&format!("# {n}"), Style::new().dimmed())
        );
    }
    let width = a.changes.iter().map(|c| c.key.len()).max().unwrap_or(0);
    for c in &a.changes {
        render_change(out, p, c, width);
    }
}

fn plain(v: &Option<Value>) -> Option<&str> {
    match v {
        Some(Value::Plain(s)) => Some(s),
        _ => None,
    }
}

fn shown(v: &Option<Value>) -> String {
    match v {
        Some(Value::Plain(s)) => format!("\"{s}\""),
        Some(Value::Sensitive) => REDACTED.to_string(),
        None => "(default)".to_string(),
    }
}

fn render_change(out: &mut String, p: &Painter, c: &Change, width: usize) {
    let marker = match (c.op, &c.before) {
        (ChangeOp::Reset, _) => '-',
        (ChangeOp::Set, None) => '+',
        (ChangeOp::Set, Some(_)) => '~',
    };
    let key = format!("{:<width$}", c.key);
    let lead = format!("      {} {key} = ", p.marker(marker));
    let sensitive =
        matches!(c.before, Some(Value::Sensitive)) || matches!(c.after, Some(Value::Sensitive));
    if !sensitive {
        let before = plain(&c.before);
        let after = plain(&c.after);
        let long = before.map_or(0, str::len).max(after.map_or(0, str::len)) > LONG;
        if let (Some(old), Some(new)) = (items(&c.key, before), items(&c.key, after)) {
            if super::super::normalize::is_json_key(&c.key) || long {
                list_diff(out, p, &lead, &old, &new);
                return;
            }
        }
        if long && before.is_some() && after.is_some() {
            let _ = writeln!(
                out,
                "{lead}{}",
                word_diff(p, before.unwrap_or(""), after.unwrap_or(""))
            );
            return;
        }
    }
    let value = match (marker, c.op) {
        ('~', _) | (_, ChangeOp::Reset) => format!("{} -> {}", shown(&c.before), shown(&c.after)),
        _ => shown(&c.after),
    };
    let _ = writeln!(out, "{lead}{value}");
}

fn list_diff(out: &mut String, p: &Painter, lead: &str, old: &[String], new: &[String]) {
    let _ = writeln!(out, "{lead}[");
    let old_refs: Vec<&str> = old.iter().map(String::as_str).collect();
    let new_refs: Vec<&str> = new.iter().map(String::as_str).collect();
    let diff = TextDiff::from_slices(&old_refs, &new_refs);
    for change in diff.iter_all_changes() {
        let m = match change.tag() {
            ChangeTag::Equal => " ".to_string(),
            ChangeTag::Delete => p.marker('-'),
            ChangeTag::Insert => p.marker('+'),
        };
        let _ = writeln!(out, "          {m} {}", change.value());
    }
    let _ = writeln!(out, "        ]");
}

/// `"same words [-old-]{+new+} same"`.
fn word_diff(p: &Painter, old: &str, new: &str) -> String {
    let diff = TextDiff::from_words(old, new);
    let mut s = String::from("\"");
    for change in diff.iter_all_changes() {
        let v = change.value();
        match change.tag() {
            ChangeTag::Equal => s.push_str(v),
            ChangeTag::Delete => s.push_str(&p.paint(&format!("[-{v}-]"), Style::new().red())),
            ChangeTag::Insert => s.push_str(&p.paint(&format!("{{+{v}+}}"), Style::new().green())),
        }
    }
    s.push('"');
    s
}
