#!/usr/bin/env python3
"""ab.py "CMD1 ..." "CMD2 ..." ...: start-up of /bin/true under each command prefix, 21 runs
(AB_RUNS=N for another count) interleaved round by round; prints the median and the best of
each (docs/startup.md). AB_GAP=S sleeps S seconds before each run: starts spaced as a user's
are, not back to back (where one run's kernel state can still help the next)."""
import os, subprocess, time, statistics, sys
bins = sys.argv[1:]
n = int(os.environ.get("AB_RUNS", "21"))
gap = float(os.environ.get("AB_GAP", "0"))
res = {b: [] for b in bins}
for i in range(n):
    for b in bins:
        if gap > 0:
            time.sleep(gap)
        t = time.perf_counter()
        p = subprocess.run(b.split() + ["/bin/true"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        res[b].append(time.perf_counter() - t)
        assert p.returncode == 0, (b, p.stderr)
for b in bins:
    v = sorted(res[b])
    print(f"{b}: median {statistics.median(v)*1000:.1f} ms best {v[0]*1000:.1f} ms")
