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

# Both local stacks: the plain one (tests/e2e) and the secure one
# (tests/e2e_secure: SASL_SSL, ACLs, Connect over HTTPS). Each is stopped
# again at the end when it was started here.
t1=$SECONDS
started_here=""
stop_started() {
  for profile in $started_here; do
    if [[ "$profile" == secure ]]; then
      scripts/local-kafka.sh down --secure || true
    else
      scripts/local-kafka.sh down || true
    fi
  done
}
trap stop_started EXIT
if ! scripts/local-kafka.sh status >/dev/null 2>&1; then
  started_here+=" plain"
  scripts/local-kafka.sh up
fi
if ! scripts/local-kafka.sh status --secure >/dev/null 2>&1; then
  started_here+=" secure"
  scripts/local-kafka.sh up --secure
fi
t_clusters=$((SECONDS - t1))

t2=$SECONDS
cargo test --all-targets --no-fail-fast
t_tests=$((SECONDS - t2))

echo "timing: build ${t_build}s, cluster start-up ${t_clusters}s (started here:${started_here:- none}), tests ${t_tests}s"
