#!/usr/bin/env bash
# Every test of the project: formatting, lints, unit/contract/snapshot tests,
# and the end-to-end seed scenario against real Kafka + MirrorMaker 2 (the
# local clusters are started here, and stopped again even when a test fails,
# unless they were already running before).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/linkctl/target}"

t0=$SECONDS
cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo test --all-targets --no-run
t_build=$((SECONDS - t0))

t1=$SECONDS
started_here=0
if ! scripts/local-kafka.sh status >/dev/null 2>&1; then
  started_here=1
  trap 'scripts/local-kafka.sh down || true' EXIT
  scripts/local-kafka.sh up
fi
t_clusters=$((SECONDS - t1))

t2=$SECONDS
cargo test --all-targets --no-fail-fast
t_tests=$((SECONDS - t2))

echo "timing: build ${t_build}s, cluster start-up ${t_clusters}s (started here: $started_here), tests ${t_tests}s"
