#!/usr/bin/env bash
# Channels (SPEC §13, issue 18), measured on a 3-region loopback playground with the real CLI:
#   1. SUBS SSE subscribers spread over la, nyc and fra (through each node's proxy at
#      /_tako/channels/bench), RATE publishes/s for DURATION s through the nodes' publish endpoints
#      (round-robin over the three, so two thirds are forwarded to the channel's owner):
#      publish-to-delivery p50/p99/max (goal p99 <= 50 ms) and deliveries per node CPU-second
#      (goal >= 12,000), with every subscriber's order checked against la's first subscriber;
#   2. la's node RSS with IDLE idle SSE subscribers (and before them).
#   0. first, without subscribers: publish round trips (publish to the majority's commit and the
#      id's answer) at RATE/s, and the nodes' CPU for it.
# A benchmark, not a test: it prints figures and asserts nothing but the order it saw.
# Parts 1 and 2 need the proxy's channel serving (SPEC §13); without it they say so and stop.
#
# Needs: a built distribution (or TAKO=path/to/bin/tako), node, jq, python3. Everything runs under a
# temporary TAKO_HOME and is stopped at the end (`playground down`).
#
# Environment (defaults): SUBS=1000 RATE=100 DURATION=20 IDLE=10000
# Example: SUBS=300 DURATION=10 bench/channels.sh
set -euo pipefail
[ -n "${BENCH_TRACE:-}" ] && set -x

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TAKO=${TAKO:-$(ls -d "$ROOT"/dist/tako-*/bin/tako 2>/dev/null | head -1)}
SUBS=${SUBS:-1000}
RATE=${RATE:-100}
DURATION=${DURATION:-20}
IDLE=${IDLE:-10000}
[ -x "$TAKO" ] || { echo "no tako distribution (build it, or set TAKO)" >&2; exit 2; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d)
export TAKO_HOME=$WORK/home NO_COLOR=1
cleanup() { (cd "$WORK" && "$TAKO" playground down >/dev/null 2>&1) || true; rm -rf "$WORK"; }
trap cleanup EXIT

mkdir -p "$WORK/app"
cat >"$WORK/app/server.js" <<'EOF'
require('http').createServer((q, s) => s.end('ok')).listen(+process.env.PORT, process.env.HOST);
EOF
cat >"$WORK/app/tako.toml" <<'EOF'
name = "bench"
runtime = "node"
main = "server.js"
health = "/healthz"

[channels]
public = ["bench", "idle"]

[envs.production]
routes = ["bench.localhost"]
servers = ["la", "nyc", "fra"]
EOF

cd "$WORK"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
"$TAKO" playground up --regions la,nyc,fra >/dev/null 2>&1
if ! (cd "$WORK/app" && "$TAKO" deploy >"$WORK/deploy.log" 2>&1); then
  # a CLI without [channels] in tako.toml: the publish figures still come
  grep -q 'unknown key "channels"' "$WORK/deploy.log" || { tail -5 "$WORK/deploy.log" >&2; exit 1; }
  sed -i '/^\[channels\]/,/^$/d' "$WORK/app/tako.toml"
  (cd "$WORK/app" && "$TAKO" deploy >"$WORK/deploy.log" 2>&1) || { tail -5 "$WORK/deploy.log" >&2; exit 1; }
fi
"$TAKO" playground ls --json >"$WORK/ls.json"

cat >"$WORK/bench.py" <<'EOF'
import asyncio, hashlib, hmac, json, os, sys, time

ls = json.load(open(sys.argv[1]))
mode, subs, rate, seconds = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
nodes = {s["name"]: s for s in ls["servers"]}
names = ["la", "nyc", "fra"]

def cpu(pid):  # utime + stime of a process, in seconds
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

async def subscribe(node, channel, got, ready):
    r, w = await asyncio.open_connection("127.0.0.1", nodes[node]["proxy_port"])
    w.write(f"GET /_tako/channels/{channel} HTTP/1.1\r\nHost: bench.localhost\r\n"
            "Accept: text/event-stream\r\n\r\n".encode())
    await w.drain()
    head = await r.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise SystemExit(f"subscribe on {node}: {head[:80]!r}")
    ready.append(1)
    event_id = None
    while True:
        line = await r.readline()
        if not line:
            return
        line = line.rstrip(b"\r\n")
        if line.startswith(b"id:"):
            event_id = line[3:].strip().decode()
        elif line.startswith(b"data:") and got is not None:
            sent = int(line[5:].strip().split()[1])
            got.append((event_id, (time.time_ns() - sent) / 1e6))

