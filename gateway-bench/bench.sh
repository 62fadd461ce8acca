#!/usr/bin/env bash
# Runs the shared load harness (../shared/bench) with lmgate as an extra target, twice in a row:
# once as a passthrough (no filters), once with the two core filters (request-limits,
# output-patterns). Each run measures direct, nginx and lmgate against the same stub, so ratios
# are read within a run. Results land in bench-results/<timestamp>-{passthrough,filters}/.
#
#   gateway-bench/bench.sh                 # full harness settings (~2 x 6 min)
#   gateway-bench/bench.sh --quick         # smoke run
#   gateway-bench/bench.sh --auth [...]    # instead: passthrough, API-key and JWT authentication
#                                          #   (keys and signing key generated here, thrown away)
#   gateway-bench/bench.sh --audit [...]   # instead: audit off, async and strict (encrypted payloads),
#                                          #   then durable appends/s of the log alone
#   gateway-bench/bench.sh --proof [...]   # instead: issue 9's targets — Portkey and passthrough,
#                                          #   then the full default guard set; one table
#   gateway-bench/bench.sh --paced         # instead: per-event release lag of a stream paced like a
#                                          #   model, direct / passthrough / shipped config
#   gateway-bench/bench.sh --shipped [...] # instead: what users run — passthrough, then
#                                          #   config/gateway.yaml as shipped (only its ${VAR}s set
#                                          #   and the per-caller rate limits lifted so the load is
#                                          #   not refused), each beside direct and nginx
#                                          #   (gateway-bench/paced-stream.sh; RUNS, SPLITS apply)
#   extra arguments are passed to run-bench.sh (e.g. --repeat 1 --warmup 15)
#   LMGATE_JAVA_OPTS=-Dlmgate.transport=epoll gateway-bench/bench.sh   # native epoll instead of NIO
#
# Needs: wrk, nginx-light, libnginx-mod-http-echo, python3, curl (apt-get install -y wrk
# nginx-light libnginx-mod-http-echo curl python3). Everything listens on 127.0.0.1; every
# process started here is stopped by PID on exit.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${1:-}" = "--paced" ]; then
  exec "$here/gateway-bench/paced-stream.sh"
fi
shared=${LMGATE_SHARED:-$here/../shared}
work=$(mktemp -d /tmp/lmgate-bench.XXXXXX)
cp -r "$shared/bench/." "$work/"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$here/bench-results"
mkdir -p "$out"
# shellcheck source=common.sh
. "$here/gateway-bench/common.sh"
jar=$(jar_copy "$here" "$work")

GW_PORT=${GW_PORT:-18090}
pid=""
stop() { if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi; pid=""; }
trap stop EXIT

extra_targets="" # more harness targets beside direct and nginx, e.g. ",portkey,portkey-guard"
# On one core the JIT compiler shares the CPU with the load, and the gateway reaches its steady
# state only after about a minute of load (gateway-bench/steady.sh); the harness's warm-up is per
# target and workload, so the gateway alone is loaded first, PREWARM seconds (default 60) split
# between chat and stream, as a gateway that has been serving is. The harness starts its own stub,
# so this one runs beside a stub of its own, stopped before the harness starts. 0 turns it off.
prewarm() { # header
  local s=$(( ${PREWARM:-60} / 2 ))
  [ "$s" -gt 0 ] || return 0
  start_stub "$work" "$work/prewarm-stub.log"
  printf '%s\n' "$1" > "$work/prewarm-headers.txt"
  for body in chat-stream.json chat.json; do # chat last: the harness measures it first
    BODY_FILE="$work/requests/$body" HEADERS_FILE="$work/prewarm-headers.txt" \
      taskset -c "${CLIENT_CPUS:-1}" wrk -t2 -c32 -d"${s}s" -s "$work/lua/post.lua" \
      "http://127.0.0.1:$GW_PORT/v1/chat/completions" > "$work/prewarm-$body.txt"
  done
  kill "$stub_pid"; wait "$stub_pid" 2>/dev/null || true
  for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/18081) 2>/dev/null || break; sleep 0.1; done
  if grep -q "Non-2xx" "$work"/prewarm-*.txt; then
    echo "prewarm: the gateway refused requests (see $work/prewarm-*.txt)" >&2
    return 1
  fi
}

