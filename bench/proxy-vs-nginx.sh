#!/usr/bin/env bash
# The node's proxy against nginx as reverse proxy, side by side in one run (method: BENCH.md).
#
# Needs (installs nothing): nginx, wrk, node, java 17+, mvn with the project's dependencies
# (Debian: apt-get install -y nginx wrk nodejs).
#
# Upstreams: nginx `return 200 "hello"` (1 worker) and a Node.js `http` server, both on loopback.
# Reference: nginx as reverse proxy (worker_processes auto, keepalive 256 to each upstream).
# Ours: dev.tako.proxy.BenchProxy (proxy-actors test scope) with static Host routes, for each
# implementation in IMPLS: "tcp" = TcpProxy (the node's proxy), "tls" = TcpProxy terminating HTTPS
# (compared with nginx terminating HTTPS with the same RSA-2048 self-signed certificate), "http" =
# the older HttpProxy (Pekko HTTP; test code, kept as the "before" of the node's proxy).
# Load: wrk -t2 at each of CONNECTIONS, alternating ours/nginx, after a warm-up of ours.
#
# Environment (defaults): DURATION=30s WARMUP=30 CONNECTIONS="50 256 1000" UPSTREAMS="nginx node"
#   IMPLS="tcp tls" BASE_PORT=18080
#   JAVA_OPTS="-Xms32m -Xmx256m -Xmn48m -XX:+UseSerialGC -Xss512k -XX:ReservedCodeCacheSize=48m"
#   (the flags of an installed node)
# Example quick run: DURATION=10s WARMUP=10 IMPLS="tcp tls" bench/proxy-vs-nginx.sh
# Through a real node (a deployed app): MODE=node WRK_DURATION=30s bench/proxy-vs-nginx.sh
set -euo pipefail
[ -n "${BENCH_TRACE:-}" ] && set -x

# MODE=node: through a real node instead: a single-region playground, a Node.js app deployed to
# it, wrk at c=256 and c=1000 against the node's proxy and against nginx (keepalive 256) to the
# same app instance, and the node's peak RSS (bench/lean.sh's proxy part; WRK_DURATION=10s).
if [ "${MODE:-}" = node ]; then
  exec env ONLY=proxy REGIONS=la "$(dirname "$0")/lean.sh"
fi

DURATION=${DURATION:-30s}
WARMUP=${WARMUP:-30}
CONNECTIONS=${CONNECTIONS:-"50 256 1000"}
UPSTREAMS=${UPSTREAMS:-"nginx node"}
IMPLS=${IMPLS:-"tcp tls"}
JAVA_OPTS=${JAVA_OPTS:-"-Xms32m -Xmx256m -Xmn48m -XX:+UseSerialGC -Xss512k -XX:ReservedCodeCacheSize=48m"}
BASE_PORT=${BASE_PORT:-18080}

for tool in nginx wrk node java mvn openssl; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install -y nginx wrk nodejs; JDK 17; Maven)" >&2; exit 2; }
done
NGINX=$(command -v nginx)
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/tako-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

UP_NGINX=$((BASE_PORT + 1))
UP_NODE=$((BASE_PORT + 2))
NGINX_FOR_NGINX=$((BASE_PORT + 3))
NGINX_FOR_NODE=$((BASE_PORT + 4))
NGINX_TLS_FOR_NGINX=$((BASE_PORT + 5))
NGINX_TLS_FOR_NODE=$((BASE_PORT + 6))
OURS_PORT=$((BASE_PORT + 10)) # + index of the implementation

wait_port() {
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2
  exit 1
}

# RSS in MB of a process and all its children (nginx: master + workers).
rss_mb() {
  local kb=0 p
  for p in "$1" $(pgrep -P "$1" || true); do
    kb=$((kb + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)))
  done
  echo $((kb / 1024))
}

echo "== building the bench classpath"
(cd "$ROOT" && mvn -q -o -pl proxy-actors test-compile dependency:build-classpath \
  -Dmdep.outputFile="$WORK/cp.txt" -Dmdep.includeScope=test -Dspotless.check.skip=true)
