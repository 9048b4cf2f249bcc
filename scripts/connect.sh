#!/usr/bin/env bash
# Runs the reference stack: a real Apache Kafka Connect worker in distributed mode, with the
# Debezium PostgreSQL connector on its plugin path, from the jars `make deps` fetched into
# build/connect-<version> (scripts/fetch-connect.sh). The differential tests run it beside connectd;
# users can too, to compare the two on their own data.
#
#   connect.sh start DIR BOOTSTRAP [PORT] [key=value...]  start in the background; returns once the
#                                                        worker has joined its group, with its REST
#                                                        address in DIR/url
#   connect.sh run DIR BOOTSTRAP [PORT] [key=value...]    the same in the foreground; Ctrl-C stops it
#   connect.sh stop DIR                                  orderly stop (SIGKILL after 60 s)
#
# The first start on a DIR writes DIR/worker.properties: BOOTSTRAP, the REST port (PORT, default
# 8083), group connect-cluster with Kafka Connect's usual internal topic names, replication factor 1,
# the JSON converter, and then the key=value settings given (they override the defaults). A later
# start on the same DIR keeps that file. CONNECT_VERSION picks the release (default: the pinned one
# in the Makefile), CONNECT_HEAP_OPTS the heap (default -Xmx512m -Xms64m). With
# CONNECT_JMX_EXPORTER_PORT and CONNECT_JMX_EXPORTER_RULES (a rules file, e.g.
# config/metrics/kafka-connect-metrics.yml) the JVM runs the Prometheus JMX exporter's agent
# (build/jmx-exporter, from `make deps`), serving /metrics on that port, as Strimzi runs it.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
version=${CONNECT_VERSION:-$(sed -n 's/^CONNECT_VERSION ?= *//p' "$root/Makefile")}
home="$root/build/connect-$version"

source "$root/scripts/process.sh"

die() { echo "connect.sh: $*" >&2; exit 1; }

