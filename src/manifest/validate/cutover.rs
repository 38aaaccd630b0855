//! Cut-over settings and replication loops.
//!
//! - `fence` belongs to a mirror that is promoted or failed over (a fence
//!   refuses every producer of the source topic: on a mirror that still
//!   mirrors it would stop the source's own traffic);
//! - `cutover.settle_ms` is at most ten minutes;
//! - a topic must not be mirrored back into a cluster it comes from,
//!   directly or through a chain of links: MirrorMaker 2 keeps topic names,
//!   so it cannot tell a record it copied from one it should copy, and every
//!   record would go round for ever. A link's `prefix` gives mirrors other
//!   names, which ends such a loop (Confluent's bidirectional pairs use it).

use std::collections::{BTreeMap, BTreeSet};

use crate::manifest::diagnostic::Problem;
use crate::manifest::located::Located;
use crate::manifest::model::{Manifest, MirrorState};

/// The longest settle window, in milliseconds.
pub const MAX_SETTLE_MS: u64 = 600_000;

pub fn check(m: &Manifest, out: &mut Vec<Problem>) {
    for (name, link) in &m.links {
        if let Some(s) = link
            .cutover
            .as_ref()
            .and_then(|c| c.value.settle_ms.as_ref())
        {
            if s.value > MAX_SETTLE_MS {
                out.push(
                    Problem::error(
                        "linkctl::settle_too_long",
                        format!(
                            "`cutover.settle_ms` of link `{}` is {} ms, more than ten minutes",
                            name.value, s.value
                        ),
                    )
                    .at(s.span, "too long")
                    .help(format!(
                        "a promotion watches the source this long before it stops a mirror; write at most {MAX_SETTLE_MS}"
                    )),
                );
            }
        }
        for mirror in &link.mirrors {
            let Some(fence) = mirror.fence.as_ref().filter(|f| f.value) else {
                continue;
            };
            if matches!(
                mirror.state.value,
                MirrorState::Promoted | MirrorState::FailedOver
            ) {
                continue;
            }
            out.push(
                Problem::error(
                    "linkctl::fence_on_a_mirroring_topic",
                    format!(
                        "mirror `{}` of link `{}` is fenced but still mirrors: a fence refuses every producer of `{}/{}`",
                        mirror.topic.value, name.value, link.source.value, mirror.topic.value
                    ),
                )
                .at(fence.span, "fence while mirroring")
                .help("a fence is for the cut-over: declare it with `state: promoted` (or `failed_over`), in the same change"),
            );
        }
    }
    cycles(m, out);
}

/// One mirror: `(source cluster, source topic) → (destination, mirror name)`,
/// with the link it belongs to.
struct Edge<'m> {
    from: (&'m str, &'m str),
    to: (&'m str, String),
    link: &'m Located<String>,
}

/// Every loop of mirrors, reported once at each link it goes through.
fn cycles(m: &Manifest, out: &mut Vec<Problem>) {
    let mut edges: Vec<Edge<'_>> = Vec::new();
    for (name, link) in &m.links {
        for mirror in &link.mirrors {
            if !matches!(
                mirror.state.value,
                MirrorState::Active | MirrorState::Paused
            ) {
                continue; // a stopped mirror copies nothing
            }
            edges.push(Edge {
                from: (link.source.value.as_str(), mirror.topic.value.as_str()),
                to: (link.destination.value.as_str(), mirror.mirror_name(link)),
                link: name,
            });
        }
    }
    let mut next: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, e) in edges.iter().enumerate() {
        next.entry(e.from).or_default().push(i);
    }
    let mut reported: BTreeSet<Vec<usize>> = BTreeSet::new();
    for start in 0..edges.len() {
        // Depth-first from each edge, looking for a way back to its source.
        let mut stack = vec![(start, vec![start])];
        while let Some((at, path)) = stack.pop() {
            let (cluster, topic) = (&edges[at].to.0, edges[at].to.1.as_str());
            for &n in next
                .get(&(*cluster, topic))
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                if n == start {
                    let mut key = path.clone();
                    key.sort_unstable();
                    if reported.insert(key) {
                        report(&edges, &path, out);
                    }
                } else if !path.contains(&n) && path.len() < edges.len() {
                    let mut p = path.clone();
                    p.push(n);
                    stack.push((n, p));
                }
            }
        }
    }
}

