#!/usr/bin/env bash
# Soak test (docs/performance.md#soak): lmgate with the full default guard set — API-key auth,
# authorize, sanitize, prompt-injection (rules), output-patterns on the stream guard, strict durable
# audit with encrypted payloads — in front of the shared harness's stub:
#   1. measures the maximum req/s of chat and of stream (wrk, closed loop);
#   2. holds 70 % of it for DURATION, half chat and half stream (two throttled wrk), sampling the
#      gateway's resident memory every 10 s, with Netty's leak detector on (advanced);
#   3. keeps 1,000 concurrent slow streams open (one event per 50 ms) for SLOW_DURATION through
#      the gateway and a slow upstream, sampling resident memory;
# then checks: zero errors, zero LEAK reports, RSS flat within 10 % after warm-up (median of the
# first vs the last fifth), peak RSS with 1,000 slow streams ≤ 512 MiB; and verifies the audit log.
#
#   DURATION=30m gateway-bench/soak.sh          # the standing run (default)
#   DURATION=5m SLOW_DURATION=60 gateway-bench/soak.sh
#   PHASES=slow gateway-bench/soak.sh           # only the 1,000 slow streams (PHASES="soak slow")
#
# The soak gateway runs with a 512 MiB heap (SOAK_HEAP), the slow-stream one with 256 MiB
# (SLOW_HEAP): the resident-memory bound is a statement about a deployment, so the heap it
# allows is part of it (docs/performance.md#soak). Exits non-zero when a criterion is missed.
#
# Needs wrk, nginx-light, libnginx-mod-http-echo, python3, curl (see bench.sh). 127.0.0.1 only;
# every process started here is stopped by PID on exit. Results: bench-results/<stamp>-soak/.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${LMGATE_SHARED:-$here/../shared}
DURATION=${DURATION:-30m}
SLOW_DURATION=${SLOW_DURATION:-120}
PHASES=${PHASES:-soak slow}
SOAK_HEAP=${SOAK_HEAP:-512m}
SLOW_HEAP=${SLOW_HEAP:-256m}
WARMUP_S=${WARMUP_S:-120}
GW_PORT=${GW_PORT:-18090}
SLOW_PORT=${SLOW_PORT:-18097}
SLOW_GW_PORT=${SLOW_GW_PORT:-18091}
work=$(mktemp -d /tmp/lmgate-soak.XXXXXX)
cp -r "$shared/bench/." "$work/"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$here/bench-results/$stamp-soak"
mkdir -p "$out"
# shellcheck source=common.sh
. "$here/gateway-bench/common.sh"
jar=$(jar_copy "$here" "$work")

pids=()
# Stops what was started, by PID, and removes the work directory (the audit logs of a 30-minute
# soak take several GB; they are verified before).
cleanup() {
  for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

seconds() { case $1 in *m) echo $(( ${1%m} * 60 ));; *s) echo "${1%s}";; *) echo "$1";; esac; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

start_stub "$work" "$out/stub.log"
pids+=("$stub_pid")

key=$(api_key "$jar" "$work/keys.json" soak)
[ -n "$key" ] || { echo "no key" >&2; exit 1; }
printf 'Authorization: Bearer %s\n' "$key" > "$work/auth.txt"
full_guard_set "$work/keys.json" "$work/audit-soak" > "$work/soak.yaml"
full_guard_set "$work/keys.json" "$work/audit-slow" > "$work/slow.yaml"

start_gateway() { # config port upstream log heap
  taskset -c "${SUT_CPUS:-0}" java -Xms"$5" -Xmx"$5" -XX:+UseParallelGC -Dio.netty.leakDetection.level=advanced \
    -jar "$jar" run --config "$1" --port "$2" --upstream "$3" --admin-port -1 > "$4" 2>&1 &
  gw=$!
  pids+=($gw)
  wait_port "$2"
}

wrk_run() { # name body duration connections delay_ms
  BODY_FILE="$work/requests/$2" HEADERS_FILE="$work/auth.txt" POST_LUA="$work/lua/post.lua" DELAY_MS="$5" \
    taskset -c "${CLIENT_CPUS:-1}" wrk -t2 -c"$4" -d"$3" -s "$work/soak.lua" "http://127.0.0.1:$GW_PORT/v1/chat/completions" \
    > "$out/wrk-$1.txt" 2>&1
  sed -n 's/^BENCHJSON //p' "$out/wrk-$1.txt"
}
cat > "$work/soak.lua" <<'LUA'
dofile(os.getenv("POST_LUA"))
local d = tonumber(os.getenv("DELAY_MS") or "0")
if d > 0 then function delay() return d end end
LUA

