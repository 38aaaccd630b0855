#!/usr/bin/env bash
# shellcheck disable=SC2016 # poll() evaluates its single-quoted condition later, on purpose
# Smoke test of the SECURE profile of scripts/local-kafka.sh (see SECURE.md):
# authentication, authorization, TLS files, the Connect REST API over HTTPS with
# basic auth, and MirrorMaker 2 replicating us -> europe as User:mm2.
#
#   scripts/local-kafka.sh up --secure
#   scripts/kafka/secure-smoke.sh
#
# Uses topic `smoke`, group `smoke-group` and connectors `smoke-source` /
# `smoke-checkpoint`, and removes them (and the temporary ACLs it grants `app`)
# on exit, pass or fail. Exits non-zero at the first expectation that does not hold.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LK="$HERE/../local-kafka.sh"
"$LK" status --secure >/dev/null || { echo "FAIL: the secure stack is not up: run '$LK up --secure'" >&2; exit 1; }
eval "$("$LK" env --secure)"
US="$LINKCTL_SECURE_US_BOOTSTRAP" EU="$LINKCTL_SECURE_EUROPE_BOOTSTRAP" C="$LINKCTL_SECURE_CONNECT_URL"
ADMIN="$LINKCTL_SECURE_ADMIN_PROPERTIES" APP="$LINKCTL_SECURE_APP_PROPERTIES"
T=smoke G=smoke-group CONNECTORS=(smoke-source smoke-checkpoint)
NL=$'\n'
TMP="$(mktemp -d)"
chmod 700 "$TMP"

