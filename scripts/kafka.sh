#!/usr/bin/env bash
# scripts/kafka.sh — run a real Apache Kafka (KRaft) broker, or a 3-node
# cluster, on 127.0.0.1 for Sluice's tests and for contributors.
#
# Kafka is assembled from Maven Central jars (org.apache.kafka:kafka_2.13 and
# kafka-tools plus their runtime dependencies and a log4j2 backend) into a
# cache outside the repository; no tarball download, no Docker.
# Run `scripts/kafka.sh --help` for the commands; docs/internals/kafka-dev.md has a how-to.
set -euo pipefail

# ---------------------------------------------------------------- settings --
KAFKA_VERSION="${SLUICE_KAFKA_VERSION:-4.1.2}"
SCALA_BINARY="2.13"
LOG4J_VERSION="${SLUICE_KAFKA_LOG4J_VERSION:-2.25.3}"
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
CACHE="${SLUICE_KAFKA_CACHE:-$HOME/.cache/sluice-kafka}"
DIST="$CACHE/kafka-$KAFKA_VERSION"
LIBS="$DIST/libs"
FETCH_TIMEOUT="${SLUICE_KAFKA_FETCH_TIMEOUT:-900}"
START_TIMEOUT="${SLUICE_KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${SLUICE_KAFKA_STOP_TIMEOUT:-30}"
HOST="127.0.0.1"
CLUSTER_SIZE=3
READY_MARKER="Kafka Server started"
QUORUM_GRACE=5
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

# Main classes (checked against the 4.1 jars).
MAIN_BROKER="kafka.Kafka"
MAIN_STORAGE="kafka.tools.StorageTool"

# --------------------------------------------------------------- utilities --
log() { printf '%s\n' "kafka.sh: $*" >&2; }
die() { printf '%s\n' "kafka.sh: error: $*" >&2; exit 1; }

usage() {
  cat <<EOF
Usage: scripts/kafka.sh COMMAND [options]

Runs a real Apache Kafka $KAFKA_VERSION in KRaft mode (each node is a combined
broker+controller) listening on $HOST only. Kafka is fetched once from Maven
Central into \$SLUICE_KAFKA_CACHE. Progress goes to stderr; commands that
report an address print it on stdout as the last line, so
    BOOTSTRAP=\$(scripts/kafka.sh start)
works. Every wait is bounded; a failed start prints the broker log tail and
exits non-zero.

Single broker (state name "default" unless --name):
  start [--name N] [--port P] [--fresh] [--set key=value]...
      Start one broker and wait until it serves, then print its bootstrap
      address (e.g. 127.0.0.1:24567) and write it to <state>/bootstrap.
      If it is already running, just print the address. A state kept by
      'stop --keep' is resumed with its data and ports; --fresh wipes it.
  stop [--name N] [--keep]
      SIGTERM, wait up to \$SLUICE_KAFKA_STOP_TIMEOUT s, then SIGKILL.
      Deletes the state directory unless --keep.
  status [--name N]
      Prints "running <bootstrap>" (exit 0) or "not running" (exit 1).

Three-node cluster (state name "cluster" unless --name):
  cluster-start [--name N] [--fresh] [--set key=value]...
      Start 3 nodes (controller quorum of 3), wait for all, print the
      comma-separated bootstrap list.
  cluster-stop [--name N] [--keep]
      Stop all nodes; delete the state unless --keep.
  cluster-status [--name N]
      One line per node, then the bootstrap list. Exit 0 if all nodes are
      running, 2 if only some are, 1 if none are.
  stop-node NODE [--name N] [--kill]
      Stop node NODE (1-3) and keep its data. --kill sends SIGKILL at once
      (simulates a crash) instead of a clean SIGTERM shutdown.
  start-node NODE [--name N]
      Start a stopped node again with its data and wait until it serves.

Other:
  fetch                Download Kafka into the cache (start does this too).
  bootstrap [--name N] Print the bootstrap address(es) if running (else exit 1).
  logs [--name N] [--node NODE] [--lines L]
                       Print the tail of a node's server.log (default node 1).
  tool TOOL [ARGS...]  Run a Kafka command-line class on the cached classpath.
                       TOOL is one of: topics, console-producer,
                       console-consumer, consumer-groups, metadata-quorum,
                       get-offsets, api-versions, storage, or a class name.
                       e.g. scripts/kafka.sh tool topics --bootstrap-server \\
                              "\$(scripts/kafka.sh bootstrap)" --list
  classpath            Print the Java classpath of the cached jars.
  help, -h, --help     This text.

Broker settings (tuned for tests): listeners on $HOST only, num.partitions=1,
group.initial.rebalance.delay.ms=0, auto.create.topics.enable=false (create
topics explicitly; override with --set auto.create.topics.enable=true),
offsets/transaction state topics with 1 partition (single) or 3 (cluster).
Single: every replication factor and min ISR is 1. Cluster:
default.replication.factor=3, min.insync.replicas=2, offsets and
transaction state topics rf 3 / min ISR 2. --set key=value (repeatable)
appends any server property; it only applies when a state is created.

Environment:
  SLUICE_KAFKA_CACHE          cache dir (default \$HOME/.cache/sluice-kafka)
  SLUICE_KAFKA_STATE          state dir (default <cache>/state/<name>)
  SLUICE_KAFKA_VERSION        Kafka version (default $KAFKA_VERSION)
  KAFKA_PORT                  single broker client port (default: a free port)
  KAFKA_CONTROLLER_PORT       single broker controller port (default: free)
  KAFKA_HEAP                  heap per node: a size like 1g, or JVM flags
                              (default "-Xms256m -Xmx512m")
  KAFKA_JVM_OPTS              extra JVM flags for the broker(s)
  SLUICE_KAFKA_START_TIMEOUT  seconds to wait for start (default 90; the
                              cluster gets 1.5x)
  SLUICE_KAFKA_STOP_TIMEOUT   seconds to wait before SIGKILL (default 30)
  SLUICE_KAFKA_FETCH_TIMEOUT  seconds allowed for the Maven fetch (default 900)
  SLUICE_KAFKA_MVN_ARGS       extra arguments for mvn (e.g. -s settings.xml)
  JAVA_HOME                   Java 17+ to use (default: java on PATH)
EOF
}

