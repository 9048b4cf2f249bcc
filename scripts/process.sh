# process.sh - sourced by kafka.sh and connect.sh: whether a JVM they started still runs, and an
# orderly stop of it. Not run on its own.

# True while process PID runs. A killed process whose parent is gone can stay a zombie until init
# reaps it (a container's PID 1 may never do so): kill -0 still succeeds on a zombie.
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
  [ -n "$state" ] && [ "$state" != Z ]
}

# stop_process DIR WHAT FILE...: TERM to the process in DIR/pid, KILL if it still runs 60 s later;
# then removes DIR/pid and the FILEs (what a running process's address was written to). WHAT
# names it in the message.
stop_process() {
  local dir=$1 what=$2
  shift 2
  [ -f "$dir/pid" ] || return 0
  local pid
  pid=$(cat "$dir/pid")
  if kill -TERM "$pid" 2>/dev/null; then
    for _ in $(seq 1 600); do
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then
      echo "$(basename "$0"): $what did not stop within 60 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$dir/pid"
  local f
  for f in "$@"; do rm -f "$dir/$f"; done
}
