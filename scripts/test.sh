#!/usr/bin/env bash
# Every test of the project: formatting, lints, all test targets.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/linkctl/target}"

cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo test --all-targets
