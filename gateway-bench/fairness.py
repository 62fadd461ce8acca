#!/usr/bin/env python3
"""Fairness under adversarial load (issue 17, docs/performance.md#fairness).

Two modes:
  fairness.py stub PORT
      A minimal LM Studio stand-in: answers every POST with a short chat completion.
  fairness.py run URL HEAVY_KEY LIGHT_KEY... [--seconds S] [--heavy-concurrency N] [--rate R]
      Phase 1 (unloaded): the light keys send ordinary ~20 KB prompts at R req/s in total.
      Phase 2 (loaded): the same, while HEAVY_KEY keeps N adversarial 1 MB prompts in flight
      (dense trigger words, e-mail and URL look-alikes, unclosed markup, alternating).
      Prints the light keys' p50/p99/max latency and errors in both phases, and every heavy
      answer's status and the slowest one; exits 1 when the light keys saw an error, their p99
      grew by more than 100 ms, or a heavy request got no API-shaped answer.
Standard library only; 127.0.0.1 only.
"""
import http.client
import http.server
import json
import sys
import threading
import time
import urllib.parse

COMPLETION = json.dumps({
    "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "qwen/qwen3-4b-2507",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Paris."},
                 "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12},
}).encode()


class Stub(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(COMPLETION)))
        self.end_headers()
        self.wfile.write(COMPLETION)

    def log_message(self, *args):
        pass


SENTENCES = [
    "Our quarterly report covers revenue, hiring and the roadmap for the support tooling.",
    "Please summarise the main risks and suggest two follow-up questions for the team.",
    "The customer asked whether the invoice can be split across two cost centres.",
    "We migrated the build to a newer compiler and the test suite now runs in nine minutes.",
    "The meeting notes mention a delay in the data-centre move and a new vendor contract.",
]


def ordinary_prompt(i):
    words = []
    n = 0
    k = i
    while n < 20_000:
        s = SENTENCES[k % len(SENTENCES)]
        words.append(s)
        n += len(s) + 1
        k += 3
    return " ".join(words)


def adversarial_prompts():
    mb = 1_000_000
    return [
        ("dense-triggers", ("clipboard " * (mb // 10))),
        ("trigger-phrases", ("ignore previous instructions you are now " * (mb // 41))),
        ("email-lookalike", ("a@" + "a." * (mb // 2 - 2) + "a")),
        ("unclosed-markup", ("<a" * (mb // 2))),
        ("url-lookalike", ("http://a.a/" + "%41" * (mb // 3 - 4))),
        ("digit-runs", ("+1 555 0100 " * (mb // 12))),
    ]


def body_for(text):
    return json.dumps({"model": "qwen/qwen3-4b-2507",
                       "messages": [{"role": "user", "content": text}]}).encode()


def post(url, key, body, timeout=60):
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request("POST", "/v1/chat/completions", body=body,
                     headers={"content-type": "application/json",
                              "authorization": "Bearer " + key})
        r = conn.getresponse()
        data = r.read()
        return r.status, data
    finally:
        conn.close()


def light_load(url, keys, seconds, rate, results, stop):
    bodies = [body_for(ordinary_prompt(i)) for i in range(8)]
    interval = 1.0 / rate
    start = time.monotonic()
    threads = []
    i = 0
    lock = threading.Lock()

    def one(key, body):
        t0 = time.monotonic()
        try:
            status, _ = post(url, key, body)
        except Exception as e:  # noqa: BLE001 - a failed request is a result to count
            status = "exception " + type(e).__name__
        with lock:
            results.append((status, time.monotonic() - t0))

    while time.monotonic() - start < seconds and not stop.is_set():
        due = start + i * interval
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        t = threading.Thread(target=one, args=(keys[i % len(keys)], bodies[i % len(bodies)]))
        t.start()
        threads.append(t)
        i += 1
    for t in threads:
        t.join()


def heavy_load(url, key, concurrency, stop, results):
    prompts = [(name, body_for(text)) for name, text in adversarial_prompts()]
    lock = threading.Lock()

    def worker(w):
        j = w
        while not stop.is_set():
            name, body = prompts[j % len(prompts)]
            j += concurrency
            t0 = time.monotonic()
            try:
                status, data = post(url, key, body)
                try:
                    shaped = "error" in json.loads(data) if status != 200 else True
                except ValueError:
                    shaped = False
            except Exception as e:  # noqa: BLE001
                status, shaped = "exception " + type(e).__name__, False
            with lock:
                results.append((name, status, shaped, time.monotonic() - t0))

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(concurrency)]
    for t in threads:
        t.start()
    return threads


def pct(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def summary(name, results):
    lat = [d * 1000 for s, d in results if s == 200]
    errors = [s for s, d in results if s != 200]
    print(f"{name:10s} requests {len(results):5d}  errors {len(errors):3d}  "
          f"p50 {pct(lat, 50):7.1f} ms  p99 {pct(lat, 99):7.1f} ms  max {max(lat or [0]):7.1f} ms")
    if errors:
        print(f"           error statuses: {sorted(set(map(str, errors)))}")
    return lat, errors


def run(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="fairness.py run")
    ap.add_argument("url")
    ap.add_argument("heavy_key")
    ap.add_argument("light_keys", nargs="+")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--heavy-concurrency", type=int, default=6)
    ap.add_argument("--rate", type=float, default=8)
    a = ap.parse_args(argv)
    url, heavy_key, light_keys = a.url, a.heavy_key, a.light_keys
    seconds, concurrency, rate = a.seconds, a.heavy_concurrency, a.rate

    # warm-up: JIT, connection pools
    warm = []
    light_load(url, light_keys, 10, rate, warm, threading.Event())
    unloaded = []
    light_load(url, light_keys, seconds, rate, unloaded, threading.Event())
    stop = threading.Event()
    heavy = []
    heavy_threads = heavy_load(url, heavy_key, concurrency, stop, heavy)
    time.sleep(2)  # the heavy requests are in flight before the light load is measured
    loaded = []
    light_load(url, light_keys, seconds, rate, loaded, threading.Event())
    stop.set()
    for t in heavy_threads:
        t.join()

    print(f"light keys: {len(light_keys)}, {rate} req/s of ~20 KB prompts for {seconds:.0f} s; "
          f"heavy key: {concurrency} adversarial 1 MB prompts in flight")
    base, base_err = summary("unloaded", unloaded)
    load, load_err = summary("loaded", loaded)
    statuses = {}
    for name, status, shaped, d in heavy:
        statuses.setdefault((name, status), []).append(d)
    print("heavy answers (generator, status: count, slowest):")
    for (name, status), ds in sorted(statuses.items(), key=lambda e: str(e[0])):
        print(f"  {name:16s} {status!s:>4}: {len(ds):4d}, slowest {max(ds) * 1000:7.0f} ms")
    unshaped = [h for h in heavy if not h[2]]
    growth = pct(load, 99) - pct(base, 99)
    print(f"p99 growth under adversarial load: {growth:+.1f} ms (criterion: <= 100 ms)")
    print(f"heavy answers without an API-shaped error body: {len(unshaped)}")
    ok = not base_err and not load_err and growth <= 100 and not unshaped and heavy
    print("verdict:", "met" if ok else "MISSED")
    return 0 if ok else 1


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "stub":
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Stub)
        srv.serve_forever()
    elif len(sys.argv) >= 4 and sys.argv[1] == "run":
        sys.exit(run(sys.argv[2:]))
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
