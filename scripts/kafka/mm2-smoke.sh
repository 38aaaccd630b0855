#!/usr/bin/env bash
# shellcheck disable=SC2016 # poll() evaluates its single-quoted condition later, on purpose
# MirrorMaker 2 smoke scenario against the clusters of scripts/local-kafka.sh
# (us -> europe, Connect on europe). Reproduces the measurements of MM2-NOTES.md.
#
#   scripts/local-kafka.sh down --purge && scripts/local-kafka.sh up
#   scripts/kafka/mm2-smoke.sh            # needs empty clusters (fresh `up` after `down --purge`)
#
# Exits non-zero at the first expectation that does not hold. Bounded waits only.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LK="$HERE/../local-kafka.sh"
eval "$("$LK" env)"
US="$LINKCTL_US_BOOTSTRAP" EU="$LINKCTL_EUROPE_BOOTSTRAP" C="$LINKCTL_CONNECT_URL"
T="demo" G="my-consumer-group"

k() { "$LK" kafka-class "$@"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }
fail() { echo "FAIL: $*" >&2; exit 1; }
# poll SECONDS 'shell condition' WHAT: wait until the condition holds (evaluated in this
# shell, so the helpers below work in it), else fail; prints seconds since $T0.
poll() {
  local end=$((SECONDS + $1))
  until eval "$2"; do
    ((SECONDS < end)) || fail "$3 (not within $1 s)"
    sleep 0.3
  done
  since "$T0"
}

