//! Cut-over settings and replication loops.
//!
//! - `fence` belongs to a mirror that is promoted or failed over (a fence
//!   refuses every producer of the source topic: on a mirror that still
//!   mirrors it would stop the source's own traffic);
//! - `cutover.settle_ms` is at most ten minutes;
//! - a topic must not be mirrored back into a cluster it comes from,
//!   directly or through a chain of links: under its own name (MirrorMaker
//!   2 keeps topic names, so it cannot tell a record it copied from one it
//!   should copy) every record would go round for ever; under another name
//!   (a `prefix` on the way) its records still come back. The one exception
//!   is a declared Confluent bidirectional pair whose prefixes keep names
//!   apart (each direction has a prefix, neither beginning with the other).

use std::collections::{BTreeMap, BTreeSet};

use crate::manifest::diagnostic::Problem;
use crate::manifest::located::Located;
use crate::manifest::model::{Link, LinkMode, Manifest, MirrorState};

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
    name: &'m Located<String>,
    link: &'m Link,
}

/// Every chain of mirrors that brings a topic back into the cluster it
/// comes from, reported once (at every link it goes through): under its own
/// name it is a loop for ever; under another name (a prefix on the way) it
/// is still refused, except through a declared bidirectional pair whose
/// prefixes keep names apart ([`pair_keeps_names_apart`]).
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
                name,
                link,
            });
        }
    }
    let mut next: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, e) in edges.iter().enumerate() {
        next.entry(e.from).or_default().push(i);
    }
    let mut reported: BTreeSet<Vec<usize>> = BTreeSet::new();
    for start in 0..edges.len() {
        let origin = edges[start].from.0;
        // Depth-first from each edge, until the records reach their origin
        // cluster again (prefixes only make names longer: a chain that came
        // back under another name can never reach its own name later).
        let mut stack = vec![vec![start]];
        while let Some(path) = stack.pop() {
            let Some(&at) = path.last() else { continue };
            let (cluster, topic) = (edges[at].to.0, edges[at].to.1.as_str());
            if cluster == origin {
                let excused = topic != edges[start].from.1
                    && path.len() == 2
                    && pair_keeps_names_apart(&edges[path[0]], &edges[path[1]]);
                let mut key = path.clone();
                key.sort_unstable();
                if !excused && reported.insert(key) {
                    report(&edges, &path, out);
                }
                continue;
            }
            for &n in next
                .get(&(cluster, topic))
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                if !path.contains(&n) {
                    let mut p = path.clone();
                    p.push(n);
                    stack.push(p);
                }
            }
        }
    }
}

/// True when `a` and `b` are the two directions of a declared bidirectional
/// pair (Confluent links, both `mode: bidirectional`, one each way between
/// the same two clusters) whose prefixes keep names apart: each has one,
/// and neither begins with the other, so that every mirror's name says
/// which way it came and none can take the name of a topic of the other
/// direction. A prefix on one direction only leaves the other direction's
/// mirrors with the names of the topics they come from.
fn pair_keeps_names_apart(a: &Edge<'_>, b: &Edge<'_>) -> bool {
    // `mode: bidirectional` is Cluster Linking's (MirrorMaker 2 refuses it).
    let declared = |l: &Link| l.mode.value == LinkMode::Bidirectional;
    let (pa, pb) = (a.link.prefix_str(), b.link.prefix_str());
    a.name.value != b.name.value
        && declared(a.link)
        && declared(b.link)
        && a.link.source.value == b.link.destination.value
        && a.link.destination.value == b.link.source.value
        && !pa.is_empty()
        && !pb.is_empty()
        && !pa.starts_with(pb)
        && !pb.starts_with(pa)
}