k() { "$LK" kafka-class "$@"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok   $*"; }
poll() { # SECONDS 'condition' WHAT
  local end=$((SECONDS + $1))
  until eval "$2"; do
    ((SECONDS < end)) || fail "$3 (not within $1 s)"
    sleep 0.5
  done
}
# Connect REST: good credentials (curl config file), CA of the stack
rest() { curl -sS -m 20 --cacert "$LINKCTL_SECURE_CA_PEM" -K "$LINKCTL_SECURE_CONNECT_CURLRC" "$@"; }
code() { curl -sS -m 20 -o /dev/null -w '%{http_code}' --cacert "$LINKCTL_SECURE_CA_PEM" "$@"; }
topics() { k org.apache.kafka.tools.TopicCommand --bootstrap-server "$1" --command-config "$ADMIN" --list 2>/dev/null; }
leo() { # bootstrap -> sum of the log end offsets of $T (admin)
  k org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$1" --command-config "$ADMIN" --topic "$T" 2>/dev/null \
    | awk -F: '{s+=$3} END{print s+0}'
}
group_offset() { # bootstrap -> committed offset of $G on $T-0 (admin; empty if none)
  k org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$1" --command-config "$ADMIN" \
    --describe --group "$G" 2>/dev/null | awk -v t="$T" '$2==t && $3==0 && $4!="-" {print $4}'
}
acl() { # bootstrap args... (AclCommand as admin)
  local b="$1"; shift
  k org.apache.kafka.tools.AclCommand --bootstrap-server "$b" --command-config "$ADMIN" "$@" >/dev/null 2>&1
}

# ---------------------------------------------------------------- cleanup (also at start)
PRE_EU_TOPICS=""
cleanup() {
  local c b t
  for c in "${CONNECTORS[@]}"; do
    if [[ "$(code -K "$LINKCTL_SECURE_CONNECT_CURLRC" "$C/connectors/$c")" == 200 ]]; then
      rest -o /dev/null -X PUT "$C/connectors/$c/stop" || true
      # the stop takes effect asynchronously; offsets can be reset only once STOPPED
      for _ in $(seq 1 40); do
        rest "$C/connectors/$c/status" 2>/dev/null | grep -q '"connector":{"state":"STOPPED"' && break
        sleep 0.5
      done
      rest -o /dev/null -X DELETE "$C/connectors/$c/offsets" || true
      rest -o /dev/null -X DELETE "$C/connectors/$c" || true
    fi
  done
  for b in "$US" "$EU"; do
    k org.apache.kafka.tools.TopicCommand --bootstrap-server "$b" --command-config "$ADMIN" \
      --delete --if-exists --topic "$T" >/dev/null 2>&1 || true
    k org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$b" --command-config "$ADMIN" \
      --delete --group "$G" >/dev/null 2>&1 || true
  done
  # MirrorMaker 2's internal topics on europe, unless they were there before this run
  for t in mm2-offset-syncs.us.internal us.checkpoints.internal; do
    if ! grep -qx "$t" <<<"$PRE_EU_TOPICS"; then
      k org.apache.kafka.tools.TopicCommand --bootstrap-server "$EU" --command-config "$ADMIN" \
        --delete --if-exists --topic "$t" >/dev/null 2>&1 || true
    fi
  done
  acl "$US" --remove --force --topic "$T" --group "$G" || true
  acl "$EU" --remove --force --topic "$T" --group "$G" || true
  rm -rf "$TMP"
}

echo "secure smoke: us=$US europe=$EU connect=$C"
PRE_US_TOPICS="$(topics "$US")" || fail "admin cannot list the topics of us"
PRE_EU_TOPICS="$(topics "$EU")" || fail "admin cannot list the topics of europe"
leftovers=0
grep -qx "$T" <<<"$PRE_US_TOPICS$NL$PRE_EU_TOPICS" && leftovers=1
for c in "${CONNECTORS[@]}"; do
  [[ "$(code -K "$LINKCTL_SECURE_CONNECT_CURLRC" "$C/connectors/$c")" != 200 ]] || leftovers=1
done
if ((leftovers)); then
  echo "leftovers of an earlier run: cleaning up first"
  cleanup
  TMP="$(mktemp -d)"
  chmod 700 "$TMP"
fi
PRE_EU_TOPICS="$(grep -vx "$T" <<<"$PRE_EU_TOPICS" || true)"
on_exit() {
  local rc=$?
  echo "cleaning up"
  cleanup
  exit "$rc"
}
trap on_exit EXIT

# ---------------------------------------------------------------- 1. authentication and authorization
ok "admin lists topics on us ($(grep -c . <<<"$PRE_US_TOPICS") topics) and europe ($(grep -c . <<<"$PRE_EU_TOPICS"))"

k org.apache.kafka.tools.TopicCommand --bootstrap-server "$US" --command-config "$ADMIN" \
  --create --topic "$T" --partitions 1 --replication-factor 1 >/dev/null 2>&1 || fail "admin cannot create topic $T on us"
k org.apache.kafka.tools.TopicCommand --bootstrap-server "$US" --command-config "$LINKCTL_SECURE_LINKCTL_PROPERTIES" \
  --describe --topic "$T" 2>/dev/null | grep -q "Topic: $T" || fail "linkctl cannot describe topic $T"
ok "linkctl describes topic $T"
if k org.apache.kafka.tools.TopicCommand --bootstrap-server "$US" --command-config "$LINKCTL_SECURE_LINKCTL_PROPERTIES" \
     --create --topic smoke-denied --partitions 1 --replication-factor 1 >"$TMP/out" 2>&1; then
  fail "linkctl could create a topic"
fi
grep -q "TopicAuthorizationException\|Authorization failed" "$TMP/out" \
  || { cat "$TMP/out" >&2; fail "linkctl's create failed, but not with an authorization error"; }
ok "linkctl cannot create a topic: $(grep -o 'TopicAuthorizationException[^.]*\|Authorization failed[^.]*' "$TMP/out" | head -n1)"

sed "s/password=\"[^\"]*\"/password=\"wrong-$RANDOM\"/" "$APP" >"$TMP/wrong.properties"
t0=$(now)
if k org.apache.kafka.tools.TopicCommand --bootstrap-server "$US" --command-config "$TMP/wrong.properties" \
     --list >"$TMP/out" 2>&1; then
  fail "a wrong password was accepted"
fi
took="$(since "$t0")"
grep -q "SaslAuthenticationException\|Authentication failed" "$TMP/out" \
  || { cat "$TMP/out" >&2; fail "the wrong password failed, but not with an authentication error"; }
awk -v t="$took" 'BEGIN{exit !(t < 15)}' || fail "the wrong password was refused only after ${took}s"
ok "wrong password refused in ${took}s (tool JVM included): $(grep -o 'SaslAuthenticationException\|Authentication failed[^,]*' "$TMP/out" | head -n1)"

sed "s#^ssl.truststore.location=.*#ssl.truststore.location=$LINKCTL_SECURE_OTHER_CA_PEM#" "$ADMIN" >"$TMP/other-ca.properties"
if k org.apache.kafka.tools.TopicCommand --bootstrap-server "$US" --command-config "$TMP/other-ca.properties" \
     --list >"$TMP/out" 2>&1; then
  fail "a client trusting only the other CA could connect"
fi
grep -q "SSL handshake failed\|SSLHandshakeException\|PKIX" "$TMP/out" \
  || { cat "$TMP/out" >&2; fail "the untrusted-CA client failed, but not in the TLS handshake"; }
ok "client trusting only other-ca.pem: SSL handshake failed"

TLS_DIR="$(dirname "$LINKCTL_SECURE_CA_PEM")"
openssl verify -CAfile "$LINKCTL_SECURE_CA_PEM" -verify_ip 127.0.0.1 "$TLS_DIR/server.pem" >/dev/null 2>&1 \
  || fail "server.pem does not verify for 127.0.0.1"
openssl verify -CAfile "$LINKCTL_SECURE_CA_PEM" -verify_hostname localhost "$TLS_DIR/server.pem" >/dev/null 2>&1 \
  || fail "server.pem does not verify for localhost"
! openssl verify -CAfile "$LINKCTL_SECURE_CA_PEM" -verify_ip 127.0.0.1 "$LINKCTL_SECURE_MISMATCH_CERT_PEM" >/dev/null 2>&1 \
  || fail "the mismatch certificate verifies for 127.0.0.1"
openssl verify -CAfile "$LINKCTL_SECURE_CA_PEM" "$TLS_DIR/mismatch.pem" >/dev/null 2>&1 \
  || fail "the mismatch certificate is not signed by the CA"
! openssl verify -CAfile "$LINKCTL_SECURE_OTHER_CA_PEM" "$TLS_DIR/server.pem" >/dev/null 2>&1 \
  || fail "server.pem verifies against the other CA"
ok "TLS files: server cert valid for 127.0.0.1/localhost; mismatch cert from the CA but not for 127.0.0.1; other CA unrelated"

# ---------------------------------------------------------------- 2. Connect REST: https + basic auth
[[ "$(code -K "$LINKCTL_SECURE_CONNECT_CURLRC" "$C/")" == 200 ]] || fail "GET / with good credentials is not 200"
[[ "$(code "$C/")" == 401 ]] || fail "GET / without credentials is not 401"
[[ "$(code -u "linkctl:wrong-$RANDOM" "$C/")" == 401 ]] || fail "GET / with a wrong password is not 401"
[[ "$(code -K "$LINKCTL_SECURE_CONNECT_CURLRC" "$C/connector-plugins")" == 200 ]] || fail "GET /connector-plugins is not 200"
ok "Connect over https: good credentials 200, none 401, wrong password 401"

# ---------------------------------------------------------------- 3. MirrorMaker 2 as User:mm2
# `app` may produce to and consume $T as group $G on us, and read it on europe (temporary ACLs)
acl "$US" --add --allow-principal User:app --topic "$T" --operation Write || fail "cannot grant app Write on $T"
acl "$US" --add --allow-principal User:app --topic "$T" --group "$G" --operation Read || fail "cannot grant app Read on us"
acl "$EU" --add --allow-principal User:app --topic "$T" --group "$G" --operation Read || fail "cannot grant app Read on europe"

common() {
  cat <<EOF
 "source.cluster.alias": "us", "target.cluster.alias": "europe",
 "source.cluster.bootstrap.servers": "$US", "target.cluster.bootstrap.servers": "$EU",
 "source.cluster.security.protocol": "SASL_SSL", "source.cluster.sasl.mechanism": "SCRAM-SHA-512",
 "source.cluster.sasl.jaas.config": "\${env:LINKCTL_SECURE_MM2_US_JAAS}",
 "source.cluster.ssl.truststore.type": "PEM", "source.cluster.ssl.truststore.location": "$LINKCTL_SECURE_CA_PEM",
 "target.cluster.security.protocol": "SASL_SSL", "target.cluster.sasl.mechanism": "SCRAM-SHA-512",
 "target.cluster.sasl.jaas.config": "\${env:LINKCTL_SECURE_MM2_EUROPE_JAAS}",
 "target.cluster.ssl.truststore.type": "PEM", "target.cluster.ssl.truststore.location": "$LINKCTL_SECURE_CA_PEM",
 "producer.override.sasl.jaas.config": "\${env:LINKCTL_SECURE_MM2_EUROPE_JAAS}",
 "replication.policy.class": "org.apache.kafka.connect.mirror.IdentityReplicationPolicy",
 "offset-syncs.topic.location": "target", "offset-syncs.topic.replication.factor": "1",
 "checkpoints.topic.replication.factor": "1",
 "topics": "^$T\$", "tasks.max": "1",
 "key.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
 "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
 "header.converter": "org.apache.kafka.connect.converters.ByteArrayConverter"
EOF
}
SOURCE_CFG="{$(common),
 \"connector.class\": \"org.apache.kafka.connect.mirror.MirrorSourceConnector\",
 \"replication.factor\": \"1\", \"heartbeats.topic.replication.factor\": \"1\",
 \"sync.topic.acls.enabled\": \"false\", \"sync.topic.configs.enabled\": \"true\",
 \"sync.topic.configs.interval.seconds\": \"1\", \"refresh.topics.interval.seconds\": \"1\",
 \"offset.lag.max\": \"0\"}"
CHECKPOINT_CFG="{$(common),
 \"connector.class\": \"org.apache.kafka.connect.mirror.MirrorCheckpointConnector\",
 \"groups\": \"^$G\$\",
 \"emit.checkpoints.interval.seconds\": \"1\", \"sync.group.offsets.enabled\": \"true\",
 \"sync.group.offsets.interval.seconds\": \"1\", \"refresh.groups.interval.seconds\": \"1\"}"
put() { # name json
  local c
  c="$(rest -o "$TMP/put.out" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' --data "$2" "$C/connectors/$1/config")"
  [[ "$c" == 200 || "$c" == 201 ]] || { cat "$TMP/put.out" >&2; fail "PUT $1 -> HTTP $c"; }
}
failed_states() { # connector -> FAILED traces (empty if none)
  rest "$C/connectors/$1/status" 2>/dev/null | grep -o '"state":"FAILED"[^}]*' || true
}

T0=$(now)
put smoke-source "$SOURCE_CFG"
put smoke-checkpoint "$CHECKPOINT_CFG"
ok "connectors created through https (configs reference \${env:LINKCTL_SECURE_MM2_*_JAAS})"

printf 'smoke-1\nsmoke-2\nsmoke-3\n' | k org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$US" \
  --command-config "$APP" --topic "$T" >/dev/null 2>"$TMP/out" || { cat "$TMP/out" >&2; fail "app cannot produce to $T on us"; }
ok "app produced 3 records to us/$T"
poll 90 '[[ -n "$(failed_states smoke-source)" ]] && fail "smoke-source FAILED: $(failed_states smoke-source)"; [[ "$(leo "$EU")" == 3 ]]' \
  "europe/$T did not reach 3 records"
ok "3 records on europe/$T after $(since "$T0")s"
# topic config and partition count follow (mm2: AlterConfigs and Alter on europe)
T0=$(now)
k kafka.admin.ConfigCommand --bootstrap-server "$US" --command-config "$ADMIN" --entity-type topics --entity-name "$T" \
  --alter --add-config retention.ms=7200000 >/dev/null 2>&1 || fail "cannot alter retention.ms of us/$T"
k org.apache.kafka.tools.TopicCommand --bootstrap-server "$US" --command-config "$ADMIN" --alter --topic "$T" \
  --partitions 2 >/dev/null 2>&1 || fail "cannot add a partition to us/$T"
poll 60 'k kafka.admin.ConfigCommand --bootstrap-server "$EU" --command-config "$ADMIN" --entity-type topics \
           --entity-name "$T" --describe 2>/dev/null | grep -q retention.ms=7200000' "retention.ms not synced to europe/$T"
poll 60 '[[ "$(k org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$EU" --command-config "$ADMIN" --topic "$T" 2>/dev/null | wc -l)" == 2 ]]' \
  "europe/$T did not get its second partition"
ok "retention.ms and the 2nd partition reached europe/$T after $(since "$T0")s"
got="$(k org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$EU" --command-config "$APP" --topic "$T" \
        --group "$G" --from-beginning --max-messages 3 --timeout-ms 20000 2>/dev/null | sort | tr '\n' ' ')"
