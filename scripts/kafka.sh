#!/usr/bin/env bash
# Runs a real single-node Apache Kafka (KRaft: broker and controller in one JVM, small heap) from
# the jars `make deps` fetched into build/kafka-<version>/libs, with its data in a directory of the
# caller's choosing.
#
#   kafka.sh start DIR [PORT] [key=value...]  start in the background; returns once the broker
#                                             serves requests, with its address in DIR/bootstrap
#   kafka.sh run DIR [PORT] [key=value...]    the same in the foreground (make kafka); Ctrl-C stops it
#   kafka.sh stop DIR                         orderly stop (SIGKILL after 60 s)
#
# The first start on a DIR formats its storage and writes DIR/server.properties (PORT, default
# 9092, plus any broker settings given as key=value). A later start on the same DIR keeps its data,
# its port and its settings; PORT and key=value are then ignored. KAFKA_VERSION picks the release
# (default: the pinned one in the Makefile), KAFKA_HEAP_OPTS the heap (default -Xmx256m -Xms64m),
# KAFKA_HOST the listening address (default 127.0.0.1).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
version=${KAFKA_VERSION:-$(sed -n 's/^KAFKA_VERSION ?= *//p' "$root/Makefile")}
libs="$root/build/kafka-$version/libs"

source "$root/scripts/process.sh"

die() { echo "kafka.sh: $*" >&2; exit 1; }

usage() { sed -n '6,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Writes DIR/server.properties on the first start.
configure() {
  local dir=$1 port=$2; shift 2
  local host=${KAFKA_HOST:-127.0.0.1} cport
  cport=$(free_port)
  {
    echo "# Written by scripts/kafka.sh on the first start; kept (with the port) on later starts."
    echo "process.roles=broker,controller"
    echo "node.id=1"
    echo "controller.quorum.voters=1@127.0.0.1:$cport"
    echo "listeners=PLAINTEXT://$host:$port,CONTROLLER://127.0.0.1:$cport"
    echo "advertised.listeners=PLAINTEXT://$( [ "$host" = 0.0.0.0 ] && echo 127.0.0.1 || echo "$host"):$port"
    echo "controller.listener.names=CONTROLLER"
    echo "inter.broker.listener.name=PLAINTEXT"
    echo "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
    echo "log.dirs=$dir/data"
    # A single node: every internal topic has one replica (as Kafka's own quickstart config).
    echo "offsets.topic.replication.factor=1"
    echo "transaction.state.log.replication.factor=1"
    echo "transaction.state.log.min.isr=1"
    echo "share.coordinator.state.topic.replication.factor=1"
    echo "share.coordinator.state.topic.min.isr=1"
    echo "group.initial.rebalance.delay.ms=0"
    for kv in "$@"; do
      [[ $kv == *=* ]] || die "broker setting '$kv' is not key=value"
      echo "$kv"
    done
  } > "$dir/server.properties.tmp"
  mv "$dir/server.properties.tmp" "$dir/server.properties"
}

# The broker's logging, written at every start (it holds no data).
write_log_config() {
  local dir=$1
  cat > "$dir/log4j2.properties" <<EOF
# The broker's log goes to server.log in this directory; errors also to the console.
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $dir/server.log
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
logger.state.name = state.change.logger
logger.state.level = WARN
EOF
}

# Sets JAVA to the java command line for DIR (the classpath wildcard is Java's, not the shell's).
java_cmd() {
  local heap
  read -r -a heap <<< "${KAFKA_HEAP_OPTS:--Xmx256m -Xms64m}"
  JAVA=(java "${heap[@]}" -XX:+UseSerialGC -Djava.awt.headless=true
        -Dlog4j2.configurationFile="$1/log4j2.properties" -cp "$libs/*")
}


prepare() {
  local dir=$1 port=${2:-9092}
  [ -f "$libs/kafka_2.13-$version.jar" ] || die "Apache Kafka $version is not in build/kafka-$version; run make deps"
  mkdir -p "$dir"
  if [ ! -f "$dir/server.properties" ]; then
    [[ $port =~ ^[0-9]+$ ]] || die "port '$port' is not a number"
    configure "$dir" "$port" "${@:3}"
  fi
  write_log_config "$dir"
  if [ ! -f "$dir/data/meta.properties" ]; then
    local id
    # A cluster id is 22 base64url characters; one that starts with '-' would read as an option.
    id=$(/usr/bin/python3 -c 'import base64,uuid
while True:
    s = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if not s.startswith("-"):
        print(s)
        break')
    java_cmd "$dir"
    "${JAVA[@]}" kafka.tools.StorageTool format -t "$id" -c "$dir/server.properties" \
      >"$dir/format.log" 2>&1 || { cat "$dir/format.log" >&2; die "formatting $dir/data failed"; }
  fi
  if [ -f "$dir/pid" ] && alive "$(cat "$dir/pid")"; then
    die "a broker (pid $(cat "$dir/pid")) already runs on $dir; stop it with: scripts/kafka.sh stop $dir"
  fi
  rm -f "$dir/bootstrap"
  [ -f "$dir/server.log" ] && mv -f "$dir/server.log" "$dir/server.log.1"
  port=$(sed -n 's/^listeners=PLAINTEXT:\/\/[^:]*:\([0-9]*\),.*/\1/p' "$dir/server.properties")
  echo "$port"
}

# Waits until the broker has started (its log says so) and answers on its port.
wait_started() {
  local dir=$1 pid=$2 port=$3
  local deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-120}))
  while :; do
    if ! alive "$pid"; then
      tail -20 "$dir/server.log" 2>/dev/null >&2 || true
      die "the broker exited during start-up; see $dir/server.log and $dir/stdout"
    fi
    if grep -q "Kafka Server started" "$dir/server.log" 2>/dev/null &&
       (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      break
    fi
    [ $SECONDS -lt $deadline ] || die "the broker did not start within ${KAFKA_START_TIMEOUT:-120} s; see $dir/server.log"
    sleep 0.2
  done
  echo "127.0.0.1:$port" > "$dir/bootstrap.tmp"
  mv "$dir/bootstrap.tmp" "$dir/bootstrap"
}

