#!/usr/bin/env bash
# Per-event release lag of a stream paced like a model (issue 18; docs/performance.md): an
# ordinary ~460-character answer, one word-piece every PACE_MS (20) ms, read directly from the
# stand-in (paced_stream.py stub), through lmgate with no filters (passthrough), and through lmgate
# with config/gateway.yaml as shipped (only its ${VAR}s set: ports, LM Studio's URL, where keys
# and the audit trail live).
#
#   gateway-bench/paced-stream.sh            # 20 streams each
#   RUNS=50 PACE_MS=20 SPLITS=tokens gateway-bench/paced-stream.sh
#
# SPLITS (default "words tokens"): how the answer is cut into events — words ("Sure. ", "The ") or
# tokens, as a BPE tokenizer does (" rele", "ase": most events end inside a word).
#
# Needs python3 and a JDK; 127.0.0.1 only; everything started here is stopped by PID on exit.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-20}
STUB_PORT=${STUB_PORT:-18281}
GW_PORT=${GW_PORT:-18280}
PASS_PORT=${PASS_PORT:-18282}
work=$(mktemp -d /tmp/lmgate-paced.XXXXXX)
# shellcheck source=common.sh
. "$here/gateway-bench/common.sh"
jar=$(jar_copy "$here" "$work")
export SENDS_FILE="$work/sends.jsonl"

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

python3 "$here/gateway-bench/paced_stream.py" stub "$STUB_PORT" &
pids+=($!)
wait_port "$STUB_PORT"

cat > "$work/passthrough.yaml" <<YAML
server: {host: 127.0.0.1, port: $PASS_PORT, access-log: false}
admin: {enabled: false}
upstream: {url: "http://127.0.0.1:$STUB_PORT"}
YAML
java -jar "$jar" run --config "$work/passthrough.yaml" > "$work/passthrough.log" 2>&1 &
pids+=($!)

key=$(api_key "$jar" "$work/keys.json" paced)
LMGATE_KEY_STORE="$work/keys.json" LMGATE_AUDIT_DIR="$work/audit" \
  LMGATE_AUDIT_CHECKPOINTS="$work/checkpoints" LMGATE_AUDIT_SIGNING_KEY="$work/signing.key" \
  LMGATE_AUDIT_MASTER_KEY_REF="file:$work/master.key" LMGATE_PORT="$GW_PORT" \
  LMGATE_ADMIN_PORT=0 LMSTUDIO_URL="http://127.0.0.1:$STUB_PORT" \
  java -jar "$jar" run --config "$here/config/gateway.yaml" > "$work/gateway.log" 2>&1 &
pids+=($!)
wait_port "$PASS_PORT"
wait_port "$GW_PORT"

run() { python3 "$here/gateway-bench/paced_stream.py" run "$1" "$key" --runs "$RUNS" --split "$2"; }
for split in ${SPLITS:-words tokens}; do
  run "http://127.0.0.1:$STUB_PORT" "$split" | sed 's|^http://127.0.0.1:[0-9]*|direct|'
  run "http://127.0.0.1:$PASS_PORT" "$split" | sed 's|^http://127.0.0.1:[0-9]*|lmgate passthrough|'
  run "http://127.0.0.1:$GW_PORT" "$split" | sed 's|^http://127.0.0.1:[0-9]*|lmgate, shipped config|'
done
