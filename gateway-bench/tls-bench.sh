#!/usr/bin/env bash
# What TLS costs on the listener: the gateway as a passthrough (one event loop, pinned to
# SUT_CPUS like bench.sh) in front of the shared harness's stub, driven by wrk (pinned to
# CLIENT_CPUS) with the non-streaming chat request, four ways:
#   plain       HTTP/1.1 keep-alive
#   tls         TLS 1.3 keep-alive (one handshake per connection, then records)
#   plain-close a new TCP connection per request
#   tls-close   a new TLS 1.3 connection (full handshake, ECDHE P-256 certificate) per request
# The certificate and key are generated here and deleted on exit. Results:
# bench-results/<timestamp>-tls/summary.txt
#
#   gateway-bench/tls-bench.sh                 # 20 s per run
#   DURATION=5 gateway-bench/tls-bench.sh      # smoke run
#
# Needs what bench.sh needs (wrk, nginx-light, libnginx-mod-http-echo, python3, curl) and openssl.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${LMGATE_SHARED:-$here/../shared}
work=$(mktemp -d /tmp/lmgate-tls-bench.XXXXXX)
cp -r "$shared/bench/." "$work/"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$here/bench-results/$stamp-tls"
mkdir -p "$out"
jar="$here/gateway-app/target/lmgate.jar"
[ -f "$jar" ] || (cd "$here" && mvn -q -B -DskipTests -Dspotless.check.skip=true -pl gateway-app -am package)
GW_PORT=${GW_PORT:-18090}
DURATION=${DURATION:-20}
CONNS=${CONNS:-32}

stub=""; gw=""
stop_gw() { if [ -n "$gw" ] && kill -0 "$gw" 2>/dev/null; then kill "$gw"; wait "$gw" 2>/dev/null || true; fi; gw=""; }
cleanup() {
  stop_gw
  if [ -n "$stub" ] && kill -0 "$stub" 2>/dev/null; then kill "$stub"; wait "$stub" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$work" && exec ./run-bench.sh --stub-only > "$work/stub.log" 2>&1) &
stub=$!
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:18081/ 2>/dev/null && break; sleep 0.2; done

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
printf 'server: {access-log: false, worker-threads: 1}\nfilters: []\n' > "$work/plain.yaml"
printf 'server:\n  access-log: false\n  worker-threads: 1\n  tls: {certificate: %s, key: %s}\nfilters: []\n' \
  "$work/cert.pem" "$work/key.pem" > "$work/tls.yaml"
printf 'Connection: close\n' > "$work/close.headers"
: > "$work/keepalive.headers"

start_gw() { # config
  taskset -c "${SUT_CPUS:-0}" java -Xms512m -Xmx512m -XX:+UseParallelGC ${LMGATE_JAVA_OPTS:-} -jar "$jar" \
    run --config "$1" --port "$GW_PORT" --upstream http://127.0.0.1:18081 --admin-port -1 > "$work/gw.log" 2>&1 &
  gw=$!
  for _ in $(seq 100); do grep -q "lmgate listening" "$work/gw.log" && break; sleep 0.1; done
}

measure() { # name scheme headers-file
  local name=$1 url="$2://127.0.0.1:$GW_PORT/v1/chat/completions" line
  export BODY_FILE="$work/requests/chat.json" HEADERS_FILE=$3 REQ_METHOD=POST
  taskset -c "${CLIENT_CPUS:-1}" wrk -t1 -c"$CONNS" -d5s -s "$work/lua/post.lua" "$url" > /dev/null 2>&1 || true
  line=$(taskset -c "${CLIENT_CPUS:-1}" wrk -t1 -c"$CONNS" -d"${DURATION}s" -s "$work/lua/post.lua" "$url" \
    | tee "$out/wrk-$name.txt" | grep '^BENCHJSON' | sed 's/^BENCHJSON //')
  python3 - "$name" "$line" <<'PY' | tee -a "$out/summary.txt"
import json, sys
name, r = sys.argv[1], json.loads(sys.argv[2])
errors = sum(v for k, v in r.items() if k.startswith("err_"))
print(f"{name:12} {r['rps']:>9.0f} req/s   p50 {r['p50_us']/1000:6.2f} ms   p99 {r['p99_us']/1000:6.2f} ms   errors {errors}")
PY
}

echo "lmgate TLS cost: $CONNS connections, ${DURATION}s per run, wrk on cpu ${CLIENT_CPUS:-1}, gateway on cpu ${SUT_CPUS:-0}" | tee "$out/summary.txt"
start_gw "$work/plain.yaml"
measure plain http "$work/keepalive.headers"
measure plain-close http "$work/close.headers"
stop_gw
start_gw "$work/tls.yaml"
measure tls https "$work/keepalive.headers"
measure tls-close https "$work/close.headers"
stop_gw
echo "results: $out"
