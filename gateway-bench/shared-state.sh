#!/usr/bin/env bash
# What sharing rate limits on Redis adds per request (docs/scaling.md): starts redis-server on a
# free loopback port, runs SharedCountersBench against it and against in-memory counters, stops
# the server by PID. Needs redis-server (apt-get install -y redis-server) and a built
# gateway-app/target/lmgate.jar.
#
#   gateway-bench/shared-state.sh [N] [THREADS]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jar="$here/gateway-app/target/lmgate.jar"
[ -f "$jar" ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 2; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dir=$(mktemp -d /tmp/lmgate-redis-bench.XXXXXX)
redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir "$dir" >"$dir/redis.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
java -cp "$jar" "$here/gateway-bench/SharedCountersBench.java" "redis://127.0.0.1:$port" "$@" 2>/dev/null
