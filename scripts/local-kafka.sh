#!/usr/bin/env bash
# Local Apache Kafka for linkctl: two single-node KRaft clusters on loopback
# ("us" and "europe") and a Kafka Connect distributed worker next to "europe"
# with the MirrorMaker 2 connectors on its classpath. Kafka comes from Maven
# Central jars (scripts/kafka/pom.xml), no tarball, no Docker.
#
#   scripts/local-kafka.sh up [--secure] [--connect-workers N] [--kafka-version V] [--connect-version V]
#                                                         resolve jars (once), format, start, wait until ready
#   scripts/local-kafka.sh down|stop [--secure] [--purge] stop what `up` started (by recorded PID); --purge deletes data
#   scripts/local-kafka.sh status [--secure]             the versions, then per process (both brokers, every Connect
#                                                         worker): running (pid, port) or not; exit 0 all up, 3 otherwise
#   scripts/local-kafka.sh env [--secure]                export lines (bootstraps, Connect URL, KAFKA_LIBS; --secure: also
#                                                         TLS paths and every principal's credentials)
#   scripts/local-kafka.sh restart-connect [--secure] [--rolling]
#                                                         restart only the Connect workers (they read their environment,
#                                                         e.g. rotated ${env:...} secrets, at start); --rolling: one worker
#                                                         at a time, each back before the next stops (the group keeps serving)
#   scripts/local-kafka.sh leader [--secure]             the Connect worker that leads the group now (its name), from the
#                                                         workers' logs
#   scripts/local-kafka.sh libs               only resolve the jars, print the brokers' and Kafka Connect's libs dirs
#   scripts/local-kafka.sh kafka-class CLASS [ARGS...]   run a Java class from the libs (quiet logging)
#
# Two profiles, independent (own ports, own run dir), can run at the same time:
#   plain (default)  PLAINTEXT, no authentication, Connect on http
#   --secure         SASL_SSL + SCRAM-SHA-512 clients, StandardAuthorizer with ACLs,
#                    Connect REST on https with HTTP basic auth; see scripts/kafka/SECURE.md
#
# Versions (a production fleet upgrades its brokers before Kafka Connect; connect-mirror is
# not published for every broker version): --kafka-version / LINKCTL_KAFKA_VERSION for the
# brokers and tools (default: scripts/kafka/pom.xml, 4.4.0), --connect-version /
# LINKCTL_CONNECT_VERSION for Kafka Connect and MirrorMaker 2 (default:
# scripts/kafka/connect-pom.xml, 4.3.1); unset, every command uses the versions the stack
# in the run dir was started with. A data dir is refused by another broker version than
# the one that wrote it: `down --purge` first.
# Kafka Connect workers: --connect-workers N / LINKCTL_CONNECT_WORKERS (default 1) starts N
# distributed workers of one group: `connect` on the Connect port, `connect-2`, … on the
# next ports (`env` prints them all as LINKCTL_CONNECT_URLS).
#
# Environment (all optional):
#   LINKCTL_CACHE      jar cache root        (default $HOME/.cache/linkctl; libs in kafka-<version>/libs
#                                             and connect-<version>/libs)
#   LINKCTL_RUN_DIR    pids, data, logs      (default ${TMPDIR:-/tmp}/linkctl-local)
#   LINKCTL_US_PORT / LINKCTL_US_CONTROLLER_PORT           (19092 / 19093)
#   LINKCTL_EUROPE_PORT / LINKCTL_EUROPE_CONTROLLER_PORT   (29092 / 29093)
#   LINKCTL_CONNECT_PORT                                   (28083)
#   secure profile: LINKCTL_SECURE_RUN_DIR (default ${TMPDIR:-/tmp}/linkctl-local-secure),
#     LINKCTL_SECURE_US_PORT / LINKCTL_SECURE_US_CONTROLLER_PORT          (19192 / 19193)
#     LINKCTL_SECURE_EUROPE_PORT / LINKCTL_SECURE_EUROPE_CONTROLLER_PORT  (29192 / 29193)
#     LINKCTL_SECURE_CONNECT_PORT                                         (28443)
#   LINKCTL_CONNECT_OFFSET_FLUSH_MS  the worker's offset.flush.interval.ms (default: Kafka's, 60000)
#   LINKCTL_READY_TIMEOUT  seconds to wait for each process (default 90)
#   LINKCTL_STOP_TIMEOUT   seconds between TERM and KILL     (default 30)
#   LINKCTL_BROKER_HEAP / LINKCTL_CONNECT_HEAP / LINKCTL_TOOL_HEAP  JVM heap flags
#   LINKCTL_KAFKA_LOG_LEVEL   root log level of the JVMs (default warn)
#   LINKCTL_AUTHORIZER_LOG_LEVEL  secure brokers' kafka.authorizer.logger (default info: denials;
#                             debug: every allowed request too)
#   JAVA                      java binary (default: java on PATH)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$SCRIPT_DIR/kafka/pom.xml"                  # brokers and tools
CONNECT_POM="$SCRIPT_DIR/kafka/connect-pom.xml"  # Kafka Connect and MirrorMaker 2
SECURE_POM="$SCRIPT_DIR/kafka/secure-pom.xml"
LOG_CONFIG="$SCRIPT_DIR/kafka/log4j2.properties"

die() { echo "local-kafka: error: $*" >&2; exit 1; }
say() { echo "local-kafka: $*" >&2; }

# The version a pom pins by default (property $2 of pom $1).
pom_default() { sed -n "s:.*<$2>\([^<]*\)</$2>.*:\1:p" "$1" | head -n1; }

CACHE_ROOT="$(realpath -m "${LINKCTL_CACHE:-$HOME/.cache/linkctl}")"

# Two versions, two classpaths (a production fleet upgrades its brokers before
# Kafka Connect): the brokers and tools (pom.xml), Kafka Connect with the
# MirrorMaker 2 connectors (connect-pom.xml). Set by --kafka-version /
# --connect-version or LINKCTL_KAFKA_VERSION / LINKCTL_CONNECT_VERSION.
configure_versions() {
  # Unset: the versions the stack in $RUN_DIR was started with, else the poms' defaults.
  local rk rc
  rk="$(cat "$RUN_DIR/kafka.version" 2>/dev/null || true)"
  rc="$(cat "$RUN_DIR/connect.version" 2>/dev/null || true)"
  KAFKA_VERSION="${LINKCTL_KAFKA_VERSION:-${rk:-$(pom_default "$POM" kafka.version)}}"
  CONNECT_VERSION="${LINKCTL_CONNECT_VERSION:-${rc:-$(pom_default "$CONNECT_POM" connect.version)}}"
  [[ -n "$KAFKA_VERSION" ]] || die "cannot read <kafka.version> from $POM"
  [[ -n "$CONNECT_VERSION" ]] || die "cannot read <connect.version> from $CONNECT_POM"
  KAFKA_HOME_DIR="$CACHE_ROOT/kafka-$KAFKA_VERSION"
  LIBS="$KAFKA_HOME_DIR/libs"
  CONNECT_HOME_DIR="$CACHE_ROOT/connect-$CONNECT_VERSION"
  CONNECT_LIBS="$CONNECT_HOME_DIR/libs"
  # Jars only the secure profile needs (Connect's basic-auth REST extension), resolved
  # from their own pom so that $CONNECT_LIBS (and its pom stamp) stay as they are.
  EXT_LIBS="$CONNECT_HOME_DIR/libs-secure-ext"
}
PLAIN_RUN_DIR="$(realpath -m "${LINKCTL_RUN_DIR:-${TMPDIR:-/tmp}/linkctl-local}")"