[[ "$got" == "smoke-1 smoke-2 smoke-3 " ]] || fail "europe/$T holds '$got'"
ok "app reads them on europe: $got"
# the europe group just committed 3: delete it so that the checkpoint connector may write it
k org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$EU" --command-config "$ADMIN" \
  --delete --group "$G" >/dev/null 2>&1 || fail "cannot delete group $G on europe"

k org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$US" --command-config "$APP" --topic "$T" \
  --group "$G" --from-beginning --max-messages 3 --timeout-ms 20000 >/dev/null 2>&1 || fail "app cannot consume $T on us"
[[ "$(group_offset "$US")" == 3 ]] || fail "us group $G offset is not 3"
T0=$(now)
poll 90 '[[ -n "$(failed_states smoke-checkpoint)" ]] && fail "smoke-checkpoint FAILED: $(failed_states smoke-checkpoint)"; [[ "$(group_offset "$EU")" == 3 ]]' \
  "the checkpoint connector did not write $G = 3 on europe"
ok "group $G consumed to 3 on us -> offset 3 on europe after $(since "$T0")s (checkpoints + offset sync as mm2)"
for c in "${CONNECTORS[@]}"; do
  [[ -z "$(failed_states "$c")" ]] || fail "$c has a FAILED connector or task: $(failed_states "$c")"
