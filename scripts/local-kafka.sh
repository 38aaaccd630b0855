#!/usr/bin/env bash
# Local Apache Kafka for linkctl: two single-node KRaft clusters on loopback
# ("us" and "europe") and a Kafka Connect distributed worker next to "europe"
# with the MirrorMaker 2 connectors on its classpath. Kafka comes from Maven
# Central jars (scripts/kafka/pom.xml), no tarball, no Docker.
#
#   scripts/local-kafka.sh up                 resolve jars (once), format, start, wait until ready
#   scripts/local-kafka.sh down|stop [--purge] stop what `up` started (by recorded PID); --purge deletes data
#   scripts/local-kafka.sh status             per process: running (pid, port) or not; exit 0 all up, 3 otherwise
#   scripts/local-kafka.sh env                export lines (bootstraps, Connect URL, KAFKA_LIBS)
#   scripts/local-kafka.sh libs               only resolve the jars, print the libs dir
#   scripts/local-kafka.sh kafka-class CLASS [ARGS...]   run a Java class from the libs (quiet logging)
#
# Environment (all optional):
#   LINKCTL_CACHE      jar cache root        (default $HOME/.cache/linkctl; libs in kafka-<version>/libs)
#   LINKCTL_RUN_DIR    pids, data, logs      (default ${TMPDIR:-/tmp}/linkctl-local)
#   LINKCTL_US_PORT / LINKCTL_US_CONTROLLER_PORT           (19092 / 19093)
#   LINKCTL_EUROPE_PORT / LINKCTL_EUROPE_CONTROLLER_PORT   (29092 / 29093)
#   LINKCTL_CONNECT_PORT                                   (28083)
#   LINKCTL_READY_TIMEOUT  seconds to wait for each process (default 90)
#   LINKCTL_STOP_TIMEOUT   seconds between TERM and KILL     (default 30)
#   LINKCTL_BROKER_HEAP / LINKCTL_CONNECT_HEAP / LINKCTL_TOOL_HEAP  JVM heap flags
#   LINKCTL_KAFKA_LOG_LEVEL   root log level of the JVMs (default warn)
#   JAVA                      java binary (default: java on PATH)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$SCRIPT_DIR/kafka/pom.xml"
LOG_CONFIG="$SCRIPT_DIR/kafka/log4j2.properties"

die() { echo "local-kafka: error: $*" >&2; exit 1; }
say() { echo "local-kafka: $*" >&2; }

KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\([^<]*\)</kafka.version>.*:\1:p' "$POM" | head -n1)"
[[ -n "$KAFKA_VERSION" ]] || die "cannot read <kafka.version> from $POM"

CACHE_ROOT="$(realpath -m "${LINKCTL_CACHE:-$HOME/.cache/linkctl}")"
KAFKA_HOME_DIR="$CACHE_ROOT/kafka-$KAFKA_VERSION"
LIBS="$KAFKA_HOME_DIR/libs"
RUN_DIR="$(realpath -m "${LINKCTL_RUN_DIR:-${TMPDIR:-/tmp}/linkctl-local}")"

US_PORT="${LINKCTL_US_PORT:-19092}"
US_CPORT="${LINKCTL_US_CONTROLLER_PORT:-19093}"
EUROPE_PORT="${LINKCTL_EUROPE_PORT:-29092}"
EUROPE_CPORT="${LINKCTL_EUROPE_CONTROLLER_PORT:-29093}"
CONNECT_PORT="${LINKCTL_CONNECT_PORT:-28083}"
READY_TIMEOUT="${LINKCTL_READY_TIMEOUT:-90}"
STOP_TIMEOUT="${LINKCTL_STOP_TIMEOUT:-30}"

US_BOOTSTRAP="127.0.0.1:$US_PORT"
EUROPE_BOOTSTRAP="127.0.0.1:$EUROPE_PORT"
CONNECT_URL="http://127.0.0.1:$CONNECT_PORT"

