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

api_key() { # jar store name: creates a developer key in the store (created if missing), prints it
  local key
  key=$(java -jar "$1" keys create --store "$2" --name "$3" --role developer 2>/dev/null \
    | sed -n 's/^api key: //p')
  [ -n "$key" ] || { echo "could not create an API key in $2" >&2; return 1; }
  echo "$key"
}

shipped_config() { # repo-root work-dir: writes work-dir/shipped.yaml and exports its ${VAR}s
  # config/gateway.yaml as a user runs it: its own filters, audit (async, encrypted payloads) and
  # key store under work-dir. Only the per-caller rate limits are lifted: a load generator is one
  # caller, far over the shipped 120 requests a minute.
  python3 - "$1/config/gateway.yaml" "$2/shipped.yaml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
lifted, n = re.subn(r"(  - id: rate-limit\n    default:[^\n]*\n)      requests: [^\n]*\n      concurrent: [^\n]*\n      tokens: [^\n]*\n",
                    r"\1      requests: 100000000/1m\n      concurrent: 4096\n      tokens: 100000000000/1h\n", text)
if n != 1:
    sys.exit("config/gateway.yaml: the rate-limit defaults were not found where expected")
open(sys.argv[2], "w").write(lifted)
PY
  export LMGATE_KEY_STORE="$2/keys.json" LMGATE_AUDIT_DIR="$2/audit" \
    LMGATE_AUDIT_CHECKPOINTS="$2/checkpoints" LMGATE_AUDIT_SIGNING_KEY="$2/signing.key" \
    LMGATE_AUDIT_MASTER_KEY_REF="file:$2/master.key" LMGATE_ADMIN_PORT=0
}

cpu_ticks() { # pid: the process's CPU time so far (user + system, all threads), in clock ticks
  sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}' # fields after "(comm) "
}

post_lua() { # out-file body-file [bearer-key]: a wrk script that POSTs the body
  # With UNIQUE=1 every request's last message ends with its own number, so no two requests carry
  # the same text: what a guard remembers of a caller's earlier texts (the system prompt, earlier
  # turns) still helps, a repeated last turn does not.
  {
    echo 'wrk.method = "POST"'
    echo 'wrk.headers["Content-Type"] = "application/json"'
    [ -z "${3:-}" ] || echo "wrk.headers[\"Authorization\"] = \"Bearer $3\""
    echo "local f = io.open(\"$2\", \"rb\"); wrk.body = f:read(\"*a\"); f:close()"
    if [ "${UNIQUE:-0}" = 1 ]; then
      cat <<'LUA'
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
local n = 0
function request()
  n = n + 1
  local body = wrk.body:gsub('("content":"[^"]*)"}]', '%1 (' .. tid .. '.' .. n .. ')"}]', 1)
  return wrk.format(nil, nil, nil, body)
end
LUA
    fi
  } > "$1"
}

gateway_config() { # shipped|passthrough dir jar: writes the config; sets $cfg, and $key (shipped)
  key=
  if [ "$1" = shipped ]; then
    shipped_config "$here" "$2"
    cfg="$2/shipped.yaml"
    key=$(api_key "$3" "$2/keys.json" bench)
  else
    printf 'server: {access-log: false, worker-threads: 1}\nfilters: []\n' > "$2/passthrough.yaml"
    cfg="$2/passthrough.yaml"
  fi
}
