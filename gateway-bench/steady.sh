#!/usr/bin/env bash
# How long lmgate takes to reach its steady state under load: one gateway, pinned to CPU 0 (one
# core, as in bench.sh) beside the harness's stub, loaded by wrk on CPU 1 for WINDOWS windows of
# SECONDS each, without a pause; prints req/s and the gateway's CPU time per request for each
# window. On one core the JIT compiler competes with the load, so the first windows are slow;
# choose the warm-up of bench.sh, ab.sh and profile.sh from where the figures stop moving.
#
#   gateway-bench/steady.sh                       # shipped config, chat, 12 windows of 10 s
#   CONFIG=passthrough BODY=chat-stream.json WINDOWS=8 gateway-bench/steady.sh [JAR]
#   UNIQUE=1 gateway-bench/steady.sh     # no two requests with the same last message (common.sh)
#
# Needs what bench.sh needs; 127.0.0.1 only; every process started here is stopped by PID.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${LMGATE_SHARED:-$here/../shared}
CONFIG=${CONFIG:-shipped}
BODY=${BODY:-chat.json}
WINDOWS=${WINDOWS:-12}
SECONDS_PER_WINDOW=${SECONDS_PER_WINDOW:-10}
work=$(mktemp -d /tmp/lmgate-steady.XXXXXX)
cp -r "$shared/bench/." "$work/"
# shellcheck source=common.sh
. "$here/gateway-bench/common.sh"
jar=${1:-$(jar_copy "$here" "$work")}
start_stub "$work" "$work/stub.log"
gw=
trap 'kill "$stub_pid" 2>/dev/null; [ -n "$gw" ] && kill "$gw" 2>/dev/null; wait 2>/dev/null || true' EXIT
gateway_config "$CONFIG" "$work" "$jar"
post_lua "$work/post.lua" "$work/requests/$BODY" "$key"
(cd "$work" && exec taskset -c 0 java -Xms512m -Xmx512m -XX:+UseParallelGC ${LMGATE_JAVA_OPTS:-} \
  -jar "$jar" run --config "$cfg" --port 18090 --upstream http://127.0.0.1:18081 --admin-port -1 \
  > "$work/gateway.log" 2>&1) &
gw=$!
wait_port 18090
hz=$(getconf CLK_TCK)
for w in $(seq "$WINDOWS"); do
  t0=$(cpu_ticks "$gw")
  taskset -c 1 wrk -t2 -c32 -d"${SECONDS_PER_WINDOW}s" -s "$work/post.lua" \
    http://127.0.0.1:18090/v1/chat/completions > "$work/wrk.txt"
  t1=$(cpu_ticks "$gw")
  awk -v w="$w" -v s="$SECONDS_PER_WINDOW" -v t="$((t1 - t0))" -v hz="$hz" '
    /requests in/ {n = $1} /Requests\/sec/ {r = $2} /Non-2xx/ {e = $NF}
    END {printf "after %4d s  req/s=%s  cpu_us/req=%.1f%s\n", w * s, r, t / hz * 1e6 / n, (e ? "  non2xx=" e : "")}' \
    "$work/wrk.txt"
done
