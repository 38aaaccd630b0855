//! The Markdown plan's cutting rules, with small limits: whole blocks while
//! they fit, then the lines of one block that fit (its fence and
//! `<details>` closed), nothing after, and a last line counting every line
//! left out; errors and irreversible actions are always at the top.

mod common;

use common::*;
use linkctl::backend::registry;
use linkctl::plan::render::{render_markdown, Markdown};
use linkctl::plan::{plan, Note, PlanOptions};

/// Three links from `us` to `europe`, each with `n` mirrors.
fn three_links(n: usize) -> String {
    let mut y = String::from(
        "version: 1\nclusters:\n  us: { bootstrap: \"localhost:19092\", rest: \"http://localhost:18090/kafka\" }\n  europe: { bootstrap: \"localhost:29092\", rest: \"http://localhost:28090/kafka\" }\nlinks:\n",
    );
    for l in ["a-link", "b-link", "c-link"] {
        y.push_str(&format!(
            "  {l}:\n    source: us\n    destination: europe\n    mirrors:\n"
        ));
        for i in 0..n {
            y.push_str(&format!("      - topic: {l}-topic-{i:03}\n"));
        }
    }
    y
}

/// The lines inside the fenced blocks.
fn body_lines(md: &str) -> usize {
    let mut inside = false;
    let mut n = 0;
    for l in md.lines() {
        if l.starts_with("```") {
            inside = !inside;
        } else if inside {
            n += 1;
        }
    }
    n
}

fn md(limit: usize) -> Markdown {
    Markdown {
        limit,
        ..Markdown::comment("run `linkctl show plan.json`")
    }
}

#[test]
fn details_are_cut_at_a_line_and_counted() {
    let m = manifest(&three_links(20));
    let p = plan(
        &m,
        &seed_live(),
        &PlanOptions::default(),
        &registry::models(),
    );
    let whole = render_markdown(&p, &md(1_000_000));
    assert!(!whole.contains("left out"), "{whole}");
    assert_eq!(whole.matches("<details>").count(), 3);
    for limit in [3_000, 5_000, 8_000] {
        let cut = render_markdown(&p, &md(limit));
        assert!(cut.chars().count() <= limit, "{limit}: {}", cut.len());
        assert_eq!(
            cut.matches("<details>").count(),
            cut.matches("</details>").count(),
            "{cut}"
        );
        assert_eq!(cut.matches("```").count() % 2, 0, "{cut}");
        // The shown lines and the counted ones are every line of the details.
        let last = cut.lines().last().expect("last line");
        let left: usize = last
            .trim_start_matches("**… ")
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{last}"));
        assert_eq!(
            body_lines(&cut) + left,
            body_lines(&whole),
            "limit {limit}:\n{cut}"
        );
        assert!(last.ends_with("run `linkctl show plan.json`."), "{last}");
        // The table lists every link, whatever was cut.
        for l in ["a-link", "b-link", "c-link"] {
            assert!(cut.contains(&format!("| europe | {l} | 21 |")), "{cut}");
        }
    }
}

#[test]
fn errors_and_irreversible_actions_come_first() {
    let m = manifest(&three_links(1).replace(
        "      - topic: b-link-topic-000\n",
        "      - topic: b-link-topic-000\n        state: failed_over\n",
    ));
    let live = seed_live();
    let first = manifest(&three_links(1));
    let live = apply(
        &first,
        &live,
        &plan(&first, &live, &PlanOptions::default(), &registry::models()),
    );
    let mut p = plan(&m, &live, &PlanOptions::default(), &registry::models());
    p.errors.push(Note {
        target: "europe/c-link".into(),
        message: "refused | for a <reason>".into(),
    });
    let out = render_markdown(&p, &md(100_000));
    let caution = out.find("> [!CAUTION]").expect("errors called out");
    let warning = out.find("> [!WARNING]").expect("irreversible called out");
    let table = out.find("| cluster |").expect("table");
    assert!(caution < warning && warning < table, "{out}");
    assert!(
        out.contains("> - `europe/c-link`: refused &#124; for a &lt;reason&gt;"),
        "{out}"
    );
    assert!(
        out.contains("> **1 irreversible action** (cannot be undone):\n> - `!` fail over mirror b-link-topic-000 (europe / link b-link)"),
        "{out}"
    );
}

#[test]
fn no_changes_is_one_line() {
    let m = manifest(&three_links(0).replace("    mirrors:\n", ""));
    let live = seed_live();
    let p = plan(&m, &live, &PlanOptions::default(), &registry::models());
    let p = plan(
        &m,
        &apply(&m, &live, &p),
        &PlanOptions::default(),
        &registry::models(),
    );
    assert_eq!(
        render_markdown(&p, &md(60_000)),
        "### linkctl plan\n\n**No changes.** Live state matches the manifest.\n"
    );
}
