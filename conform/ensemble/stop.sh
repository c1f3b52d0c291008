#!/usr/bin/env bash
# stop.sh DIR [N...]: stop the servers start.sh started in DIR (all, or
# those numbered N): each recorded PID is signalled only if it is still a
# live QuorumPeerMain of that very DIR/zkN/zoo.cfg. SIGTERM, then SIGKILL
# after 5 s. Stopping a server that is not running is not an error.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/common.sh"

[ $# -ge 1 ] || die "usage: stop.sh DIR [N...]"
[ -d "$1" ] || die "no directory $1"
dir="$(cd "$1" && pwd)"
shift
servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=($(seq 1 $ZK_SERVERS))

pids=()
for n in "${servers[@]}"; do
  [ -f "$dir/zk$n/pid" ] || continue
  pid=$(cat "$dir/zk$n/pid")
  if is_our_server "$pid" "$dir" "$n"; then
    # The SIGCONT undoes a SIGSTOP a test may have left.
    kill -CONT "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$n:$pid")
  fi
done

deadline=$((SECONDS + 5))
for entry in "${pids[@]}"; do
  n=${entry%%:*} pid=${entry#*:}
  while is_our_server "$pid" "$dir" "$n"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.05
      continue
    fi
    sleep 0.05
  done
done
for n in "${servers[@]}"; do rm -f "$dir/zk$n/pid"; done