done

# ---------------------------------------------------------------- 4. delete: connectors, then the mirror topic as linkctl
for c in "${CONNECTORS[@]}"; do
  [[ "$(rest -o /dev/null -w '%{http_code}' -X PUT "$C/connectors/$c/stop")" =~ ^20[24]$ ]] || fail "PUT $c/stop failed"
  poll 30 'rest "$C/connectors/$c/status" | grep -q "\"connector\":{\"state\":\"STOPPED\""' "$c not STOPPED"
  [[ "$(rest -o "$TMP/out" -w '%{http_code}' -X DELETE "$C/connectors/$c/offsets")" == 200 ]] \
    || { cat "$TMP/out" >&2; fail "DELETE $c/offsets failed"; }
  [[ "$(rest -o /dev/null -w '%{http_code}' -X DELETE "$C/connectors/$c")" == 204 ]] || fail "DELETE $c failed"
done
ok "connectors stopped, offsets reset, deleted"
if k org.apache.kafka.tools.TopicCommand --bootstrap-server "$US" --command-config "$LINKCTL_SECURE_LINKCTL_PROPERTIES" \
     --delete --topic "$T" >"$TMP/out" 2>&1; then
  fail "linkctl could delete a topic on us (the source)"
fi
grep -q "TopicAuthorizationException\|Authorization failed" "$TMP/out" \
  || { cat "$TMP/out" >&2; fail "linkctl's delete on us failed, but not with an authorization error"; }
k org.apache.kafka.tools.TopicCommand --bootstrap-server "$EU" --command-config "$LINKCTL_SECURE_LINKCTL_PROPERTIES" \
  --delete --topic "$T" >"$TMP/out" 2>&1 || { cat "$TMP/out" >&2; fail "linkctl cannot delete europe/$T"; }
ok "linkctl deletes the mirror topic on europe, and may not delete on us"
echo "OK"
