#!/usr/bin/env bash
# Writes cli/src/main/resources/dev/tako/cli/cds-classes.txt: the classes real commands and the
# connection keeper load against a 4-region playground, which the CLI's class data sharing training
# run (dev.tako.cli.CdsTraining, at packaging time) loads into lib/tako.jsa. Run it after large
# changes to the CLI's dependencies or commands, then rebuild (./tako --version).
#
# Kept: classes from the jars and from the JDK's modules that the JDK's own archive lacks. Left
# out: hidden classes (lambdas, proxies), picocli's (class files older than Java 6: CDS never takes
# them) and BouncyCastle's (signed jars: neither).
#
# Needs a built distribution (./tako --version) and node. Everything runs under a temporary
# TAKO_HOME with its own playground, stopped on exit; or, with PLAYGROUND_HOME set, against the
# 4-region playground running under that Tako home (left running; its keeper is stopped).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TAKO=${TAKO:-$(ls -d "$ROOT"/dist/tako-*/bin/tako | head -1)}
LIB=$(dirname "$TAKO")/../lib
OUT=$ROOT/cli/src/main/resources/dev/tako/cli/cds-classes.txt
WORK=$(mktemp -d /tmp/tako-cds-classes.XXXXXX)
export TAKO_HOME=${PLAYGROUND_HOME:-$WORK/home} NO_COLOR=1
KEEPER_PID=
cleanup() {
  rm -f "$TAKO_HOME/keeper/keeper.sock"
  [ -n "$KEEPER_PID" ] && kill "$KEEPER_PID" 2>/dev/null || true
  [ -z "${PLAYGROUND_HOME:-}" ] && { (cd "$WORK" && "$TAKO" playground down >/dev/null 2>&1) || true; }
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$TAKO_HOME" "$WORK/logs"
n=0
logged() { # logged DIR CMD...: the CLI in DIR with its class loading logged
  local dir=$1
  shift
  n=$((n + 1))
  (cd "$dir" && TAKO_CLI_JAVA_OPTS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:class+load=info:file=$WORK/logs/$n.txt" \
    "$TAKO" "$@" >/dev/null 2>&1) || echo "(tako $* failed)" >&2
}
if [ -z "${PLAYGROUND_HOME:-}" ]; then
  echo "== playground up in $WORK" >&2
  (cd "$WORK" && "$TAKO" playground up --regions la,nyc,fra,sgp --timeout 300 >/dev/null)
fi
cp -r "$ROOT/examples/hello-node" "$WORK/app"
rm -f "$TAKO_HOME/keeper/keeper.sock"
sleep 1
echo "== commands, each connecting by itself" >&2
TAKO_KEEPER=off logged "$WORK" status
TAKO_KEEPER=off logged "$WORK" status --json
TAKO_KEEPER=off logged "$WORK/app" deploy
echo "== the keeper, and commands through it" >&2
cp=$(printf '%s:' "$LIB"/*.jar)
mkdir -p "$TAKO_HOME/keeper" && chmod 700 "$TAKO_HOME/keeper"
java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx64m -Xss512k \
  -Xlog:class+load=info:file="$WORK/logs/keeper.txt" -cp "${cp%:}" dev.tako.cli.keeper.ConnectionKeeper la \
  >"$WORK/keeper.out" 2>&1 &
KEEPER_PID=$!
for _ in $(seq 1 100); do [ -S "$TAKO_HOME/keeper/keeper.sock" ] && break; sleep 0.1; done
logged "$WORK" status
logged "$WORK/app" status
echo "// $(date)" >>"$WORK/app/server.js"
logged "$WORK/app" deploy
logged "$WORK/app" logs -n 5
logged "$WORK/app" releases ls
logged "$WORK/app" scale 1
logged "$WORK" servers ls
rm -f "$TAKO_HOME/keeper/keeper.sock"
wait "$KEEPER_PID" || true
KEEPER_PID=
{
  echo "# Classes a remote command and the connection keeper load (tako status, deploy, logs, releases,"
  echo "# scale, servers ls against a 4-region playground, with and without a kept connection), read by"
  echo "# CdsTraining at packaging time. Written by bench/cds-classes.sh. A missing name is skipped."
  cat "$WORK"/logs/*.txt |
    sed -n 's/^\[[^]]*\]\[info\]\[class,load\] \([^ ]*\) source: \(.*\)$/\1 \2/p' |
    awk '$2 != "shared" || $5 == "(top)"' |
    awk '$2 !~ /^__/ && $1 !~ /\/0x|\$\$Lambda|^jdk\.proxy|\$Proxy|^picocli\.|^org\.bouncycastle\./ {print $1}' |
    sort -u
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "wrote $(grep -vc '^#' "$OUT") classes to $OUT" >&2
