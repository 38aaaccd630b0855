//! Text rendering of a [`StatusReport`]: aligned tables.

use std::fmt::Write;

use owo_colors::OwoColorize;

use super::model::StatusReport;

fn table(out: &mut String, indent: &str, rows: &[Vec<String>]) {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in rows {
        let mut line = String::from(indent);
        for (i, cell) in r.iter().enumerate() {
            if i + 1 == r.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<w$}  ", w = widths[i]);
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

/// The header row of a table.
fn header(titles: &[&str]) -> Vec<String> {
    titles.iter().map(|t| t.to_string()).collect()
}

fn state_word(s: &str, color: bool) -> String {
    if !color {
        return s.to_string();
    }
    match s {
        "ACTIVE" | "RUNNING" => s.green().to_string(),
        "FAILED" | "LINK_FAILED" | "IN_ERROR" | "UNREADABLE" => s.red().to_string(),
        "ABSENT" => s.dimmed().to_string(),
        _ => s.yellow().to_string(),
    }
}

fn opt(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "-".to_string())
}

/// "links a, b and c", or the first few and how many more.
fn some_of(links: &[&str]) -> String {
    const SHOWN: usize = 5;
    match links.len() {
        n if n <= SHOWN => format!("links {}", links.join(", ")),
        n => format!(
            "{n} links: {}, and {} more",
            links[..SHOWN].join(", "),
            n - SHOWN
        ),
    }
}

/// Renders the report for a person.
pub fn render_text(report: &StatusReport, color: bool) -> String {
    let mut out = String::new();
    if report.links.is_empty() {
        out.push_str("No links in the manifest.\n");
    }
    // A note that concerns several links is said once, after them.
    let mut by_note: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for l in &report.links {
        for n in &l.notes {
            by_note.entry(n.as_str()).or_default().push(l.name.as_str());
        }
    }
    let shared: std::collections::BTreeMap<&str, Vec<&str>> =
        by_note.into_iter().filter(|(_, l)| l.len() > 1).collect();
    for (i, l) in report.links.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let title = format!("link {}", l.name);
        let _ = writeln!(
            out,
            "{}  {} -> {} ({})  {}",
            if color {
                title.bold().to_string()
            } else {
                title
            },
            l.source,
            l.destination,
            l.engine,
            state_word(&l.state, color)
        );
        if let Some(e) = &l.error {
            let _ = writeln!(out, "  error: {e}");
        }
        if !l.tasks.is_empty() {
            let mut rows = vec![header(&["TASK", "STATE", "ERRORS"])];
            for t in &l.tasks {
                let errs: Vec<String> = t
                    .errors
                    .iter()
                    .map(|e| format!("{}: {}", e.code, e.message))
                    .collect();
                rows.push(vec![t.name.clone(), t.state.clone(), errs.join("; ")]);
            }
            table(&mut out, "  ", &rows);
        }
        if l.mirrors.is_empty() {
            let _ = writeln!(out, "  no mirror topics");
        } else {
            // Since when each mirror is in its status, where the engine says.
            let since = l.mirrors.iter().any(|m| m.state_since.is_some());
            let mut rows = vec![header(&[
                "MIRROR",
                "SOURCE TOPIC",
                "STATUS",
                "SINCE",
                "ACCESS",
                "PARTITIONS",
                "LAG",
                "READY",
                "LAG PER PARTITION",
            ])];
            for m in &l.mirrors {
                let parts = match (m.partitions, m.source_partitions) {
                    (None, Some(s)) => format!("? (source {s})"),
                    (None, None) => "?".into(),
                    (Some(p), Some(s)) if s != p => format!("{p} (source {s})"),
                    (Some(p), _) => p.to_string(),
                };
                let per: Vec<String> = m
                    .lags
                    .iter()
                    .map(|p| {
                        let lag = p.lag.map_or_else(|| "?".to_string(), |l| l.to_string());
                        format!("{}:{lag}", p.partition)
                    })
                    .collect();
                rows.push(vec![
                    m.name.clone(),
                    m.source_topic.clone(),
                    m.status.clone(),
                    m.state_since.clone().unwrap_or_else(|| "-".into()),
                    match (m.read_only, m.source_fenced) {
                        (true, _) => "read-only".into(),
                        (false, Some(true)) => "writable, source fenced".into(),
                        (false, _) => "writable".into(),
                    },
                    parts,
                    m.total_lag.map_or_else(|| "?".into(), |l| l.to_string()),
                    match (m.ready, m.quiet) {
                        (Some(true), _) => "ready".into(),
                        (Some(false), Some(false)) => "no (source written)".into(),
                        (Some(false), _) => "no".into(),
                        (None, _) => "-".into(),
                    },
                    per.join(" "),
                ]);
            }
            if !since {
                for r in &mut rows {
                    r.remove(3);
                }
            }
            table(&mut out, "  ", &rows);
            for m in &l.mirrors {
                if !m.configs.is_empty() {
                    let cfg: Vec<String> =
                        m.configs.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    let _ = writeln!(out, "  {} configs: {}", m.name, cfg.join(", "));
                }
                if let Some(b) = &m.broken {
                    let _ = writeln!(out, "  {} is broken: {b}", m.name);
                }
                if let Some(e) = &m.error {
                    let _ = writeln!(out, "  {} error: {e}", m.name);
                }
            }
        }
        if let Some(groups) = &l.groups {
            if groups.is_empty() {
                let _ = writeln!(
                    out,
                    "  no consumer group has committed offsets on these mirrors' source topics"
                );
            } else {
                let source = format!("SOURCE ({})", l.source);
                let destination = format!("DESTINATION ({})", l.destination);
                let mut rows = vec![header(&[
                    "GROUP",
                    "TOPIC",
                    "PARTITION",
                    "SYNCED",
                    &source,
                    &destination,
                    "DIFF",
                ])];
                for g in groups {
                    rows.push(vec![
                        g.group.clone(),
                        g.topic.clone(),
                        g.partition.to_string(),
                        if g.synced { "yes" } else { "no" }.into(),
                        opt(g.source),
                        opt(g.destination),
                        opt(g.difference),
                    ]);
                }
                table(&mut out, "  ", &rows);
            }
        }
        for n in l.notes.iter().filter(|n| !shared.contains_key(n.as_str())) {
            let _ = writeln!(out, "  note: {n}");
        }
    }
    if !shared.is_empty() {
        out.push('\n');
    }
    for (n, links) in &shared {
        let _ = writeln!(out, "note: {n} ({})", some_of(links));
    }
    for w in &report.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::model::{LinkStatus, StatusReport};
    use super::render_text;

    fn link(name: &str, notes: &[&str]) -> LinkStatus {
        LinkStatus {
            name: name.into(),
            engine: "mirrormaker2".into(),
            source: "us".into(),
            destination: "europe".into(),
            state: "ACTIVE".into(),
            error: None,
            tasks: Vec::new(),
            mirrors: Vec::new(),
            groups: None,
            notes: notes.iter().map(|n| n.to_string()).collect(),
        }
    }

    #[test]
    fn a_note_of_several_links_is_said_once_after_them() {
        let shared = "MirrorMaker 2 does not make mirror topics read-only";
        let links: Vec<LinkStatus> = (0..7)
            .map(|i| match i {
                0 => link("l0", &[shared, "only l0"]),
                i => link(&format!("l{i}"), &[shared]),
            })
            .collect();
        let report = StatusReport {
            format_version: 1,
            links,
            warnings: Vec::new(),
            unreadable: Vec::new(),
        };
        let text = render_text(&report, false);
        assert_eq!(text.matches(shared).count(), 1, "{text}");
        assert!(
            text.ends_with(&format!(
                "\nnote: {shared} (7 links: l0, l1, l2, l3, l4, and 2 more)\n"
            )),
            "{text}"
        );
        // A note of one link stays under it.
        assert!(
            text.contains("link l0 ") && text.contains("\n  note: only l0\n"),
            "{text}"
        );
        // Two links: both named.
        let two = StatusReport {
            links: vec![link("a", &[shared]), link("b", &[shared])],
            ..report
        };
        assert!(render_text(&two, false).ends_with(&format!("note: {shared} (links a, b)\n")));
    }
}
