#!/usr/bin/env bash
# CPU profile of lmgate with the full default guard set (common.sh) under wrk load, with JFR:
# the gateway pinned to CPU 0 beside the harness's stub, wrk on CPU 1, one workload at a time.
# Prints the hottest methods (self time) and the hottest lmgate frames (inclusive) per workload;
# the recordings stay in bench-results/<stamp>-profile/ for `jfr view` or JDK Mission Control.
#
#   gateway-bench/profile.sh                  # chat and stream, 70 s warm-up + 30 s recorded
#   WORKLOADS=stream SECONDS_RECORDED=60 gateway-bench/profile.sh
#   CONFIG=passthrough gateway-bench/profile.sh   # no filters, no audit
#   CONFIG=shipped gateway-bench/profile.sh       # config/gateway.yaml, rate limits lifted
#
# Needs what bench.sh needs. 127.0.0.1 only; every process started here is stopped by PID.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${LMGATE_SHARED:-$here/../shared}
WORKLOADS=${WORKLOADS:-chat stream}
# On one core the JIT compiler shares the CPU with the load: the gateway reaches its steady state
# after about a minute (gateway-bench/steady.sh shows it), hence the default warm-up.
WARMUP=${WARMUP:-70}
SECONDS_RECORDED=${SECONDS_RECORDED:-30}
GW_PORT=${GW_PORT:-18090}
work=$(mktemp -d /tmp/lmgate-profile.XXXXXX)
cp -r "$shared/bench/." "$work/"
out="$here/bench-results/$(date -u +%Y%m%dT%H%M%SZ)-profile"
mkdir -p "$out"
# shellcheck source=common.sh
. "$here/gateway-bench/common.sh"
jar=$(jar_copy "$here" "$work")
jfr=$(ls /usr/lib/jvm/*/bin/jfr 2>/dev/null | sort -V | tail -1) # a newer jfr has `view`

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

start_stub "$work" "$out/stub.log"
pids+=("$stub_pid")

printf 'X-Bench: profile\n' > "$work/headers.txt"
if [ "${CONFIG:-guarded}" = shipped ]; then
  shipped_config "$here" "$work"
  cp "$work/shipped.yaml" "$work/gateway.yaml"
  key=$(api_key "$jar" "$work/keys.json" profile)
  printf 'Authorization: Bearer %s\n' "$key" > "$work/headers.txt"
elif [ "${CONFIG:-guarded}" = guarded ]; then
  key=$(api_key "$jar" "$work/keys.json" profile)
  printf 'Authorization: Bearer %s\n' "$key" > "$work/headers.txt"
  full_guard_set "$work/keys.json" "$work/audit" > "$work/gateway.yaml"
else
  printf 'server: {access-log: false, worker-threads: 1}\nfilters: []\n' > "$work/gateway.yaml"
fi

for w in $WORKLOADS; do
  body=chat.json
  [ "$w" = stream ] && body=chat-stream.json
  # The recording is set up at launch and starts after the warm-up: a JFR.start through jcmd
  # later changes the JVM's JVMTI state, which throws away compiled code, and the profile would
  # show the JIT recompiling everything (a quarter of the core) instead of the gateway.
  taskset -c "${SUT_CPUS:-0}" java -Xms512m -Xmx512m -XX:+UseParallelGC ${LMGATE_JAVA_OPTS:-} \
    "-XX:StartFlightRecording=delay=${WARMUP}s,duration=$((SECONDS_RECORDED + 5))s,settings=profile,filename=$out/$w.jfr" \
    -jar "$jar" run --config "$work/gateway.yaml" --port "$GW_PORT" --upstream http://127.0.0.1:18081 \
    --admin-port -1 > "$out/gateway-$w.log" 2>&1 &
  gw=$!
  pids+=($gw)
  wait_port "$GW_PORT"
  load() { # seconds
    BODY_FILE="$work/requests/$body" HEADERS_FILE="$work/headers.txt" \
      taskset -c "${CLIENT_CPUS:-1}" wrk -t2 -c32 -d"$1"s -s "$work/lua/post.lua" \
      "http://127.0.0.1:$GW_PORT/v1/chat/completions"
  }
  load "$WARMUP" > /dev/null
  load "$SECONDS_RECORDED" > "$out/wrk-$w.txt"
  for _ in $(seq 100); do [ -s "$out/$w.jfr" ] && break; sleep 0.2; done # written when it ends
  kill "$gw"; wait "$gw" 2>/dev/null || true
  grep -E "Requests/sec|Non-2xx|Socket errors" "$out/wrk-$w.txt" | sed "s/^/$w: /"
  "$jfr" view --width 160 hot-methods "$out/$w.jfr" > "$out/hot-$w.txt" 2>&1 || true
  echo "== $w: hottest methods (self)"; sed -n 1,30p "$out/hot-$w.txt"
  "$jfr" print --events jdk.ExecutionSample --stack-depth 64 "$out/$w.jfr" \
    | python3 "$here/gateway-bench/jfr_inclusive.py" > "$out/inclusive-$w.txt"
  echo "== $w: lmgate frames (inclusive)"; sed -n 1,30p "$out/inclusive-$w.txt"
done
echo "recordings: $out"
