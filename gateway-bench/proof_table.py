#!/usr/bin/env python3
"""Reads the two harness runs of `bench.sh --proof` and prints issue 9's targets as one table.

Usage: proof_table.py PASSTHROUGH_RUN_DIR GUARDED_RUN_DIR

Each run is read against its own `direct` and `nginx` (same machine, same minutes): req/s as a
ratio to nginx's, latency added to direct's at the fixed rate (from send), and stream time to
the first body byte added to direct's (at the fixed rate and in the sequential probe). Ratios are
never taken across the two runs.
"""
import json
import statistics
import sys
from pathlib import Path


def load(run_dir):
    wrk, rate, probe = {}, {}, {}
    for line in (Path(run_dir) / "results.jsonl").read_text().splitlines():
        r = json.loads(line)
        key = (r["target"], r["workload"])
        if r["tool"] == "wrk":
            wrk.setdefault(key, []).append(r)
        elif r["tool"] == "rate":
            rate[key] = r["rate"]
        elif r["tool"] == "probe":
            probe[key] = r["probe"]
    return wrk, rate, probe


def rps(wrk, target, workload):
    runs = wrk.get((target, workload))
    return statistics.median(r["wrk"]["rps"] for r in runs) if runs else None


def cpu_per_req(wrk, target, workload):
    runs = wrk.get((target, workload))
    if not runs or not runs[0].get("proxy_cpu_measured"):
        return None
    return statistics.median(r["proxy_cpu_s"] / r["wrk"]["requests"] * 1e6 for r in runs)


def errors(wrk, rate, target):
    n = 0
    for (t, _), runs in wrk.items():
        if t == target:
            n += sum(sum(v for k, v in r["wrk"].items() if k.startswith("err_")) for r in runs)
    for (t, _), r in rate.items():
        if t == target:
            n += r["errors"]
    return n


def fmt(v, digits=2):
    return "—" if v is None else f"{v:,.{digits}f}"


def main(passthrough_dir, guarded_dir):
    rows, checks = [], []
    for run_dir in (passthrough_dir, guarded_dir):
        wrk, rate, probe = load(run_dir)
        targets = sorted({t for t, _ in wrk} - {"direct", "nginx"}, key=lambda t: (not t.startswith("lmgate"), t))
        for target in ["nginx"] + targets:
            row = {"run": Path(run_dir).name, "target": target}
            for w in ("chat", "stream"):
                mine, ng = rps(wrk, target, w), rps(wrk, "nginx", w)
                row[f"{w}_rps"] = mine
                row[f"{w}_x"] = mine / ng if mine and ng else None
                row[f"{w}_cpu"] = cpu_per_req(wrk, target, w)
                r, d = rate.get((target, w)), rate.get(("direct", w))
                row[f"{w}_p50"] = r["sent_p50_ms"] - d["sent_p50_ms"] if r and d else None
                row[f"{w}_p99"] = r["sent_p99_ms"] - d["sent_p99_ms"] if r and d else None
            r, d = rate.get((target, "stream")), rate.get(("direct", "stream"))
            row["ttfb_rate"] = r["ttfb_p50_ms"] - d["ttfb_p50_ms"] if r and d else None
            p, d = probe.get((target, "stream")), probe.get(("direct", "stream"))
            row["ttfb_probe"] = (p["ttfb_p50_us"] - d["ttfb_p50_us"]) / 1000 if p and d else None
            row["errors"] = errors(wrk, rate, target)
            rows.append(row)

    def check(name, value, op, bound):
        ok = value is not None and (value >= bound if op == ">=" else value <= bound)
        checks.append((name, value, f"{op} {bound}", "met" if ok else "**missed**"))

    for row in rows:
        if row["target"] == "lmgate-passthrough":
            check("passthrough chat req/s × nginx", row["chat_x"], ">=", 0.8)
            check("passthrough stream req/s × nginx", row["stream_x"], ">=", 0.8)
        if row["target"] == "lmgate-guarded":
            check("full guard set chat req/s × nginx", row["chat_x"], ">=", 0.5)
            check("full guard set stream req/s × nginx", row["stream_x"], ">=", 0.8)
        if row["target"].startswith("lmgate"):
            label = row["target"].removeprefix("lmgate-")
            for w in ("chat", "stream"):
                check(f"{label} {w} added p50 at 200 req/s, ms", row[f"{w}_p50"], "<=", 0.3)
                check(f"{label} {w} added p99 at 200 req/s, ms", row[f"{w}_p99"], "<=", 1.0)
            check(f"{label} stream TTFB added at 200 req/s, ms", row["ttfb_rate"], "<=", 0.5)
            check(f"{label} stream TTFB added, sequential, ms", row["ttfb_probe"], "<=", 0.5)

    print("## Issue 9 performance targets (bench.sh --proof)\n")
    print("| run | target | chat req/s | × nginx | CPU µs/req | stream req/s | × nginx | CPU µs/req "
          "| chat +p50 / +p99 ms | stream +p50 / +p99 ms | stream +TTFB ms (rate / sequential) | errors |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['run']} | {r['target']} | {fmt(r['chat_rps'], 0)} | {fmt(r['chat_x'])} | {fmt(r['chat_cpu'], 1)} "
              f"| {fmt(r['stream_rps'], 0)} | {fmt(r['stream_x'])} | {fmt(r['stream_cpu'], 1)} "
              f"| {fmt(r['chat_p50'], 3)} / {fmt(r['chat_p99'], 3)} | {fmt(r['stream_p50'], 3)} / {fmt(r['stream_p99'], 3)} "
              f"| {fmt(r['ttfb_rate'], 3)} / {fmt(r['ttfb_probe'], 3)} | {r['errors']} |")
    print("\n| target | measured | bound | |\n|---|---:|---:|---|")
    for name, value, bound, verdict in checks:
        print(f"| {name} | {fmt(value, 3)} | {bound} | {verdict} |")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