READY_TIMEOUT="${LINKCTL_READY_TIMEOUT:-90}"
STOP_TIMEOUT="${LINKCTL_STOP_TIMEOUT:-30}"

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

# Kafka Connect workers of one group (`up --connect-workers N`): `connect` on
# $CONNECT_PORT, then `connect-2`, `connect-3`, … on the next ports.
CONNECT_WORKERS_WANTED="${LINKCTL_CONNECT_WORKERS:-1}"
# Whether the number of workers was asked for (flag or environment): an `up`
# that starts again what crashed keeps the recorded number otherwise.
CONNECT_WORKERS_EXPLICIT=0
[[ -n "${LINKCTL_CONNECT_WORKERS:-}" ]] && CONNECT_WORKERS_EXPLICIT=1
ROLLING=0

# The worker names, as many as the stack was started with (recorded at `up`).
worker_names() {
  local n i
  n="$(cat "$RUN_DIR/connect.workers" 2>/dev/null || echo "$CONNECT_WORKERS_WANTED")"
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || n=1
  echo connect
  for ((i = 2; i <= n; i++)); do echo "connect-$i"; done
}

# Every process of the stack.
procs() { echo us; echo europe; worker_names; }

# Selects worker $1 (`connect`, `connect-2`, …): WORKER_NAME, WORKER_PORT,
# WORKER_URL, WORKER_DIR.
select_worker() {
  local i=1
  [[ "$1" == connect-* ]] && i="${1#connect-}"
  WORKER_NAME="$1"
  WORKER_PORT=$((CONNECT_PORT + i - 1))
  WORKER_URL="${CONNECT_URL%:*}:$WORKER_PORT"
  WORKER_DIR="$RUN_DIR/$1"
}

# ---------------------------------------------------------------- profiles

SECURE=0   # set by --secure (see main)

# Ports, run dir and URLs of the chosen profile. The secure profile reads only
# LINKCTL_SECURE_* variables, so the plain profile's settings never leak into it.
configure_profile() {
  if ((SECURE)); then
    RUN_DIR="$(realpath -m "${LINKCTL_SECURE_RUN_DIR:-${TMPDIR:-/tmp}/linkctl-local-secure}")"
    [[ "$RUN_DIR" != "$PLAIN_RUN_DIR" ]] || die "LINKCTL_SECURE_RUN_DIR must differ from the plain profile's run dir ($PLAIN_RUN_DIR)"
    US_PORT="${LINKCTL_SECURE_US_PORT:-19192}"
    US_CPORT="${LINKCTL_SECURE_US_CONTROLLER_PORT:-19193}"
    EUROPE_PORT="${LINKCTL_SECURE_EUROPE_PORT:-29192}"
    EUROPE_CPORT="${LINKCTL_SECURE_EUROPE_CONTROLLER_PORT:-29193}"
    CONNECT_PORT="${LINKCTL_SECURE_CONNECT_PORT:-28443}"
    CONNECT_URL="https://127.0.0.1:$CONNECT_PORT"
    # Everything this profile writes (passwords, keys, configs with passwords, logs,
    # data, also by the JVMs it starts) is private to the user.
    umask 077
  else
    RUN_DIR="$PLAIN_RUN_DIR"
    US_PORT="${LINKCTL_US_PORT:-19092}"
    US_CPORT="${LINKCTL_US_CONTROLLER_PORT:-19093}"
    EUROPE_PORT="${LINKCTL_EUROPE_PORT:-29092}"
    EUROPE_CPORT="${LINKCTL_EUROPE_CONTROLLER_PORT:-29093}"
    CONNECT_PORT="${LINKCTL_CONNECT_PORT:-28083}"
    CONNECT_URL="http://127.0.0.1:$CONNECT_PORT"
  fi
  US_BOOTSTRAP="127.0.0.1:$US_PORT"
  EUROPE_BOOTSTRAP="127.0.0.1:$EUROPE_PORT"
  # secure profile only: TLS material, generated passwords, client property files
  TLS_DIR="$RUN_DIR/tls"
  SECRETS_DIR="$RUN_DIR/secrets"
  CLIENTS_DIR="$RUN_DIR/clients"
}

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

need_tls_tools() {
  command -v openssl >/dev/null 2>&1 || die "'openssl' not found (needed once to generate the secure profile's certificates)"
  command -v keytool >/dev/null 2>&1 || die "'keytool' not found (part of the Java runtime; needed for the PKCS12 truststore)"
}

# Serialise up/down of the same RUN_DIR (parallel test runs calling `up`).
take_lock() {
  mkdir -p "$RUN_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$RUN_DIR/.lock"
    flock -w 300 9 || die "another local-kafka.sh holds $RUN_DIR/.lock for more than 300s"
  fi
}

# Resolve the runtime jars of pom $1 with property $2=$3 into directory $4, unless a
# complete copy for this pom and version is already there; $5 is a jar that must be
# among them.
resolve_into() {
  local pom="$1" prop="$2" version="$3" dir="$4" must="$5" stamp home log tmp
  stamp="$(printf '%s %s\n' "$(sha256sum "$pom" | cut -d' ' -f1)" "$version")"
  if [[ -f "$dir/.complete" && "$(cat "$dir/.complete")" == "$stamp" ]]; then
    return 0
  fi
  need_mvn
  home="$(dirname "$dir")"
  say "resolving $(basename "$pom") $version into $dir (Maven, first run only)"
  mkdir -p "$home"
  tmp="$dir.tmp.$$"
  log="$home/mvn.log"
  rm -rf "$tmp"
  if ! mvn -q -B -f "$pom" "-D$prop=$version" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp" >"$log" 2>&1; then
    tail -n 30 "$log" >&2 || true
    rm -rf "$tmp"
    die "Maven could not resolve $(basename "$pom") at $version (full log: $log)"
  fi
  [[ -f "$tmp/$must" ]] || { rm -rf "$tmp"; die "Maven finished but $must is missing in $tmp"; }
  echo "$stamp" >"$tmp/.complete"
  rm -rf "$dir"
  mv "$tmp" "$dir"
}

