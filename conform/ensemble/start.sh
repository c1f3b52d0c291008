#!/usr/bin/env bash
# start.sh DIR BASEPORT: start a ZooKeeper ensemble of 3 voters and 1
# observer on 127.0.0.1, configured and kept in DIR, and wait until every
# server answers srvr with a Mode and exactly one is the leader. The PIDs
# go to DIR/zkN/pid and, together, DIR/pids ("N PID" lines); stop.sh DIR
# stops exactly those processes.
#
# Environment:
#   ZK_TICK_TIME      tickTime in ms (2000)
#   ZK_EXTRA_CFG      more zoo.cfg lines for every server (newline separated)
#   ZK_JVM_FLAGS      more JVM flags (e.g. -Dznode.container.checkIntervalMs=1000)
#   ZK_READY_TIMEOUT  seconds to wait for the ensemble (60)
#   ZK_JAR, ZK_SLF4J, JAVA  where the server and java are
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/common.sh"

[ $# -eq 2 ] || die "usage: start.sh DIR BASEPORT"
mkdir -p "$1"
dir="$(cd "$1" && pwd)"
base=$2
[[ "$base" =~ ^[0-9]+$ ]] && [ "$base" -ge 1024 ] && [ "$base" -le 65500 ] || die "BASEPORT must be 1024..65500, got $base"
[ -n "$JAVA" ] && [ -x "$JAVA" ] || die "java not found (apt-get install -y zookeeper)"
[ -f "$ZK_JAR" ] || die "no $ZK_JAR (apt-get install -y zookeeper)"
for n in $(seq 1 $ZK_SERVERS); do
  if [ -f "$dir/zk$n/pid" ] && is_our_server "$(cat "$dir/zk$n/pid")" "$dir" "$n"; then
    die "server $n of $dir already runs (PID $(cat "$dir/zk$n/pid")): stop.sh $dir first"
  fi
done

for n in $(seq 1 $ZK_SERVERS); do
  rm -rf "$dir/zk$n"
  mkdir -p "$dir/zk$n/data"
  echo "$n" >"$dir/zk$n/data/myid"
  {
    echo "tickTime=${ZK_TICK_TIME:-2000}"
    echo "initLimit=10"
    echo "syncLimit=5"
    echo "dataDir=$dir/zk$n/data"
    echo "clientPort=$(client_port "$base" "$n")"
    echo "clientPortAddress=127.0.0.1"
    echo "maxClientCnxns=0"
    echo "admin.enableServer=false"
    echo "4lw.commands.whitelist=*"
    if [ "$n" -eq "$ZK_OBSERVER" ]; then echo "peerType=observer"; fi
    for m in $(seq 1 $ZK_SERVERS); do
      role=""
      if [ "$m" -eq "$ZK_OBSERVER" ]; then role=":observer"; fi
      echo "server.$m=127.0.0.1:$(quorum_port "$base" "$m"):$(election_port "$base" "$m")$role"
    done
    if [ -n "${ZK_EXTRA_CFG:-}" ]; then printf '%s\n' "$ZK_EXTRA_CFG"; fi
  } >"$dir/zk$n/zoo.cfg"
done

started=()
cleanup() {
  for n in "${started[@]}"; do
    pid=$(cat "$dir/zk$n/pid" 2>/dev/null || true)
    if is_our_server "$pid" "$dir" "$n"; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
}
trap 'cleanup' ERR

: >"$dir/pids"
for n in $(seq 1 $ZK_SERVERS); do
  pid=$("$here/server.sh" "$dir" "$n")
  started+=("$n")
  echo "$n $pid" >>"$dir/pids"
done

deadline=$((SECONDS + ${ZK_READY_TIMEOUT:-60}))
while :; do
  leaders=0 ready=0 modes=""
  for n in $(seq 1 $ZK_SERVERS); do
    pid=$(cat "$dir/zk$n/pid")
    if ! is_our_server "$pid" "$dir" "$n"; then
      echo "ensemble: server $n (PID $pid) died; the end of its log:" >&2
      tail -n 30 "$dir/zk$n/server.log" >&2 || true
      cleanup; exit 1
    fi
    mode=$(server_mode "$(client_port "$base" "$n")")
    modes="$modes zk$n=${mode:-?}"
    case "$mode" in
      leader) leaders=$((leaders + 1)); ready=$((ready + 1)) ;;
      follower|observer) ready=$((ready + 1)) ;;
    esac
  done
  if [ "$ready" -eq "$ZK_SERVERS" ] && [ "$leaders" -eq 1 ]; then
    echo "ensemble: ready in $dir:$modes (clients on 127.0.0.1:$base..$((base + ZK_SERVERS - 1)))" >&2
    exit 0
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "ensemble: not ready after ${ZK_READY_TIMEOUT:-60} s:$modes" >&2
    cleanup; exit 1
  fi
  sleep 0.1
done
