#!/usr/bin/env python3
"""1,000 concurrent slow streams through lmgate, and a slow LM Studio stand-in to serve them.

  slow_streams.py upstream PORT [--interval 0.05] [--events 200]
      serves POST /v1/chat/completions as an SSE stream: one chat chunk every INTERVAL seconds,
      EVENTS chunks, then [DONE] (stdlib asyncio; everything on 127.0.0.1).
  slow_streams.py clients URL --concurrency 1000 --duration 60 [--headers FILE]
      keeps CONCURRENCY streams open through URL for DURATION seconds (a finished stream is
      replaced at once) and prints one JSON line: streams completed, errors, events received.
"""
import argparse, asyncio, json, sys, time

CHUNK = ('data: {"id":"chatcmpl-slow","object":"chat.completion.chunk","created":1,'
         '"model":"slow","choices":[{"index":0,"delta":{"content":"tok "},"finish_reason":null}]}\n\n')
LAST = ('data: {"id":"chatcmpl-slow","object":"chat.completion.chunk","created":1,'
        '"model":"slow","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n'
        'data: [DONE]\n\n')


def chunk(s):
    b = s.encode()
    return b"%x\r\n" % len(b) + b + b"\r\n"


async def serve(reader, writer, interval, events):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length:
                await reader.readexactly(length)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            for _ in range(events):
                writer.write(chunk(CHUNK))
                await writer.drain()
                await asyncio.sleep(interval)
            writer.write(chunk(LAST) + b"0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def upstream(port, interval, events):
    server = await asyncio.start_server(
        lambda r, w: serve(r, w, interval, events), "127.0.0.1", port, backlog=4096)
    async with server:
        await server.serve_forever()


async def clients(url, concurrency, duration, headers_file):
    host_port = url.split("://", 1)[1].split("/", 1)[0]
    host, port = host_port.split(":")
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    body = json.dumps({"model": "slow", "stream": True,
                       "messages": [{"role": "user", "content": "Tell me a long story."}]}).encode()
    extra = ""
    if headers_file:
        for line in open(headers_file):
            if ":" in line:
                extra += line.strip() + "\r\n"
    req = (f"POST {path} HTTP/1.1\r\nHost: {host_port}\r\nContent-Type: application/json\r\n"
           f"Content-Length: {len(body)}\r\n{extra}\r\n").encode() + body
    stats = {"completed": 0, "errors": 0, "events": 0}
    end = time.monotonic() + duration

    async def one():
        while time.monotonic() < end:
            try:
                r, w = await asyncio.open_connection(host, int(port))
                w.write(req)
                await w.drain()
                data = b""
                while time.monotonic() < end + 30:
                    piece = await r.read(65536)
                    if not piece:
                        break
                    stats["events"] += piece.count(b"data: ")
                    data += piece[-64:]
                    if b"[DONE]" in data:
                        break
                w.close()
                if b"[DONE]" in data:
                    stats["completed"] += 1
                else:
                    stats["errors"] += 1
            except Exception:
                stats["errors"] += 1
                await asyncio.sleep(0.1)

    await asyncio.gather(*(one() for _ in range(concurrency)))
    print(json.dumps(stats))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["upstream", "clients"])
    ap.add_argument("target")
    ap.add_argument("--interval", type=float, default=0.05)
    ap.add_argument("--events", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=1000)
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--headers", default="")
    a = ap.parse_args()
    if a.mode == "upstream":
        asyncio.run(upstream(int(a.target), a.interval, a.events))
    else:
        asyncio.run(clients(a.target, a.concurrency, a.duration, a.headers))


if __name__ == "__main__":
    sys.exit(main())