def token(node):
    home = nodes[node]["home"]
    secret = open(f"{home}/channels/publish.secret").read().strip().encode()
    return hmac.new(secret, b"tako-channels\nbench/production", hashlib.sha256).hexdigest()

async def publisher(n, rtts=None):
    conns = {}
    for node in names:
        port = int(open(f"{nodes[node]['home']}/channels/publish-port").read())
        conns[node] = (await asyncio.open_connection("127.0.0.1", port), token(node))
    async def one(i):
        (r, w), tok = conns[names[i % 3]]
        body = f"{i} {time.time_ns()}".encode()
        w.write(b"POST /channels/bench/production/bench HTTP/1.1\r\nHost: x\r\n"
                + f"Authorization: Bearer {tok}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
        await w.drain()
        head = await r.readuntil(b"\r\n\r\n")
        length = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0].split(b":")[1])
        await r.readexactly(length)
        if rtts is not None:
            rtts.append((time.time_ns() - int(body.split()[1])) / 1e6)
    start = time.monotonic()
    for i in range(n):
        await asyncio.sleep(max(0, start + i / rate - time.monotonic()))
        await one(i)  # one connection per node, answers in order

async def main():
    pids = {n: nodes[n]["pid"] for n in names}
    if mode == "publish":
        cpu0 = {n: cpu(p) for n, p in pids.items()}
        rtts = []
        await publisher(rate * seconds, rtts)
        cpu1 = {n: cpu(p) for n, p in pids.items()}
        rtts.sort()
        pct = lambda p: rtts[min(len(rtts) - 1, int(p * len(rtts)))]
        print(f"{len(rtts)} publishes at {rate}/s round-robin over la/nyc/fra, no subscribers:"
              f" answer p50 {pct(0.5):.1f} ms, p99 {pct(0.99):.1f} ms, max {rtts[-1]:.1f} ms")
        print("  node CPU: " + ", ".join(f"{n} {cpu1[n] - cpu0[n]:.1f} s" for n in names))
        return
    r, w = await asyncio.open_connection("127.0.0.1", nodes["la"]["proxy_port"])
    w.write(b"GET /_tako/channels/bench HTTP/1.1\r\nHost: bench.localhost\r\nAccept: text/event-stream\r\n\r\n")
    await w.drain()
    status = (await r.readline()).decode().strip()
    w.close()
    if " 200" not in status:
        print(f"the proxy answers a subscribe with {status!r}: subscriber figures need the proxy's channel serving")
        sys.exit(0)
    if mode == "idle":
        before = rss_mb(pids["la"])
        ready = []
        tasks = [asyncio.create_task(subscribe("la", "idle", None, ready)) for _ in range(subs)]
        while len(ready) < subs:
            await asyncio.sleep(0.2)
        await asyncio.sleep(10)
        print(f"la node RSS: {before:.0f} MB before, {rss_mb(pids['la']):.0f} MB with {subs} idle SSE subscribers")
        return
    got = [[] for _ in range(subs)]
    ready = []
    tasks = [asyncio.create_task(subscribe(names[i % 3], "bench", got[i], ready)) for i in range(subs)]
    while len(ready) < subs:
        await asyncio.sleep(0.2)
    cpu0 = {n: cpu(p) for n, p in pids.items()}
    n = rate * seconds
    await publisher(n)
    deadline = time.monotonic() + 30
    while any(len(g) < n for g in got) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    cpu1 = {n_: cpu(p) for n_, p in pids.items()}
    lat = sorted(l for g in got for _, l in g)
    order = [i for i, _ in got[0]]
    bad = sum(1 for g in got if [i for i, _ in g] != order[:len(g)])
    short = sum(1 for g in got if len(g) < n)
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    print(f"{subs} subscribers on la/nyc/fra, {n} messages at {rate}/s: {len(lat)} deliveries;"
          f" {short} subscribers missing some, {bad} with another order")
    print(f"publish-to-delivery: p50 {pct(0.5):.1f} ms, p99 {pct(0.99):.1f} ms, max {lat[-1]:.1f} ms")
    for name in names:
        d = sum(len(got[i]) for i in range(subs) if names[i % 3] == name)
        c = cpu1[name] - cpu0[name]
        print(f"  {name}: {d} deliveries, {c:.1f} CPU-s, {d / c:.0f} deliveries per CPU-second")

asyncio.run(main())
EOF
python3 "$WORK/bench.py" "$WORK/ls.json" publish 0 "$RATE" "$DURATION"
python3 "$WORK/bench.py" "$WORK/ls.json" load "$SUBS" "$RATE" "$DURATION"
python3 "$WORK/bench.py" "$WORK/ls.json" idle "$IDLE" 0 0
