//! Cluster timeouts within sensible bounds.

use crate::manifest::diagnostic::Problem;
use crate::manifest::model::Manifest;

/// (setting, smallest, largest) in milliseconds.
const BOUNDS: &[(&str, u64, u64)] = &[("connect_ms", 100, 600_000), ("request_ms", 100, 3_600_000)];

pub fn check(m: &Manifest, out: &mut Vec<Problem>) {
    for (name, c) in &m.clusters {
        let Some(t) = &c.timeouts else {
            continue;
        };
        for (setting, min, max) in BOUNDS {
            let value = match *setting {
                "connect_ms" => t.value.connect_ms,
                _ => t.value.request_ms,
            };
            let Some(v) = value else {
                continue;
            };
            if v < *min || v > *max {
                out.push(
                    Problem::error(
                        "linkctl::timeout_out_of_range",
                        format!(
                            "`timeouts.{setting}` of cluster `{}` is {v} ms; it must be between {min} and {max}",
                            name.value
                        ),
                    )
                    .at(t.span, "out of range")
                    .help(format!("use a value from {min} to {max} milliseconds")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn timeouts_are_bounded() {
        let y = CLUSTERS.replace(
            "    bootstrap: 127.0.0.1:19092\n",
            "    bootstrap: 127.0.0.1:19092\n    timeouts: { connect_ms: 50, request_ms: 5000 }\n",
        ) + "links: {}\n";
        assert_eq!(codes(&y), ["linkctl::timeout_out_of_range"]);
        let ok = y.replace("connect_ms: 50", "connect_ms: 2000");
        assert!(codes(&ok).is_empty());
    }
}
