#!/usr/bin/env python3
"""ab.py "CMD1 ..." "CMD2 ..." ...: start-up of /bin/true under each command prefix, 21 runs
(AB_RUNS=N for another count) interleaved round by round; prints the median and the best of
each (docs/startup.md)."""
import os, subprocess, time, statistics, sys
bins = sys.argv[1:]
n = int(os.environ.get("AB_RUNS", "21"))
res = {b: [] for b in bins}
for i in range(n):
    for b in bins:
        t = time.perf_counter()
        p = subprocess.run(b.split() + ["/bin/true"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        res[b].append(time.perf_counter() - t)
        assert p.returncode == 0, (b, p.stderr)
for b in bins:
    v = sorted(res[b])
    print(f"{b}: median {statistics.median(v)*1000:.1f} ms best {v[0]*1000:.1f} ms")