now() { echo "$SECONDS"; }

# True if /proc/PID is a live (non-zombie) process whose command line contains
# the given marker (the node's config path), so a reused pid never matches.
pid_matches() {
  local pid="$1" marker="$2" cmd state
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
  [[ -n "$state" && "$state" != "Z" && "$state" != "X" ]] || return 1
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmd" == *"$marker"* ]]
}

tcp_open() { # host port -> 0 if something accepts a TCP connection
  # shellcheck disable=SC2016 # $1/$2 belong to the inner shell
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# Ports with any TCP socket on this machine (listening or connected), from
# /proc so that no extra tool is needed.
# With "listen", only listening sockets: the broker binds with SO_REUSEADDR,
# so TIME_WAIT leftovers of a stopped node do not block its restart.
used_ports() {
  local f only_listen=0
  [[ "${1:-}" == listen ]] && only_listen=1
  for f in /proc/net/tcp /proc/net/tcp6; do
    [[ -r "$f" ]] || continue
    awk -v l="$only_listen" 'NR > 1 && (l == 0 || $4 == "0A") { split($2, a, ":"); print a[2] }' "$f"
  done | while read -r hex; do printf '%d\n' "0x$hex"; done | sort -un
}

# pick_ports COUNT -> COUNT distinct free ports below the ephemeral range.
pick_ports() {
  local count="$1" lo=20000 hi=32767 eph_lo used picked=() p tries=0
  if read -r eph_lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null; then
    if (( eph_lo > lo + 1000 && eph_lo - 1 < hi )); then hi=$((eph_lo - 1)); fi
  fi
  used=" $(used_ports | tr '\n' ' ') "
  while (( ${#picked[@]} < count )); do
    (( ++tries <= 500 )) || die "could not find $count free TCP ports"
    p=$(( lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1) ))
    [[ "$used" == *" $p "* ]] && continue
    [[ " ${picked[*]-} " == *" $p "* ]] && continue
    tcp_open "$HOST" "$p" && continue
    picked+=("$p")
  done
  echo "${picked[*]}"
}

port_in_use() { # port -> 0 if something listens on it
  local used
  used=" $(used_ports listen | tr '\n' ' ') "
  [[ "$used" == *" $1 "* ]] || tcp_open "$HOST" "$1"
}

# Kafka cluster ids are 16 random bytes in URL-safe base64 without padding;
# like Kafka itself, avoid ids starting with '-' (they look like flags).
random_cluster_id() {
  local id i
  for i in 1 2 3 4 5 6 7 8 9 10; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* && ${#id} -eq 22 ]] && { echo "$id"; return; }
  done
  die "could not generate a cluster id"
}

heap_flags() {
  local h="${KAFKA_HEAP:--Xms256m -Xmx512m}"
  if [[ "$h" =~ ^[0-9]+[kKmMgG]?$ ]]; then echo "-Xmx$h"; else echo "$h"; fi
}

check_java() {
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found (install Java 17+ or set JAVA_HOME)"
  local v
  v="$("$JAVA" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}')"
  v="${v%%.*}"
  [[ "$v" =~ ^[0-9]+$ ]] || die "cannot tell the Java version of $JAVA"
  (( v >= 17 )) || die "Kafka $KAFKA_VERSION needs Java 17+, $JAVA is Java $v"
}

# Take an exclusive lock (fd 9) for one state directory, so two invocations
# never start or stop the same broker at once. The fd is closed for brokers.
lock_state() {
  command -v flock >/dev/null 2>&1 || return 0
  mkdir -p "$CACHE/locks"
  local key
  key="$(printf '%s' "$STATE" | cksum | awk '{print $1}')"
  exec 9>"$CACHE/locks/state-$key.lock"
  local wait=$(( START_TIMEOUT * 2 + STOP_TIMEOUT * 3 + 30 ))
  flock -w "$wait" 9 || die "timed out waiting for another kafka.sh on $STATE"
}

# ------------------------------------------------------------------- fetch --
write_pom() {
  cat >"$DIST/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by Sluice scripts/kafka.sh: pulls Kafka $KAFKA_VERSION and its runtime deps. -->
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.sluice.local</groupId>
  <artifactId>sluice-kafka-runtime</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_$SCALA_BINARY</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>$KAFKA_VERSION</version>
      <exclusions>
        <!-- Only needed by the Connect tools; avoids Jetty/Jersey. -->
        <exclusion><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId></exclusion>
        <exclusion><groupId>com.fasterxml.jackson.jakarta.rs</groupId><artifactId>jackson-jakarta-rs-json-provider</artifactId></exclusion>
      </exclusions>
    </dependency>
    <!-- Kafka's jars only carry slf4j-api (1.7.x); bind it to log4j2 as the
         Kafka distribution does (log4j-slf4j-impl is the SLF4J 1.x binding). -->
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>$LOG4J_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>$LOG4J_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
}

write_tools_log4j() {
  cat >"$DIST/tools-log4j2.properties" <<'EOF'
# Generated by Sluice scripts/kafka.sh: command-line tools log warnings to stderr.
status = warn
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
EOF
}

fetch() {
  [[ -f "$DIST/.complete" && -d "$LIBS" ]] && return 0
  command -v mvn >/dev/null 2>&1 || die "mvn (Maven 3.6+) is needed to fetch Kafka from Maven Central"
  mkdir -p "$DIST"
  local lockfd_opened=0
  if command -v flock >/dev/null 2>&1; then
    exec 8>"$DIST/.fetch.lock"
    flock -w "$FETCH_TIMEOUT" 8 || die "timed out waiting for another fetch of Kafka $KAFKA_VERSION"
    lockfd_opened=1
  fi
  if [[ ! -f "$DIST/.complete" || ! -d "$LIBS" ]]; then
    rm -f "$DIST/.complete"
    log "fetching Kafka $KAFKA_VERSION from Maven Central into $DIST (first run only)..."
    local t0; t0="$(now)"
    write_pom
    rm -rf "$DIST/libs.tmp"
    # shellcheck disable=SC2086
    if ! timeout "$FETCH_TIMEOUT" mvn -B -q -f "$DIST/pom.xml" ${SLUICE_KAFKA_MVN_ARGS:-} \
        "$DEP_PLUGIN:copy-dependencies" -DincludeScope=runtime \
        -DoutputDirectory="$DIST/libs.tmp" >"$DIST/fetch.log" 2>&1 </dev/null; then
      tail -n 40 "$DIST/fetch.log" >&2 || true
      die "Maven fetch failed (full log: $DIST/fetch.log)"
    fi
    local jar
    for jar in "kafka_$SCALA_BINARY-$KAFKA_VERSION.jar" "kafka-tools-$KAFKA_VERSION.jar" \
               "kafka-clients-$KAFKA_VERSION.jar" "log4j-core-$LOG4J_VERSION.jar" \
               "log4j-slf4j-impl-$LOG4J_VERSION.jar"; do
      [[ -f "$DIST/libs.tmp/$jar" ]] || die "fetched jars lack $jar (see $DIST/fetch.log)"
    done
    write_tools_log4j
    rm -rf "$LIBS"
    mv "$DIST/libs.tmp" "$LIBS"
    touch "$DIST/.complete"
    log "fetched $(find "$LIBS" -name '*.jar' | wc -l) jars in $(( $(now) - t0 ))s"
  fi
  if (( lockfd_opened )); then exec 8>&-; fi
}

classpath() { echo "$LIBS/*"; }

tool_class() {
  case "$1" in
    topics) echo org.apache.kafka.tools.TopicCommand ;;
    console-producer) echo org.apache.kafka.tools.ConsoleProducer ;;
    console-consumer) echo org.apache.kafka.tools.consumer.ConsoleConsumer ;;
    consumer-groups) echo org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
    metadata-quorum) echo org.apache.kafka.tools.MetadataQuorumCommand ;;
    get-offsets) echo org.apache.kafka.tools.GetOffsetShell ;;
    api-versions) echo org.apache.kafka.tools.BrokerApiVersionsCommand ;;
    storage) echo "$MAIN_STORAGE" ;;
    *.*) echo "$1" ;;
    *) die "unknown tool '$1' (see --help)" ;;
  esac
}

