#!/usr/bin/env bash
# Issue 15 "Light and fast", every figure side by side in one run, printed as one table:
#   1. CLI: `tako --version` (the bare start), the first `tako status` (no connection keeper: it
#      logs in to a server by itself and starts the keeper), later `tako status` (through the kept
#      connection) on a 4-region playground; hyperfine, RUNS runs each, medians;
#   2. deploy: the `timings:` line's connect step (SSH logins to the four servers in parallel and
#      the lock query) of DEPLOYS deploys of a changed app to the four regions, median;
#   3. idle node: RSS and CPU (% of a core) of each node over WINDOW s, after three apps were
#      deployed and SETTLE s of rest, as `tako status --json` reports them per member
#      (cluster.members[].node: rss_bytes, cpu_seconds, threads);
#   4. the proxy through a real node: wrk at c=256 and c=1000 (WRK_DURATION each) against la's proxy
#      routing to a deployed Node.js app, and against nginx (keepalive) to the same app instance;
#      requests/s, p99, errors, and the node's peak RSS (VmHWM).
# A benchmark, not a test: it prints figures and asserts nothing. The machine's load average is
# printed with the table; on a shared machine rerun and compare ratios, not absolute figures.
#
# Needs: a built distribution (./tako --version builds it), node, jq, curl, hyperfine, wrk, nginx.
# Everything runs under a temporary TAKO_HOME and is stopped on exit (playground down, by pid).
#
# Environment (defaults): RUNS=5 DEPLOYS=3 SETTLE=30 WINDOW=60 WRK_DURATION=10s PROXY=1 (0: skip 4)
#   REGIONS=la,nyc,fra,sgp ONLY= ("proxy": only 4, as `MODE=node bench/proxy-vs-nginx.sh` runs it)
# Example: RUNS=3 WINDOW=30 bench/lean.sh
set -euo pipefail
[ -n "${BENCH_TRACE:-}" ] && set -x

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TAKO=${TAKO:-$(ls -d "$ROOT"/dist/tako-*/bin/tako 2>/dev/null | head -1)}
RUNS=${RUNS:-5}
DEPLOYS=${DEPLOYS:-3}
SETTLE=${SETTLE:-30}
WINDOW=${WINDOW:-60}
WRK_DURATION=${WRK_DURATION:-10s}
PROXY=${PROXY:-1}
REGIONS=${REGIONS:-la,nyc,fra,sgp}
ONLY=${ONLY:-} # "proxy": only 4 (bench/proxy-vs-nginx.sh MODE=node runs it so, on REGIONS=la)
[ -x "$TAKO" ] || { echo "no tako distribution (run ./tako --version first, or set TAKO)" >&2; exit 2; }
for tool in jq curl hyperfine node; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install -y $tool)" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/tako-lean.XXXXXX)
export TAKO_HOME=$WORK/home NO_COLOR=1
export TAKO_PLAYGROUND_NODE_CONF="tako.supervisor { stability-window = 300ms, drain-delay = 300ms }"
NGINX_PID=
cleanup() {
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  (cd "$WORK" && "$TAKO" playground down >/dev/null 2>&1) || true
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$TAKO_HOME"
ROWS=()
row() { ROWS+=("$(printf '| %s | %s |' "$1" "$2")"); echo "  $1: $2" >&2; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR) printf "%.2f", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

app() { # app DIR NAME BODY: a Node.js app on every region
  mkdir -p "$1"
  cat >"$1/server.js" <<JS
require('http').createServer((q, s) => s.end(q.url === '/healthz' ? 'ok' : '$3'))
  .listen(+process.env.PORT, process.env.HOST);
JS
  printf 'name = "%s"\nruntime = "node"\nmain = "server.js"\nhealth = "/healthz"\n\n[envs.production]\nroutes = ["%s.localhost"]\nservers = [%s]\n' \
    "$2" "$2" "$(echo "$REGIONS" | sed 's/[^,]*/"&"/g; s/,/, /g')" >"$1/tako.toml"
}

echo "== playground up ($REGIONS) in $WORK" >&2
(cd "$WORK" && "$TAKO" playground up --regions "$REGIONS" --timeout 300 >/dev/null)

if [ -z "$ONLY" ]; then
echo "== 1. CLI latency (hyperfine, $RUNS runs)" >&2
SOCK=$TAKO_HOME/keeper/keeper.sock
(cd "$WORK" && hyperfine -N -r "$RUNS" -w 1 --export-json "$WORK/version.json" "$TAKO --version" >/dev/null 2>&1)
# Before each first command: the keeper the previous one started (when it was done) is waited for,
# then made to exit (its socket removed).
cat >"$WORK/no-keeper.sh" <<PREP
#!/bin/sh
i=0; while [ ! -S '$SOCK' ] && [ \$i -lt 60 ]; do sleep 0.1; i=\$((i + 1)); done
sleep 0.5; rm -f '$SOCK'; sleep 2
PREP
chmod +x "$WORK/no-keeper.sh"
(cd "$WORK" && hyperfine -r "$RUNS" --export-json "$WORK/cold.json" \
  --prepare "$WORK/no-keeper.sh" "$TAKO status" >/dev/null 2>&1)
(cd "$WORK" && TAKO_KEEPER=off hyperfine -N -r "$RUNS" -w 1 --export-json "$WORK/off.json" \
  "$TAKO status" >/dev/null 2>&1)
(cd "$WORK" && hyperfine -N -r "$RUNS" -w 1 --export-json "$WORK/warm.json" "$TAKO status" >/dev/null 2>&1)
med() { jq -r '.results[0].median' "$1" | awk '{printf "%.2f", $1}'; }
V=$(med "$WORK/version.json"); C=$(med "$WORK/cold.json"); W=$(med "$WORK/warm.json")
O=$(med "$WORK/off.json")
cpu() { jq -r '.results[0] | (.user + .system)' "$1" | awk '{printf "%.2f", $1}'; }
row "tako --version (bare start)" "$V s ($(cpu "$WORK/version.json") s CPU)"
row "tako status, first (no kept connection)" "$C s ($(awk -v a="$C" -v b="$V" 'BEGIN{printf "%.2f", a/b}')x the bare start; $(cpu "$WORK/cold.json") s CPU)"
row "tako status, TAKO_KEEPER=off" "$O s ($(awk -v a="$O" -v b="$V" 'BEGIN{printf "%.2f", a/b}')x the bare start; $(cpu "$WORK/off.json") s CPU)"
row "tako status, next ones (kept connection)" "$W s ($(awk -v a="$W" -v b="$V" 'BEGIN{printf "%.2f", a/b}')x the bare start; $(cpu "$WORK/warm.json") s CPU)"

echo "== 2. deploy connect step ($DEPLOYS deploys to 4 regions)" >&2
for i in $(seq 1 3); do app "$WORK/app$i" "lean$i" "hello $i"; done
(cd "$WORK/app1" && "$TAKO" deploy >/dev/null 2>&1) # first upload: warm-up, not counted
: >"$WORK/connect"
for i in $(seq 1 "$DEPLOYS"); do
  app "$WORK/app1" lean1 "hello 1 run $i"
  (cd "$WORK/app1" && "$TAKO" deploy 2>&1 >/dev/null | grep '^timings:' | tee -a "$WORK/timings" |
    sed -n 's/^timings: connect \([0-9.]*\)s.*/\1/p' >>"$WORK/connect")
done
: >"$WORK/connect-off"
for i in $(seq 1 "$DEPLOYS"); do
  app "$WORK/app1" lean1 "hello 1 direct run $i"
  (cd "$WORK/app1" && TAKO_KEEPER=off "$TAKO" deploy 2>&1 >/dev/null | grep '^timings:' |
    sed -n 's/^timings: connect \([0-9.]*\)s.*/\1/p' >>"$WORK/connect-off")
done
row "deploy connect step, 4 regions (median)" "$(median <"$WORK/connect") s kept connections; $(median <"$WORK/connect-off") s each deploy connecting by itself (TAKO_KEEPER=off)"

echo "== 3. idle nodes: 3 apps, ${SETTLE} s settle, ${WINDOW} s window" >&2
for i in 2 3; do (cd "$WORK/app$i" && "$TAKO" deploy >/dev/null 2>&1); done
sleep "$SETTLE"
"$TAKO" status --json >"$WORK/s0.json"
sleep "$WINDOW"
"$TAKO" status --json >"$WORK/s1.json"
IDLE_ROWS=$(jq -r --slurpfile a "$WORK/s0.json" --argjson w "$WINDOW" '
  .cluster.members[] | . as $m
  | ($a[0].cluster.members[] | select(.server == $m.server) | .node.cpu_seconds) as $c0
  | "| idle node \($m.server) (3 apps) | \($m.node.rss_bytes / 1048576 | floor) MB RSS, \($m.node.threads) threads, \((($m.node.cpu_seconds - $c0) / $w * 1000 | round) / 10) % of a core |"' \
  "$WORK/s1.json")
ROWS+=("$IDLE_ROWS")
echo "$IDLE_ROWS" >&2
else
  for i in 1; do app "$WORK/app$i" "lean$i" "hello $i"; (cd "$WORK/app$i" && "$TAKO" deploy >/dev/null 2>&1); done
  "$TAKO" status --json >"$WORK/s1.json"
fi

if [ "$PROXY" = 1 ] && command -v wrk >/dev/null && command -v nginx >/dev/null; then
  echo "== 4. proxy through la's node vs nginx, Node.js app lean1" >&2
  ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  LS=$("$TAKO" playground ls --json)
  PROXY_PORT=$(jq -r '.servers[] | select(.name == "la") | .proxy_port' <<<"$LS")
  NODE_PID=$(jq -r '.servers[] | select(.name == "la") | .pid' <<<"$LS")
  UP_PORT=$(jq -r '.apps[] | select(.app == "lean1") | .servers[] | select(.server == "la")
    | .instances[] | select(.state == "ready") | .port' "$WORK/s1.json" | head -1)
  NGINX_PORT=$((PROXY_PORT + 7))
  mkdir -p "$WORK/nginx"
  cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  upstream app { server 127.0.0.1:$UP_PORT; keepalive 256; }
  server {
    listen 127.0.0.1:$NGINX_PORT reuseport backlog=4096;
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host \$host; proxy_set_header X-Forwarded-For \$remote_addr; }
  }
}
CONF
  nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
  NGINX_PID=$!
  sleep 1
  wrk -t2 -c64 -d10s -H "Host: lean1.localhost" "http://127.0.0.1:$PROXY_PORT/" >/dev/null # warm-up
  one() { # one C URL: "rps p99ms errors"
    wrk -t2 -c"$1" -d"$WRK_DURATION" --latency -H "Host: lean1.localhost" "$2" 2>&1 | awk '
      /Requests\/sec/ {rps=$2}
      /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; p99=v}
      /Socket errors/ {gsub(/,/,""); e=$4+$6+$8+$10}
      /Non-2xx/ {e+=$5}
      END {printf "%d %.1f %d", rps, p99, e+0}'
  }
  for c in 256 1000; do
    read -r orps op99 oerr <<<"$(one "$c" "http://127.0.0.1:$PROXY_PORT/")"
    read -r nrps np99 nerr <<<"$(one "$c" "http://127.0.0.1:$NGINX_PORT/")"
    row "proxy via a real node, c=$c" "$orps rps, p99 $op99 ms, $oerr errors; nginx $nrps rps, p99 $np99 ms, $nerr errors; ratio $(awk -v a="$orps" -v b="$nrps" 'BEGIN{printf "%.2f", a/b}'), p99 $(awk -v a="$op99" -v b="$np99" 'BEGIN{printf "%.2f", a/b}')x"
  done
  row "node la peak RSS (VmHWM) after the load" "$(awk '/^VmHWM/ {printf "%d MB", $2/1024}' "/proc/$NODE_PID/status")"
fi

echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| figure | value |"
echo "| --- | --- |"
printf '%s\n' "${ROWS[@]}"