fn report(edges: &[Edge<'_>], path: &[usize], out: &mut Vec<Problem>) {
    let route: Vec<String> = path
        .iter()
        .map(|&i| format!("{}/{}", edges[i].from.0, edges[i].from.1))
        .chain(std::iter::once(format!(
            "{}/{}",
            edges[path[0]].from.0, edges[path[0]].from.1
        )))
        .collect();
    let links: Vec<String> = path
        .iter()
        .map(|&i| format!("`{}`", edges[i].link.value))
        .collect();
    let mut p = Problem::error(
        "linkctl::replication_loop",
        format!(
            "mirrors loop back into the cluster they come from: {} (links {})",
            route.join(" -> "),
            links.join(", ")
        ),
    )
    .help("every record would be copied round for ever: remove one mirror of the loop, or give one of the links a `prefix` so that its mirrors have other names");
    for (k, &i) in path.iter().enumerate() {
        let label = if k == 0 {
            "loop starts here"
        } else {
            "and goes on here"
        };
        p = if k == 0 {
            p.at(edges[i].link.span, label)
        } else {
            p.also(edges[i].link.span, label)
        };
    }
    out.push(p);
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, problems, CLUSTERS};

    fn two_links(west_extra: &str) -> String {
        format!(
            "{CLUSTERS}links:
  east:
    source: us
    destination: europe
    engine: mirrormaker2
    mirrors:
      - topic: loop
  west:
    source: europe
    destination: us{west_extra}
    mirrors:
      - topic: loop
"
        )
    }

    #[test]
    fn a_topic_mirrored_back_is_a_loop_pointing_at_both_links() {
        let p = problems(&two_links(""));
        let loops: Vec<_> = p
            .iter()
            .filter(|p| p.code == "linkctl::replication_loop")
            .collect();
        assert_eq!(loops.len(), 1, "{p:?}");
        assert!(
            loops[0]
                .message
                .contains("us/loop -> europe/loop -> us/loop"),
            "{}",
            loops[0].message
        );
        assert!(loops[0].message.contains("`east`") && loops[0].message.contains("`west`"));
    }

    #[test]
    fn a_chain_through_three_clusters_is_a_loop_too() {
        let y = format!(
            "{CLUSTERS}  asia:
    bootstrap: 127.0.0.1:39092
    rest: http://127.0.0.1:38090/kafka
links:
  a:
    source: us
    destination: europe
    mirrors: [{{topic: t}}]
  b:
    source: europe
    destination: asia
    mirrors: [{{topic: t}}]
  c:
    source: asia
    destination: us
    mirrors: [{{topic: t}}]
"
        );
        assert!(
            codes(&y).contains(&"linkctl::replication_loop"),
            "{:?}",
            codes(&y)
        );
    }

    #[test]
    fn a_stopped_mirror_or_a_prefix_breaks_the_loop() {
        let prefixed = two_links("\n    prefix: eu.");
        assert!(
            !codes(&prefixed).contains(&"linkctl::replication_loop"),
            "{:?}",
            codes(&prefixed)
        );
        let promoted = format!("{}        state: promoted\n", two_links(""));
        assert!(
            !codes(&promoted).contains(&"linkctl::replication_loop"),
            "{:?}",
            codes(&promoted)
        );
    }

    #[test]
    fn a_fence_belongs_to_a_mirror_that_stops() {
        let y = format!(
            "{CLUSTERS}links:
  l:
    source: us
    destination: europe
    mirrors:
      - topic: demo
        fence: true
"
        );
        assert!(codes(&y).contains(&"linkctl::fence_on_a_mirroring_topic"));
        let ok = y.replace(
            "        fence: true",
            "        state: promoted\n        fence: true",
        );
        assert!(!codes(&ok).contains(&"linkctl::fence_on_a_mirroring_topic"));
        let long = format!("{y}    cutover: {{ settle_ms: 900000 }}\n")
            .replace("        fence: true\n", "");
        assert!(
            codes(&long).contains(&"linkctl::settle_too_long"),
            "{:?}",
            codes(&long)
        );
    }
}
