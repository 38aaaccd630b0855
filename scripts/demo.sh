#!/usr/bin/env bash
# The main job: build linkctl, bring up two local Kafka clusters (us, europe)
# and a Kafka Connect worker running MirrorMaker 2, then walk the seed scenario
# declaratively — each step is a manifest (examples/mirrormaker2-seed/), a
# `linkctl plan` and a `linkctl apply` — with real records and a real consumer
# group flowing. Needs only Rust, Java 17+ and Maven.
#
#   ./scripts/demo.sh            run the scenario (clusters are left running)
#   scripts/local-kafka.sh down  tear everything down afterwards
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/linkctl/target}"
export NO_COLOR="${NO_COLOR:-}"

US=127.0.0.1:19092
EUROPE=127.0.0.1:29092
STEPS=examples/mirrormaker2-seed

bold() { if [[ -t 1 && -z "$NO_COLOR" ]]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }
step() { echo; bold "=== $*"; }
run() { echo "\$ $*"; "$@"; }
kafka() { scripts/local-kafka.sh kafka-class "$@"; }

step "Building linkctl"
cargo build --quiet
LINKCTL="$CARGO_TARGET_DIR/debug/linkctl"
linkctl() { "$LINKCTL" "$@"; }

step "Starting the local clusters (us, europe, Kafka Connect with MirrorMaker 2)"
scripts/local-kafka.sh up

step "Clean slate: removing what an earlier run may have left"
linkctl -f "$STEPS/11-delete-link.yaml" apply --auto-approve >/dev/null 2>&1 || true
for b in "$US" "$EUROPE"; do
  kafka org.apache.kafka.tools.TopicCommand --bootstrap-server "$b" --delete --if-exists --topic demo >/dev/null 2>&1 || true
  kafka org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$b" --delete --group my-consumer-group >/dev/null 2>&1 || true
done
for t in mm2-offset-syncs.us.internal us.checkpoints.internal; do
  kafka org.apache.kafka.tools.TopicCommand --bootstrap-server "$EUROPE" --delete --if-exists --topic "$t" >/dev/null 2>&1 || true
done
sleep 2
run kafka org.apache.kafka.tools.TopicCommand --bootstrap-server "$US" --create --topic demo --partitions 1
# Kafka keeps the dynamic configs of a deleted topic for a topic re-created
# under the same name: drop what an earlier run set.
kafka kafka.admin.ConfigCommand --bootstrap-server "$US" --entity-type topics --entity-name demo \
  --alter --delete-config retention.ms >/dev/null 2>&1 || true

plan_apply() {
  local manifest="$STEPS/$1"
  run linkctl -f "$manifest" plan || true
  run linkctl -f "$manifest" apply --auto-approve
  echo "\$ linkctl -f $manifest plan --detailed-exitcode   # must say: no changes"
  linkctl -f "$manifest" plan --detailed-exitcode >/dev/null 2>&1 && echo "no changes" \
    || { echo "demo: the plan after apply is not empty" >&2; exit 1; }
}

step "S1: link demo-link (us -> europe), offset sync every 3 s, all groups"
plan_apply 01-link.yaml

step "S2: mirror topic demo, 5 records produced on us"
[[ -t 1 ]] && diff -u "$STEPS/01-link.yaml" "$STEPS/02-mirror.yaml" || true
plan_apply 02-mirror.yaml
seq 1 5 | sed 's/^/record-/' | kafka org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$US" --topic demo
sleep 3

step "S3 / S9: status of the link, its mirrors and their lag"
run linkctl -f "$STEPS/02-mirror.yaml" status

step "S4: consume 5 records on us as my-consumer-group; its offset syncs to europe"
run kafka org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$US" --topic demo \
  --group my-consumer-group --from-beginning --max-messages 5
sleep 10
# MirrorMaker 2 translates offsets exactly at its offset syncs: the rest of the
# records are produced once the group's offset has been checkpointed.
seq 6 20 | sed 's/^/record-/' | kafka org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$US" --topic demo
sleep 3
run linkctl -f "$STEPS/02-mirror.yaml" status --groups
echo "A consumer of my-consumer-group on europe continues where the group stopped on us:"
run kafka org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$EUROPE" --topic demo \
  --group my-consumer-group --max-messages 1 --consumer-property enable.auto.commit=false

step "S5: stop syncing my-consumer-group (include *, exclude my-consumer-group)"
plan_apply 05-exclude-group.yaml
run kafka org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$US" --topic demo \
  --group my-consumer-group --max-messages 10
sleep 8
echo "us moved on; europe keeps the offset it had:"
run linkctl -f "$STEPS/05-exclude-group.yaml" status --groups

step "S7 / S8: retention.ms and partitions change on the source; the mirror follows"
run kafka kafka.admin.ConfigCommand --bootstrap-server "$US" --entity-type topics --entity-name demo \
  --alter --add-config retention.ms=259200000
run kafka org.apache.kafka.tools.TopicCommand --bootstrap-server "$US" --alter --topic demo --partitions 8
sleep 8
run linkctl -f "$STEPS/05-exclude-group.yaml" status
echo "\$ linkctl -f $STEPS/05-exclude-group.yaml plan   # the plan never fights synced state"
linkctl -f "$STEPS/05-exclude-group.yaml" plan

step "S10: cut over — promote demo; europe/demo becomes an independent, writable topic"
plan_apply 10-promote.yaml
echo written-on-europe | kafka org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$EUROPE" --topic demo
echo written-on-us-after-promotion | kafka org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$US" --topic demo
sleep 5
run linkctl -f "$STEPS/10-promote.yaml" status

step "S11: delete the link (it is gone from the manifest, prune_links: true)"
plan_apply 11-delete-link.yaml

echo
bold "Demo complete. The clusters are still running; tear them down with:"
echo "  scripts/local-kafka.sh down          # or: scripts/local-kafka.sh down --purge"
