#!/usr/bin/env bash
# Builds the lmgate image from docker/Dockerfile with Podman (runc) and runs it: the container's
# health check, and a request proxied through the gateway to the simulated LM Studio of
# `lmgate demo`. Also loads and runs the Jib image when gateway-app/target/lmgate-image.tar exists.
#
# Needs: podman, runc, mmdebstrap (apt-get install podman runc mmdebstrap uidmap), the jar
# (mvn -pl gateway-app -am package). No registry is needed: the JRE base image is built locally
# with mmdebstrap (Debian bookworm + openjdk-17-jre-headless) unless LMGATE_BASE_IMAGE names one.
# Run as root (rootful Podman). Exit 0 when every check passed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
base=${LMGATE_BASE_IMAGE:-localhost/lmgate-jre-base:17}
image=localhost/lmgate:image-test
name=lmgate-image-test-$$
# Some sandboxes refuse rlimits above their own: ask for modest ones explicitly.
limits=(--ulimit nofile=1024:1024 --ulimit nproc=4096:4096)
work=$(mktemp -d)
cleanup() {
  podman rm -f "$name" >/dev/null 2>&1 || true
  podman volume rm -f "$name-state" >/dev/null 2>&1 || true
  podman rmi -f "$image" >/dev/null 2>&1 || true
  podman image prune -f >/dev/null 2>&1 || true   # the build's intermediate stages
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "image-test: FAILED: $*" >&2; podman logs "$name" 2>&1 | tail -20 >&2 || true; exit 1; }

[ -f gateway-app/target/lmgate.jar ] || fail "gateway-app/target/lmgate.jar missing (mvn -pl gateway-app -am package)"

if ! podman image exists "$base"; then
  echo "image-test: building the base image $base with mmdebstrap (a few minutes, once)"
  mmdebstrap --variant=apt --include=openjdk-17-jre-headless,ca-certificates,passwd \
    bookworm "$work/base.tar" >/dev/null
  podman import "$work/base.tar" "$base" >/dev/null
  rm -f "$work/base.tar"
fi

echo "image-test: podman build (JAR_SOURCE=prebuilt, JRE_IMAGE=$base)"
podman build --format docker -q -f docker/Dockerfile --build-arg JAR_SOURCE=prebuilt \
  --build-arg JRE_IMAGE="$base" -t "$image" . >/dev/null || fail "podman build"

user=$(podman image inspect "$image" --format '{{.Config.User}}')
[ "$user" = "10001:10001" ] || fail "the image runs as '$user', not 10001:10001"
podman image inspect "$image" --format '{{json .Config.Healthcheck}}' | grep -q '/healthz' \
  || fail "no HEALTHCHECK on /healthz"

port=$((20000 + RANDOM % 20000))
admin=$((port + 1))
podman volume create "$name-state" >/dev/null
podman run -d --name "$name" --network host --read-only --tmpfs /tmp --cap-drop ALL \
  --security-opt no-new-privileges --health-interval disable "${limits[@]}" -v "$name-state:/var/lib/lmgate" \
  "$image" demo --port "$port" --admin-port "$admin" >/dev/null || fail "podman run"

key=""
for _ in $(seq 1 60); do
  key=$(podman logs "$name" 2>/dev/null | sed -n 's/^demo api key: //p' | head -1)
  [ -n "$key" ] && break
  sleep 1
done
[ -n "$key" ] || fail "the gateway did not start within 60 s"

podman exec "$name" java -jar /opt/lmgate/lmgate.jar health --url "http://127.0.0.1:$admin/healthz" \
  >/dev/null || fail "/healthz inside the container"
code=$(curl -s -o "$work/answer.json" -w '%{http_code}' "http://127.0.0.1:$port/v1/chat/completions" \
  -H 'Content-Type: application/json' -H "Authorization: Bearer $key" \
  -d '{"model":"qwen/qwen3-4b-2507","messages":[{"role":"user","content":"Hello"}]}')
[ "$code" = 200 ] || fail "proxied request answered $code"
grep -q '"choices"' "$work/answer.json" || fail "proxied answer has no choices"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/models")
[ "$code" = 401 ] || fail "a request without a key answered $code, not 401"
podman exec "$name" sh -c 'touch /opt/lmgate/x' 2>/dev/null && fail "the root file system is writable"
echo "image-test: Dockerfile image OK (health, proxied request, 401 without a key, read-only root)"
podman rm -f "$name" >/dev/null

if [ -f gateway-app/target/lmgate-image.tar ]; then
  echo "image-test: the Jib image"
  jib=$(podman load -i gateway-app/target/lmgate-image.tar 2>/dev/null | sed -n "s/^Loaded image[^:]*: //p" | tail -1)
  [ -n "$jib" ] || fail "podman load (Jib image)"
  podman run -d --name "$name" --network host --read-only --tmpfs /tmp "${limits[@]}" \
    -v "$name-state:/var/lib/lmgate" "$jib" demo --port "$port" --admin-port "$admin" >/dev/null \
    || fail "podman run (Jib image)"
  for _ in $(seq 1 60); do
    key=$(podman logs "$name" 2>/dev/null | sed -n 's/^demo api key: //p' | head -1)
    [ -n "$key" ] && break
    sleep 1
  done
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/chat/completions" \
    -H 'Content-Type: application/json' -H "Authorization: Bearer $key" \
    -d '{"model":"qwen/qwen3-4b-2507","messages":[{"role":"user","content":"Hello"}]}')
  [ "$code" = 200 ] || fail "Jib image: proxied request answered $code"
  echo "image-test: Jib image OK"
fi
echo "image-test: passed"