run_tool() {
  [[ $# -ge 1 ]] || die "tool: missing TOOL (see --help)"
  local cls; cls="$(tool_class "$1")"; shift
  fetch
  exec "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$DIST/tools-log4j2.properties" \
    -cp "$(classpath)" "$cls" "$@"
}

# ------------------------------------------------------------ state layout --
# <state>/meta                 MODE, NODES, CLUSTER_ID, BROKER_PORTS, CONTROLLER_PORTS
# <state>/bootstrap            bootstrap address(es), written once ready
# <state>/log4j2.properties    broker logging (to <node>/logs/server.log)
# <state>/nodeN/server.properties, data/, logs/, console.log, pid
# <state>/failed               present if the last start failed (next start wipes)

node_dir() { echo "$STATE/node$1"; }

# Delete the state dir, refusing anything that does not look like one of ours
# (SLUICE_KAFKA_STATE might point somewhere unexpected).
remove_state() {
  [[ -e "$STATE" ]] || return 0
  local real; real="$(cd "$STATE" 2>/dev/null && pwd -P || echo "$STATE")"
  case "$real" in
    /|"$HOME"|"$(cd "$HOME" 2>/dev/null && pwd -P)"|"$CACHE"|"$CACHE/state") die "refusing to delete $STATE" ;;
  esac
  if [[ -n "$(ls -A "$STATE" 2>/dev/null)" && ! -f "$STATE/meta" && ! -f "$STATE/failed" && ! -f "$STATE/log4j2.properties" ]]; then
    die "refusing to delete $STATE: it is not empty and does not look like a kafka.sh state"
  fi
  rm -rf "$STATE"
}

load_meta() {
  [[ -f "$STATE/meta" ]] || return 1
  MODE="" NODES="" CLUSTER_ID="" BROKER_PORTS="" CONTROLLER_PORTS=""
  local k v
  while IFS='=' read -r k v; do
    case "$k" in
      MODE) MODE="$v" ;; NODES) NODES="$v" ;; CLUSTER_ID) CLUSTER_ID="$v" ;;
      BROKER_PORTS) BROKER_PORTS="$v" ;; CONTROLLER_PORTS) CONTROLLER_PORTS="$v" ;;
    esac
  done <"$STATE/meta"
  [[ -n "$MODE" && "$NODES" =~ ^[0-9]+$ ]]
}