# The brokers' and tools' jars, and Kafka Connect's.
resolve_libs() {
  resolve_into "$POM" kafka.version "$KAFKA_VERSION" "$LIBS" "kafka_2.13-$KAFKA_VERSION.jar"
}
resolve_connect_libs() {
  resolve_into "$CONNECT_POM" connect.version "$CONNECT_VERSION" "$CONNECT_LIBS" \
    "connect-mirror-$CONNECT_VERSION.jar"
}

# The secure profile's extra jars (only the direct dependencies of $SECURE_POM:
# everything they need is already in $CONNECT_LIBS) into $EXT_LIBS.
resolve_ext_libs() {
  local stamp tmp="$EXT_LIBS.tmp.$$"
  stamp="$(printf '%s %s\n' "$(sha256sum "$SECURE_POM" | cut -d' ' -f1)" "$CONNECT_VERSION")"
  if [[ -f "$EXT_LIBS/.complete" && "$(cat "$EXT_LIBS/.complete")" == "$stamp" ]]; then
    return 0
  fi
  need_mvn
  say "resolving the secure profile's extra jars into $EXT_LIBS (Maven, first run only)"
  mkdir -p "$CONNECT_HOME_DIR"
  rm -rf "$tmp"
  if ! mvn -q -B -f "$SECURE_POM" -Dkafka.version="$CONNECT_VERSION" dependency:copy-dependencies \
        -DincludeScope=runtime -DexcludeTransitive=true -DoutputDirectory="$tmp" \
        >"$CONNECT_HOME_DIR/mvn-secure.log" 2>&1; then
    tail -n 30 "$CONNECT_HOME_DIR/mvn-secure.log" >&2 || true
    rm -rf "$tmp"
    die "Maven could not resolve $SECURE_POM (full log: $CONNECT_HOME_DIR/mvn-secure.log)"
  fi
  ls "$tmp/connect-basic-auth-extension-$CONNECT_VERSION.jar" >/dev/null 2>&1 \
    || { rm -rf "$tmp"; die "Maven finished but connect-basic-auth-extension-$CONNECT_VERSION.jar is missing in $tmp"; }
  echo "$stamp" >"$tmp/.complete"
  rm -rf "$EXT_LIBS"
  mv "$tmp" "$EXT_LIBS"
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
    connect*) select_worker "$1"; echo "$WORKER_PORT" ;;
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

# A Kafka CLI tool from the libs, quiet logging (its stderr goes where the caller says).
tool() { "$JAVA_BIN" "${TOOL_HEAP[@]}" "${JVM_COMMON[@]}" -cp "$LIBS/*" "$@"; }

# ---------------------------------------------------------------- secure profile: secrets, TLS, client files

# SCRAM principals created at format time on both clusters (SECURE.md has their ACLs).
SCRAM_USERS=(admin linkctl mm2 connect app)
# Generated once (first `up --secure`), kept in $SECRETS_DIR/passwords (mode 600):
# the SCRAM users, the brokers' controller-listener user, the Connect REST user.
SECRET_KEYS=("${SCRAM_USERS[@]}" controller rest_linkctl)
SCRAM_MECHANISM=SCRAM-SHA-512

ensure_secrets() {
  local f="$SECRETS_DIR/passwords" k
  mkdir -p "$SECRETS_DIR"
  chmod 700 "$SECRETS_DIR"
  touch "$f"
  for k in "${SECRET_KEYS[@]}"; do
    grep -q "^$k=" "$f" || printf '%s=%s\n' "$k" "$(openssl rand -hex 16)" >>"$f"
  done
  chmod 600 "$f"
}

secret() { # key -> its value (never logged)
  local v
  v="$(sed -n "s/^$1=//p" "$SECRETS_DIR/passwords" 2>/dev/null | head -n1)"
  [[ -n "$v" ]] || die "no '$1' in $SECRETS_DIR/passwords (run '$0 up --secure' first)"
  printf '%s' "$v"
}

scram_jaas() { # user password
  printf 'org.apache.kafka.common.security.scram.ScramLoginModule required username="%s" password="%s";' "$1" "$2"
}

# Hash of what the data dirs were formatted with (the SCRAM users and passwords),
# so a data dir formatted with other passwords is detected instead of failing later.
scram_stamp() {
  local u
  for u in "${SCRAM_USERS[@]}"; do printf '%s=%s\n' "$u" "$(secret "$u")"; done | sha256sum | cut -d' ' -f1
}

tls_password() { cat "$TLS_DIR/store.password"; }

# A self-signed CA: <name>.key, <name>.pem
tls_new_ca() { # name subject-CN
  openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 3650 -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$1.key" -out "$1.pem"
}

# A server/client certificate signed by a CA: <name>.key, <name>.pem (leaf), <name>-chain.pem
# (leaf + CA) and <name>.p12 (key + chain, password $LINKCTL_TLS_STORE_PASSWORD).
tls_issue() { # ca name subject-CN subjectAltName
  local ca="$1" name="$2"
  openssl req -new -newkey rsa:2048 -sha256 -nodes -subj "/CN=$3" -keyout "$name.key" -out "$name.csr"
  printf '%s\n' "subjectAltName=$4" "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth,clientAuth" >"$name.ext"
  openssl x509 -req -sha256 -days 825 -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial \
    -extfile "$name.ext" -out "$name.pem"
  cat "$name.pem" "$ca.pem" >"$name-chain.pem"
  openssl pkcs12 -export -name "$name" -inkey "$name.key" -in "$name-chain.pem" \
    -passout env:LINKCTL_TLS_STORE_PASSWORD -out "$name.p12"
  rm -f "$name.csr" "$name.ext"
}

