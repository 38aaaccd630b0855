//! The confirmation prompt of `linkctl apply`, weighed by the plan's risk.
//!
//! A plan of reversible actions asks "Apply these N action(s)?" and takes
//! `y` or `yes`. A plan holding an action that cannot be undone (promote,
//! failover, a topic or link deletion, a re-copy) counts those actions by
//! kind and, as Terraform does, proceeds only on the exact word `yes`.

use std::io::{BufRead, Write};

use crate::plan::{Action, ActionKind};

/// The irreversible kinds, in the order the prompt lists them, with their
/// singular and plural names and what they leave behind.
const IRREVERSIBLE: &[(ActionKind, &str, &str, &str)] = &[
    (
        ActionKind::PromoteMirror,
        "mirror promotion",
        "mirror promotions",
        "the mirror stops for good and becomes writable",
    ),
    (
        ActionKind::FailoverMirror,
        "mirror failover",
        "mirror failovers",
        "the mirror stops now, whatever its lag",
    ),
    (
        ActionKind::DeleteMirrorTopic,
        "topic deletion",
        "topic deletions",
        "the topic's data is lost",
    ),
    (
        ActionKind::DeleteLink,
        "link deletion",
        "link deletions",
        "the link object is removed",
    ),
    (
        ActionKind::RemirrorTopic,
        "re-copy",
        "re-copies",
        "what the destination topic holds is deleted",
    ),
];