broker_port() { local a; read -r -a a <<<"$BROKER_PORTS"; echo "${a[$(( $1 - 1 ))]}"; }
controller_port() { local a; read -r -a a <<<"$CONTROLLER_PORTS"; echo "${a[$(( $1 - 1 ))]}"; }

bootstrap_list() {
  local out="" i
  for (( i = 1; i <= NODES; i++ )); do out+="${out:+,}$HOST:$(broker_port "$i")"; done
  echo "$out"
}

node_pid() { local f; f="$(node_dir "$1")/pid"; [[ -f "$f" ]] && cat "$f" || true; }
node_running() { pid_matches "$(node_pid "$1")" "$(node_dir "$1")/server.properties"; }

write_log4j() {
  cat >"$STATE/log4j2.properties" <<'EOF'
# Generated by Sluice scripts/kafka.sh: broker logs go to ${kafka.logs.dir}/server.log.
status = warn
# Keep logging until the JVM exits, so Kafka's own shutdown lines are kept.
shutdownHook = disable
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.filePattern = ${sys:kafka.logs.dir}/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.zk.name = org.apache.zookeeper
logger.zk.level = WARN
EOF
}

write_server_props() { # node_id voters
  local id="$1" voters="$2" dir cfg bp cp
  dir="$(node_dir "$id")"; cfg="$dir/server.properties"
  bp="$(broker_port "$id")"; cp="$(controller_port "$id")"
  mkdir -p "$dir/data" "$dir/logs"
  {
    echo "# Generated by Sluice scripts/kafka.sh ($MODE mode, node $id of $NODES)."
    echo "process.roles=broker,controller"
    echo "node.id=$id"
    echo "controller.quorum.voters=$voters"
    echo "listeners=PLAINTEXT://$HOST:$bp,CONTROLLER://$HOST:$cp"
    echo "advertised.listeners=PLAINTEXT://$HOST:$bp"
    echo "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
    echo "controller.listener.names=CONTROLLER"
    echo "inter.broker.listener.name=PLAINTEXT"
    echo "log.dirs=$dir/data"
    echo "num.partitions=1"
    echo "auto.create.topics.enable=false"
    echo "delete.topic.enable=true"
    echo "group.initial.rebalance.delay.ms=0"
    echo "num.network.threads=2"
    echo "num.io.threads=4"
    echo "num.recovery.threads.per.data.dir=1"
    echo "log.cleaner.dedupe.buffer.size=16777216"
    if [[ "$MODE" == single ]]; then
      echo "default.replication.factor=1"
      echo "min.insync.replicas=1"
      echo "offsets.topic.replication.factor=1"
      echo "offsets.topic.num.partitions=1"
      echo "transaction.state.log.replication.factor=1"
      echo "transaction.state.log.min.isr=1"
      echo "transaction.state.log.num.partitions=1"
      echo "share.coordinator.state.topic.replication.factor=1"
      echo "share.coordinator.state.topic.min.isr=1"
    else
      echo "default.replication.factor=3"
      echo "min.insync.replicas=2"
      echo "offsets.topic.replication.factor=3"
      echo "offsets.topic.num.partitions=3"
      echo "transaction.state.log.replication.factor=3"
      echo "transaction.state.log.min.isr=2"
      echo "transaction.state.log.num.partitions=3"
      echo "share.coordinator.state.topic.replication.factor=3"
      echo "share.coordinator.state.topic.min.isr=2"
      echo "unclean.leader.election.enable=false"
    fi
    local kv
    for kv in "${SETS[@]+"${SETS[@]}"}"; do echo "$kv"; done
  } >"$cfg"
}

