//! Ordering: the plan is a DAG (`depends_on`); its textual order is the
//! stable topological order that keeps generation order wherever the
//! dependencies allow (Kahn's algorithm, smallest generation index first).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use super::action::Action;

/// Orders `actions` so that every action comes after the ones it depends on.
/// Dependencies on ids that are not in the plan are ignored. Should the
/// graph ever hold a cycle, the actions on it keep their generation order at
/// the end (the planner never builds one; a test checks it).
pub fn topological_order(actions: Vec<Action>) -> Vec<Action> {
    let index: BTreeMap<&str, usize> = actions
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect();
    let n = actions.len();
    let mut indegree = vec![0usize; n];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, a) in actions.iter().enumerate() {
        for d in &a.depends_on {
            if let Some(&j) = index.get(d.as_str()) {
                if j != i {
                    indegree[i] += 1;
                    dependents[j].push(i);
                }
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> =
        (0..n).filter(|&i| indegree[i] == 0).map(Reverse).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        for &k in &dependents[i] {
            indegree[k] -= 1;
            if indegree[k] == 0 {
                ready.push(Reverse(k));
            }
        }
    }
    if order.len() < n {
        let placed: std::collections::BTreeSet<usize> = order.iter().copied().collect();
        order.extend((0..n).filter(|i| !placed.contains(i)));
    }
    let mut slots: Vec<Option<Action>> = actions.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::EngineName;
    use crate::plan::{ActionKind, ObjectSide};

    fn a(id: &str, deps: &[&str]) -> Action {
        Action {
            id: id.into(),
            kind: ActionKind::CreateMirror,
            cluster: "c".into(),
            link: "l".into(),
            engine: EngineName::default(),
            side: ObjectSide::Destination,
            mirror: None,
            source_topic: None,
            changes: vec![],
            depends_on: deps.iter().map(|s| s.to_string()).collect(),
            irreversible: false,
            notes: vec![],
            payload: None,
        }
    }

    #[test]
    fn dependencies_first_otherwise_stable() {
        let out = topological_order(vec![a("x", &["z"]), a("y", &[]), a("z", &[])]);
        let ids: Vec<&str> = out.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["y", "z", "x"]);
    }
}
