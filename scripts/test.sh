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
# The plain stack runs a Kafka Connect group of 3 workers: the end-to-end
# suite's distributed steps kill and restart them (the demo keeps 1).
if ! scripts/local-kafka.sh status >/dev/null 2>&1; then
  started_here+=" plain"
  scripts/local-kafka.sh up --connect-workers 3
fi
if ! scripts/local-kafka.sh status --secure >/dev/null 2>&1; then
  started_here+=" secure"
  scripts/local-kafka.sh up --secure
fi
t_clusters=$((SECONDS - t1))

t2=$SECONDS
cargo test --all-targets --no-fail-fast
t_tests=$((SECONDS - t2))

# Version matrix: the plain end-to-end suite again with the brokers on each
# older Kafka version we support (Kafka Connect stays on its version: a fleet
# upgrades brokers first). Each version gets a stack of its own (own run dir,
# the plain ports): the plain stack above is stopped for it (its data kept)
# and started again afterwards when it was running before this script.
t3=$SECONDS
matrix_versions="${LINKCTL_MATRIX_KAFKA_VERSIONS:-4.3.1}"
matrix_rc=0
matrix_ran=""
if [[ -n "$matrix_versions" ]]; then
  scripts/local-kafka.sh down
  for v in $matrix_versions; do
    if ! (
      export LINKCTL_RUN_DIR="${TMPDIR:-/tmp}/linkctl-local-kafka-$v" LINKCTL_KAFKA_VERSION="$v"
      trap 'scripts/local-kafka.sh down --purge || true' EXIT
      scripts/local-kafka.sh up --connect-workers 3
      # Captured first: `status | grep -q` fails under pipefail when grep
      # exits at its match and status is killed by SIGPIPE on its next line.
      stack_status="$(scripts/local-kafka.sh status)"
      grep -q "^versions: brokers Kafka $v," <<<"$stack_status" \
        || { echo "version matrix: the stack does not run Kafka $v" >&2; exit 1; }
      cargo test --test e2e --no-fail-fast
    ); then
      echo "version matrix: the end-to-end suite failed with brokers on Kafka $v" >&2
      matrix_rc=1
    fi
    matrix_ran+=" $v"
  done
  if [[ "$started_here" != *plain* ]]; then
    scripts/local-kafka.sh up --connect-workers 3
  fi
fi
t_matrix=$((SECONDS - t3))

echo "timing: build ${t_build}s, cluster start-up ${t_clusters}s (started here:${started_here:- none}), tests ${t_tests}s, version matrix ${t_matrix}s (brokers on:${matrix_ran:- none})"
exit "$matrix_rc"