format_node() { # node_id
  local dir; dir="$(node_dir "$1")"
  "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$DIST/tools-log4j2.properties" \
    -cp "$(classpath)" "$MAIN_STORAGE" format -t "$CLUSTER_ID" -c "$dir/server.properties" \
    >"$dir/format.log" 2>&1 </dev/null
}

launch_node() { # node_id
  local id="$1" dir cfg heap
  dir="$(node_dir "$id")"; cfg="$dir/server.properties"
  heap="$(heap_flags)"
  rm -f "$dir/pid"
  mkdir -p "$dir/logs"
  # A fresh server.log per launch, so the readiness check never sees the
  # "started" line of an earlier run; the previous one is kept as .prev.
  if [[ -f "$dir/logs/server.log" ]]; then mv -f "$dir/logs/server.log" "$dir/logs/server.log.prev"; fi
  printf '\n=== %s starting node %s ===\n' "$(date '+%F %T')" "$id" >>"$dir/console.log"
  # setsid+nohup: the broker outlives this script and the caller's terminal.
  # The inner shell records its own pid, then execs java (same pid).
  # shellcheck disable=SC2086,SC2016 # word-split flags; $$/$1 belong to the inner shell
  setsid nohup bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$dir/pid" \
    "$JAVA" $heap -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true ${KAFKA_JVM_OPTS:-} \
    -Dkafka.logs.dir="$dir/logs" -Dlog4j2.configurationFile="$STATE/log4j2.properties" \
    -cp "$(classpath)" "$MAIN_BROKER" "$cfg" \
    </dev/null >>"$dir/console.log" 2>&1 8>&- 9>&- &
  local i
  for (( i = 0; i < 50; i++ )); do
    [[ -s "$dir/pid" ]] && return 0
    sleep 0.1
  done
  die "node $id did not record its pid"
}

node_ready() { # node_id -> 0 when its log says started and its port accepts
  local dir; dir="$(node_dir "$1")"
  grep -qF "$READY_MARKER" "$dir/logs/server.log" 2>/dev/null && tcp_open "$HOST" "$(broker_port "$1")"
}

show_diagnostics() { # node ids...
  local id dir
  for id in "$@"; do
    dir="$(node_dir "$id")"
    if [[ -f "$dir/logs/server.log" ]]; then
      if grep -qE '^\[[^]]*\] (ERROR|FATAL) ' "$dir/logs/server.log"; then
        log "---- node $id: first errors in $dir/logs/server.log ----"
        grep -E '^\[[^]]*\] (ERROR|FATAL) ' "$dir/logs/server.log" | head -n 10 | cut -c1-400 >&2 || true
      fi
      log "---- node $id: last lines of $dir/logs/server.log ----"
      tail -n 25 "$dir/logs/server.log" | cut -c1-400 >&2 || true
    fi
    if [[ -s "$dir/console.log" ]]; then
      log "---- node $id: last lines of $dir/console.log ----"
      tail -n 15 "$dir/console.log" >&2 || true
    fi
  done
}