fn report(edges: &[Edge<'_>], path: &[usize], out: &mut Vec<Problem>) {
    let first = &edges[path[0]];
    let last = &edges[path[path.len() - 1]];
    let route: Vec<String> = path
        .iter()
        .map(|&i| format!("{}/{}", edges[i].from.0, edges[i].from.1))
        .chain(std::iter::once(format!("{}/{}", last.to.0, last.to.1)))
        .collect();
    let links: Vec<String> = path
        .iter()
        .map(|&i| format!("`{}`", edges[i].name.value))
        .collect();
    let (message, help) = if last.to.1 == first.from.1 {
        (
            format!(
                "mirrors loop back into the cluster they come from: {} (links {})",
                route.join(" -> "),
                links.join(", ")
            ),
            "every record would be copied round for ever: remove one mirror of the loop",
        )
    } else {
        (
            format!(
                "mirrors bring `{}/{}` back into `{}` as `{}`: {} (links {})",
                first.from.0,
                first.from.1,
                first.from.0,
                last.to.1,
                route.join(" -> "),
                links.join(", ")
            ),
            "a topic's records would come back into the cluster they come from: remove one mirror of the chain. \
             Only a declared bidirectional pair may mirror a topic back (two Confluent links, `mode: bidirectional`, one each way, \
             each with a `prefix` that does not begin with the other's)",
        )
    };
    let mut p = Problem::error("linkctl::replication_loop", message).help(help);
    for (k, &i) in path.iter().enumerate() {
        p = if k == 0 {
            p.at(edges[i].name.span, "loop starts here")
        } else {
            p.also(edges[i].name.span, "and goes on here")
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
        assert_eq!(pointed_at(&two_links(""), loops[0]), ["east", "west"]);
    }

    /// The link names a problem points at, primary first.
    fn pointed_at(yaml: &str, p: &crate::manifest::diagnostic::Problem) -> Vec<String> {
        p.primary
            .iter()
            .chain(&p.secondary)
            .map(|l| yaml[l.span.offset..l.span.offset + l.span.len].to_string())
            .collect()
    }

    fn loops(yaml: &str) -> Vec<crate::manifest::diagnostic::Problem> {
        problems(yaml)
            .into_iter()
            .filter(|p| p.code == "linkctl::replication_loop")
            .collect()
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
        let l = loops(&y);
        assert_eq!(l.len(), 1, "{l:?}");
        assert!(
            l[0].message.contains("us/t -> europe/t -> asia/t -> us/t"),
            "{}",
            l[0].message
        );
        let mut at = pointed_at(&y, &l[0]);
        at.sort();
        assert_eq!(at, ["a", "b", "c"], "every link of the loop is pointed at");
        assert_eq!(
            l[0].primary.as_ref().map(|p| p.text.as_str()),
            Some("loop starts here")
        );
        assert!(l[0].secondary.iter().all(|s| s.text == "and goes on here"));
    }

    #[test]
    fn a_stopped_mirror_breaks_the_loop() {
        let promoted = format!("{}        state: promoted\n", two_links(""));
        assert!(loops(&promoted).is_empty(), "{:?}", codes(&promoted));
    }

    #[test]
    fn a_prefix_on_one_link_still_brings_the_records_back() {
        // us/loop -> europe/loop -> us/eu.loop: no loop for ever, but the
        // records of us/loop come back into us; not a declared pair.
        let y = two_links("\n    prefix: eu.");
        let l = loops(&y);
        assert_eq!(l.len(), 1, "{l:?}");
        assert!(
            l[0].message.contains(
                "bring `us/loop` back into `us` as `eu.loop`: us/loop -> europe/loop -> us/eu.loop"
            ),
            "{}",
            l[0].message
        );
        assert_eq!(pointed_at(&y, &l[0]), ["east", "west"]);
    }

    /// A Confluent bidirectional pair: `east` mirrors `loop` from us to
    /// europe, `west` mirrors that mirror back into us.
    fn pair(east_prefix: &str, west_prefix: &str, east_mode: &str) -> String {
        let prefix = |p: &str| {
            if p.is_empty() {
                String::new()
            } else {
                format!("\n    prefix: {p}")
            }
        };
        let back = format!("{east_prefix}loop");
        format!(
            "{CLUSTERS}links:
  east:
    source: us
    destination: europe
    mode: {east_mode}{}
    mirrors:
      - topic: loop
  west:
    source: europe
    destination: us
    mode: bidirectional{}
    mirrors:
      - topic: {back}
",
            prefix(east_prefix),
            prefix(west_prefix)
        )
    }

    #[test]
    fn a_bidirectional_pair_whose_prefixes_keep_names_apart_may_mirror_back() {
        // us/loop -> europe/us.loop -> us/eu.us.loop.
        let y = pair("us.", "eu.", "bidirectional");
        assert!(loops(&y).is_empty(), "{:?}", problems(&y));
    }

    #[test]
    fn a_pair_whose_prefixes_do_not_keep_names_apart_is_refused() {
        // A prefix on one direction only: us/loop -> europe/us.loop ->
        // us/us.loop, a mirror named like a topic of us mirrored out.
        let one = pair("us.", "", "bidirectional");
        let l = loops(&one);
        assert_eq!(l.len(), 1, "{:?}", problems(&one));
        assert!(
            l[0].message
                .contains("us/loop -> europe/us.loop -> us/us.loop"),
            "{}",
            l[0].message
        );
        assert_eq!(pointed_at(&one, &l[0]), ["east", "west"]);
        // One prefix begins with the other: names of both directions mix.
        let nested = pair("us.", "us.eu.", "bidirectional");
        assert_eq!(loops(&nested).len(), 1, "{:?}", problems(&nested));
        // Prefixes apart, but not a declared pair (east is destination-initiated).
        let undeclared = pair("us.", "eu.", "destination-initiated");
        assert_eq!(loops(&undeclared).len(), 1, "{:?}", problems(&undeclared));
        // No prefix at all: a loop for ever, bidirectional or not.
        let same = pair("", "", "bidirectional");
        let l = loops(&same);
        assert_eq!(l.len(), 1, "{:?}", problems(&same));
        assert!(
            l[0].message.contains("mirrors loop back into the cluster they come from: us/loop -> europe/loop -> us/loop"),
            "{}",
            l[0].message
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
