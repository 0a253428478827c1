#!/usr/bin/env python3
"""pss.py HUSK [N]: starts N idle sandboxes (`HUSK run -- sh -c 'echo ready; exec sleep 600'`),
prints the PSS of each process of the first one and the PSS per sandbox (sum of Pss: from
/proc/PID/smaps_rollup over each husk run and its descendants), then stops them (docs/startup.md)."""
import subprocess, time, os, sys
def kids():
    m = {}
    for p in os.listdir('/proc'):
        if p.isdigit():
            try:
                st = open(f'/proc/{p}/stat').read()
                ppid = int(st.rsplit(')',1)[1].split()[1]); m.setdefault(ppid, []).append(int(p))
            except OSError: pass
    return m
def desc(pid, m):
    out=[pid]
    for c in m.get(pid, []): out += desc(c, m)
    return out
def pss(p):
    try:
        for l in open(f'/proc/{p}/smaps_rollup'):
            if l.startswith('Pss:'): return int(l.split()[1])
    except OSError: return 0
    return 0
husk = sys.argv[1]; n = int(sys.argv[2]) if len(sys.argv) > 2 else 1
t0 = time.time()
procs = [subprocess.Popen([husk, 'run', '--', '/bin/sh', '-c', 'echo ready; exec /bin/sleep 600'], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL) for _ in range(n)]
for p in procs: p.stdout.readline()
t1 = time.time()
time.sleep(1)
m = kids(); tot = 0
for i, p in enumerate(procs):
    for q in desc(p.pid, m):
        k = pss(q); tot += k
        if i == 0:
            name = open(f'/proc/{q}/cmdline').read().split('\0')[:2]
            print(f'  {q} {name} {k/1024:.2f} MiB')
print(f'{n} sandboxes: start-all {t1-t0:.2f} s, PSS total {tot/1024:.1f} MiB, per sandbox {tot/1024/n:.2f} MiB')
for p in procs: p.terminate()
for p in procs: p.wait()
