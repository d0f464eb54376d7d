#!/usr/bin/env python3
# Interleaved timing of CLI commands on a shared machine: each command in turn, N rounds, medians of
# wall time and CPU (user + system of the command and its children). A benchmark; asserts nothing.
# Usage: bench/interleave.py N "CMD A" "CMD B" ...   e.g. bench/interleave.py 12 "tako --version" "tako status"
import sys, subprocess, time, resource, statistics, os
n=int(sys.argv[1]); cmds=sys.argv[2:]
res={c:([],[]) for c in cmds}
for c in cmds: subprocess.run(c, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # warm-up
for i in range(n):
    for c in cmds:
        r0=resource.getrusage(resource.RUSAGE_CHILDREN); t0=time.time()
        subprocess.run(c, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t1=time.time(); r1=resource.getrusage(resource.RUSAGE_CHILDREN)
        res[c][0].append(t1-t0); res[c][1].append((r1.ru_utime-r0.ru_utime)+(r1.ru_stime-r0.ru_stime))
for c in cmds:
    w,u=res[c]; print(f"wall {statistics.median(w)*1000:6.0f} ms  cpu {statistics.median(u)*1000:6.0f} ms  | {c}")
print("load", open('/proc/loadavg').read().strip())