# wait_ready TIMEOUT node_ids... -> 0 if all ready; 1 timeout; 2 a node died.
WAIT_FAILED_NODE=""
wait_ready() {
  local timeout="$1"; shift
  local deadline=$(( $(now) + timeout )) id pending=("$@") next
  while (( ${#pending[@]} > 0 )); do
    next=()
    for id in "${pending[@]}"; do
      if node_ready "$id"; then continue; fi
      if ! node_running "$id"; then
        sleep 0.5 # let the log flush
        node_ready "$id" && continue
        WAIT_FAILED_NODE="$id"
        return 2
      fi
      next+=("$id")
    done
    pending=("${next[@]+"${next[@]}"}")
    (( ${#pending[@]} == 0 )) && break
    if (( $(now) >= deadline )); then WAIT_FAILED_NODE="${pending[*]}"; return 1; fi
    sleep 0.3
  done
  return 0
}

# stop_nodes GRACE_SECONDS SIGNAL node_ids... : signal all, wait, SIGKILL leftovers.
stop_nodes() {
  local grace="$1" sig="$2"; shift 2
  local id pid ids=() deadline
  for id in "$@"; do
    pid="$(node_pid "$id")"
    if pid_matches "$pid" "$(node_dir "$id")/server.properties"; then
      kill "-$sig" "$pid" 2>/dev/null || true
      ids+=("$id")
    fi
  done
  (( ${#ids[@]} > 0 )) || return 0
  deadline=$(( $(now) + grace ))
  local left alive n quorum_lost=0
  while :; do
    left=()
    for id in "${ids[@]}"; do node_running "$id" && left+=("$id"); done
    (( ${#left[@]} == 0 )) && break
    # A combined node's broker waits (up to 5 min) for its controller quorum
    # to approve a controlled shutdown; once fewer than a majority of nodes
    # are left that can never happen, so give the rest a short grace only.
    if [[ "${MODE:-}" == cluster ]] && (( ! quorum_lost )); then
      alive=0
      for n in $(all_nodes); do node_running "$n" && alive=$(( alive + 1 )); done
      if (( alive * 2 <= NODES )); then
        quorum_lost=1
        # Without --keep the data is deleted next, so there is nothing to flush.
        local qg="$QUORUM_GRACE"; (( KEEP )) || qg=1
        if (( $(now) + qg < deadline )); then deadline=$(( $(now) + qg )); fi
      fi
    fi
    if (( $(now) >= deadline )); then
      if (( quorum_lost )); then
        # Expected for the last node(s) of a cluster; only worth a note if data is kept.
        (( ! KEEP )) || log "node(s) ${left[*]}: no controller majority left to approve a controlled shutdown; sending SIGKILL"
      else
        log "node(s) ${left[*]} still running after ${grace}s; sending SIGKILL"
      fi
      for id in "${left[@]}"; do kill -KILL "$(node_pid "$id")" 2>/dev/null || true; done
      sleep 0.5
      break
    fi
    sleep 0.3
  done
  for id in "${ids[@]}"; do
    node_running "$id" && log "warning: node $id (pid $(node_pid "$id")) did not exit"
    node_running "$id" || rm -f "$(node_dir "$id")/pid"
  done
  return 0
}

# Ctrl-C / SIGTERM while starting: do not leave half-started brokers behind.
STARTING_NODES=()
on_interrupt() {
  trap - INT TERM
  if (( ${#STARTING_NODES[@]} > 0 )); then
    log "interrupted; stopping node(s) ${STARTING_NODES[*]}"
    stop_nodes 5 TERM "${STARTING_NODES[@]}"
    [[ -d "$STATE" ]] && touch "$STATE/failed"
  fi
  exit 130
}

all_nodes() { seq 1 "$NODES"; }

start_timeout_for() { # mode
  if [[ "$1" == cluster ]]; then echo $(( START_TIMEOUT * 3 / 2 )); else echo "$START_TIMEOUT"; fi
}

# Creates a fresh state (ports, configs, format) and starts all its nodes.
create_and_start() { # mode nodes
  MODE="$1"; NODES="$2"
  local auto_ports=1 attempt max_attempts=3 rc ids
  if [[ "$MODE" == single && -n "${KAFKA_PORT:-}${KAFKA_CONTROLLER_PORT:-}" ]]; then auto_ports=0; fi
  (( auto_ports )) || max_attempts=1
  mapfile -t ids < <(all_nodes)
  for (( attempt = 1; attempt <= max_attempts; attempt++ )); do
    remove_state
    mkdir -p "$STATE"
    CLUSTER_ID="$(random_cluster_id)"
    local ports; ports="$(pick_ports $(( 2 * NODES )))"
    local arr; read -r -a arr <<<"$ports"
    BROKER_PORTS="${arr[*]:0:NODES}"
    CONTROLLER_PORTS="${arr[*]:NODES:NODES}"
    if [[ "$MODE" == single ]]; then
      if [[ -n "${KAFKA_PORT:-}" ]]; then
        [[ "$KAFKA_PORT" =~ ^[0-9]+$ ]] || die "KAFKA_PORT must be a number"
        port_in_use "$KAFKA_PORT" && die "KAFKA_PORT $KAFKA_PORT is already in use"
        BROKER_PORTS="$KAFKA_PORT"
        [[ "$CONTROLLER_PORTS" == "$KAFKA_PORT" ]] && CONTROLLER_PORTS="${arr[0]}"
      fi
      if [[ -n "${KAFKA_CONTROLLER_PORT:-}" ]]; then
        [[ "$KAFKA_CONTROLLER_PORT" =~ ^[0-9]+$ ]] || die "KAFKA_CONTROLLER_PORT must be a number"
        port_in_use "$KAFKA_CONTROLLER_PORT" && die "KAFKA_CONTROLLER_PORT $KAFKA_CONTROLLER_PORT is already in use"
        CONTROLLER_PORTS="$KAFKA_CONTROLLER_PORT"
      fi
      [[ "$BROKER_PORTS" != "$CONTROLLER_PORTS" ]] || die "broker and controller ports must differ"
    fi
    printf 'MODE=%s\nNODES=%s\nCLUSTER_ID=%s\nBROKER_PORTS=%s\nCONTROLLER_PORTS=%s\nKAFKA_VERSION=%s\n' \
      "$MODE" "$NODES" "$CLUSTER_ID" "$BROKER_PORTS" "$CONTROLLER_PORTS" "$KAFKA_VERSION" >"$STATE/meta"
    local voters="" id
    for id in "${ids[@]}"; do voters+="${voters:+,}$id@$HOST:$(controller_port "$id")"; done
    write_log4j
    for id in "${ids[@]}"; do write_server_props "$id" "$voters"; done

    # Format all log dirs (in parallel: one JVM each).
    local pids=() fail=0
    for id in "${ids[@]}"; do format_node "$id" & pids+=("$!"); done
    for id in "${!pids[@]}"; do wait "${pids[$id]}" || fail=1; done
    if (( fail )); then
      for id in "${ids[@]}"; do cat "$(node_dir "$id")/format.log" >&2 || true; done
      touch "$STATE/failed"
      die "formatting the KRaft log dirs failed"
    fi

    log "starting $MODE Kafka $KAFKA_VERSION ($NODES node(s), bootstrap $(bootstrap_list), state $STATE)"
    STARTING_NODES=("${ids[@]}")
    for id in "${ids[@]}"; do launch_node "$id"; done
    rc=0; wait_ready "$(start_timeout_for "$MODE")" "${ids[@]}" || rc=$?
    if (( rc == 0 )); then STARTING_NODES=(); return 0; fi

    local conflict=0
    for id in "${ids[@]}"; do
      grep -qs "Address already in use" "$(node_dir "$id")/logs/server.log" "$(node_dir "$id")/console.log" && conflict=1
    done
    stop_nodes 5 KILL "${ids[@]}"
    STARTING_NODES=()
    if (( conflict && attempt < max_attempts )); then
      log "port conflict on attempt $attempt; retrying with other ports"
      continue
    fi
    show_diagnostics "${ids[@]}"
    touch "$STATE/failed"
    if (( rc == 2 )); then die "node $WAIT_FAILED_NODE exited during startup (state kept in $STATE)"; fi
    die "node(s) $WAIT_FAILED_NODE not ready within $(start_timeout_for "$MODE")s (state kept in $STATE)"
  done
}

# Starts the existing (kept) nodes again; used by start/cluster-start and start-node.
resume_nodes() { # node ids...
  local id p
  for id in "$@"; do
    for p in "$(broker_port "$id")" "$(controller_port "$id")"; do
      port_in_use "$p" && die "port $p of node $id is in use by another process (use --fresh for new ports)"
    done
  done
  log "starting $MODE Kafka node(s) $* (state $STATE)"
  STARTING_NODES=("$@")
  for id in "$@"; do launch_node "$id"; done
  local rc=0
  wait_ready "$(start_timeout_for "$MODE")" "$@" || rc=$?
  if (( rc != 0 )); then
    stop_nodes 5 KILL "$@"
    STARTING_NODES=()
    show_diagnostics "$@"
    if (( rc == 2 )); then die "node $WAIT_FAILED_NODE exited during startup"; fi
    die "node(s) $WAIT_FAILED_NODE not ready within $(start_timeout_for "$MODE")s"
  fi
  STARTING_NODES=()
}

# ---------------------------------------------------------------- commands --
cmd_start() { # mode
  local mode="$1" nodes=1 t0
  [[ "$mode" == cluster ]] && nodes=$CLUSTER_SIZE
  t0="$(now)"
  check_java
  fetch
  lock_state
  trap on_interrupt INT TERM
  if [[ -d "$STATE" ]] && (( FRESH == 0 )) && [[ ! -f "$STATE/failed" ]] && load_meta; then
    [[ "$MODE" == "$mode" ]] || die "$STATE holds a $MODE state, not $mode (use another --name)"
    local id down=()
    for id in $(all_nodes); do node_running "$id" || down+=("$id"); done
    if (( ${#down[@]} == 0 )); then
      log "already running (state $STATE)"
    else
      (( ${#SETS[@]} == 0 )) || log "note: --set is ignored when resuming a kept state (use --fresh)"
      if [[ "$mode" == single && -n "${KAFKA_PORT:-}" && "$KAFKA_PORT" != "$(broker_port 1)" ]]; then
        log "note: resuming the kept state on its port $(broker_port 1), not KAFKA_PORT=$KAFKA_PORT (use --fresh)"
      fi
      resume_nodes "${down[@]}"
    fi
  else
    # --fresh (or a failed/unknown state): stop whatever still runs there first.
    if load_meta; then
      local old_ids; mapfile -t old_ids < <(all_nodes)
      stop_nodes "$STOP_TIMEOUT" TERM "${old_ids[@]}"
    fi
    create_and_start "$mode" "$nodes"
  fi
  trap - INT TERM
  local bs; bs="$(bootstrap_list)"
  echo "$bs" >"$STATE/bootstrap"
  log "ready in $(( $(now) - t0 ))s"
  echo "$bs"
}

cmd_stop() { # mode
  local mode="$1"
  lock_state
  if ! load_meta; then
    if [[ -d "$STATE" && $KEEP -eq 0 ]]; then remove_state; fi
    log "not running (no state at $STATE)"
    return 0
  fi
  [[ "$MODE" == "$mode" ]] || die "$STATE holds a $MODE state, not $mode"
  local t0; t0="$(now)"
  mapfile -t ids < <(all_nodes)
  stop_nodes "$STOP_TIMEOUT" TERM "${ids[@]}"
  if (( KEEP )); then
    rm -f "$STATE/bootstrap"
    log "stopped in $(( $(now) - t0 ))s; state kept in $STATE"
  else
    remove_state
    log "stopped in $(( $(now) - t0 ))s; state removed"
  fi
}

cmd_status() { # mode
  local mode="$1"
  if ! load_meta; then echo "not running"; return 1; fi
  [[ "$MODE" == "$mode" ]] || die "$STATE holds a $MODE state, not $mode"
  local id up=0
  if [[ "$mode" == single ]]; then
    if node_running 1; then echo "running $(bootstrap_list)"; return 0; fi
    echo "not running"; return 1
  fi
  for id in $(all_nodes); do
    if node_running "$id"; then
      echo "node $id running $HOST:$(broker_port "$id") (pid $(node_pid "$id"))"; up=$(( up + 1 ))
    else
      echo "node $id not running $HOST:$(broker_port "$id")"
    fi
  done
  echo "bootstrap $(bootstrap_list)"
  if (( up == NODES )); then return 0; elif (( up == 0 )); then return 1; else return 2; fi
}

cmd_bootstrap() {
  load_meta || { log "not running (no state at $STATE)"; return 1; }
  local id
  for id in $(all_nodes); do
    if node_running "$id"; then bootstrap_list; return 0; fi
  done
  log "not running"; return 1
}

cmd_node() { # start|stop node_id
  local action="$1" id="$2"
  [[ "$id" =~ ^[0-9]+$ ]] || die "$action-node: NODE must be a number"
  lock_state
  load_meta || die "no cluster state at $STATE (run cluster-start first)"
  [[ "$MODE" == cluster ]] || die "$STATE is not a cluster state"
  (( id >= 1 && id <= NODES )) || die "NODE must be between 1 and $NODES"
  if [[ "$action" == stop ]]; then
    if ! node_running "$id"; then log "node $id is not running"; return 0; fi
    local t0; t0="$(now)"
    KEEP=1 # a stopped node keeps its data
    if (( KILL )); then stop_nodes 5 KILL "$id"; else stop_nodes "$STOP_TIMEOUT" TERM "$id"; fi
    log "node $id stopped in $(( $(now) - t0 ))s"
  else
    check_java
    fetch
    if node_running "$id"; then log "node $id is already running"; else
      local t0; t0="$(now)"
      trap on_interrupt INT TERM
      resume_nodes "$id"
      trap - INT TERM
      log "node $id ready in $(( $(now) - t0 ))s"
    fi
    echo "$HOST:$(broker_port "$id")"
  fi
}

cmd_logs() {
  load_meta || die "no state at $STATE"
  local f; f="$(node_dir "$NODE")/logs/server.log"
  [[ -f "$f" ]] || die "no log at $f"
  tail -n "$LINES" "$f"
}

# ------------------------------------------------------------------- main --
main() {
  local cmd="${1:-help}"
  [[ $# -gt 0 ]] && shift
  NAME="" KEEP=0 FRESH=0 KILL=0 NODE=1 LINES=100 SETS=()
  local positional=()
  case "$cmd" in
    tool) run_tool "$@" ;;
    help|-h|--help) usage; return 0 ;;
  esac
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --name) [[ $# -ge 2 ]] || die "--name needs a value"; NAME="$2"; shift 2 ;;
      --name=*) NAME="${1#--name=}"; shift ;;
      --port) [[ $# -ge 2 ]] || die "--port needs a value"; KAFKA_PORT="$2"; shift 2 ;;
      --port=*) KAFKA_PORT="${1#--port=}"; shift ;;
      --keep) KEEP=1; shift ;;
      --fresh) FRESH=1; shift ;;
      --kill) KILL=1; shift ;;
      --node) [[ $# -ge 2 ]] || die "--node needs a value"; NODE="$2"; shift 2 ;;
      --lines|-n) [[ $# -ge 2 ]] || die "$1 needs a value"; LINES="$2"; shift 2 ;;
      --set) [[ $# -ge 2 && "$2" == *=* ]] || die "--set needs key=value"; SETS+=("$2"); shift 2 ;;
      -h|--help) usage; return 0 ;;
      -*) die "unknown option $1 (see --help)" ;;
      *) positional+=("$1"); shift ;;
    esac
  done
  [[ -z "$NAME" || "$NAME" =~ ^[A-Za-z0-9._-]+$ ]] || die "--name may only use letters, digits, . _ -"
  local default_name=default
  case "$cmd" in cluster-*|stop-node|start-node) default_name=cluster ;; esac
  STATE="${SLUICE_KAFKA_STATE:-$CACHE/state/${NAME:-$default_name}}"
  [[ "$NODE" =~ ^[0-9]+$ && "$LINES" =~ ^[0-9]+$ ]] || die "--node and --lines take numbers"
  for n in START_TIMEOUT STOP_TIMEOUT FETCH_TIMEOUT; do
    [[ "${!n}" =~ ^[0-9]+$ ]] || die "SLUICE_KAFKA_$n must be a whole number of seconds"
  done

  case "$cmd" in
    stop-node|start-node) ;;
    *) [[ ${#positional[@]} -eq 0 ]] || die "unexpected argument '${positional[0]}' (see --help)" ;;
  esac
  case "$cmd" in
    start) cmd_start single ;;
    stop) cmd_stop single ;;
    status) cmd_status single ;;
    cluster-start) cmd_start cluster ;;
    cluster-stop) cmd_stop cluster ;;
    cluster-status) cmd_status cluster ;;
    stop-node|start-node)
      [[ ${#positional[@]} -eq 1 ]] || die "$cmd needs exactly one NODE number"
      cmd_node "${cmd%-node}" "${positional[0]}" ;;
    bootstrap) cmd_bootstrap ;;
    logs) cmd_logs ;;
    fetch) check_java; fetch; log "Kafka $KAFKA_VERSION jars in $LIBS" ;;
    classpath) fetch; classpath ;;
    *) usage >&2; die "unknown command '$cmd'" ;;
  esac
}

main "$@"
