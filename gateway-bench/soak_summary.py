#!/usr/bin/env python3
"""Reads a soak.sh result directory and prints the summary table with a verdict per criterion;
exits 1 when any criterion is missed. Phases that did not run are left out.

Usage: soak_summary.py RESULT_DIR WARMUP_SECONDS
"""
import json
import pathlib
import statistics
import sys

out, warm = pathlib.Path(sys.argv[1]), int(sys.argv[2])
rows, missed = [], []


def row(measure, value, target="", ok=None):
    verdict = "" if ok is None else ("met" if ok else "**missed**")
    if ok is False:
        missed.append(measure)
    rows.append(f"| {measure} | {value} | {target} | {verdict} |")


def samples(name):
    path = out / name
    if not path.exists():
        return []
    return [tuple(map(int, l.split(","))) for l in path.read_text().split()
            if l.count(",") == 1 and l.split(",")[1]]


def wrk(name):
    d = json.loads((out / name).read_text().strip().splitlines()[-1])
    return d, sum(d[k] for k in ("err_connect", "err_read", "err_write", "err_status", "err_timeout"))


leaks = sum(p.read_text(errors="replace").count("LEAK:") for p in out.glob("gateway*.log"))
if (out / "soak-chat.json").exists():
    chat, ce = wrk("soak-chat.json")
    stream, se = wrk("soak-stream.json")
    maxes = json.loads((out / "max.json").read_text())
    share = chat["rps"] / maxes["chat"] + stream["rps"] / maxes["stream"]
    row(f"load: chat {chat['rps']:.0f} req/s (max {maxes['chat']}), stream {stream['rps']:.0f} req/s "
        f"(max {maxes['stream']}) for {chat['duration_s'] / 60:.1f} min",
        f"{share * 100:.0f} % of capacity; {chat['requests']:,} + {stream['requests']:,} requests", "70 %")
    row("errors under soak (connect, read, write, status, timeout)", ce + se, "0", ce + se == 0)
    rss = samples("rss.csv")
    # A run shorter than the warm-up has no steady part: all samples are compared then.
    steady = [r for t, r in rss if t - rss[0][0] >= warm] or [r for _, r in rss]
    k = max(1, len(steady) // 5)
    first, last = statistics.median(steady[:k]), statistics.median(steady[-k:])
    drift = (last - first) / first * 100
    row(f"resident memory after {warm} s warm-up: first fifth → last fifth (median)",
        f"{first / 1024:.0f} → {last / 1024:.0f} MiB ({drift:+.1f} %)", "within ±10 %", abs(drift) <= 10)
    row("chat p50 / p99 / max under soak",
        f"{chat['p50_us'] / 1000:.2f} / {chat['p99_us'] / 1000:.2f} / {chat['max_us'] / 1000:.0f} ms")
    row("stream p50 / p99 / max under soak",
        f"{stream['p50_us'] / 1000:.2f} / {stream['p99_us'] / 1000:.2f} / {stream['max_us'] / 1000:.0f} ms")
if (out / "slow-clients.json").exists():
    slow = json.loads((out / "slow-clients.json").read_text())
    row("1,000 slow streams: completed, errors, events",
        f"{slow['completed']:,}, {slow['errors']}, {slow['events']:,}", "0 errors", slow["errors"] == 0)
    peak = max(r for _, r in samples("rss-slow.csv")) / 1024
    row("peak resident memory with 1,000 slow streams", f"{peak:.0f} MiB", "≤ 512 MiB", peak <= 512)
row("Netty LEAK reports", leaks, "0", leaks == 0)
audit = (out / "audit.txt").read_text() if (out / "audit.txt").exists() else ""
for line in audit.splitlines():
    row(line.split(":")[0], line.split(":", 1)[1].strip(), "intact", "intact" in line)

print("| measure | value | target | |\n|---|---|---|---|")
print("\n".join(rows))
if missed:
    print(f"\nmissed: {'; '.join(missed)}")
    sys.exit(1)
