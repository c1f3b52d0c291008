# Shared by start.sh, server.sh and stop.sh: the ensemble's shape and how to
# talk to a server. Sourced, never run.
#
# Ports from a base port B: server N (1..4) serves clients on B+N-1, talks
# to the leader on B+10+N-1 and votes on B+20+N-1. Servers 1..3 vote,
# server 4 is an observer.

ZK_SERVERS=4
ZK_OBSERVER=4
ZK_JAR="${ZK_JAR:-/usr/share/java/zookeeper.jar}"
ZK_SLF4J="${ZK_SLF4J:-/usr/share/java/slf4j-simple.jar}"
JAVA="${JAVA:-$(command -v java || true)}"

die() { echo "ensemble: $*" >&2; exit 1; }

client_port() { echo $(($1 + $2 - 1)); }   # base n
quorum_port() { echo $(($1 + 10 + $2 - 1)); }
election_port() { echo $(($1 + 20 + $2 - 1)); }

# is_our_server PID DIR N: PID is alive (not a zombie) and is the
# QuorumPeerMain of DIR/zkN. PID 1 on these machines reaps exited processes
# late, and a PID may have been reused: never signal on the number alone.
is_our_server() {
  local pid=$1 dir=$2 n=$3 state cmdline
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/stat" ] || return 1
  # The state is the field after the parenthesised command name.
  state=$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ "$state" != "Z" ] && [ "$state" != "X" ] || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ "$cmdline" == *org.apache.zookeeper.server.quorum.QuorumPeerMain* ]] || return 1
  [[ "$cmdline" == *"$dir/zk$n/zoo.cfg"* ]] || return 1
}

# server_mode PORT: the Mode line of srvr (leader, follower, observer,
# standalone), or nothing if the server does not answer. ruok answers imok
# even out of quorum, so it is no readiness check.
server_mode() {
  local port=$1
  timeout 2 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$0" || exit 1
    printf srvr >&3
    while IFS= read -r line <&3; do
      case "$line" in Mode:*) echo "${line#Mode: }"; exit 0;; esac
    done
    exit 1' "$port" 2>/dev/null | tr -d '\r' || true
}
