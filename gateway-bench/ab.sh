#!/usr/bin/env bash
# A/B of two lmgate jars on one workload, alternating, so that a noisy machine's drift falls on
# both alike: each round starts the harness's stub once, then each jar in turn pinned to CPU 0
# (one event loop) with wrk on CPU 1, WARMUP seconds of load, then MEASURE seconds measured.
# Prints one line per jar and round: req/s, and the gateway's CPU time per request over the measured
# window (user + system, from /proc; unlike req/s, it does not move when the machine's other
# tenants take the core away); compare the medians.
#
#   gateway-bench/ab.sh OLD.jar NEW.jar                       # shipped config, chat, 3 rounds
#   CONFIG=passthrough BODY=chat-stream.json ROUNDS=5 gateway-bench/ab.sh OLD.jar NEW.jar
#   UNIQUE=1 gateway-bench/ab.sh OLD.jar NEW.jar   # no two requests with the same last message
#
# To get the jar of an earlier commit: git worktree add /tmp/old REV && (cd /tmp/old &&
# mvn -q -B -o package -DskipTests -Dspotless.check.skip=true); its jar is
# /tmp/old/gateway-app/target/lmgate.jar. Needs what bench.sh needs; 127.0.0.1 only; every process
# started here is stopped by PID.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${LMGATE_SHARED:-$here/../shared}
CONFIG=${CONFIG:-shipped}
BODY=${BODY:-chat.json}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-40}
MEASURE=${MEASURE:-15}
[ $# -eq 2 ] || { echo "usage: $0 A.jar B.jar" >&2; exit 2; }
work=$(mktemp -d /tmp/lmgate-ab.XXXXXX)
cp -r "$shared/bench/." "$work/"
# shellcheck source=common.sh
. "$here/gateway-bench/common.sh"
start_stub "$work" "$work/stub.log"
gw=
trap 'kill "$stub_pid" 2>/dev/null; [ -n "$gw" ] && kill "$gw" 2>/dev/null; wait 2>/dev/null || true' EXIT
for round in $(seq "$ROUNDS"); do
  for jar in "$@"; do
    d="$work/$round-$(basename "$jar" .jar)-$RANDOM"
    mkdir -p "$d"
    gateway_config "$CONFIG" "$d" "$jar"
    post_lua "$d/post.lua" "$work/requests/$BODY" "$key"
    taskset -c 0 java -Xms512m -Xmx512m -XX:+UseParallelGC -jar "$jar" run --config "$cfg" \
      --port 18090 --upstream http://127.0.0.1:18081 --admin-port -1 > "$d/gateway.log" 2>&1 &
    gw=$!
    wait_port 18090
    url=http://127.0.0.1:18090/v1/chat/completions
    taskset -c 1 wrk -t2 -c32 -d"${WARMUP}s" -s "$d/post.lua" "$url" > /dev/null
    ticks0=$(cpu_ticks "$gw")
    taskset -c 1 wrk -t2 -c32 -d"${MEASURE}s" -s "$d/post.lua" "$url" > "$d/wrk.txt"
    ticks1=$(cpu_ticks "$gw")
    rps=$(awk '/Requests\/sec/ {r=$2} /Non-2xx/ {e=$NF} END {printf "%s%s", r, (e ? " non2xx=" e : "")}' "$d/wrk.txt")
    done_requests=$(awk '/requests in/ {print $1}' "$d/wrk.txt")
    cpu=$(awk -v t="$((ticks1 - ticks0))" -v n="$done_requests" -v hz="$(getconf CLK_TCK)" \
      'BEGIN {printf "%.1f", t / hz * 1e6 / n}')
    echo "round $round  $jar  $CONFIG $BODY  req/s=$rps  cpu_us/req=$cpu"
    kill "$gw"; wait "$gw" 2>/dev/null || true; gw=
  done
done
