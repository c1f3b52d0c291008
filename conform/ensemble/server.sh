#!/usr/bin/env bash
# server.sh DIR N: start server N of the ensemble configured in DIR (by
# start.sh) in the background, record its PID in DIR/zkN/pid and print it.
# Used by start.sh, and to restart one server after a kill.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/common.sh"

[ $# -eq 2 ] || die "usage: server.sh DIR N"
dir="$(cd "$1" && pwd)"
n=$2
cfg="$dir/zk$n/zoo.cfg"
[ -f "$cfg" ] || die "no $cfg: run start.sh first"
[ -n "$JAVA" ] && [ -x "$JAVA" ] || die "java not found (apt-get install -y zookeeper)"
[ -f "$ZK_JAR" ] || die "no $ZK_JAR (apt-get install -y zookeeper)"

if [ -f "$dir/zk$n/pid" ] && is_our_server "$(cat "$dir/zk$n/pid")" "$dir" "$n"; then
  die "server $n already runs as PID $(cat "$dir/zk$n/pid")"
fi

cp="$ZK_JAR"
[ -f "$ZK_SLF4J" ] && cp="$cp:$ZK_SLF4J"
# shellcheck disable=SC2086 # ZK_JVM_FLAGS is a list of flags
"$JAVA" -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.net.preferIPv4Stack=true \
  -Dorg.slf4j.simpleLogger.showDateTime=true -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS \
  ${ZK_JVM_FLAGS:-} \
  -cp "$cp" org.apache.zookeeper.server.quorum.QuorumPeerMain "$cfg" \
  </dev/null >>"$dir/zk$n/server.log" 2>&1 &
pid=$!
echo "$pid" >"$dir/zk$n/pid"
echo "$pid"
