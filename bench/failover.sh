#!/usr/bin/env bash
# Failover between servers (SPEC §12), measured with the real CLI on a two-region playground on
# loopback (no --wan), wrk at c=64:
#   1. what one forward adds: p50/p99 of requests to nyc's proxy directly, then of the same requests
#      sent to la while la's instance is down (la's proxy forwards each over the node-to-node
#      listener, mutual TLS, pooled connections, to nyc's proxy), then nyc directly again; the
#      figure is forwarded minus the mean of the two direct runs (goal: <= 10 ms at p99);
#   2. failed requests (non-2xx and socket errors, as wrk counts them, with a 10 s timeout: wrk's
#      default of 2 s counts a slow answer as an error) over a 30 s window of load on la in which
#      la's instance dies (and every restart of it dies at once) 5 s in.
# A benchmark, not a test: it prints figures and asserts nothing. Note the load average with a run.
#
# Needs: a built distribution (mvn -o -DskipTests package, or TAKO=path/to/bin/tako), node, wrk,
# curl, jq. Everything runs under a temporary TAKO_HOME and is stopped at the end (`playground
# down`, which stops nodes and apps by pid).
#
# Environment (defaults): C=64 SECONDS_EACH=15 WINDOW=30
# Example: bench/failover.sh
set -euo pipefail
[ -n "${BENCH_TRACE:-}" ] && set -x

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TAKO=${TAKO:-$(ls -d "$ROOT"/dist/tako-*/bin/tako 2>/dev/null | head -1)}
C=${C:-64}
SECONDS_EACH=${SECONDS_EACH:-15}
WINDOW=${WINDOW:-30}
[ -x "$TAKO" ] || { echo "no tako distribution (build it, or set TAKO)" >&2; exit 2; }
for tool in node wrk curl jq; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done

WORK=$(mktemp -d)
export TAKO_HOME=$WORK/home NO_COLOR=1
export TAKO_PLAYGROUND_NODE_CONF="tako.supervisor { stability-window = 300ms, drain-delay = 300ms }"
cleanup() { (cd "$WORK" && "$TAKO" playground down >/dev/null 2>&1) || true; rm -rf "$WORK"; }
trap cleanup EXIT

echo "== playground la,nyc (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
mkdir -p "$TAKO_HOME" "$WORK/app"
(cd "$WORK" && "$TAKO" playground up --regions la,nyc --json >"$WORK/up.json")
LA=$(jq '.servers[] | select(.name=="la") | .proxy_port' "$WORK/up.json")
NYC=$(jq '.servers[] | select(.name=="nyc") | .proxy_port' "$WORK/up.json")

cat >"$WORK/app/server.js" <<EOF
const fs = require('fs');
const flag = '$WORK/down-' + process.env.TAKO_SERVER;
if (fs.existsSync(flag)) process.exit(1);
setInterval(() => { if (fs.existsSync(flag)) process.exit(1); }, 20);
require('http').createServer((q, s) => s.end(q.url === '/healthz' ? 'ok' : 'fo|' + process.env.TAKO_SERVER))
  .listen(+process.env.PORT, process.env.HOST);
EOF
cat >"$WORK/app/tako.toml" <<EOF
name = "fo"
runtime = "node"
main = "server.js"
health = "/healthz"

[envs.production]
routes = ["fo.localhost"]
servers = ["la", "nyc"]
EOF
(cd "$WORK/app" && "$TAKO" deploy >/dev/null)

get() { curl -s -H 'Host: fo.localhost' "http://127.0.0.1:$1/"; }
await_body() { # await_body PORT PREFIX
  for _ in $(seq 1 600); do
    case "$(get "$1")" in "$2"*) return 0 ;; esac
    sleep 0.1
  done
  echo "port $1 never answered $2" >&2
  exit 1
}
ms() { # wrk latency figure (e.g. 1.23ms, 850.00us, 1.02s) in ms
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.2f", v * 1000 } }'
}
run() { # run PORT SECONDS -> prints "p50 p99 rps failed"
  local out
  out=$(wrk -t2 -c"$C" -d"$2"s --timeout 10s --latency -H 'Host: fo.localhost' "http://127.0.0.1:$1/")
  local p50 p99 rps non2xx sock
  p50=$(ms "$(awk '$1=="50%" {print $2}' <<<"$out")")
  p99=$(ms "$(awk '$1=="99%" {print $2}' <<<"$out")")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  sock=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
  echo "$p50 $p99 $rps $(( ${non2xx:-0} + ${sock:-0} ))"
}

await_body "$LA" "fo|la"
await_body "$NYC" "fo|nyc"
echo "== warm-up (nyc direct, ${SECONDS_EACH}s)"
run "$NYC" "$SECONDS_EACH" >/dev/null
read -r d1p50 d1p99 d1rps d1f < <(run "$NYC" "$SECONDS_EACH")
echo "nyc direct:          p50 ${d1p50} ms  p99 ${d1p99} ms  ${d1rps} rps  failed ${d1f}"
touch "$WORK/down-la"
await_body "$LA" "fo|nyc"
run "$LA" 5 >/dev/null # warm the pooled peer connections
read -r fp50 fp99 frps ff < <(run "$LA" "$SECONDS_EACH")
echo "la -> nyc forwarded: p50 ${fp50} ms  p99 ${fp99} ms  ${frps} rps  failed ${ff}"
read -r d2p50 d2p99 d2rps d2f < <(run "$NYC" "$SECONDS_EACH")
echo "nyc direct again:    p50 ${d2p50} ms  p99 ${d2p99} ms  ${d2rps} rps  failed ${d2f}"
awk -v f50="$fp50" -v f99="$fp99" -v a50="$d1p50" -v b50="$d2p50" -v a99="$d1p99" -v b99="$d2p99" \
  -v c="$C" 'BEGIN { printf "added per forward at c=%d: p50 %.2f ms, p99 %.2f ms\n", c,
  f50 - (a50 + b50) / 2, f99 - (a99 + b99) / 2 }'

echo "== ${WINDOW}s of load on la; la's instance dies 5 s in"
rm -f "$WORK/down-la"
await_body "$LA" "fo|la"
( sleep 5; touch "$WORK/down-la" ) &
read -r wp50 wp99 wrps wf < <(run "$LA" "$WINDOW")
echo "window: ${wrps} rps, p50 ${wp50} ms, p99 ${wp99} ms; failed requests: ${wf}"
echo "after the window, la's answer: $(get "$LA")"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