# Generate the TLS material once into $TLS_DIR (kept by `down --purge`; delete the
# directory to get new certificates). Nothing of it is in git.
ensure_tls() {
  [[ -f "$TLS_DIR/.complete" ]] && return 0
  need_tls_tools
  say "generating a CA and certificates into $TLS_DIR (first run only)"
  local tmp="$TLS_DIR.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  chmod 700 "$tmp"
  if ! (
    set -e
    cd "$tmp"
    umask 077
    openssl rand -hex 16 >store.password
    LINKCTL_TLS_STORE_PASSWORD="$(cat store.password)"
    export LINKCTL_TLS_STORE_PASSWORD
    # the CA every client and the Connect worker trust
    tls_new_ca ca "linkctl local secure CA"
    # brokers and the Connect REST listener: valid for 127.0.0.1 and localhost
    tls_issue ca server localhost "DNS:localhost,IP:127.0.0.1"
    keytool -importcert -noprompt -alias linkctl-local-ca -file ca.pem \
      -keystore truststore.p12 -storetype PKCS12 -storepass:env LINKCTL_TLS_STORE_PASSWORD
    # for tests only: a CA nobody trusts, and a broker-style cert (from the good CA)
    # whose names do not match 127.0.0.1 / localhost
    tls_new_ca other-ca "linkctl local UNTRUSTED CA (tests only)"
    tls_issue ca mismatch wrong-host.invalid "DNS:wrong-host.invalid,IP:127.0.0.2"
    rm -f ./*.srl
    chmod 644 ./*.pem
  ) >"$tmp.log" 2>&1; then
    cat "$tmp.log" >&2
    rm -rf "$tmp" "$tmp.log"
    die "could not generate the TLS material"
  fi
  rm -f "$tmp.log"
  touch "$tmp/.complete"
  rm -rf "$TLS_DIR"
  mv "$tmp" "$TLS_DIR"
}

# Client property files, one per SCRAM user ($CLIENTS_DIR/<user>.properties, mode 600),
# for the Java tools (--command-config / --producer.config / --consumer.config).
write_client_files() {
  local u
  mkdir -p "$CLIENTS_DIR"
  chmod 700 "$CLIENTS_DIR"
  for u in "${SCRAM_USERS[@]}"; do
    cat >"$CLIENTS_DIR/$u.properties" <<PROPS
# generated by scripts/local-kafka.sh (secure profile): SCRAM user "$u"
security.protocol=SASL_SSL
sasl.mechanism=$SCRAM_MECHANISM
sasl.jaas.config=$(scram_jaas "$u" "$(secret "$u")")
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.pem
PROPS
  done
  # curl config for the Connect REST API (curl -K FILE): keeps the password off command lines
  printf 'user = "linkctl:%s"\n' "$(secret rest_linkctl)" >"$SECRETS_DIR/connect-rest.curlrc"
}

prepare_secure() {
  need_tls_tools
  mkdir -p "$RUN_DIR"
  chmod 700 "$RUN_DIR"
  ensure_secrets
  ensure_tls
  write_client_files
}

# ---------------------------------------------------------------- brokers

# Listener and security settings of a broker ($1 port, $2 controller port).
broker_listener_properties() {
  local port="$1" cport="$2" proto=PLAINTEXT map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
  if ((SECURE)); then
    # Clients and broker-to-itself traffic: one SASL_SSL listener, SCRAM-SHA-512.
    # The controller listener is SASL_PLAINTEXT on loopback with one static PLAIN user
    # (SCRAM cannot authenticate controllers: its credentials live in the metadata log);
    # a PLAINTEXT controller listener would need super.users=User:ANONYMOUS (the broker
    # registers with CLUSTER_ACTION), i.e. an open door on the controller port.
    proto=SASL_SSL map=CONTROLLER:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
  fi
  cat <<EOP
listeners=$proto://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=$proto://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
inter.broker.listener.name=$proto
controller.listener.names=CONTROLLER
listener.security.protocol.map=$map
EOP
  ((SECURE)) || return 0
  local cpw tpw
  cpw="$(secret controller)"
  tpw="$(tls_password)"
  cat <<EOP
listener.name.sasl_ssl.sasl.enabled.mechanisms=$SCRAM_MECHANISM
sasl.mechanism.inter.broker.protocol=$SCRAM_MECHANISM
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=$(scram_jaas admin "$(secret admin)")
listener.name.controller.sasl.enabled.mechanisms=PLAIN
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password="$cpw" user_controller="$cpw";
ssl.keystore.type=PKCS12
ssl.keystore.location=$TLS_DIR/server.p12
ssl.keystore.password=$tpw
ssl.key.password=$tpw
ssl.truststore.type=PKCS12
ssl.truststore.location=$TLS_DIR/truststore.p12
ssl.truststore.password=$tpw
ssl.client.auth=none
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:controller
EOP
}

write_server_properties() { # name port cport
  local name="$1" port="$2" cport="$3" dir="$RUN_DIR/$1"
  cat >"$dir/server.properties" <<EOF2
# generated by scripts/local-kafka.sh: single-node KRaft cluster "$name"
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$cport
$(broker_listener_properties "$port" "$cport")
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
EOF2
}

# Extra `StorageTool format` arguments: the secure profile's SCRAM users.
# (StorageTool takes them only on its command line: they are visible in `ps` for the
# second the format runs, on a single-user test machine.)
format_args() {
  ((SECURE)) || return 0
  local u
  for u in "${SCRAM_USERS[@]}"; do
    printf '%s\n' --add-scram "$SCRAM_MECHANISM=[name=$u,password=$(secret "$u")]"
  done
}

# Format the data dir once; reuse it when its cluster id matches ours and the
# same Kafka version formatted it (an older broker may not read a newer one's
# metadata log).
format_storage() { # name
  local name="$1" dir="$RUN_DIR/$1"
  local meta="$dir/data/meta.properties" idfile="$dir/cluster.id" want have
  if [[ -f "$meta" ]]; then
    have="$(cat "$dir/kafka.version" 2>/dev/null || true)"
    [[ -z "$have" || "$have" == "$KAFKA_VERSION" ]] \
      || die "$name: $dir/data was written by Kafka $have, not $KAFKA_VERSION; run '$0 down --purge' (with the same --secure) first"
    echo "$KAFKA_VERSION" >"$dir/kafka.version"
    have="$(sed -n 's/^cluster.id=//p' "$meta")"
    if [[ ! -f "$idfile" ]]; then
      echo "$have" >"$idfile"
    fi
    want="$(cat "$idfile")"
    [[ "$have" == "$want" ]] \
      || die "$name: $meta has cluster.id=$have but $idfile says $want; run '$0 down --purge' to start from scratch"
    if ((SECURE)) && [[ "$(cat "$dir/scram.stamp" 2>/dev/null)" != "$(scram_stamp)" ]]; then
      die "$name: $dir/data was formatted with other SCRAM passwords than $SECRETS_DIR/passwords; run '$0 down --secure --purge'"
    fi
    return 0
  fi
  rm -rf "$dir/data"
  if [[ ! -s "$idfile" ]]; then
    tool kafka.tools.StorageTool random-uuid 2>>"$RUN_DIR/logs/$name.log" | tail -n1 >"$idfile"
  fi
  want="$(cat "$idfile")"
  [[ -n "$want" ]] || fail_proc "$name" "$name: could not generate a cluster id"
  local -a extra=()
  mapfile -t extra < <(format_args)
  # The format output lists the SCRAM records (salted keys, not passwords); it goes to
  # the log, which is under the mode-700 run dir in the secure profile.
  if ! tool kafka.tools.StorageTool format -t "$want" -c "$dir/server.properties" --standalone \
        "${extra[@]}" >>"$RUN_DIR/logs/$name.log" 2>&1; then
    fail_proc "$name" "$name: formatting $dir/data failed"
  fi
  if ((SECURE)); then scram_stamp >"$dir/scram.stamp"; fi
  echo "$KAFKA_VERSION" >"$dir/kafka.version"
}

check_port_free() { # name port
  if port_open "$2"; then
    die "$1: port $2 on 127.0.0.1 is already in use by another process (not started by this script); free it or set the LINKCTL_*_PORT variables"
  fi
}

# JVM options and classpath of the next spawn(): callers override them with `local`
# (bash's dynamic scoping), e.g. start_connect in the secure profile.
SPAWN_JVM_EXTRA=()
SPAWN_CP=""

spawn() { # name heap-array-name main args...
  local name="$1" heapvar="$2"; shift 2
  local -n heap="$heapvar"
  local log="$RUN_DIR/logs/$name.log"
  echo "==== $(date -Is) starting $name ====" >>"$log"
  # setsid: own session, so a Ctrl-C in the calling terminal does not reach it.
  setsid "$JAVA_BIN" "${heap[@]}" "${JVM_COMMON[@]}" "${SPAWN_JVM_EXTRA[@]}" \
    "-Dlinkctl.proc=$name" "-Dlinkctl.run.dir=$RUN_DIR" \
    -cp "${SPAWN_CP:-$LIBS/*}" "$@" </dev/null >>"$log" 2>&1 9>&- &
  echo $! >"$(pid_file "$name")"
}

# A metadata request (list topics through the AdminClient); as `admin` in the secure profile.
list_topics() { # port
  local -a auth=()
  if ((SECURE)); then auth=(--command-config "$CLIENTS_DIR/admin.properties"); fi
  tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$1" "${auth[@]}" --list
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
    if list_topics "$port" >/dev/null 2>>"$RUN_DIR/logs/$name.log"; then
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
  local -a SPAWN_JVM_EXTRA=()
  # secure: log every denied request (kafka.authorizer.logger, INFO) in the broker log;
  # LINKCTL_AUTHORIZER_LOG_LEVEL=debug also logs the allowed ones (to audit the ACLs)
  if ((SECURE)); then SPAWN_JVM_EXTRA=("-Dlinkctl.authorizer.log.level=${LINKCTL_AUTHORIZER_LOG_LEVEL:-info}"); fi
  spawn "$name" BROKER_HEAP kafka.Kafka "$RUN_DIR/$name/server.properties"
  wait_broker "$name" "$port"
  say "$name ready on 127.0.0.1:$port (pid $(cat "$(pid_file "$name")"), $((SECONDS - t0))s)"
}

# ---------------------------------------------------------------- secure profile: ACLs

# One AclCommand call per line:  CLUSTER  allow|deny  PRINCIPAL  RESOURCE-OPTIONS... : OPERATIONS...
# `prefixed` among the resource options means --resource-pattern-type prefixed.
# `*` is Kafka's literal wildcard (every topic / group). Read, Write, Delete and Alter
# imply Describe; AlterConfigs implies DescribeConfigs; a deny wins over any allow.
# scripts/kafka/SECURE.md has the same table with the reasons: keep both in step.
ACL_SPEC='
us      allow linkctl  --topic * --group *                             : Describe
us      allow linkctl  --topic *                                       : DescribeConfigs
us      allow linkctl  --topic mm2-offset-syncs. prefixed              : Read
us      allow linkctl  --cluster                                       : Describe Alter
europe  allow linkctl  --topic * --group *                             : Describe
europe  allow linkctl  --topic *                                       : DescribeConfigs Delete
europe  allow linkctl  --topic mm2-offset-syncs. prefixed              : Read
europe  allow linkctl  --group *                                       : Read
europe  deny  linkctl  --topic connect- prefixed                       : Delete
us      allow linkctl  --topic __linkctl-lock prefixed                 : Create AlterConfigs Delete
europe  allow linkctl  --topic __linkctl-lock prefixed                 : Create AlterConfigs
us      allow mm2      --topic *                                       : Read DescribeConfigs
us      allow mm2      --group *                                       : Describe
europe  allow mm2      --topic * --group *                             : Read
europe  allow mm2      --topic *                                       : Create Write AlterConfigs Alter
europe  deny  mm2      --topic connect- --group connect- prefixed      : All
europe  allow connect  --topic connect-configs --topic connect-offsets --topic connect-status --group connect-linkctl-europe : Read
europe  allow connect  --topic connect-configs --topic connect-offsets --topic connect-status : Create Write DescribeConfigs
us      allow app      --topic demo                                    : Write
us      allow app      --topic demo --group my-consumer-group          : Read
europe  allow app      --topic demo --group my-consumer-group          : Read
'

acl_lines() { # cluster -> its lines of ACL_SPEC
  awk -v c="$1" '$1 == c' <<<"$ACL_SPEC"
}

# Create the cluster's ACLs as `admin` (AclCommand --add is idempotent). Skipped when
# this exact spec was already applied to this data dir (ACLs live in the metadata log).
apply_acls() { # name port
  local name="$1" port="$2" stamp_file="$RUN_DIR/$1/acls.stamp" want t0=$SECONDS
  local cluster kind principal tok n=0 after
  want="$(acl_lines "$name" | sha256sum | cut -d' ' -f1)"
  [[ "$(cat "$stamp_file" 2>/dev/null)" == "$want" ]] && return 0
  if [[ -f "$stamp_file" ]]; then
    say "$name: the ACL spec changed: adding the new ACLs (ACLs removed from the spec stay until 'down --secure --purge')"
  fi
  local -a line args
  while read -r -a line; do
    ((${#line[@]})) || continue
    cluster="${line[0]}" kind="${line[1]}" principal="${line[2]}" after=0
    [[ "$kind" == allow || "$kind" == deny ]] || die "ACL_SPEC: '$kind' is neither allow nor deny"
    args=(--bootstrap-server "127.0.0.1:$port" --command-config "$CLIENTS_DIR/admin.properties"
          --add "--$kind-principal" "User:$principal")
    for tok in "${line[@]:3}"; do
      if [[ "$tok" == : ]]; then after=1
      elif ((after)); then args+=(--operation "$tok")
      elif [[ "$tok" == prefixed ]]; then args+=(--resource-pattern-type prefixed)
      else args+=("$tok")
      fi
    done
    echo "==== $(date -Is) $cluster: AclCommand ${args[*]:4}" >>"$RUN_DIR/logs/$name.log"
    tool org.apache.kafka.tools.AclCommand "${args[@]}" >>"$RUN_DIR/logs/$name.log" 2>&1 \
      || fail_proc "$name" "$name: AclCommand failed for $kind User:$principal (${line[*]:3})"
    n=$((n + 1))
  done < <(acl_lines "$name")
  echo "$want" >"$stamp_file"
  say "$name: $n ACL commands applied as admin ($((SECONDS - t0))s)"
}

# ---------------------------------------------------------------- Connect

# Client security settings of the secure worker: $1 = property prefix ("", "producer.", ...).
connect_client_security() {
  local p="$1"
  cat <<EOP
${p}security.protocol=SASL_SSL
${p}sasl.mechanism=$SCRAM_MECHANISM
${p}sasl.jaas.config=$(scram_jaas connect "$(secret connect)")
${p}ssl.truststore.type=PKCS12
${p}ssl.truststore.location=$TLS_DIR/truststore.p12
${p}ssl.truststore.password=$(tls_password)
EOP
}

worker_security_properties() {
  if ! ((SECURE)); then
    echo "listeners=http://127.0.0.1:$WORKER_PORT"
    return 0
  fi
  local tpw p
  tpw="$(tls_password)"
  cat <<EOP
# REST: https only, HTTP basic auth (users in rest-credentials.properties, read through
# the JAAS "KafkaConnect" entry of rest-jaas.conf, -Djava.security.auth.login.config).
listeners=https://127.0.0.1:$WORKER_PORT
rest.advertised.listener=https
listeners.https.ssl.keystore.type=PKCS12
listeners.https.ssl.keystore.location=$TLS_DIR/server.p12
listeners.https.ssl.keystore.password=$tpw
listeners.https.ssl.key.password=$tpw
listeners.https.ssl.truststore.type=PKCS12
listeners.https.ssl.truststore.location=$TLS_DIR/truststore.p12
listeners.https.ssl.truststore.password=$tpw
listeners.https.ssl.client.auth=none
rest.extension.classes=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension
# Kafka: the worker's own clients (config/offset/status topics, group) and the
# default clients of the connectors' tasks, as User:connect over SASL_SSL.
$(connect_client_security "")
EOP
  for p in producer. consumer. admin.; do connect_client_security "$p"; done
  cat <<EOP
# Connectors may replace only the principal of their tasks' clients, e.g. MirrorMaker 2:
#   producer.override.sasl.jaas.config=\${env:LINKCTL_SECURE_MM2_EUROPE_JAAS}
# so that mirrored records are written as User:mm2, not User:connect.
connector.client.config.override.policy=Allowlist
connector.client.config.override.allowlist=sasl.jaas.config
EOP
}

# Kafka Connect's offset flush interval: its default (60 s, what production
# runs) unless LINKCTL_CONNECT_OFFSET_FLUSH_MS says otherwise. Stored source
# offsets trail the truth by up to this long, which linkctl must cope with.
flush_interval_line() {
  if [[ -n "${LINKCTL_CONNECT_OFFSET_FLUSH_MS:-}" ]]; then
    echo "offset.flush.interval.ms=$LINKCTL_CONNECT_OFFSET_FLUSH_MS"
  else
    echo "# offset.flush.interval.ms: Kafka Connect's default (60000)"
  fi
}

write_worker_properties() {
  cat >"$WORKER_DIR/worker.properties" <<EOF2
# generated by scripts/local-kafka.sh: Kafka Connect distributed worker $WORKER_NAME next to "europe"
bootstrap.servers=$EUROPE_BOOTSTRAP
group.id=connect-linkctl-europe
$(worker_security_properties)
rest.advertised.host.name=127.0.0.1
rest.advertised.port=$WORKER_PORT
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
$(flush_interval_line)
scheduled.rebalance.max.delay.ms=0
plugin.discovery=service_load
# Connector configs may reference the worker's environment as \${env:NAME}:
# linkctl sends \${env:…} secrets that way instead of their values.
config.providers=env
config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider
EOF2
  ((SECURE)) || return 0
  # Basic-auth users of the REST API (the extension cannot authorize: every user it
  # knows may do everything; an empty file would let every request through).
  printf 'linkctl=%s\n' "$(secret rest_linkctl)" >"$WORKER_DIR/rest-credentials.properties"
  cat >"$WORKER_DIR/rest-jaas.conf" <<EOF2
KafkaConnect {
  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required
  file="$WORKER_DIR/rest-credentials.properties";
};
EOF2
}

# curl options that reach the profile's REST API (CA + basic auth in the secure one).
connect_curl_opts() {
  CURL_OPTS=()
  if ((SECURE)); then CURL_OPTS=(--cacert "$TLS_DIR/ca.pem" -K "$SECRETS_DIR/connect-rest.curlrc"); fi
}

wait_connect() {
  local deadline=$((SECONDS + READY_TIMEOUT)) pid plugins=""
  local -a CURL_OPTS
  connect_curl_opts
  pid="$(cat "$(pid_file "$WORKER_NAME")")"
  while :; do
    # /health is 200 only once the worker finished start-up (joined its group).
    if curl -fsS -m 5 "${CURL_OPTS[@]}" "$WORKER_URL/" >/dev/null 2>&1 \
         && curl -fsS -m 5 "${CURL_OPTS[@]}" "$WORKER_URL/health" >/dev/null 2>&1; then
      plugins="$(curl -fsS -m 5 "${CURL_OPTS[@]}" "$WORKER_URL/connector-plugins" 2>/dev/null || true)"
      [[ "$plugins" == *MirrorSourceConnector* ]] && break
    fi
    kill -0 "$pid" 2>/dev/null || fail_proc "$WORKER_NAME" "$WORKER_NAME (pid $pid) exited during start-up"
    ((SECONDS < deadline)) || fail_proc "$WORKER_NAME" "Connect REST $WORKER_URL not ready (or MirrorSourceConnector not in /connector-plugins) after ${READY_TIMEOUT}s"
    sleep 1
  done
  local c
  for c in MirrorSourceConnector MirrorCheckpointConnector MirrorHeartbeatConnector; do
    [[ "$plugins" == *"org.apache.kafka.connect.mirror.$c"* ]] \
      || fail_proc "$WORKER_NAME" "$c missing from $WORKER_URL/connector-plugins"
  done
}

# The secure worker's environment for ${env:...} in connector configs: the mm2
# principal's JAAS config for each cluster. A value already in the caller's
# environment wins (how a rotated password reaches the worker: restart-connect).
export_worker_env() {
  ((SECURE)) || return 0
  local jaas
  jaas="$(scram_jaas mm2 "$(secret mm2)")"
  export LINKCTL_SECURE_MM2_US_JAAS="${LINKCTL_SECURE_MM2_US_JAAS:-$jaas}"
  export LINKCTL_SECURE_MM2_EUROPE_JAAS="${LINKCTL_SECURE_MM2_EUROPE_JAAS:-$jaas}"
  # Connector configs name the CA as ${env:LINKCTL_SECURE_CA_PEM} (the secure examples).
  export LINKCTL_SECURE_CA_PEM="$TLS_DIR/ca.pem"
}

# Starts worker $1 (`connect`, `connect-2`, …) of the group and waits until it serves.
start_worker() {
  local pid t0=$SECONDS
  select_worker "$1"
  if pid="$(live_pid "$WORKER_NAME")"; then
    say "$WORKER_NAME already running (pid $pid, $WORKER_URL)"
    return 0
  fi
  check_port_free "$WORKER_NAME" "$WORKER_PORT"
  mkdir -p "$WORKER_DIR"
  write_worker_properties
  local -a SPAWN_JVM_EXTRA=()
  local SPAWN_CP="$CONNECT_LIBS/*"
  if ((SECURE)); then
    SPAWN_JVM_EXTRA=("-Djava.security.auth.login.config=$WORKER_DIR/rest-jaas.conf")
    SPAWN_CP="$CONNECT_LIBS/*:$EXT_LIBS/*"
    export_worker_env
  fi
  spawn "$WORKER_NAME" CONNECT_HEAP org.apache.kafka.connect.cli.ConnectDistributed "$WORKER_DIR/worker.properties"
  wait_connect
  say "$WORKER_NAME ready on $WORKER_URL (pid $(cat "$(pid_file "$WORKER_NAME")"), $((SECONDS - t0))s)"
}

# Starts every worker of the group, one after the other.
start_connect() {
  local w
  for w in $(worker_names); do start_worker "$w"; done
}

# The URLs of the workers, comma-separated.
worker_urls() {
  local w out=""
  for w in $(worker_names); do select_worker "$w"; out+="${out:+,}$WORKER_URL"; done
  echo "$out"
}

# ---------------------------------------------------------------- commands

cmd_up() {
  need_java
  need_curl
  take_lock
  local all=1 p
  # A stack already up keeps its number of workers, and so does an `up`
  # that starts again what crashed, unless a number is asked for.
  if ! live_pid europe >/dev/null && { ((CONNECT_WORKERS_EXPLICIT)) || [[ ! -f "$RUN_DIR/connect.workers" ]]; }; then
    mkdir -p "$RUN_DIR"
    echo "$CONNECT_WORKERS_WANTED" >"$RUN_DIR/connect.workers"
  fi
  for p in $(procs); do live_pid "$p" >/dev/null || all=0; done
  if ((all)); then
    say "already up (nothing to do)"
    cmd_status >&2 || true
    return 0
  fi
  resolve_libs
  resolve_connect_libs
  if ((SECURE)); then
    resolve_ext_libs
    prepare_secure
  fi
  mkdir -p "$RUN_DIR/logs" "$RUN_DIR/pids"
  echo "$KAFKA_VERSION" >"$RUN_DIR/kafka.version"
  echo "$CONNECT_VERSION" >"$RUN_DIR/connect.version"
  start_broker us "$US_PORT" "$US_CPORT"
  start_broker europe "$EUROPE_PORT" "$EUROPE_CPORT"
  if ((SECURE)); then
    # both clusters at once (one tool JVM each); Connect needs its ACLs before it starts
    local a b
    apply_acls us "$US_PORT" & a=$!
    apply_acls europe "$EUROPE_PORT" & b=$!
    wait "$a" || die "creating the ACLs of us failed"
    wait "$b" || die "creating the ACLs of europe failed"
  fi
  start_connect
  say "up: us=$US_BOOTSTRAP europe=$EUROPE_BOOTSTRAP connect=$(worker_urls) (brokers Kafka $KAFKA_VERSION, Kafka Connect $CONNECT_VERSION; logs in $RUN_DIR/logs)"
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
      *) die "down: unknown argument '$a' (only --purge, --secure)" ;;
    esac
  done
  take_lock
  # Connect first (it talks to europe), then the brokers: every worker
  # with a PID file too, whatever number is recorded.
  local -a workers
  mapfile -t workers < <({ worker_names; for f in "$RUN_DIR"/pids/connect*.pid; do [[ -e "$f" ]] && basename "$f" .pid; done; } | sort -u)
  stop_procs "${workers[@]}"
  stop_procs europe us
  if ((purge)); then
    # (secure: the TLS material, passwords and client files stay: see SECURE.md)
    say "purging data in $RUN_DIR"
    rm -rf "$RUN_DIR/us" "$RUN_DIR/europe" "$RUN_DIR"/connect "$RUN_DIR"/connect-* "$RUN_DIR/pids" \
      "$RUN_DIR/connect.workers" "$RUN_DIR/kafka.version" "$RUN_DIR/connect.version"
  fi
  say "down"
}

# Restart only the Connect worker (the brokers keep running): it reads its
# environment, its worker.properties and its REST users again.
cmd_restart_connect() {
  need_java
  need_curl
  take_lock
  local flag=""
  if ((SECURE)); then flag=" --secure"; fi
  live_pid europe >/dev/null || die "europe is not running: start the stack with '$0 up$flag'"
  resolve_connect_libs
  if ((SECURE)); then
    resolve_ext_libs
    prepare_secure
  fi
  mkdir -p "$RUN_DIR/logs" "$RUN_DIR/pids"
  local -a workers
  mapfile -t workers < <(worker_names)
  if ((ROLLING)); then
    local w
    for w in "${workers[@]}"; do
      stop_procs "$w"
      start_worker "$w"
    done
    return 0
  fi
  stop_procs "${workers[@]}"
  start_connect
}

# The worker that leads the Connect group: the leaderUrl of the newest
# assignment any worker logged (DistributedHerder logs each at INFO).
cmd_leader() {
  local w line newest="" url=""
  for w in $(worker_names); do
    line="$(grep -h "leaderUrl='" "$RUN_DIR/logs/$w.log" 2>/dev/null | tail -n1 || true)"
    [[ -n "$line" ]] || continue
    if [[ -z "$newest" || "$line" > "$newest" ]]; then newest="$line"; fi
  done
  [[ -n "$newest" ]] || die "no worker has logged a group assignment yet (are the workers up?)"
  url="$(sed -n "s/.*leaderUrl='\([^']*\)'.*/\1/p" <<<"$newest")"
  url="${url%/}"
  for w in $(worker_names); do
    select_worker "$w"
    if [[ "$url" == "$WORKER_URL" ]]; then echo "$w"; return 0; fi
  done
  die "the leader's URL $url is none of this stack's workers"
}

cmd_status() {
  local p pid rc=0 where
  printf 'versions: brokers Kafka %s, Kafka Connect %s\n' \
    "$(cat "$RUN_DIR/kafka.version" 2>/dev/null || echo "$KAFKA_VERSION")" \
    "$(cat "$RUN_DIR/connect.version" 2>/dev/null || echo "$CONNECT_VERSION")"
  for p in $(procs); do
    if [[ "$p" == connect* ]]; then select_worker "$p"; where="$WORKER_URL"; else where="127.0.0.1:$(port_of "$p")"; fi
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

q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }   # single-quote a value for the shell
ex() { printf 'export %s=%s\n' "$1" "$(q "$2")"; }

cmd_env() {
  if ! ((SECURE)); then
    echo "export LINKCTL_US_BOOTSTRAP=$US_BOOTSTRAP"
    echo "export LINKCTL_EUROPE_BOOTSTRAP=$EUROPE_BOOTSTRAP"
    echo "export LINKCTL_CONNECT_URL=$CONNECT_URL"
    echo "export LINKCTL_CONNECT_URLS=$(worker_urls)"
    echo "export KAFKA_LIBS=$LIBS"
    echo "export CONNECT_LIBS=$CONNECT_LIBS"
    echo "export LINKCTL_KAFKA_VERSION=$KAFKA_VERSION"
    echo "export LINKCTL_CONNECT_VERSION=$CONNECT_VERSION"
    return 0
  fi
  [[ -f "$SECRETS_DIR/passwords" && -f "$TLS_DIR/.complete" ]] \
    || die "no credentials yet in $RUN_DIR: run '$0 up --secure' once"
  local u U pw
  ex LINKCTL_SECURE_US_BOOTSTRAP "$US_BOOTSTRAP"
  ex LINKCTL_SECURE_EUROPE_BOOTSTRAP "$EUROPE_BOOTSTRAP"
  ex LINKCTL_SECURE_CONNECT_URL "$CONNECT_URL"
  ex LINKCTL_SECURE_CONNECT_URLS "$(worker_urls)"
  ex LINKCTL_SECURE_SECURITY_PROTOCOL SASL_SSL
  ex LINKCTL_SECURE_SASL_MECHANISM "$SCRAM_MECHANISM"
  ex LINKCTL_SECURE_CA_PEM "$TLS_DIR/ca.pem"
  ex LINKCTL_SECURE_TRUSTSTORE "$TLS_DIR/truststore.p12"
  ex LINKCTL_SECURE_STORE_PASSWORD "$(tls_password)"
  ex LINKCTL_SECURE_SERVER_KEYSTORE "$TLS_DIR/server.p12"
  ex LINKCTL_SECURE_OTHER_CA_PEM "$TLS_DIR/other-ca.pem"
  ex LINKCTL_SECURE_MISMATCH_CERT_PEM "$TLS_DIR/mismatch-chain.pem"
  ex LINKCTL_SECURE_MISMATCH_KEY_PEM "$TLS_DIR/mismatch.key"
  ex LINKCTL_SECURE_MISMATCH_KEYSTORE "$TLS_DIR/mismatch.p12"
  for u in "${SCRAM_USERS[@]}"; do
    U="${u^^}"
    pw="$(secret "$u")"
    ex "LINKCTL_SECURE_${U}_USER" "$u"
    ex "LINKCTL_SECURE_${U}_PASSWORD" "$pw"
    ex "LINKCTL_SECURE_${U}_JAAS" "$(scram_jaas "$u" "$pw")"
    ex "LINKCTL_SECURE_${U}_PROPERTIES" "$CLIENTS_DIR/$u.properties"
  done
  ex LINKCTL_SECURE_MM2_US_JAAS "$(scram_jaas mm2 "$(secret mm2)")"
  ex LINKCTL_SECURE_MM2_EUROPE_JAAS "$(scram_jaas mm2 "$(secret mm2)")"
  ex LINKCTL_SECURE_CONNECT_REST_USER linkctl
  ex LINKCTL_SECURE_CONNECT_REST_PASSWORD "$(secret rest_linkctl)"
  ex LINKCTL_SECURE_CONNECT_CURLRC "$SECRETS_DIR/connect-rest.curlrc"
  ex KAFKA_LIBS "$LIBS"
  ex CONNECT_LIBS "$CONNECT_LIBS"
}

# Whether version $1 >= version $2.
version_ge() { [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" == "$2" ]]; }

# The name of tool class $1 in the brokers' Kafka version: ConfigCommand moved
# from kafka.admin (Scala, up to 4.3) to org.apache.kafka.tools in 4.4; either
# name works with any version.
moved_class() {
  case "$1" in
    kafka.admin.ConfigCommand|org.apache.kafka.tools.ConfigCommand)
      if version_ge "$KAFKA_VERSION" 4.4.0; then echo org.apache.kafka.tools.ConfigCommand
      else echo kafka.admin.ConfigCommand; fi ;;
    *) echo "$1" ;;
  esac
}

cmd_kafka_class() {
  [[ $# -ge 1 ]] || die "usage: $0 kafka-class <main class> [args...]"
  need_java
  resolve_libs
  local cls; cls="$(moved_class "$1")"; shift
  exec "$JAVA_BIN" "${TOOL_HEAP[@]}" "${JVM_COMMON[@]}" -cp "$LIBS/*" "$cls" "$@"
}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
}

main() {
  local cmd="${1:-}" a
  [[ $# -gt 0 ]] && shift
  local -a args=()
  case "$cmd" in
    up|start|down|stop|status|env|restart-connect|leader|libs)
      while [[ $# -gt 0 ]]; do
        a="$1"; shift
        case "$a" in
          --secure) SECURE=1 ;;
          --kafka-version) [[ $# -gt 0 ]] || die "--kafka-version needs a version"; export LINKCTL_KAFKA_VERSION="$1"; shift ;;
          --kafka-version=*) export LINKCTL_KAFKA_VERSION="${a#*=}" ;;
          --connect-version) [[ $# -gt 0 ]] || die "--connect-version needs a version"; export LINKCTL_CONNECT_VERSION="$1"; shift ;;
          --connect-version=*) export LINKCTL_CONNECT_VERSION="${a#*=}" ;;
          --connect-workers) [[ $# -gt 0 ]] || die "--connect-workers needs a number"; CONNECT_WORKERS_WANTED="$1"; CONNECT_WORKERS_EXPLICIT=1; shift ;;
          --connect-workers=*) CONNECT_WORKERS_WANTED="${a#*=}"; CONNECT_WORKERS_EXPLICIT=1 ;;
          --rolling) [[ "$cmd" == restart-connect ]] || die "--rolling is an option of restart-connect"; ROLLING=1 ;;
          *) args+=("$a") ;;
        esac
      done
      if [[ "$cmd" != down && "$cmd" != stop && ${#args[@]} -gt 0 ]]; then
        die "$cmd: unknown argument '${args[0]}' (only --secure, --kafka-version V, --connect-version V, --connect-workers N)"
      fi ;;
  esac
  [[ "$CONNECT_WORKERS_WANTED" =~ ^[1-9][0-9]?$ ]] || die "--connect-workers takes a number from 1 to 99, not '$CONNECT_WORKERS_WANTED'"
  configure_profile
  configure_versions
  case "$cmd" in
    up|start) cmd_up ;;
    down|stop) cmd_down "${args[@]}" ;;
    status) cmd_status ;;
    env) cmd_env ;;
    restart-connect) cmd_restart_connect ;;
    leader) cmd_leader ;;
    libs) need_java; resolve_libs; resolve_connect_libs; echo "$LIBS"; echo "$CONNECT_LIBS" ;;
    kafka-class) cmd_kafka_class "$@" ;;
    -h|--help|help) usage ;;
    "") usage >&2; exit 2 ;;
    *) echo "local-kafka: unknown command '$cmd'" >&2; usage >&2; exit 2 ;;
  esac
}

main "$@"
