#!/usr/bin/env bash
# The cluster across regions (SPEC §11), measured with the real CLI on the playground:
#   1. `tako deploy` of a changed app to four regions (la, nyc, fra, sgp), on loopback and on
#      `playground up --wan` (round trips of SPEC §11); the goal: --wan adds at most 2 s;
#   2. on --wan, seconds from `kill -9` of fra's node until la's /v1/status says fra unreachable;
#   3. `tako status` wall time with fra dead (and with every region up, for comparison), and the
#      time of la's own /v1/status (what the node adds; the rest is the CLI's JVM, SSH and tunnel).
# Also printed: the last deploy's own timings line (connect, of which SSH logins, pack, upload,
# rollout). On a loaded machine the CLI's fixed costs dominate; note the load average with the run.
# A benchmark, not a test: it prints figures and asserts nothing.
#
# Needs: a built distribution (mvn -o -pl it-tests -am package -DskipTests, or TAKO=path/to/bin/tako),
# node, jq, curl. Everything runs under a temporary TAKO_HOME and is stopped at the end by pid
# (`playground down`).
#
# Environment (defaults): RUNS=3 (timed deploys per network) REGIONS=la,nyc,fra,sgp DEAD=fra
# Example: RUNS=2 bench/regions.sh
set -euo pipefail
[ -n "${BENCH_TRACE:-}" ] && set -x

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TAKO=${TAKO:-$(ls -d "$ROOT"/dist/tako-*/bin/tako 2>/dev/null | head -1)}
RUNS=${RUNS:-3}
REGIONS=${REGIONS:-la,nyc,fra,sgp}
DEAD=${DEAD:-fra}
[ -x "$TAKO" ] || { echo "no tako distribution (build it, or set TAKO)" >&2; exit 2; }

WORK=$(mktemp -d)
export TAKO_HOME=$WORK/home NO_COLOR=1
export TAKO_PLAYGROUND_NODE_CONF="tako.supervisor { stability-window = 300ms, drain-delay = 300ms }"
cleanup() { (cd "$WORK" && "$TAKO" playground down >/dev/null 2>&1) || true; rm -rf "$WORK"; }
trap cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

app() { # app DIR BODY: a node app answering BODY on every region of REGIONS
  mkdir -p "$1"
  cat >"$1/server.js" <<EOF
require('http').createServer((q, s) => s.end(q.url === '/healthz' ? 'ok' : '$2 ' + process.env.TAKO_RELEASE))
  .listen(+process.env.PORT, process.env.HOST);
EOF
  local servers
  servers=$(echo "$REGIONS" | sed 's/[^,]*/"&"/g; s/,/, /g')
  printf 'name = "bench"\nruntime = "node"\nmain = "server.js"\nhealth = "/healthz"\n\n[envs.production]\nroutes = ["bench.localhost"]\nservers = [%s]\n' \
    "$servers" >"$1/tako.toml"
}

deploys() { # deploys LABEL: RUNS timed deploys of a changed app; prints each and the median
  local walls=() i t
  for i in $(seq 0 "$RUNS"); do
    app "$WORK/app" "run-$1-$i"
    t=$(now)
    (cd "$WORK/app" && "$TAKO" deploy --json >"$WORK/deploy.json" 2>"$WORK/deploy.err") ||
      { cat "$WORK/deploy.err" >&2; exit 1; }
    # the first deploy also uploads the runtime-free artifact everywhere: a warm-up, not counted
    [ "$i" -gt 0 ] && walls+=("$(since "$t")")
  done
  printf '%s\n' "${walls[@]}" | sort -n >"$WORK/walls"
  echo "deploy to $REGIONS on $1: ${walls[*]} s (median $(sed -n "$(((RUNS + 1) / 2))p" "$WORK/walls") s)"
  grep '^timings' "$WORK/deploy.err" | sed 's/^/  last /'
}

cd "$WORK"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
"$TAKO" playground up --regions "$REGIONS" >/dev/null 2>&1
deploys loopback
"$TAKO" playground down >/dev/null 2>&1
"$TAKO" playground up --regions "$REGIONS" --wan >/dev/null 2>&1
deploys wan

ls_json=$("$TAKO" playground ls --json)
api_port=$(echo "$ls_json" | jq -r '.servers[] | select(.name=="la") | .api_port')
token=$(cat "$(echo "$ls_json" | jq -r '.servers[] | select(.name=="la") | .home')/admin.token")
pid=$(echo "$ls_json" | jq -r --arg d "$DEAD" '.servers[] | select(.name==$d) | .pid')
member() { curl -s -m 5 -H "Authorization: Bearer $token" "http://127.0.0.1:$api_port/v1/status" |
  jq -r --arg d "$DEAD" '.cluster.members[] | select(.server==$d) | .status'; }

status_walls() { # status_walls: three `tako status` wall times, then five of la's /v1/status
  local w=() a=() t i
  for i in 1 2 3; do t=$(now); "$TAKO" status --json >/dev/null; w+=("$(since "$t")"); done
  for i in 1 2 3 4 5; do
    a+=("$(curl -s -o /dev/null -w '%{time_total}' -m 10 -H "Authorization: Bearer $token" \
      "http://127.0.0.1:$api_port/v1/status")")
  done
  echo "${w[*]} s; la's /v1/status alone: ${a[*]} s"
}
echo "tako status with every region up: $(status_walls)"
kill -9 "$pid"
t=$(now)
until [ "$(member)" = unreachable ]; do sleep 0.1; done
echo "$DEAD unreachable in la's /v1/status $(since "$t") s after kill -9"
echo "tako status with $DEAD dead: $(status_walls)"
"$TAKO" playground start "$DEAD" >/dev/null 2>&1
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
