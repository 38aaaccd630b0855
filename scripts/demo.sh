#!/usr/bin/env bash
# The main job, for now: build linkctl and validate every example manifest.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/linkctl/target}"

cargo build --quiet
linkctl="$CARGO_TARGET_DIR/debug/linkctl"

# Credentials some examples read through ${env:…}. These are sample values for
# validation only; linkctl never prints them.
export US_API_KEY=demo-key US_API_SECRET=demo-secret EU_TOKEN=demo-token \
       US_LINK_JAAS=demo-jaas CLOUD_API_KEY=demo-key CLOUD_API_SECRET=demo-secret \
       CLOUD_LINK_JAAS=demo-jaas

status=0
for manifest in examples/seed/*.yaml examples/*.yaml; do
  "$linkctl" validate -f "$manifest" || status=1
done
exit "$status"
