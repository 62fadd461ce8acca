# Sourced by bench.sh --proof and soak.sh: the "full default guard set" of issue 9 — API-key
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
