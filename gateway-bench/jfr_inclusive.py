#!/usr/bin/env python3
"""Reads `jfr print --events jdk.ExecutionSample` on stdin and prints, for each method, the share
of samples whose stack contains it (inclusive time), lmgate's own methods and Netty's codec and
handler methods first, since those are the ones a change here can move."""
import collections
import re
import sys

FRAME = re.compile(r"^\s+([\w$.<>]+)\(")
samples = 0
inclusive = collections.Counter()
stack = set()
for line in sys.stdin:
    if line.startswith("jdk.ExecutionSample"):
        if stack:
            inclusive.update(stack)
        stack = set()
        samples += 1
        continue
    m = FRAME.match(line)
    if m:
        stack.add(m.group(1))
if stack:
    inclusive.update(stack)

print(f"{samples} samples")
for prefix in ("dev.lmgate.", ""):
    print(f"-- {'lmgate' if prefix else 'all'} methods, share of samples containing them")
    shown = 0
    for method, n in inclusive.most_common():
        if method.startswith(prefix) and not method.startswith("java.lang.Thread.run"):
            print(f"{100.0 * n / max(samples, 1):5.1f} %  {method}")
            shown += 1
            if shown == 40:
                break
