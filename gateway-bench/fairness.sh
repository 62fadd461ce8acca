#!/usr/bin/env bash
# Fairness under adversarial load (issue 17; docs/performance.md#fairness): the shipped
# config/gateway.yaml, unchanged but for what its ${VAR}s set (ports, LM Studio's URL, where keys
# and the audit trail live), in front of a minimal LM Studio stand-in (fairness.py stub). Light
# keys send ordinary ~20 KB prompts at RATE req/s; then one heavy key keeps HEAVY adversarial 1 MB
# prompts in flight while the light keys go on. Verdict: the light keys see 0 errors and their p99
# grows by at most 100 ms; every heavy request gets an API-shaped answer.
#
#   gateway-bench/fairness.sh                       # 30 s per phase, 6 heavy, 8 req/s
#   SECONDS_PER_PHASE=60 HEAVY=12 RATE=10 gateway-bench/fairness.sh
#
# Needs python3 and a JDK; 127.0.0.1 only; everything started here is stopped by PID on exit.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECONDS_PER_PHASE=${SECONDS_PER_PHASE:-30}
HEAVY=${HEAVY:-6}
RATE=${RATE:-8}
LIGHT_KEYS=${LIGHT_KEYS:-5}   # the shipped rate limit is 120 requests/min per key
STUB_PORT=${STUB_PORT:-18181}
GW_PORT=${GW_PORT:-18180}
ADMIN_PORT=${ADMIN_PORT:-18189}
work=$(mktemp -d /tmp/lmgate-fairness.XXXXXX)
# shellcheck source=common.sh
. "$here/gateway-bench/common.sh"
jar=$(jar_copy "$here" "$work")

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

python3 "$here/gateway-bench/fairness.py" stub "$STUB_PORT" &
pids+=($!)
wait_port "$STUB_PORT"

export LMGATE_KEY_STORE="$work/keys.json" LMGATE_AUDIT_DIR="$work/audit" \
  LMGATE_AUDIT_CHECKPOINTS="$work/checkpoints" LMGATE_AUDIT_SIGNING_KEY="$work/signing.key" \
  LMGATE_AUDIT_MASTER_KEY_REF="file:$work/master.key" LMGATE_PORT="$GW_PORT" \
  LMGATE_ADMIN_PORT="$ADMIN_PORT" LMSTUDIO_URL="http://127.0.0.1:$STUB_PORT"
new_key() { api_key "$jar" "$LMGATE_KEY_STORE" "$1"; }
heavy_key=$(new_key heavy)
light=()
for i in $(seq "$LIGHT_KEYS"); do light+=("$(new_key "light-$i")"); done

java ${LMGATE_JAVA_OPTS:-} -jar "$jar" run --config "$here/config/gateway.yaml" > "$work/gateway.log" 2>&1 &
pids+=($!)
wait_port "$GW_PORT"

python3 "$here/gateway-bench/fairness.py" run "http://127.0.0.1:$GW_PORT" "$heavy_key" "${light[@]}" \
  --seconds "$SECONDS_PER_PHASE" --heavy-concurrency "$HEAVY" --rate "$RATE"
