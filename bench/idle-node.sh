#!/usr/bin/env bash
# What an idle node costs (issue 15, BENCH.md "Cold start and footprint"): a single-region
# playground, three small apps deployed to it (copies of examples/hello-node), no traffic; then the
# node JVM's RSS and CPU over a window.
#
#   bench/idle-node.sh                 # settle 30 s, sample 60 s
#   SETTLE=60 WINDOW=120 bench/idle-node.sh
#   TAKO_NODE_JAVA_OPTS="-Xmx192m ..." bench/idle-node.sh   # other JVM flags for the node
#
# Prints RSS (VmRSS) at the start and end of the window, the peak (VmHWM), the threads, and the
# CPU as a percentage of one core: (utime + stime) from /proc/PID/stat over the window. Runs in
# its own TAKO_HOME (a temporary directory) so it never touches the caller's playground; stops
# everything it started on exit. Needs: java, mvn (first build), node, jq.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
settle=${SETTLE:-30}
window=${WINDOW:-60}
apps=${APPS:-3}
tako=${TAKO:-"$root/tako"} # or another distribution's bin/tako, to compare

work=$(mktemp -d /tmp/tako-idle-XXXXXX)
export TAKO_HOME="$work/home"
mkdir -p "$TAKO_HOME"
cleanup() {
  "$tako" playground down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$tako" --version >/dev/null # builds when needed, outside the timed part
echo "node JVM flags: ${TAKO_NODE_JAVA_OPTS:-the playground defaults}"
"$tako" playground up --regions la >/dev/null

for i in $(seq 1 "$apps"); do
  app="$work/idle$i"
  cp -r "$root/examples/hello-node" "$app"
  rm -rf "$app/.tako"
  sed -i -e "s/^name = .*/name = \"idle$i\"/" \
    -e "s/^routes = .*/routes = [\"idle$i.localhost\"]/" \
    -e "s/^servers = .*/servers = [\"la\"]/" "$app/tako.toml"
  (cd "$app" && "$tako" deploy --yes >/dev/null)
done

pid=$("$tako" playground ls --json | jq -r '.servers[] | select(.name == "la") | .pid')
[ -n "$pid" ] && [ -d "/proc/$pid" ] || { echo "error: no node pid" >&2; exit 1; }

rss() { awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status"; }
hwm() { awk '/^VmHWM/ {print int($2 / 1024)}' "/proc/$pid/status"; }
threads() { awk '/^Threads/ {print $2}' "/proc/$pid/status"; }
# utime + stime in clock ticks; the command name in field 2 may hold spaces, so cut after ')'.
ticks() { sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}'; }

sleep "$settle"
hz=$(getconf CLK_TCK)
rss0=$(rss)
load0=$(cut -d' ' -f1 /proc/loadavg) # a shared machine: compare runs made at similar loads
t0=$(ticks)
n0=$(date +%s%N)
sleep "$window"
t1=$(ticks)
n1=$(date +%s%N)
rss1=$(rss)
dt=$((t1 - t0))
dn=$((n1 - n0))
cpu=$(awk -v t="$dt" -v hz="$hz" -v ns="$dn" 'BEGIN { printf "%.2f", 100 * (t / hz) / (ns / 1e9) }')

echo "| apps | settle | window | RSS start | RSS end | RSS peak | threads | CPU (% of a core) | load average |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
echo "| $apps | ${settle} s | ${window} s | ${rss0} MB | ${rss1} MB | $(hwm) MB | $(threads) | ${cpu} | ${load0} → $(cut -d' ' -f1 /proc/loadavg) |"