JAVA_BIN="${JAVA:-java}"
# Gentle on a 2-core machine: small heaps, serial GC, C1 only, few compiler threads.
JVM_COMMON=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -Xss512k
            -Djava.awt.headless=true -Dfile.encoding=UTF-8
            "-Dlog4j2.configurationFile=$LOG_CONFIG"
            "-Dlinkctl.log.level=${LINKCTL_KAFKA_LOG_LEVEL:-warn}")
# shellcheck disable=SC2034 # used through a nameref in spawn()
read -r -a BROKER_HEAP <<<"${LINKCTL_BROKER_HEAP:--Xms128m -Xmx512m}"
# shellcheck disable=SC2034
read -r -a CONNECT_HEAP <<<"${LINKCTL_CONNECT_HEAP:--Xms128m -Xmx512m}"
read -r -a TOOL_HEAP <<<"${LINKCTL_TOOL_HEAP:--Xms32m -Xmx256m}"

PROCS=(us europe connect)

# ---------------------------------------------------------------- prerequisites

need_java() {
  command -v "$JAVA_BIN" >/dev/null 2>&1 \
    || die "'$JAVA_BIN' not found: install a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless) or set JAVA"
  local v
  v="$("$JAVA_BIN" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
  [[ -n "$v" && "$v" -ge 17 ]] || die "Kafka $KAFKA_VERSION needs Java 17+, '$JAVA_BIN' is version '${v:-unknown}'"
}

need_mvn() {
  command -v mvn >/dev/null 2>&1 \
    || die "'mvn' not found: Maven is needed once to resolve the Kafka jars into $LIBS (apt-get install maven)"
}

need_curl() {
  command -v curl >/dev/null 2>&1 || die "'curl' not found (needed to check the Connect REST API)"
}

# Serialise up/down of the same RUN_DIR (parallel test runs calling `up`).
take_lock() {
  mkdir -p "$RUN_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$RUN_DIR/.lock"
    flock -w 300 9 || die "another local-kafka.sh holds $RUN_DIR/.lock for more than 300s"
  fi
}

pom_stamp() { sha256sum "$POM" | cut -d' ' -f1; }

# Resolve the jars into $LIBS unless a complete copy for this pom is already there.
resolve_libs() {
  local stamp
  stamp="$(pom_stamp)"
  if [[ -f "$LIBS/.complete" && "$(cat "$LIBS/.complete")" == "$stamp" ]]; then
    return 0
  fi
  need_mvn
  say "resolving Apache Kafka $KAFKA_VERSION jars into $LIBS (Maven, first run only)"
  mkdir -p "$KAFKA_HOME_DIR"
  local tmp="$KAFKA_HOME_DIR/libs.tmp.$$"
  rm -rf "$tmp"
  if ! mvn -q -B -f "$POM" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp" >"$KAFKA_HOME_DIR/mvn.log" 2>&1; then
    tail -n 30 "$KAFKA_HOME_DIR/mvn.log" >&2 || true
    rm -rf "$tmp"
    die "Maven could not resolve the Kafka jars (full log: $KAFKA_HOME_DIR/mvn.log)"
  fi
  ls "$tmp"/kafka_2.13-*.jar "$tmp"/connect-mirror-[0-9]*.jar >/dev/null 2>&1 \
    || { rm -rf "$tmp"; die "Maven finished but the broker or connect-mirror jar is missing in $tmp"; }
  echo "$stamp" >"$tmp/.complete"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
}

# ---------------------------------------------------------------- process bookkeeping

pid_file() { echo "$RUN_DIR/pids/$1.pid"; }

# PID recorded for $1 if that process is alive AND is the JVM we started
# (its command line carries -Dlinkctl.proc=<name> and -Dlinkctl.run.dir=<RUN_DIR>),
# so a recycled PID is never mistaken for ours.
live_pid() {
  local f pid cmd
  f="$(pid_file "$1")"
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmd" == *"-Dlinkctl.proc=$1 "* && "$cmd" == *"-Dlinkctl.run.dir=$RUN_DIR "* ]] || return 1
  echo "$pid"
}

port_of() {
  case "$1" in
    us) echo "$US_PORT" ;;
    europe) echo "$EUROPE_PORT" ;;
    connect) echo "$CONNECT_PORT" ;;
  esac
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