run_one() { # name config-file [--header 'K: V'] harness-args...
  local name=$1 cfg=$2 header="X-Bench-Target: lmgate-$1"
  shift 2
  if [ "${1:-}" = "--header" ]; then header=$2; shift 2; fi
  # The harness's stub listens on 18081; the gateway is pinned to the system-under-test CPU like
  # the other proxies (SUT_CPUS, default 0) and runs with one event loop there.
  taskset -c "${SUT_CPUS:-0}" java -Xms512m -Xmx512m -XX:+UseParallelGC ${LMGATE_JAVA_OPTS:-} -jar "$jar" run --config "$cfg" \
      --port "$GW_PORT" --upstream http://127.0.0.1:18081 --admin-port -1 > "$work/$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do grep -q "lmgate listening" "$work/$name.log" && break; sleep 0.1; done
  prewarm "$header"
  # --gateway-header: run-bench.sh exits early (set -e) when the gateway has no extra header.
  (cd "$work" && ./run-bench.sh --gateway "http://127.0.0.1:$GW_PORT" --gateway-name "lmgate-$name" \
      --gateway-header "$header" \
      --gateway-pid "$pid" --targets "direct,nginx$extra_targets,lmgate-$name" --out "$out/$stamp-$name" "$@")
  stop
  # The harness keeps each target's headers; a credential, even a throwaway one, is not kept.
  grep -l -i '^authorization:' "$out/$stamp-$name"/headers/*.txt 2>/dev/null | xargs -r rm -f
}

cat > "$work/passthrough.yaml" <<'YAML'
server: {access-log: false, worker-threads: 1}
filters: []
YAML
cat > "$work/filters.yaml" <<'YAML'
server: {access-log: false, worker-threads: 1}
filters:
  - id: request-limits
    action: block
    max-output-tokens: 4096
    max-messages: 256
  - id: output-patterns
    action: block
    rules:
      - name: private-key
        pattern: '-----BEGIN [A-Z ]*PRIVATE KEY-----'
        max-length: 64
      - name: aws-access-key-id
        pattern: '\b(?:AKIA|ASIA)[0-9A-Z]{16}\b'
        action: redact
        replacement: '[REDACTED:aws-key]'
        max-length: 24
YAML

if [ "${1:-}" = "--auth" ]; then
  shift
  # API keys: a fresh store with one key. Tokens: a throwaway issuer whose JWKS python serves.
  key=$(api_key "$jar" "$work/keys.json" bench)
  ISS_PORT=${ISS_PORT:-18095}
  mkdir -p "$work/issuer"
  token=$(java -cp "$jar" "$here/gateway-bench/BenchIssuer.java" "$work/issuer" "http://127.0.0.1:$ISS_PORT")
  [ -n "$key" ] && [ -n "$token" ] || { echo "could not create the bench key or token" >&2; exit 1; }
  python3 -m http.server "$ISS_PORT" --bind 127.0.0.1 --directory "$work/issuer" >/dev/null 2>&1 &
  iss_pid=$!
  trap 'stop; kill $iss_pid 2>/dev/null || true' EXIT
  policy='  - id: authorize
    roles:
      developer: {routes: ["*"], models: ["*"]}'
  cat > "$work/auth-key.yaml" <<YAML
server: {access-log: false, worker-threads: 1}
filters:
  - id: authenticate
    api-keys: {store: "$work/keys.json"}
$policy
YAML
  cat > "$work/auth-jwt.yaml" <<YAML
server: {access-log: false, worker-threads: 1}
filters:
  - id: authenticate
    oidc:
      - issuer: http://127.0.0.1:$ISS_PORT
        audience: lmgate
        jwks-uri: http://127.0.0.1:$ISS_PORT/jwks.json
$policy
YAML
  run_one passthrough "$work/passthrough.yaml" "$@"
  run_one auth-key "$work/auth-key.yaml" --header "Authorization: Bearer $key" "$@"
  run_one auth-jwt "$work/auth-jwt.yaml" --header "Authorization: Bearer $token" "$@"
  echo "results: $out/$stamp-{passthrough,auth-key,auth-jwt}/summary.md"
  exit 0
fi

if [ "${1:-}" = "--proof" ]; then
  shift
  # Issue 9's targets in one invocation: Portkey OSS and lmgate as a passthrough beside direct and
  # nginx, then lmgate with the full default guard set (API-key auth, authorize, sanitize,
  # prompt-injection fast tier, output-patterns on the stream guard, strict durable audit with
  # encrypted payloads — the soak's set) beside direct and nginx again; gateway-bench/proof_table.py
  # reads both runs against their own nginx and direct and checks every target.
  if command -v npm >/dev/null && (cd "$work/portkey" && npm install --no-audit --no-fund --loglevel=error >/dev/null 2>&1); then
    extra_targets=",portkey,portkey-guard"
  else
    echo "Portkey could not be installed (npm registry unreachable?): measuring without it" >&2
  fi
  key=$(api_key "$jar" "$work/keys.json" bench)
  full_guard_set "$work/keys.json" "$work/audit-guarded" > "$work/guarded.yaml"
  run_one passthrough "$work/passthrough.yaml" "$@"
  extra_targets=""
  run_one guarded "$work/guarded.yaml" --header "Authorization: Bearer $key" "$@"
  java -jar "$jar" audit verify "$work/audit-guarded" --key "$work/audit-guarded/verifier.key" \
    | sed "s/^/guarded audit log: /" | tee "$out/$stamp-guarded/audit-verify.txt"
  python3 "$here/gateway-bench/proof_table.py" "$out/$stamp-passthrough" "$out/$stamp-guarded" \
    | tee "$out/$stamp-proof.md"
  echo "results: $out/$stamp-proof.md ($out/$stamp-{passthrough,guarded}/summary.md)"
  exit 0
fi

if [ "${1:-}" = "--shipped" ]; then
  shift
  # config/gateway.yaml as a user runs it (common.sh's shipped_config); --port and --upstream
  # point it at the harness's stub.
  key=$(api_key "$jar" "$work/keys.json" bench)
  shipped_config "$here" "$work"
  run_one passthrough "$work/passthrough.yaml" "$@"
  run_one shipped "$work/shipped.yaml" --header "Authorization: Bearer $key" "$@"
  java -jar "$jar" audit verify "$work/audit" --checkpoints "$work/checkpoints" --key "$work/audit/verifier.key" \
    | sed "s/^/shipped audit log: /" | tee "$out/$stamp-shipped/audit-verify.txt"
  echo "results: $out/$stamp-{passthrough,shipped}/summary.md"
  exit 0
fi

if [ "${1:-}" = "--audit" ]; then
  shift
  for mode in async strict; do
    cat > "$work/audit-$mode.yaml" <<YAML
server: {access-log: false, worker-threads: 1}
filters: []
audit:
  dir: $work/audit-$mode
  signing-key: $work/audit-$mode.signing.key
  master-key: file:$work/audit-$mode.master.key
  mode: $mode
  payloads: encrypted
YAML
  done
  run_one audit-off "$work/passthrough.yaml" "$@"
  run_one audit-async "$work/audit-async.yaml" "$@"
  run_one audit-strict "$work/audit-strict.yaml" "$@"
  for mode in async strict; do
    java -jar "$jar" audit verify "$work/audit-$mode" --key "$work/audit-$mode/verifier.key" \
      | sed "s/^/audit-$mode log: /"
  done
  for writers in 1 16 64; do
    java -cp "$jar" "$here/gateway-bench/AuditAppendBench.java" "$work/append-$writers" "$writers" 10
  done
  echo "results: $out/$stamp-{audit-off,audit-async,audit-strict}/summary.md"
  exit 0
fi

run_one passthrough "$work/passthrough.yaml" "$@"
run_one filters "$work/filters.yaml" "$@"
echo "results: $out/$stamp-passthrough/summary.md and $out/$stamp-filters/summary.md"