stop() {
  stop_process "$1" "the broker" bootstrap
}

cmd=${1:-}
[ $# -ge 2 ] || usage
dir=$(mkdir -p "$2" && cd "$2" && pwd)
case $cmd in
  start)
    port=$(prepare "$dir" "${@:3}")
    java_cmd "$dir"
    setsid "${JAVA[@]}" kafka.Kafka "$dir/server.properties" >"$dir/stdout" 2>&1 </dev/null &
    echo $! > "$dir/pid"
    wait_started "$dir" "$!" "$port"
    echo "Kafka $version is ready at $(cat "$dir/bootstrap") (data in $dir)"
    ;;
  run)
    port=$(prepare "$dir" "${@:3}")
    java_cmd "$dir"
    "${JAVA[@]}" kafka.Kafka "$dir/server.properties" &
    pid=$!
    echo "$pid" > "$dir/pid"
    stopping=0
    trap 'stopping=1; kill -TERM $pid 2>/dev/null' INT TERM
    wait_started "$dir" "$pid" "$port"
    echo "Kafka $version is ready at $(cat "$dir/bootstrap") (data in $dir, log in $dir/server.log)."
    echo "Start connectd on it with: make run ARGS=\"-D bootstrap.servers=$(cat "$dir/bootstrap")\""
    echo "Ctrl-C stops the broker; the data stays for the next start."
    status=0
    while kill -0 "$pid" 2>/dev/null; do wait "$pid" || status=$?; done
    rm -f "$dir/pid" "$dir/bootstrap"
    # Stopped by Ctrl-C or a TERM: the JVM exits 130 or 143 after its orderly shutdown.
    if [ "$stopping" = 1 ] && { [ "$status" = 130 ] || [ "$status" = 143 ]; }; then
      echo "Kafka stopped; its data is in $dir."
      status=0
    fi
    exit "$status"
    ;;
  stop)
    stop "$dir"
    ;;
  *)
    usage
    ;;
esac
