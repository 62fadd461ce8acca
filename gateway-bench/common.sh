# Sourced by bench.sh, soak.sh and profile.sh. The "full default guard set" of issue 9 — API-key
# authentication, authorize, sanitize, the prompt-injection fast tier (rules, no classifier),
# output-patterns on the stream guard, and the strict durable audit with encrypted payloads.
full_guard_set() { # key-store audit-prefix: prints the gateway config
  cat <<YAML
server: {access-log: false, worker-threads: 1}
filters:
  - id: authenticate
    api-keys: {store: "$1"}
  - id: authorize
    roles:
      developer: {routes: ["*"], models: ["*"]}
  - id: sanitize
  - id: prompt-injection
    classifier: false
  - id: output-patterns
    rules:
      - name: private-key
        pattern: '-----BEGIN [A-Z ]*PRIVATE KEY-----'
        max-length: 64
audit:
  dir: $2
  signing-key: $2.signing.key
  master-key: file:$2.master.key
  mode: strict
  payloads: encrypted
YAML
}

wait_port() { # port: waits up to 20 s for something to listen on 127.0.0.1:port
  for _ in $(seq 200); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "port $1 never opened" >&2
  return 1
}

start_stub() { # work-dir log: the harness's stub (and nginx proxy) on 18081; its PID in $stub_pid
  if (echo >/dev/tcp/127.0.0.1/18081) 2>/dev/null; then
    echo "port 18081 is taken (a stub left running?): stop it first" >&2
    exit 1
  fi
  # exec: the PID recorded is run-bench.sh itself, whose own exit trap stops its nginx processes
  (cd "$1" && exec ./run-bench.sh --stub-only > "$2" 2>&1) &
  stub_pid=$!
  wait_port 18081
}

jar_copy() { # repo-root work-dir: builds the jar if missing, prints the path of a private copy
  local jar="$1/gateway-app/target/lmgate.jar"
  [ -f "$jar" ] || (cd "$1" && mvn -q -B -DskipTests -Dspotless.check.skip=true -pl gateway-app -am package >&2)
  # The run uses its own copy, so a rebuild during the run cannot change the jar under test.
  cp "$jar" "$2/lmgate.jar"
  echo "$2/lmgate.jar"
}
