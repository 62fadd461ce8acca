#!/usr/bin/env python3
"""Per-event release lag of a stream paced like a model (issue 18, docs/performance.md).

  paced_stream.py stub PORT
      An LM Studio stand-in whose /v1/chat/completions streams an ordinary answer (~460
      characters: a URL, a version number, an e-mail address, words like "key" and "token", no
      secret) one word-piece per SSE event, PACE_MS (20) apart. It writes each piece's send time
      (time.time()) to SENDS_FILE when that variable is set.
  paced_stream.py run URL KEY [--runs N] [--split words|tokens]
      Requests the stream N times (default 20, after one warm-up stream not counted), cut into events as SPLIT says (words: a word and
      the space after it; tokens: like a BPE tokenizer, " rele", "ase"), from URL (the stub itself, or a gateway in front of
      it) and prints, over all content events, the lag of each event: its arrival time minus the
      time the stub sent it (both clocks are this machine's), as first-event, p50, p90 and max.
  paced_stream.py pieces words|tokens
      Prints the answer's pieces, one JSON string per line (for gateway-bench/StreamHolds.java).
Standard library only; 127.0.0.1 only. Stub and client must run on the same machine.
"""
import http.client
import http.server
import json
import os
import re
import socketserver
import sys
import time
import urllib.parse

PACE_MS = float(os.environ.get("PACE_MS", "20"))
ANSWER = (
    "Sure. The release notes are at https://example.com/docs/releases and the current version is "
    "4.12.3, published last Tuesday. If the key rotation job fails again, check that the token "
    "in the scheduler has not expired, then write to ops-team@example.com with the job's run id. "
    "The usual fix is to re-run the pipeline after refreshing the credentials from the vault; the "
    "whole thing takes about ten minutes, and nobody needs to restart the service itself."
)
# How the answer is cut into events. words: a word and the space after it ("Sure. ", "The ").
# tokens: like a BPE tokenizer, the space before a word and at most four characters of it
# (" rele", "ase"), so most events end inside a word — the harder case for a guard that holds
# whatever could still become a match.
SPLITS = {
    "words": re.findall(r"\S+\s*", ANSWER),
    "tokens": re.findall(r"\s*\S{1,4}", ANSWER),
}


def chunk(delta, finish=None):
    return "data: " + json.dumps({
        "id": "chatcmpl-paced", "object": "chat.completion.chunk", "created": 0,
        "model": "qwen/qwen3-4b-2507",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }) + "\n\n"


class Stub(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))) or b"{}")
        asked = str(body.get("messages", [{}])[-1].get("content", ""))
        pieces = SPLITS["tokens" if "split:tokens" in asked else "words"]
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        sends = []

        def send(text):
            data = text.encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        send(chunk({"role": "assistant", "content": ""}))
        for piece in pieces:
            time.sleep(PACE_MS / 1000.0)
            sends.append(time.time())
            send(chunk({"content": piece}))
        send(chunk({}, "stop"))
        send("data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()
        path = os.environ.get("SENDS_FILE")
        if path:
            with open(path, "a") as f:
                f.write(json.dumps(sends) + "\n")

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def one_stream(url, key, split):
    """Arrival times of the content events of one streamed answer."""
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    body = json.dumps({"model": "qwen/qwen3-4b-2507", "stream": True,
                       "messages": [{"role": "user",
                                     "content": "Where are the release notes? split:" + split}]})
    conn.request("POST", "/v1/chat/completions", body=body,
                 headers={"content-type": "application/json", "authorization": "Bearer " + key})
    r = conn.getresponse()
    if r.status != 200:
        raise SystemExit(f"status {r.status}: {r.read()[:200]!r}")
    arrivals = []
    buf = b""
    while True:
        data = r.read1(65536)
        now = time.time()
        if not data:
            break
        buf += data
        while b"\n\n" in buf:
            event, buf = buf.split(b"\n\n", 1)
            line = event.decode().strip()
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            delta = json.loads(line[6:])["choices"][0].get("delta", {})
            if delta.get("content"):
                arrivals.append(now)
    conn.close()
    return arrivals


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def run(argv):
    url, key = argv[0], argv[1]
    runs = int(argv[argv.index("--runs") + 1]) if "--runs" in argv else 20
    split = argv[argv.index("--split") + 1] if "--split" in argv else "words"
    if split not in SPLITS:
        raise SystemExit(f"--split: {split} (expected: {', '.join(SPLITS)})")
    sends_file = os.environ["SENDS_FILE"]
    first, lags = [], []
    # one stream first, not counted: the gateway's first answer loads classes and compiles code
    # that every later one reuses (a cold start is not what a running sidecar shows)
    open(sends_file, "w").close()
    one_stream(url, key, split)
    time.sleep(0.05)
    for _ in range(runs):
        open(sends_file, "w").close()
        arrivals = one_stream(url, key, split)
        time.sleep(0.05)  # the stub writes its send times after the last event
        with open(sends_file) as f:
            sends = json.loads(f.readline())
        # the gateway relays events one for one (it holds, it does not merge): pair them in order
        if not arrivals or len(arrivals) != len(sends):
            raise SystemExit(f"{len(arrivals)} content events for {len(sends)} sent: not comparable")
        pairs = list(zip(sends, arrivals))
        first.append((arrivals[0] - sends[0]) * 1000)
        lags += [(a - s) * 1000 for s, a in pairs]
    print(f"{url}: {runs} streams, {len(SPLITS[split])} content events each ({split}),"
          f" pace {PACE_MS:.0f} ms")
    print(f"  first content event lag: p50 {pct(first, 50):7.2f} ms  max {max(first):7.2f} ms")
    print(f"  every event lag:         p50 {pct(lags, 50):7.2f} ms  p90 {pct(lags, 90):7.2f} ms"
          f"  max {max(lags):7.2f} ms")


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "stub":
        Server(("127.0.0.1", int(sys.argv[2])), Stub).serve_forever()
    elif len(sys.argv) == 3 and sys.argv[1] == "pieces" and sys.argv[2] in SPLITS:
        for piece in SPLITS[sys.argv[2]]:
            print(json.dumps(piece))
    elif len(sys.argv) >= 4 and sys.argv[1] == "run":
        run(sys.argv[2:])
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