CP="$ROOT/proxy-actors/target/test-classes:$ROOT/proxy-actors/target/classes:$(cat "$WORK/cp.txt")"

echo "== starting upstreams and nginx proxy (work dir $WORK)"
mkdir -p "$WORK/up" "$WORK/proxy"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 \
  -subj "/CN=bench" -addext "subjectAltName=DNS:nginx.bench,DNS:node.bench" 2>/dev/null
cat >"$WORK/up/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/up/nginx.pid;
error_log $WORK/up/error.log warn;
events { worker_connections 20000; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/up; proxy_temp_path $WORK/up; fastcgi_temp_path $WORK/up;
  uwsgi_temp_path $WORK/up; scgi_temp_path $WORK/up;
  server { listen 127.0.0.1:$UP_NGINX; location / { return 200 "hello"; } }
}
EOF
"$NGINX" -p "$WORK/up" -c "$WORK/up/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
node -e "require('http').createServer((q, s) => s.end('hello')).listen($UP_NODE, '127.0.0.1')" &
PIDS+=($!)
cat >"$WORK/proxy/nginx.conf" <<EOF
worker_processes auto;
pid $WORK/proxy/nginx.pid;
error_log $WORK/proxy/error.log warn;
events { worker_connections 20000; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/proxy; proxy_temp_path $WORK/proxy; fastcgi_temp_path $WORK/proxy;
  uwsgi_temp_path $WORK/proxy; scgi_temp_path $WORK/proxy;
  upstream up_nginx { server 127.0.0.1:$UP_NGINX; keepalive 256; }
  upstream up_node { server 127.0.0.1:$UP_NODE; keepalive 256; }
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Host \$host;
  proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
  proxy_set_header X-Forwarded-Proto \$scheme;
  server { listen 127.0.0.1:$NGINX_FOR_NGINX; location / { proxy_pass http://up_nginx; } }
  server { listen 127.0.0.1:$NGINX_FOR_NODE; location / { proxy_pass http://up_node; } }
  ssl_certificate $WORK/cert.pem;
  ssl_certificate_key $WORK/key.pem;
  ssl_protocols TLSv1.2 TLSv1.3;
  server { listen 127.0.0.1:$NGINX_TLS_FOR_NGINX ssl; location / { proxy_pass http://up_nginx; } }
  server { listen 127.0.0.1:$NGINX_TLS_FOR_NODE ssl; location / { proxy_pass http://up_node; } }
}
EOF
"$NGINX" -p "$WORK/proxy" -c "$WORK/proxy/nginx.conf" -g 'daemon off;' &
NGINX_PROXY_PID=$!
PIDS+=($NGINX_PROXY_PID)

# Dispatcher settings of NOTES-STACK.md (matter only to the Pekko-based "http" implementation).
PEKKO_OPTS="-Dpekko.actor.default-dispatcher.fork-join-executor.parallelism-min=2
 -Dpekko.actor.default-dispatcher.fork-join-executor.parallelism-max=2
 -Dpekko.io.tcp.management-dispatcher=pekko.actor.default-dispatcher
 -Dpekko.io.tcp.worker-dispatcher=pekko.actor.default-dispatcher
 -Dpekko.loglevel=WARNING -Dlogback.configurationFile=$WORK/logback.xml"
cat >"$WORK/logback.xml" <<'EOF'
<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="STDOUT"/></root>
</configuration>
EOF

declare -A OURS_PID OURS_PORTS
i=0
for impl in $IMPLS; do
  port=$((OURS_PORT + i))
  # shellcheck disable=SC2086
  java $JAVA_OPTS $PEKKO_OPTS -Dbench.key="$WORK/key.pem" -Dbench.cert="$WORK/cert.pem" \
    -cp "$CP" dev.tako.proxy.BenchProxy "$impl" "$port" \
    "nginx.bench=127.0.0.1:$UP_NGINX" "node.bench=127.0.0.1:$UP_NODE" >"$WORK/ours-$impl.log" 2>&1 &
  OURS_PID[$impl]=$!
  OURS_PORTS[$impl]=$port
  PIDS+=($!)
  i=$((i + 1))
done
for port in $UP_NGINX $UP_NODE $NGINX_FOR_NGINX $NGINX_FOR_NODE $NGINX_TLS_FOR_NGINX $NGINX_TLS_FOR_NODE "${OURS_PORTS[@]}"; do wait_port "$port"; done
scheme() { [ "$1" = tls ] && echo https || echo http; }
for impl in $IMPLS; do
  code=$(curl -sk -o /dev/null -w '%{http_code}' -H 'Host: nginx.bench' "$(scheme "$impl")://127.0.0.1:${OURS_PORTS[$impl]}/")
  [ "$code" = 200 ] || { echo "ours ($impl) answered $code" >&2; cat "$WORK/ours-$impl.log" >&2; exit 1; }
done

for impl in $IMPLS; do
  for up in $UPSTREAMS; do
    echo "== warm-up of ours ($impl, $up upstream), $((WARMUP / 2 + 1)) s at c=256"
    wrk -t2 -c256 -d"$((WARMUP / 2 + 1))s" -H "Host: $up.bench" "$(scheme "$impl")://127.0.0.1:${OURS_PORTS[$impl]}/" >/dev/null
  done
done

# Runs wrk against a port; prints "rps p50 p99 errors rss".
measure() {
  local port=$1 host=$2 c=$3 pid=$4 scheme=$5 out rss
  wrk -t2 -c"$c" -d"$DURATION" --timeout 2s --latency -H "Host: $host" "$scheme://127.0.0.1:$port/" >"$WORK/wrk.out" 2>&1 &
  local wrk_pid=$!
  sleep "$(( ${DURATION%s} / 2 ))"
  rss=$(rss_mb "$pid")
  wait "$wrk_pid"
  out=$(cat "$WORK/wrk.out")
  echo "$out" >>"$WORK/wrk-all.log"
  awk -v rss="$rss" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    /Socket errors/ { gsub(",", ""); err = $4 + $6 + $8; to = $10 }
    /Non-2xx/ { non2xx = $NF }
    END { printf "%.0f %.2f %.2f %d/%d/%d %s\n", rps, p50, p99, err + 0, to + 0, non2xx + 0, rss }
  ' <<<"$out"
}

echo
echo "upstream c impl | nginx: rps p50/p99 ms errors | ours: rps p50/p99 ms errors | RSS MB | ours/nginx rps"
RESULTS="$WORK/results.txt"
for up in $UPSTREAMS; do
  for c in $CONNECTIONS; do
    for impl in $IMPLS; do
      if [ "$impl" = tls ]; then
        nginx_port=$([ "$up" = nginx ] && echo $NGINX_TLS_FOR_NGINX || echo $NGINX_TLS_FOR_NODE)
      else
        nginx_port=$([ "$up" = nginx ] && echo $NGINX_FOR_NGINX || echo $NGINX_FOR_NODE)
      fi
      s=$(scheme "$impl")
      read -r o_rps o_p50 o_p99 o_err o_rss < <(measure "${OURS_PORTS[$impl]}" "$up.bench" "$c" "${OURS_PID[$impl]}" "$s")
      read -r n_rps n_p50 n_p99 n_err n_rss < <(measure "$nginx_port" "$up.bench" "$c" "$NGINX_PROXY_PID" "$s")
      ratio=$(awk -v a="$o_rps" -v b="$n_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
      printf '%-6s %-5s %-5s | %7s %6s/%-8s err %-7s | %7s %6s/%-8s err %-7s | RSS nginx %s ours %s | %s\n' \
        "$up" "$c" "$impl" "$n_rps" "$n_p50" "$n_p99" "$n_err" "$o_rps" "$o_p50" "$o_p99" "$o_err" \
        "$n_rss" "$o_rss" "$ratio" | tee -a "$RESULTS"
    done
  done
done
echo
echo "errors are socket errors (connect+read+write) / timeouts / non-2xx; wrk --timeout 2s"
echo "raw wrk output: $WORK/wrk-all.log"