/// How many actions of each irreversible kind `actions` hold, in the
/// prompt's order; kinds with none are left out.
pub fn irreversible_counts(actions: &[Action]) -> Vec<(ActionKind, usize)> {
    IRREVERSIBLE
        .iter()
        .map(|(kind, ..)| (*kind, actions.iter().filter(|a| a.kind == *kind).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// Whether the prompt asks for the exact word `yes`.
pub fn needs_exact_yes(actions: &[Action]) -> bool {
    actions
        .iter()
        .any(|a| a.irreversible || a.kind.is_irreversible())
}

/// The prompt for `actions`, ending where the answer is typed.
pub fn prompt(actions: &[Action]) -> String {
    let n = actions.len();
    if !needs_exact_yes(actions) {
        return format!("Apply these {n} action(s)? Only 'yes' or 'y' proceeds: ");
    }
    let counts = irreversible_counts(actions);
    let total = actions
        .iter()
        .filter(|a| a.irreversible || a.kind.is_irreversible())
        .count();
    let width = counts
        .iter()
        .map(|(_, c)| c.to_string().len())
        .max()
        .unwrap_or(1);
    let mut s = format!("Apply these {n} action(s)? {total} of them cannot be undone:\n");
    for (kind, count) in counts {
        if let Some((_, one, many, why)) = IRREVERSIBLE.iter().find(|(k, ..)| *k == kind) {
            let name = if count == 1 { one } else { many };
            s.push_str(&format!("  {count:>width$} {name} ({why})\n"));
        }
    }
    s.push_str("Only the exact word 'yes' proceeds: ");
    s
}

/// Whether `answer` (a line as read, newline included) approves `actions`:
/// the exact word `yes` when any is irreversible, else `y` or `yes` in any
/// case. Surrounding blanks are ignored.
pub fn accepts(actions: &[Action], answer: &str) -> bool {
    let answer = answer.trim();
    if needs_exact_yes(actions) {
        answer == "yes"
    } else {
        matches!(answer.to_ascii_lowercase().as_str(), "y" | "yes")
    }
}

/// Writes the prompt for `actions` to `prompt_to` and reads one line of
/// `input`: whether it approves them. End of input or a read error refuses.
pub fn ask(actions: &[Action], input: &mut dyn BufRead, prompt_to: &mut dyn Write) -> bool {
    let _ = write!(prompt_to, "{}", prompt(actions));
    let _ = prompt_to.flush();
    let mut line = String::new();
    match input.read_line(&mut line) {
        Ok(0) | Err(_) => false,
        Ok(_) => accepts(actions, &line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::EngineName;
    use crate::plan::ObjectSide;
    use std::io::Cursor;

    fn action(kind: ActionKind, i: usize) -> Action {
        Action {
            id: format!("europe/demo-link/{i}"),
            kind,
            cluster: "europe".into(),
            link: "demo-link".into(),
            engine: EngineName::default(),
            side: ObjectSide::Destination,
            mirror: Some(format!("m{i}")),
            source_topic: None,
            changes: vec![],
            depends_on: vec![],
            irreversible: kind.is_irreversible(),
            notes: vec![],
            payload: None,
        }
    }

    fn plan_of(kinds: &[(ActionKind, usize)]) -> Vec<Action> {
        let mut out = Vec::new();
        for (kind, n) in kinds {
            for _ in 0..*n {
                out.push(action(*kind, out.len()));
            }
        }
        out
    }

    /// Runs the prompt with `typed` as standard input; returns the
    /// decision and what was written.
    fn answer(actions: &[Action], typed: &str) -> (bool, String) {
        let mut input = Cursor::new(typed.as_bytes().to_vec());
        let mut written = Vec::new();
        let ok = ask(actions, &mut input, &mut written);
        (ok, String::from_utf8(written).expect("utf-8"))
    }

    #[test]
    fn reversible_plans_take_y_or_yes() {
        let actions = plan_of(&[(ActionKind::CreateLink, 1), (ActionKind::CreateMirror, 2)]);
        for typed in ["y\n", "Y\n", "yes\n", "YES\r\n", "  yes  \n"] {
            let (ok, written) = answer(&actions, typed);
            assert!(ok, "{typed:?}");
            assert_eq!(
                written,
                "Apply these 3 action(s)? Only 'yes' or 'y' proceeds: "
            );
        }
        for typed in ["", "\n", "n\n", "no\n", "yess\n", "ok\n"] {
            assert!(!answer(&actions, typed).0, "{typed:?}");
        }
    }

    #[test]
    fn irreversible_plans_take_only_the_exact_word_yes() {
        let actions = plan_of(&[
            (ActionKind::CreateMirror, 1),
            (ActionKind::PromoteMirror, 1),
        ]);
        assert!(answer(&actions, "yes\n").0);
        assert!(answer(&actions, "yes\r\n").0, "a terminal's CR LF");
        assert!(answer(&actions, " yes \n").0);
        for typed in [
            "",
            "y\n",
            "Y\n",
            "YES\n",
            "Yes\n",
            "yes please\n",
            "\n",
            "n\n",
        ] {
            assert!(!answer(&actions, typed).0, "{typed:?} must not proceed");
        }
    }

    #[test]
    fn a_read_error_refuses() {
        struct Broken;
        impl std::io::Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("closed"))
            }
        }
        let actions = plan_of(&[(ActionKind::CreateLink, 1)]);
        let mut input = std::io::BufReader::new(Broken);
        assert!(!ask(&actions, &mut input, &mut Vec::new()));
    }

    #[test]
    fn the_prompt_counts_irreversible_actions_by_kind() {
        let actions = plan_of(&[
            (ActionKind::UpdateLinkConfigs, 1),
            (ActionKind::FailoverMirror, 300),
            (ActionKind::DeleteLink, 1),
        ]);
        assert_eq!(
            irreversible_counts(&actions),
            [
                (ActionKind::FailoverMirror, 300),
                (ActionKind::DeleteLink, 1)
            ]
        );
        let mut s = insta::Settings::clone_current();
        s.set_snapshot_path("../../snapshots");
        s.set_prepend_module_to_snapshot(false);
        s.bind(|| {
            insta::assert_snapshot!("confirm__failovers_and_link_deletion", prompt(&actions));
            insta::assert_snapshot!(
                "confirm__every_irreversible_kind",
                prompt(&plan_of(&[
                    (ActionKind::CreateMirror, 2),
                    (ActionKind::PromoteMirror, 1),
                    (ActionKind::FailoverMirror, 2),
                    (ActionKind::DeleteMirrorTopic, 12),
                    (ActionKind::DeleteLink, 1),
                    (ActionKind::RemirrorTopic, 1),
                ]))
            );
        });
    }
}