if [[ " $PHASES " == *" soak "* ]]; then
echo "== gateway with the full default guard set on :$GW_PORT"
start_gateway "$work/soak.yaml" "$GW_PORT" http://127.0.0.1:18081 "$out/gateway.log" "$SOAK_HEAP"
soak_pid=$gw
# 60 s of each workload first: the JVM (JIT threads included) is pinned to the same CPU as the
# event loop, and with 20 s the maximum was measured while C2 was still compiling (runs of the
# same code gave 1.7 k to 5.9 k chat req/s).
wrk_run warm-chat chat.json 60s 32 0 >/dev/null
wrk_run warm-stream chat-stream.json 60s 32 0 >/dev/null
chat_max=$(wrk_run max-chat chat.json 15s 32 0 | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["rps"]))')
stream_max=$(wrk_run max-stream chat-stream.json 15s 32 0 | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["rps"]))')
echo "max: chat $chat_max req/s, stream $stream_max req/s"
echo "{\"chat\": $chat_max, \"stream\": $stream_max}" > "$out/max.json"
# 70 % of capacity, split evenly: each half at 35 % of its own maximum; 16 connections each.
chat_delay=$(python3 -c "print(max(1, round(16 * 1000 / ($chat_max * 0.35))))")
stream_delay=$(python3 -c "print(max(1, round(16 * 1000 / ($stream_max * 0.35))))")
# Calibration rounds with both running: each connection's loop is delay + service time, so the
# service time measured is taken off the delay (rate = connections / (delay + service)). The
# service time grows with the load, so one round undershoots (a first soak reached 57 % instead
# of 70 %); three rounds converge (wrk's delay has 1 ms steps).
calibrate() { # file max delay
  python3 -c "
import json; d=json.load(open('$1')); target=$2*0.35; svc=16*1000/d['rps']-$3
print(max(1, round(16*1000/target - svc)))"
}
for round in 1 2 3; do
  wrk_run cal-chat-$round chat.json 15s 16 "$chat_delay" > "$out/cal-chat-$round.json" &
  c1=$!; pids+=($c1)
  wrk_run cal-stream-$round chat-stream.json 15s 16 "$stream_delay" > "$out/cal-stream-$round.json" &
  c2=$!; pids+=($c2)
  wait "$c1" "$c2"
  chat_delay=$(calibrate "$out/cal-chat-$round.json" "$chat_max" "$chat_delay")
  stream_delay=$(calibrate "$out/cal-stream-$round.json" "$stream_max" "$stream_delay")
done
echo "== soak: $DURATION, chat delay ${chat_delay} ms, stream delay ${stream_delay} ms per connection"
: > "$out/rss.csv"
( while kill -0 "$soak_pid" 2>/dev/null; do echo "$(date +%s),$(rss_kib "$soak_pid")" >> "$out/rss.csv"; sleep 10; done ) &
sampler=$!
pids+=($sampler)
wrk_run soak-chat chat.json "$DURATION" 16 "$chat_delay" > "$out/soak-chat.json" &
c1=$!; pids+=($c1)
wrk_run soak-stream chat-stream.json "$DURATION" 16 "$stream_delay" > "$out/soak-stream.json" &
c2=$!; pids+=($c2)
wait "$c1" "$c2"
kill "$sampler" 2>/dev/null || true
kill "$soak_pid"; wait "$soak_pid" 2>/dev/null || true
fi

if [[ " $PHASES " == *" slow "* ]]; then
echo "== 1,000 slow streams (one event per 50 ms) for ${SLOW_DURATION}s, heap $SLOW_HEAP"
python3 "$here/gateway-bench/slow_streams.py" upstream "$SLOW_PORT" > "$out/slow-upstream.log" 2>&1 &
pids+=($!)
wait_port "$SLOW_PORT"
start_gateway "$work/slow.yaml" "$SLOW_GW_PORT" "http://127.0.0.1:$SLOW_PORT" "$out/gateway-slow.log" "$SLOW_HEAP"
slow_pid=$gw
: > "$out/rss-slow.csv"
( while kill -0 "$slow_pid" 2>/dev/null; do echo "$(date +%s),$(rss_kib "$slow_pid")" >> "$out/rss-slow.csv"; sleep 2; done ) &
sampler=$!
pids+=($sampler)
ulimit -n 8192 2>/dev/null || true
taskset -c "${CLIENT_CPUS:-1}" python3 "$here/gateway-bench/slow_streams.py" clients \
  "http://127.0.0.1:$SLOW_GW_PORT/v1/chat/completions" --concurrency 1000 --duration "$SLOW_DURATION" \
  --headers "$work/auth.txt" > "$out/slow-clients.json"
kill "$sampler" 2>/dev/null || true
kill "$slow_pid"; wait "$slow_pid" 2>/dev/null || true
fi

: > "$out/audit.txt"
for log in $PHASES; do
  { java -jar "$jar" audit verify "$work/audit-$log" --key "$work/audit-$log/verifier.key" 2>&1 \
      || echo "verification failed"; } | tail -3 | sed "s/^/audit ($log): /" | tee -a "$out/audit.txt"
done

python3 "$here/gateway-bench/soak_summary.py" "$out" "$WARMUP_S" > "$out/summary.md" && ok=0 || ok=1
cat "$out/summary.md"
echo "results: $out/summary.md"
exit $ok