log_tail() {
  local log="$RUN_DIR/logs/$1.log"
  if [[ -f "$log" ]]; then
    echo "---- last 40 lines of $log ----" >&2
    tail -n 40 "$log" >&2 || true
    echo "----" >&2
  fi
}

fail_proc() { # name message
  log_tail "$1"
  die "$2"
}

# ---------------------------------------------------------------- brokers

write_server_properties() { # name port cport
  local name="$1" port="$2" cport="$3" dir="$RUN_DIR/$1"
  cat >"$dir/server.properties" <<EOF
# generated by scripts/local-kafka.sh: single-node KRaft cluster "$name"
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
default.replication.factor=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
EOF
}

# Format the data dir once; reuse it when its cluster id matches ours.
format_storage() { # name
  local name="$1" dir="$RUN_DIR/$1"
  local meta="$dir/data/meta.properties" idfile="$dir/cluster.id" want have
  if [[ -f "$meta" ]]; then
    have="$(sed -n 's/^cluster.id=//p' "$meta")"
    if [[ ! -f "$idfile" ]]; then
      echo "$have" >"$idfile"
    fi
    want="$(cat "$idfile")"
    [[ "$have" == "$want" ]] \
      || die "$name: $meta has cluster.id=$have but $idfile says $want; run '$0 down --purge' to start from scratch"
    return 0
  fi
  rm -rf "$dir/data"
  if [[ ! -s "$idfile" ]]; then
    "$JAVA_BIN" "${TOOL_HEAP[@]}" "${JVM_COMMON[@]}" -cp "$LIBS/*" kafka.tools.StorageTool random-uuid \
      2>>"$RUN_DIR/logs/$name.log" | tail -n1 >"$idfile"
  fi
  want="$(cat "$idfile")"
  [[ -n "$want" ]] || fail_proc "$name" "$name: could not generate a cluster id"
  if ! "$JAVA_BIN" "${TOOL_HEAP[@]}" "${JVM_COMMON[@]}" -cp "$LIBS/*" kafka.tools.StorageTool format \
        -t "$want" -c "$dir/server.properties" --standalone >>"$RUN_DIR/logs/$name.log" 2>&1; then
    fail_proc "$name" "$name: formatting $dir/data failed"
  fi
}

check_port_free() { # name port
  if port_open "$2"; then
    die "$1: port $2 on 127.0.0.1 is already in use by another process (not started by this script); free it or set the LINKCTL_*_PORT variables"
  fi
}

spawn() { # name heap-array-name main args...
  local name="$1" heapvar="$2"; shift 2
  local -n heap="$heapvar"
  local log="$RUN_DIR/logs/$name.log"
  echo "==== $(date -Is) starting $name ====" >>"$log"
  # setsid: own session, so a Ctrl-C in the calling terminal does not reach it.
  setsid "$JAVA_BIN" "${heap[@]}" "${JVM_COMMON[@]}" \
    "-Dlinkctl.proc=$name" "-Dlinkctl.run.dir=$RUN_DIR" \
    -cp "$LIBS/*" "$@" </dev/null >>"$log" 2>&1 9>&- &
  echo $! >"$(pid_file "$name")"
}

wait_broker() { # name port
  local name="$1" port="$2" deadline=$((SECONDS + READY_TIMEOUT)) pid
  pid="$(cat "$(pid_file "$name")")"
  while ! port_open "$port"; do
    kill -0 "$pid" 2>/dev/null || fail_proc "$name" "$name (pid $pid) exited during start-up"
    ((SECONDS < deadline)) || fail_proc "$name" "$name: port $port not open after ${READY_TIMEOUT}s"
    sleep 0.5
  done
  # Port answers: now a real metadata request (list topics through the AdminClient).
  while :; do
    if "$JAVA_BIN" "${TOOL_HEAP[@]}" "${JVM_COMMON[@]}" -cp "$LIBS/*" org.apache.kafka.tools.TopicCommand \
         --bootstrap-server "127.0.0.1:$port" --list >/dev/null 2>>"$RUN_DIR/logs/$name.log"; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || fail_proc "$name" "$name (pid $pid) exited during start-up"
    ((SECONDS < deadline)) || fail_proc "$name" "$name: metadata request to 127.0.0.1:$port still failing after ${READY_TIMEOUT}s"
    sleep 1
  done
}