usage() { sed -n '7,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }


configure() {
  local dir=$1 bootstrap=$2 port=$3; shift 3
  [[ $port =~ ^[0-9]+$ ]] || die "port '$port' is not a number"
  {
    echo "# Written by scripts/connect.sh on the first start; kept on later starts."
    echo "bootstrap.servers=$bootstrap"
    echo "listeners=http://127.0.0.1:$port"
    echo "group.id=connect-cluster"
    echo "config.storage.topic=connect-configs"
    echo "offset.storage.topic=connect-offsets"
    echo "status.storage.topic=connect-status"
    echo "config.storage.replication.factor=1"
    echo "offset.storage.replication.factor=1"
    echo "status.storage.replication.factor=1"
    echo "key.converter=org.apache.kafka.connect.json.JsonConverter"
    echo "value.converter=org.apache.kafka.connect.json.JsonConverter"
    echo "plugin.path=$home/plugins"
    for kv in "$@"; do
      [[ $kv == *=* ]] || die "worker setting '$kv' is not key=value"
      echo "$kv"
    done
  } > "$dir/worker.properties.tmp"
  mv "$dir/worker.properties.tmp" "$dir/worker.properties"
}

write_log_config() {
  cat > "$1/log4j2.properties" <<LOG
# The worker's log goes to connect.log in this directory; errors also to the console.
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $1/connect.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.console.type = Console
appender.console.name = CONSOLE
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
appender.console.filter.threshold.type = ThresholdFilter
appender.console.filter.threshold.level = ERROR
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
rootLogger.appenderRef.console.ref = CONSOLE
logger.reflections.name = org.reflections
logger.reflections.level = ERROR
LOG
}

prepare() {
  local dir=$1
  [ -f "$home/.complete" ] || die "Kafka Connect $version is not in build/connect-$version; run make deps"
  if [ ! -f "$dir/worker.properties" ]; then
    [ $# -ge 2 ] || usage
    configure "$dir" "$2" "${3:-8083}" "${@:4}"
  fi
  write_log_config "$dir"
  if [ -f "$dir/pid" ] && alive "$(cat "$dir/pid")"; then
    die "a worker (pid $(cat "$dir/pid")) already runs on $dir; stop it with: scripts/connect.sh stop $dir"
  fi
  rm -f "$dir/url"
  [ -f "$dir/connect.log" ] && mv -f "$dir/connect.log" "$dir/connect.log.1"
  return 0
}

java_cmd() {
  local heap
  read -r -a heap <<< "${CONNECT_HEAP_OPTS:--Xmx512m -Xms64m}"
  local agent=()
  if [ -n "${CONNECT_JMX_EXPORTER_PORT:-}" ]; then
    local jar
    jar=$(ls "$root"/build/jmx-exporter/jmx_prometheus_javaagent-*.jar 2>/dev/null | head -1)
    [ -n "$jar" ] || die "the JMX exporter's agent is not in build/jmx-exporter; run make deps"
    [ -f "${CONNECT_JMX_EXPORTER_RULES:-}" ] || die "CONNECT_JMX_EXPORTER_RULES '${CONNECT_JMX_EXPORTER_RULES:-}' is not a file"
    agent=("-javaagent:$jar=127.0.0.1:$CONNECT_JMX_EXPORTER_PORT:$CONNECT_JMX_EXPORTER_RULES")
  fi
  JAVA=(java "${heap[@]}" "${agent[@]}" -XX:+UseSerialGC -Djava.awt.headless=true
        -Dlog4j2.configurationFile="$1/log4j2.properties" -cp "$home/libs/*"
        org.apache.kafka.connect.cli.ConnectDistributed "$1/worker.properties")
}

# Waits until the worker has joined its group and started what it was assigned: only then does it
# accept writes (before, they get 409 "Cannot complete request momentarily due to no known leader").
wait_started() {
  local dir=$1 pid=$2
  local deadline=$((SECONDS + ${CONNECT_START_TIMEOUT:-180}))
  # Both: the herder has joined the group and started what it was given, and the REST resources
  # are in place (before that, Jetty answers every request with 404; the two happen on different
  # threads, in either order).
  while ! { grep -q "Finished starting connectors and tasks" "$dir/connect.log" 2>/dev/null &&
            grep -q "REST resources initialized" "$dir/connect.log" 2>/dev/null; }; do
    if ! alive "$pid"; then
      tail -20 "$dir/connect.log" 2>/dev/null >&2 || true
      die "the worker exited during start-up; see $dir/connect.log and $dir/stdout"
    fi
    [ $SECONDS -lt $deadline ] || die "the worker did not start within ${CONNECT_START_TIMEOUT:-180} s; see $dir/connect.log"
    sleep 0.2
  done
  local port
  port=$(sed -n 's/^listeners=http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$dir/worker.properties" | tail -1)
  echo "http://127.0.0.1:$port" > "$dir/url.tmp"
  mv "$dir/url.tmp" "$dir/url"
}

stop() {
  stop_process "$1" "the worker" url
}

cmd=${1:-}
[ $# -ge 2 ] || usage
dir=$(mkdir -p "$2" && cd "$2" && pwd)
case $cmd in
  start)
    prepare "$dir" "${@:3}"
    java_cmd "$dir"
    setsid "${JAVA[@]}" >"$dir/stdout" 2>&1 </dev/null &
    echo $! > "$dir/pid"
    wait_started "$dir" "$!"
    echo "Kafka Connect $version is ready at $(cat "$dir/url") (log in $dir/connect.log)"
    ;;
  run)
    prepare "$dir" "${@:3}"
    java_cmd "$dir"
    "${JAVA[@]}" &
    pid=$!
    echo "$pid" > "$dir/pid"
    stopping=0
    trap 'stopping=1; kill -TERM $pid 2>/dev/null' INT TERM
    wait_started "$dir" "$pid"
    echo "Kafka Connect $version is ready at $(cat "$dir/url") (log in $dir/connect.log). Ctrl-C stops it."
    status=0
    while kill -0 "$pid" 2>/dev/null; do wait "$pid" || status=$?; done
    rm -f "$dir/pid" "$dir/url"
    if [ "$stopping" = 1 ] && { [ "$status" = 130 ] || [ "$status" = 143 ]; }; then status=0; fi
    exit "$status"
    ;;
  stop)
    stop "$dir"
    ;;
  *)
    usage
    ;;
esac