produce() { # bootstrap count prefix
  seq 1 "$2" | sed "s/^/$3-/" | k org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$1" --topic "$T" >/dev/null
}
consume() { # bootstrap count group
  k org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$1" --topic "$T" --group "$3" \
    --max-messages "$2" --from-beginning --timeout-ms 15000 >/dev/null 2>&1
}
group_offset() { # bootstrap -> committed offset of $G on $T-0 (empty if none)
  k org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$1" --describe --group "$G" 2>/dev/null \
    | awk -v t="$T" '$2==t && $3==0 && $4!="-" {print $4}'
}
leo() { # bootstrap partition
  k org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$1" --topic "$T" 2>/dev/null | awk -F: -v p="$2" '$2==p{print $3}'
}
npart() { k org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$1" --topic "$T" 2>/dev/null | wc -l; }
topic_cfg() { k kafka.admin.ConfigCommand --bootstrap-server "$1" --entity-type topics --entity-name "$T" --describe 2>/dev/null; }
state() { curl -fsS "$C/connectors/$1/status" | grep -o '"state":"[A-Z]*"' | tr '\n' ' '; }

# ---------------------------------------------------------------- connector configs
common() {
  cat <<EOF
 "source.cluster.alias": "us", "target.cluster.alias": "europe",
 "source.cluster.bootstrap.servers": "$US", "target.cluster.bootstrap.servers": "$EU",
 "replication.policy.class": "org.apache.kafka.connect.mirror.IdentityReplicationPolicy",
 "offset-syncs.topic.location": "target", "offset-syncs.topic.replication.factor": "1",
 "tasks.max": "1",
 "key.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
 "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
 "header.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
EOF
}
source_cfg() { # topics-regex-list
  cat <<EOF
{$(common)
 "connector.class": "org.apache.kafka.connect.mirror.MirrorSourceConnector",
 "topics": "$1",
 "replication.factor": "1", "heartbeats.topic.replication.factor": "1", "checkpoints.topic.replication.factor": "1",
 "sync.topic.acls.enabled": "false",
 "sync.topic.configs.enabled": "true", "sync.topic.configs.interval.seconds": "1",
 "refresh.topics.enabled": "true", "refresh.topics.interval.seconds": "1",
 "offset.lag.max": "0"}
EOF
}
checkpoint_cfg() { # groups.exclude
  cat <<EOF
{$(common)
 "connector.class": "org.apache.kafka.connect.mirror.MirrorCheckpointConnector",
 "topics": "^demo\$",
 "groups": ".*", "groups.exclude": "$1",
 "checkpoints.topic.replication.factor": "1",
 "emit.checkpoints.enabled": "true", "emit.checkpoints.interval.seconds": "1",
 "sync.group.offsets.enabled": "true", "sync.group.offsets.interval.seconds": "1",
 "refresh.groups.enabled": "true", "refresh.groups.interval.seconds": "1"}
EOF
}
put() { # name json
  local code
  code="$(curl -sS -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' --data "$2" "$C/connectors/$1/config")"
  [[ "$code" == 200 || "$code" == 201 ]] || fail "PUT $1 -> HTTP $code"
  echo "PUT $1 -> $code"
}
DEFAULT_GROUP_EXCLUDES='console-consumer-.*, connect-.*, __.*'

# ---------------------------------------------------------------- 1. topic + connectors
curl -fsS "$C/connectors" | grep -q '^\[\]$' || fail "Connect already has connectors: start from 'down --purge' + 'up'"
k org.apache.kafka.tools.TopicCommand --bootstrap-server "$US" --create --topic "$T" --partitions 1 --replication-factor 1 >/dev/null
T0=$(now)
put demo-link-source "$(source_cfg '^demo$')"
put demo-link-checkpoint "$(checkpoint_cfg "$DEFAULT_GROUP_EXCLUDES")"
t="$(poll 60 '[[ "$(npart "$EU")" == 1 ]]' 'europe/demo not created')"
echo "1. europe/demo created after ${t}s"
echo "   source: $(state demo-link-source)| checkpoint: $(state demo-link-checkpoint)"

# ---------------------------------------------------------------- 2. records + exact offset translation
produce "$US" 5 a
T0=$(now)
t="$(poll 60 '[[ "$(leo "$EU" 0)" == 5 ]]' 'europe/demo did not reach 5')"
echo "2. 5 records on europe/demo after ${t}s"
consume "$US" 5 "$G"
[[ "$(group_offset "$US")" == 5 ]] || fail "us group offset is not 5"
T0=$(now)
t="$(poll 60 '[[ -n "$(group_offset "$EU")" ]]' 'no europe group offset')"
echo "   europe $G offset $(group_offset "$EU") after ${t}s (want 5)"
[[ "$(group_offset "$EU")" == 5 ]] || fail "europe group offset is not 5"
produce "$US" 15 b
T0=$(now); poll 60 '[[ "$(leo "$EU" 0)" == 20 ]]' 'europe/demo did not reach 20' >/dev/null
echo "   20 records on europe/demo; europe offset still $(group_offset "$EU")"

# ---------------------------------------------------------------- 3. exclude the group
put demo-link-checkpoint "$(checkpoint_cfg "$DEFAULT_GROUP_EXCLUDES, ^my-consumer-group\$")"
consume "$US" 15 "$G"   # us -> 20 = log end: would translate exactly to 20 if not excluded
sleep 6
echo "3. excluded: us offset $(group_offset "$US"), europe offset $(group_offset "$EU") after 6s (want 5)"
[[ "$(group_offset "$EU")" == 5 ]] || fail "europe offset moved while excluded"
T0=$(now)
put demo-link-checkpoint "$(checkpoint_cfg "$DEFAULT_GROUP_EXCLUDES")"
t="$(poll 60 '[[ "$(group_offset "$EU")" == 20 ]]' 'europe offset not 20 after re-include')"
echo "   re-included: europe offset 20 after ${t}s"

# ---------------------------------------------------------------- 4. config + partitions
T0=$(now)
k kafka.admin.ConfigCommand --bootstrap-server "$US" --entity-type topics --entity-name "$T" --alter --add-config retention.ms=7200000 >/dev/null
t="$(poll 60 'topic_cfg "$EU" | grep -q retention.ms=7200000' 'retention.ms not synced')"
echo "4. retention.ms on europe after ${t}s"
T0=$(now)
k org.apache.kafka.tools.TopicCommand --bootstrap-server "$US" --alter --topic "$T" --partitions 8 >/dev/null
t="$(poll 60 '[[ "$(npart "$EU")" == 8 ]]' 'partitions not synced')"
echo "   8 partitions on europe after ${t}s"

# ---------------------------------------------------------------- 5. promote
T0=$(now)
put demo-link-source "$(source_cfg '')"
sleep 3
echo "5. promoted (topics=\"\"): source $(state demo-link-source)"
printf 'k:europe-local\n' | k org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$EU" --topic "$T" \
  --property parse.key=true --property key.separator=: >/dev/null
printf 'k:us-after-promote\n' | k org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$US" --topic "$T" \
  --property parse.key=true --property key.separator=: >/dev/null
total() { k org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$1" --topic "$T" 2>/dev/null | awk -F: '{s+=$3} END{print s}'; }
sleep 5
echo "   us total $(total "$US") records, europe total $(total "$EU") (want 21 and 21: 20 mirrored + 1 local; the us record is not copied)"
[[ "$(total "$EU")" == 21 ]] || fail "europe/demo should hold 21 records"

# ---------------------------------------------------------------- 6. delete
for c in demo-link-source demo-link-checkpoint; do
  curl -sS -o /dev/null -w "DELETE $c -> %{http_code}\n" -X DELETE "$C/connectors/$c"
done
echo "6. europe topics left: $(k org.apache.kafka.tools.TopicCommand --bootstrap-server "$EU" --list 2>/dev/null | tr '\n' ' ')"
echo "   europe $G offset left: $(group_offset "$EU")"
echo "OK"