start_broker() { # name port cport
  local name="$1" port="$2" cport="$3" pid t0=$SECONDS
  if pid="$(live_pid "$name")"; then
    say "$name already running (pid $pid, 127.0.0.1:$port)"
    return 0
  fi
  check_port_free "$name" "$port"
  check_port_free "$name-controller" "$cport"
  mkdir -p "$RUN_DIR/$name"
  write_server_properties "$name" "$port" "$cport"
  format_storage "$name"
  spawn "$name" BROKER_HEAP kafka.Kafka "$RUN_DIR/$name/server.properties"
  wait_broker "$name" "$port"
  say "$name ready on 127.0.0.1:$port (pid $(cat "$(pid_file "$name")"), $((SECONDS - t0))s)"
}

# ---------------------------------------------------------------- Connect

write_worker_properties() {
  cat >"$RUN_DIR/connect/worker.properties" <<EOF
# generated by scripts/local-kafka.sh: Kafka Connect distributed worker next to "europe"
bootstrap.servers=$EUROPE_BOOTSTRAP
group.id=connect-linkctl-europe
listeners=http://127.0.0.1:$CONNECT_PORT
rest.advertised.host.name=127.0.0.1
rest.advertised.port=$CONNECT_PORT
key.converter=org.apache.kafka.connect.converters.ByteArrayConverter
value.converter=org.apache.kafka.connect.converters.ByteArrayConverter
header.converter=org.apache.kafka.connect.converters.ByteArrayConverter
config.storage.topic=connect-configs
offset.storage.topic=connect-offsets
status.storage.topic=connect-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.storage.partitions=1
status.storage.partitions=1
offset.flush.interval.ms=1000
scheduled.rebalance.max.delay.ms=0
plugin.discovery=service_load
# Connector configs may reference the worker's environment as \${env:NAME}:
# linkctl sends \${env:…} secrets that way instead of their values.
config.providers=env
config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider
EOF
}

wait_connect() {
  local deadline=$((SECONDS + READY_TIMEOUT)) pid plugins=""
  pid="$(cat "$(pid_file connect)")"
  while :; do
    # /health is 200 only once the worker finished start-up (joined its group).
    if curl -fsS -m 5 "$CONNECT_URL/" >/dev/null 2>&1 && curl -fsS -m 5 "$CONNECT_URL/health" >/dev/null 2>&1; then
      plugins="$(curl -fsS -m 5 "$CONNECT_URL/connector-plugins" 2>/dev/null || true)"
      [[ "$plugins" == *MirrorSourceConnector* ]] && break
    fi
    kill -0 "$pid" 2>/dev/null || fail_proc connect "connect (pid $pid) exited during start-up"
    ((SECONDS < deadline)) || fail_proc connect "Connect REST $CONNECT_URL not ready (or MirrorSourceConnector not in /connector-plugins) after ${READY_TIMEOUT}s"
    sleep 1
  done
  local c
  for c in MirrorSourceConnector MirrorCheckpointConnector MirrorHeartbeatConnector; do
    [[ "$plugins" == *"org.apache.kafka.connect.mirror.$c"* ]] \
      || fail_proc connect "$c missing from $CONNECT_URL/connector-plugins"
  done
}

start_connect() {
  local pid t0=$SECONDS
  if pid="$(live_pid connect)"; then
    say "connect already running (pid $pid, $CONNECT_URL)"
    return 0
  fi
  check_port_free connect "$CONNECT_PORT"
  mkdir -p "$RUN_DIR/connect"
  write_worker_properties
  spawn connect CONNECT_HEAP org.apache.kafka.connect.cli.ConnectDistributed "$RUN_DIR/connect/worker.properties"
  wait_connect
  say "connect ready on $CONNECT_URL (pid $(cat "$(pid_file connect)"), $((SECONDS - t0))s)"
}

# ---------------------------------------------------------------- commands

cmd_up() {
  need_java
  need_curl
  take_lock
  local all=1 p
  for p in "${PROCS[@]}"; do live_pid "$p" >/dev/null || all=0; done
  if ((all)); then
    say "already up (nothing to do)"
    cmd_status >&2 || true
    return 0
  fi
  resolve_libs
  mkdir -p "$RUN_DIR/logs" "$RUN_DIR/pids"
  start_broker us "$US_PORT" "$US_CPORT"
  start_broker europe "$EUROPE_PORT" "$EUROPE_CPORT"
  start_connect
  say "up: us=$US_BOOTSTRAP europe=$EUROPE_BOOTSTRAP connect=$CONNECT_URL (logs in $RUN_DIR/logs)"
}

# Stop the named processes together: TERM each recorded live PID, wait for all,
# KILL whatever is left after $STOP_TIMEOUT seconds. Never touches other processes.
stop_procs() { # name...
  local name pid deadline left
  local -a pids=() names=()
  for name in "$@"; do
    if pid="$(live_pid "$name")"; then
      say "stopping $name (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid"); names+=("$name")
    else
      rm -f "$(pid_file "$name")"
    fi
  done
  ((${#pids[@]})) || return 0
  deadline=$((SECONDS + STOP_TIMEOUT))
  while :; do
    left=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && left=1; done
    ((left)) || break
    if ((SECONDS >= deadline)); then
      for pid in "${pids[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
          say "pid $pid still running after ${STOP_TIMEOUT}s: KILL"
          kill -KILL "$pid" 2>/dev/null || true
        fi
      done
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  for name in "${names[@]}"; do rm -f "$(pid_file "$name")"; done
}

cmd_down() {
  local purge=0 a
  for a in "$@"; do
    case "$a" in
      --purge) purge=1 ;;
      *) die "down: unknown argument '$a' (only --purge)" ;;
    esac
  done
  take_lock
  # Connect first (it talks to europe), then the brokers.
  stop_procs connect
  stop_procs europe us
  if ((purge)); then
    say "purging data in $RUN_DIR"
    rm -rf "$RUN_DIR/us" "$RUN_DIR/europe" "$RUN_DIR/connect" "$RUN_DIR/pids"
  fi
  say "down"
}

cmd_status() {
  local p pid rc=0 where
  for p in "${PROCS[@]}"; do
    if [[ "$p" == connect ]]; then where="$CONNECT_URL"; else where="127.0.0.1:$(port_of "$p")"; fi
    if pid="$(live_pid "$p")"; then
      if port_open "$(port_of "$p")"; then
        printf '%-8s running  pid %-8s %s\n' "$p" "$pid" "$where"
      else
        printf '%-8s starting pid %-8s %s (port not answering yet)\n' "$p" "$pid" "$where"
        rc=3
      fi
    else
      printf '%-8s not running\n' "$p"
      rc=3
    fi
  done
  return "$rc"
}

cmd_env() {
  echo "export LINKCTL_US_BOOTSTRAP=$US_BOOTSTRAP"
  echo "export LINKCTL_EUROPE_BOOTSTRAP=$EUROPE_BOOTSTRAP"
  echo "export LINKCTL_CONNECT_URL=$CONNECT_URL"
  echo "export KAFKA_LIBS=$LIBS"
}

cmd_kafka_class() {
  [[ $# -ge 1 ]] || die "usage: $0 kafka-class <main class> [args...]"
  need_java
  resolve_libs
  local cls="$1"; shift
  exec "$JAVA_BIN" "${TOOL_HEAP[@]}" "${JVM_COMMON[@]}" -cp "$LIBS/*" "$cls" "$@"
}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    up|start) cmd_up "$@" ;;
    down|stop) cmd_down "$@" ;;
    status) cmd_status ;;
    env) cmd_env ;;
    libs) need_java; resolve_libs; echo "$LIBS" ;;
    kafka-class) cmd_kafka_class "$@" ;;
    -h|--help|help) usage ;;
    "") usage >&2; exit 2 ;;
    *) echo "local-kafka: unknown command '$cmd'" >&2; usage >&2; exit 2 ;;
  esac
}

main "$@"
