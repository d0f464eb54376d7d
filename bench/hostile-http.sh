#!/usr/bin/env bash
# Hostile HTTP/1.1 battery: the node's proxy against nginx as reverse proxy, side by side, each in
# front of its own copy of one lenient upstream (issue 12).
#
# Needs (installs nothing): nginx, python3, java 17+, mvn with the project's dependencies.
#
# Upstream: a raw-socket Python server that parses as leniently as many app servers do (the first
# Content-Length wins, "chunked" anywhere in any Transfer-Encoding wins over it, names trimmed and
# "_" read as "-", bare LF ends lines) and logs per connection exactly what it parsed, plus flags for
# what it should never have been sent (control bytes, two Host, CL beside TE...). Special targets make
# it misbehave on the response side (101 unasked, CL+TE, early close, bodies after HEAD/204/304).
# Reference: nginx (client_header_timeout 3s, keepalive to the upstream). Ours: BenchProxy tcp
# (tako.proxy.header-timeout=3s). Each case: raw bytes over a socket, an innocent follow-up on the
# same connection, then a second visitor's request on a new connection (a poisoned pooled upstream
# connection answers it wrongly).
#
# Verdict per case: UNSAFE when the upstream parsed a request nobody legitimately sent (/SMUGGLED or
# garbage), received a byte or header it must not (flags), a visitor or follow-up got a smuggled
# answer, a response head we wrote carries a bare CR, a must-pass case did not pass, or a deadline
# was not kept; else "safe" when our first status equals nginx's, "different-but-safe" otherwise.
#
# Environment (defaults): BASE_PORT=18180 CASES="" (substring filter on case names) KEEP=""
# Example: bench/hostile-http.sh            CASES=te- bench/hostile-http.sh
set -euo pipefail

BASE_PORT=${BASE_PORT:-18180}
JAVA_OPTS=${JAVA_OPTS:-"-Xms32m -Xmx256m -XX:+UseSerialGC -Xss512k"}
for tool in nginx python3 java mvn; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done
NGINX=$(command -v nginx)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/tako-hostile.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

UP_FOR_NGINX=$((BASE_PORT + 1))
UP_FOR_OURS=$((BASE_PORT + 2))
NGINX_PORT=$((BASE_PORT + 3))
OURS_PORT=$((BASE_PORT + 4))

wait_port() {
  for _ in $(seq 1 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2
  exit 1
}

echo "== building the proxy's test classpath"
(cd "$ROOT" && mvn -q -o -pl proxy-actors test-compile dependency:build-classpath \
  -Dmdep.outputFile="$WORK/cp.txt" -Dmdep.includeScope=test -Dspotless.check.skip=true)
CP="$ROOT/proxy-actors/target/test-classes:$ROOT/proxy-actors/target/classes:$(cat "$WORK/cp.txt")"

cat >"$WORK/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log info;
events { worker_connections 1024; }
http {
  access_log $WORK/nginx-access.log;
  client_body_temp_path $WORK; proxy_temp_path $WORK; fastcgi_temp_path $WORK;
  uwsgi_temp_path $WORK; scgi_temp_path $WORK;
  client_header_timeout 3s;
  upstream up { server 127.0.0.1:$UP_FOR_NGINX; keepalive 16; }
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Host \$host;
  proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
  proxy_set_header X-Forwarded-Proto \$scheme;
  server { listen 127.0.0.1:$NGINX_PORT default_server; location / { proxy_pass http://up; } }
  server {
    listen 127.0.0.1:$NGINX_PORT; server_name secure.test;
    location / { return 307 https://\$host\$request_uri; }
  }
}
EOF

python3 - "$UP_FOR_NGINX" "$UP_FOR_OURS" "$NGINX_PORT" "$OURS_PORT" "$WORK" <<'PYEOF' &
import os, socket, sys, threading
PIDFILE = None
# The upstream runs in its own process so the battery can start before the proxies; it logs one line
# per parsed request to WORK/upstream-<tag>.log: tag conn n method target flags body.
up_nginx, up_ours, _, _, work = sys.argv[1:6]

def serve(port, tag):
    ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", int(port))); ls.listen(64)
    log = open(f"{work}/upstream-{tag}.log", "a", buffering=1)
    n = 0
    while True:
        c, _ = ls.accept(); n += 1
        threading.Thread(target=conn, args=(c, tag, n, log), daemon=True).start()

class Reader:
    def __init__(self, c): self.c, self.buf = c, b""
    def fill(self):
        d = self.c.recv(65536)
        if not d: raise EOFError
        self.buf += d
    def line(self):
        while b"\n" not in self.buf: self.fill()
        i = self.buf.index(b"\n"); l, self.buf = self.buf[:i], self.buf[i + 1:]
        return l[:-1] if l.endswith(b"\r") else l
    def take(self, n):
        while len(self.buf) < n: self.fill()
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

def bad_bytes(raw):
    # Control bytes other than HTAB, a CR not before LF, DEL, NUL.
    for i, b in enumerate(raw):
        if b == 13 and raw[i + 1:i + 2] != b"\n": return True
        if (b < 32 and b not in (9, 10, 13)) or b == 127: return True
    return False

def conn(c, tag, cid, log):
    r = Reader(c); k = 0; switched = False
    try:
        while True:
            if switched:
                r.fill(); r.buf = b""
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nSWITCHEDPIPE!"); continue
            line = r.line()
            while line == b"": line = r.line()
            raw = line + b"\n"; headers = []
            while True:
                h = r.line(); raw += h + b"\n"
                if h == b"": break
                name, _, value = h.partition(b":")
                headers.append((name.strip().lower().replace(b"_", b"-"), value.strip()))
            parts = line.split()
            method = parts[0] if parts else b"?"
            target = parts[1] if len(parts) > 1 else b"?"
            names = [n for n, _ in headers]
            flags = []
            if bad_bytes(raw): flags.append("CTL")
            if names.count(b"host") > 1: flags.append("2HOST")
            if names.count(b"content-length") > 1: flags.append("2CL")
            if names.count(b"transfer-encoding") > 1: flags.append("2TE")
            if b"content-length" in names and b"transfer-encoding" in names: flags.append("CL+TE")
            if names.count(b"x-forwarded-for") > 1: flags.append("2XFF")
            aliases = {b"host", b"content-length", b"transfer-encoding", b"connection", b"x-forwarded-for",
                       b"x-forwarded-proto", b"x-forwarded-host", b"x-request-id", b"upgrade"}
            if any(b"_" in h.partition(b":")[0] and n in aliases
                   for h, (n, _) in zip(raw.split(b"\n")[1:], headers)):
                flags.append("_ALIAS")
            te = [v for n, v in headers if n == b"transfer-encoding"]
            if any(v.lower() != b"chunked" for v in te): flags.append("TE=" + b",".join(te).decode("latin1"))
            body = b""
            if any(b"chunked" in v.lower() for v in te):
                while True:
                    size = int(r.line().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while r.line() != b"": pass
                        break
                    body += r.take(size); r.line()
            else:
                cl = [v for n, v in headers if n == b"content-length"]
                if cl:
                    try: length = int(cl[0])
                    except ValueError: length = 0
                    body = r.take(max(length, 0))
            k += 1
            log.write(f"{tag} c{cid} #{k} {method.decode('latin1')!r} {target.decode('latin1')!r} "
                      f"{' '.join(flags) or '-'} body={body[:60]!r}\n")
            t = target.decode("latin1")
            if t.startswith("/__101"):
                c.sendall(b"HTTP/1.1 101 Switching Protocols\r\n\r\n"); switched = True; continue
            if t.startswith("/__ws"):
                c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
                switched = True; continue
            if t.startswith("/__clte"):
                fake = b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nCLTESMUGG"
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n"
                          + b"%x\r\n" % len(fake) + fake + b"\r\n0\r\n\r\n"); continue
            if t.startswith("/__earlyclose"):
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"); c.close(); return
            if t.startswith("/__headbody") or t.startswith("/__204") or t.startswith("/__304"):
                fake = b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nNOBODYSMG"
                status = b"204 No Content" if "204" in t else b"304 Not Modified" if "304" in t else b"200 OK"
                cl = b"Content-Length: %d\r\n" % len(fake) if status == b"200 OK" else b""
                c.sendall(b"HTTP/1.1 " + status + b"\r\n" + cl + b"\r\n" + fake); continue
            canned = {
                "/__100": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                "/__crhead": b"HTTP/1.1 200 OK\r\nX-A: a\rSet-Cookie: evil=1\r\nContent-Length: 2\r\n\r\nok",
                "/__nulhead": b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 2\r\n\r\nok",
                "/__2cl": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\nok"
                          b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nCLTESMUGG",
                "/__badcl": b"HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\nok",
                "/__tegzip": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nok",
                "/__badchunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nok\n0\n\n",
                "/__spcl": b"HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok",
                "/__http09": b"ok, no status line",
            }
            if t in canned:
                c.sendall(canned[t])
                if t in ("/__tegzip", "/__http09"):
                    c.close(); return  # framed by the close only
                continue
            msg = f"up={tag} c{cid} #{k} {method.decode('latin1')} {t} body={len(body)}".encode("latin1")
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(msg) + msg)
    except (EOFError, ConnectionError, ValueError, OSError) as e:
        if not isinstance(e, EOFError):
            log.write(f"{tag} c{cid} #{k + 1} parse-error {type(e).__name__}\n")
    finally:
        c.close()

threading.Thread(target=serve, args=(up_nginx, "nginx"), daemon=True).start()
serve(up_ours, "ours")
PYEOF
PIDS+=($!)

"$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
# shellcheck disable=SC2086
java $JAVA_OPTS -Dtako.proxy.header-timeout=3s -Dpekko.loglevel=WARNING \
  -cp "$CP" dev.tako.proxy.BenchProxy tcp "$OURS_PORT" "app.test=127.0.0.1:$UP_FOR_OURS" \
  "https:secure.test=127.0.0.1:$UP_FOR_OURS" >"$WORK/ours.log" 2>&1 &
PIDS+=($!)
for port in $UP_FOR_NGINX $UP_FOR_OURS $NGINX_PORT $OURS_PORT; do wait_port "$port"; done
echo "== work dir $WORK"

cat >"$WORK/cases.py" <<'PYEOF'
# The battery's client side: cases, runs against both proxies, verdicts (see hostile-http.sh).
import os, re, socket, ssl, sys, threading, time

NGINX_PORT, OURS_PORT, WORK = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
FILTER = sys.argv[4] if len(sys.argv) > 4 else ""
H = b"Host: app.test\r\n"
INNOCENT = b"GET /innocent HTTP/1.1\r\nHost: app.test\r\n\r\n"
VISITOR = b"GET /visitor HTTP/1.1\r\nHost: app.test\r\n\r\n"
SMUG = b"GET /SMUGGLED HTTP/1.1\r\nHost: app.test\r\n\r\n"
MARKERS = (b"/SMUGGLED", b"NOBODYSMG", b"SWITCHEDPIPE", b"CLTESMUGG")


def chunk(data):
    return b"%x\r\n" % len(data) + data + b"\r\n"


def post(headers, body=b"", method=b"POST", target=b"/", version=b"HTTP/1.1"):
    return method + b" " + target + b" " + version + b"\r\n" + headers + b"\r\n" + body


def get(headers=H, target=b"/", version=b"HTTP/1.1", method=b"GET"):
    return method + b" " + target + b" " + version + b"\r\n" + headers + b"\r\n"


def client_hello():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="app.test")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


CASES = []


def case(name, *segments, follow=True, must=None, head=False, deadline=None, answer_within=None,
         pipe=False):
    """segments: bytes to send, ("wait", s) pauses, ("drip", bytes, interval) one byte at a time.
    must: the status ours must answer (a request that has to pass). deadline: the proxy must close
    the connection within this many seconds. answer_within: a first answer must come this fast.
    pipe: the client asked for an upgrade, so what follows a 101 on its own connection is its own."""
    CASES.append(dict(name=name, segments=segments, follow=follow, must=must, head=head,
                      deadline=deadline, answer_within=answer_within, pipe=pipe))


SMUG_CHUNKED = chunk(SMUG) + b"0\r\n\r\n"
# Framing and hop-by-hop.
case("baseline-get", get(), must=200)
case("baseline-post-cl", post(H + b"Content-Length: 5\r\n", b"hello"), must=200)
case("baseline-post-chunked", post(H + b"Transfer-Encoding: chunked\r\n", chunk(b"hello") + b"0\r\n\r\n"), must=200)
case("conn-content-length", post(H + b"Connection: content-length\r\nContent-Length: %d\r\n" % len(SMUG), SMUG))
case("conn-transfer-encoding", post(H + b"Connection: transfer-encoding\r\nTransfer-Encoding: chunked\r\n", SMUG_CHUNKED))
case("conn-host", post(H + b"Connection: host\r\nContent-Length: 0\r\n"))
case("conn-close-cl", post(H + b"Connection: close, Content-Length\r\nContent-Length: %d\r\n" % len(SMUG), SMUG), follow=False)
case("te-xchunked", post(H + b"Transfer-Encoding: xchunked\r\nContent-Length: %d\r\n" % len(SMUG_CHUNKED), SMUG_CHUNKED))
case("te-xchunked-alone", post(H + b"Transfer-Encoding: xchunked\r\n", SMUG_CHUNKED))
case("te-space-colon", post(H + b"Transfer-Encoding : chunked\r\nContent-Length: %d\r\n" % len(SMUG_CHUNKED), SMUG_CHUNKED))
case("te-two-lines", post(H + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", SMUG_CHUNKED))
case("te-list-chunked-identity", post(H + b"Transfer-Encoding: chunked, identity\r\n", SMUG_CHUNKED))
case("te-list-identity-chunked", post(H + b"Transfer-Encoding: identity, chunked\r\n", SMUG_CHUNKED))
case("te-gzip-chunked", post(H + b"Transfer-Encoding: gzip, chunked\r\n", SMUG_CHUNKED))
case("te-vtab", post(H + b"Transfer-Encoding:\x0bchunked\r\nContent-Length: %d\r\n" % len(SMUG_CHUNKED), SMUG_CHUNKED))
case("te-uppercase", post(H + b"Transfer-Encoding: CHUNKED\r\n", chunk(b"hello") + b"0\r\n\r\n"), must=200)
case("te-underscore", post(H + b"Transfer_Encoding: chunked\r\nContent-Length: %d\r\n" % len(SMUG_CHUNKED), SMUG_CHUNKED))
case("te-http10", post(H + b"Transfer-Encoding: chunked\r\n", SMUG_CHUNKED, version=b"HTTP/1.0"))
case("cl-te", post(H + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", SMUG_CHUNKED))
case("te-cl", post(H + b"Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", SMUG_CHUNKED))
case("cl-space-colon", post(H + b"Content-Length : 5\r\n", b"hello"))
case("cl-differing", post(H + b"Content-Length: 0\r\nContent-Length: %d\r\n" % len(SMUG), SMUG))
case("cl-same-twice", post(H + b"Content-Length: 5\r\nContent-Length: 5\r\n", b"hello"))
case("cl-list", post(H + b"Content-Length: 5, 5\r\n", b"hello"))
case("cl-negative", post(H + b"Content-Length: -1\r\n", SMUG))
case("cl-plus", post(H + b"Content-Length: +%d\r\n" % len(SMUG), SMUG))
case("cl-huge", post(H + b"Content-Length: 99999999999999999999999\r\n", SMUG))
case("cl-hex", post(H + b"Content-Length: 0x%x\r\n" % len(SMUG), SMUG))
case("cl-leading-zeros", post(H + b"Content-Length: 005\r\n", b"hello"), must=200)
case("cl-underscore", post(H + b"Content_Length: 60\r\n"))
case("cl-get-body", post(H + b"Content-Length: %d\r\n" % len(SMUG), SMUG, method=b"GET"))
# Chunked bodies.
case("chunk-size-overflow", post(H + b"Transfer-Encoding: chunked\r\n", b"10000000000000005\r\nhello\r\n0\r\n\r\n" + SMUG))
case("chunk-size-0x", post(H + b"Transfer-Encoding: chunked\r\n", b"0x5\r\nhello\r\n0\r\n\r\n"))
case("chunk-size-space", post(H + b"Transfer-Encoding: chunked\r\n", b" 5\r\nhello\r\n0\r\n\r\n"))
case("chunk-ext-ok", post(H + b"Transfer-Encoding: chunked\r\n", b"5;a=b;c=\"d;e\"\r\nhello\r\n0\r\n\r\n"), must=200)
case("chunk-ext-quote-crlf", post(H + b"Transfer-Encoding: chunked\r\n", b"5;a=\"x\r\n0\r\n\r\n\"\r\nhello\r\n0\r\n\r\n"))
case("chunk-ext-ctl", post(H + b"Transfer-Encoding: chunked\r\n", b"5;a\x01b\r\nhello\r\n0\r\n\r\n"))
case("chunk-ext-bare-lf", post(H + b"Transfer-Encoding: chunked\r\n", b"5;a\nhello\r\n0\r\n\r\n"))
case("chunk-bare-lf", post(H + b"Transfer-Encoding: chunked\r\n", b"5\nhello\n0\n\n"))
case("chunk-data-no-crlf", post(H + b"Transfer-Encoding: chunked\r\n", b"5\r\nhelloXX0\r\n\r\n"))
case("chunk-trailer-request-line", post(H + b"Transfer-Encoding: chunked\r\n", b"0\r\n" + SMUG))
case("chunk-trailer-cl", post(H + b"Transfer-Encoding: chunked\r\n", b"0\r\nContent-Length: 5\r\n\r\n"))
case("chunk-trailer-ok", post(H + b"Transfer-Encoding: chunked\r\n", b"5\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\n"), must=200)
case("chunk-short-then-smuggle", post(H + b"Transfer-Encoding: chunked\r\n", b"5\r\nhi\r\n0\r\n\r\n" + SMUG))
# Header syntax.
case("host-two", get(H + b"Host: other.test\r\n"))
case("host-missing-11", get(b""))
case("host-missing-10", get(b"", version=b"HTTP/1.0"))
case("host-userinfo", get(b"Host: user@app.test\r\n"))
case("host-space-colon", get(b"Host : app.test\r\n"))
case("value-nul", get(H + b"X-A: a\x00b\r\n"))
case("value-bare-cr", get(H + b"X-A: a\rX-B: b\r\n"))
case("value-ctl", get(H + b"X-A: a\x01b\r\n"))
case("value-del", get(H + b"X-A: a\x7fb\r\n"))
case("value-obs-text", get(H + b"X-A: caf\xe9\r\n"), must=200)
case("name-space-before-colon", get(H + b"X-A : b\r\n"))
case("name-non-token", get(H + b"X A: b\r\n"))
case("name-at", get(H + b"X@A: b\r\n"))
case("name-empty", get(H + b": b\r\n"))
case("name-nul", get(H + b"X-\x00A: b\r\n"))
case("obs-fold", get(H + b"X-A: a\r\n b\r\n"))
case("obs-fold-te", post(H + b"X-A: a\r\n Transfer-Encoding: chunked\r\nContent-Length: %d\r\n" % len(SMUG_CHUNKED), SMUG_CHUNKED))
case("xff-underscore", get(H + b"X_Forwarded_For: 6.6.6.6\r\n"))
case("xff-bare-cr", get(H + b"X-Forwarded-For: 1.2.3.4\rX-Evil: 1\r\n"))
case("lf-only-head", b"GET / HTTP/1.1\nHost: app.test\n\n", must=200)
case("leading-crlf", b"\r\n\r\n" + get(), must=200)
case("host-case-port", get(b"Host: APP.TEST:%d\r\n" % OURS_PORT), must=200)
case("host-trailing-dot", get(b"Host: app.test.\r\n"))
case("absolute-userinfo", get(target=b"http://user@app.test/"))
case("request-line-cr-cr", b"GET / HTTP/1.1\r\r\n" + H + b"\r\n")
case("request-line-two-spaces", b"GET  / HTTP/1.1\r\n" + H + b"\r\n")
case("chunk-leading-zeros", post(H + b"Transfer-Encoding: chunked\r\n", b"0005\r\nhello\r\n0\r\n\r\n"), must=200)
case("chunk-last-no-crlf-close", post(H + b"Transfer-Encoding: chunked\r\n", b"5\r\nhello\r\n0\r\n"), follow=False)
case("te-chunked-trailing-comma", post(H + b"Transfer-Encoding: chunked,\r\n", SMUG_CHUNKED))
case("te-empty", post(H + b"Transfer-Encoding:\r\nContent-Length: %d\r\n" % len(SMUG), SMUG))
case("te-quoted", post(H + b'Transfer-Encoding: "chunked"\r\n', SMUG_CHUNKED))
case("x-request-id-injection", get(H + b"X-Request-ID: a\rSet-Cookie: x\r\n"))
case("upgrade-h2c-smuggle", get(H + b"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n"))
# Request line.
case("method-non-token", get(method=b"G(T"))
case("method-ctl", get(method=b"GE\x01T"))
case("method-lowercase", get(method=b"get"))
case("method-unknown-token", get(method=b"FOO"), must=200)
case("target-nul", get(target=b"/a\x00b"))
case("target-bare-cr", get(target=b"/a\rb"))
case("target-ctl", get(target=b"/a\x01b"))
case("target-space", b"GET /a b HTTP/1.1\r\n" + H + b"\r\n")
case("target-tab", b"GET\t/\tHTTP/1.1\r\n" + H + b"\r\n")
case("version-1x", get(version=b"HTTP/1.x"))
case("version-2", get(version=b"HTTP/2.0"))
case("version-1-10", get(version=b"HTTP/1.10"))
case("version-lowercase", get(version=b"http/1.1"))
case("version-0.9", b"GET /\r\n\r\n")
case("absolute-other-host", get(target=b"http://other.test/SMUGGLED"))
case("absolute-same-host", get(target=b"http://app.test/abs"), must=200)
case("redirect-cr-path", b"GET /a\rb HTTP/1.1\r\nHost: secure.test\r\n\r\n")
case("redirect-encoded-crlf", b"GET /a%0d%0aSet-Cookie:x HTTP/1.1\r\nHost: secure.test\r\n\r\n")
case("redirect-obs-text", b"GET /caf\xe9 HTTP/1.1\r\nHost: secure.test\r\n\r\n")
# Limits.
case("cookie-8k", get(H + b"Cookie: a=" + b"x" * 8000 + b"\r\n"), must=200)
case("cookie-16k-two-lines", get(H + b"Cookie: a=" + b"x" * 8000 + b"\r\nCookie: b=" + b"y" * 8000 + b"\r\n"), must=200)
case("headers-120-lines", get(H + b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 100) for i in range(120))), must=200)
case("headers-300-lines", get(H + b"".join(b"X-H%d: v\r\n" % i for i in range(300))), must=200)
case("request-line-8k", get(target=b"/" + b"a" * 8300))
case("header-line-9k", get(H + b"X-A: " + b"a" * 9000 + b"\r\n"))
case("head-40k", get(H + b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 4000) for i in range(10))))
# Deadlines and other protocols.
case("slow-loris", ("drip", get(H + b"X-A: " + b"a" * 60 + b"\r\n"), 0.25), follow=False, deadline=9)
case("tls-clienthello", client_hello(), follow=False, answer_within=3)
case("idle-partial-head", b"GET / HTTP/1.1\r\nHost: app.test\r\n", follow=False, deadline=9)
# Upstream misbehaving.
case("upstream-101-unasked", get(target=b"/__101"))
case("upstream-101-asked", get(H + b"Connection: Upgrade\r\nUpgrade: websocket\r\n", target=b"/__ws"), follow=False)
case("upstream-101-other-upgrade", get(H + b"Connection: Upgrade\r\nUpgrade: h2c\r\n", target=b"/__101"), pipe=True)
case("upstream-101-upgrade-no-connection", get(H + b"Upgrade: websocket\r\n", target=b"/__101"))
case("upstream-101-http10", get(H + b"Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n", target=b"/__101", version=b"HTTP/1.0"))
case("upstream-100-then-200", get(target=b"/__100"))
case("upstream-bare-cr-header", get(target=b"/__crhead"))
case("upstream-nul-header", get(target=b"/__nulhead"))
case("upstream-two-cl", get(target=b"/__2cl"))
case("upstream-bad-cl", get(target=b"/__badcl"))
case("upstream-te-gzip", get(target=b"/__tegzip"))
case("upstream-bad-chunks", get(target=b"/__badchunk"))
case("upstream-space-colon-cl", get(target=b"/__spcl"))
case("upstream-http09", get(target=b"/__http09"))
case("upstream-cl-te", get(target=b"/__clte"))
case("upstream-early-close", get(target=b"/__earlyclose"))
case("upstream-head-body", get(target=b"/__headbody", method=b"HEAD"), head=True)
case("upstream-204-body", get(target=b"/__204"))
case("upstream-304-body", get(target=b"/__304"))
# Connection use.
case("pipelined-3", get(target=b"/p1") + get(target=b"/p2") + post(H + b"Content-Length: 5\r\n", b"hello", target=b"/p3"), must=200)
case("expect-100", post(H + b"Expect: 100-continue\r\nContent-Length: 5\r\n"), ("wait", 1.0), b"hello", must=200)
case("http10-keepalive-body", post(H + b"Connection: keep-alive\r\nContent-Length: 5\r\n", b"hello", version=b"HTTP/1.0"), must=200)


# --- running ------------------------------------------------------------------------------------

def read_until(s, idle, total):
    data, closed, t_end = b"", False, time.time() + total
    s.settimeout(idle)
    while time.time() < t_end:
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        except OSError:
            closed = True
            break
        if not d:
            closed = True
            break
        data += d
    return data, closed


def parse_responses(data, head_first=False):
    statuses, notes, i, first = [], [], 0, True
    while i < len(data):
        m = re.match(rb"HTTP/1\.[01] (\d{3})[^\r\n]*\r\n", data[i:])
        if not m:
            notes.append("garbage")
            break
        j = data.find(b"\r\n\r\n", i)
        if j < 0:
            notes.append("truncated-head")
            break
        head = data[i:j].lower()
        status = int(m.group(1))
        statuses.append(status)
        if re.search(rb"\r(?!\n)", data[i:j + 2]):
            notes.append("BARE-CR-IN-HEAD")
        i = j + 4
        was_head, first = head_first and first and status >= 200, first and status < 200 and first
        if status == 101:
            break
        if 100 <= status < 200 or status in (204, 304) or was_head:
            continue
        cl = re.search(rb"\r\ncontent-length: *(\d+)", head)
        if b"\r\ntransfer-encoding: chunked" in head:
            body = b""
            while True:
                e = data.find(b"\r\n", i)
                if e < 0:
                    notes.append("truncated-chunk")
                    i = len(data)
                    break
                size = int(data[i:e].split(b";")[0], 16)
                body += data[e + 2:e + 2 + size]
                i = e + 2 + size + 2
                if size == 0:
                    break
        elif cl:
            body = data[i:i + int(cl.group(1))]
            if len(body) < int(cl.group(1)):
                notes.append("truncated-body")
            i += int(cl.group(1))
        else:
            body, i = data[i:], len(data)
        if b"HTTP/1." in body:
            notes.append("DESYNC")
    return statuses, notes


def run_side(port, c, out):
    t0 = time.time()
    data, closed, first_at = b"", False, None
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        for seg in c["segments"]:
            if isinstance(seg, tuple) and seg[0] == "wait":
                d, closed = read_until(s, seg[1], seg[1])
                data += d
            elif isinstance(seg, tuple) and seg[0] == "drip":
                for k in range(len(seg[1])):
                    try:
                        s.sendall(seg[1][k:k + 1])
                    except OSError:
                        closed = True
                        break
                    d, closed = read_until(s, seg[2], seg[2])
                    data += d
                    if closed or time.time() - t0 > c["deadline"] + 1:
                        break
            else:
                s.sendall(seg)
            if closed:
                break
        if not closed and c["answer_within"]:
            d, closed = read_until(s, c["answer_within"], c["answer_within"])
            data += d
            first_at = time.time() - t0 if d or closed else None
        if not closed and c["follow"]:
            d, closed = read_until(s, 0.3, 0.3)
            data += d
            if not closed:
                try:
                    s.sendall(INNOCENT)
                except OSError:
                    closed = True
        if not closed:
            wait = (c["deadline"] + 1 - (time.time() - t0)) if c["deadline"] else 2.0
            d, closed = read_until(s, max(wait, 0.1) if c["deadline"] else 1.5, max(wait, 0.1))
            data += d
        s.close()
    except OSError as e:
        out["error"] = str(e)
    out["elapsed"] = time.time() - t0
    out["closed"] = closed
    out["first_at"] = first_at
    out["data"] = data
    out["statuses"], out["notes"] = parse_responses(data, c["head"])
    try:
        v = socket.create_connection(("127.0.0.1", port), timeout=5)
        v.sendall(VISITOR)
        vd, _ = read_until(v, 2.0, 4.0)
        v.close()
    except OSError as e:
        vd = b"error " + str(e).encode()
    out["visitor"] = vd


def log_size(tag):
    try:
        return os.path.getsize(f"{WORK}/upstream-{tag}.log")
    except OSError:
        return 0


def log_since(tag, pos):
    try:
        with open(f"{WORK}/upstream-{tag}.log", "rb") as f:
            f.seek(pos)
            return [l.decode("latin1") for l in f.read().splitlines()]
    except OSError:
        return []


KNOWN = {"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "FOO"}


def judge(c, r, lines):
    why = []
    for l in lines:
        m = re.match(r"\S+ c\d+ #\d+ '(.*?)' '(.*?)' (.*?) body=", l)
        if not m:
            continue  # parse-error lines: the upstream gave up on garbage it received
        method, target, flags = m.groups()
        if "/SMUGGLED" in target:
            why.append("upstream parsed /SMUGGLED")
        elif method not in KNOWN or not (target.startswith("/") or target.startswith("http")):
            why.append(f"upstream parsed garbage {method[:12]!r}")
        if flags != "-":
            why.append("upstream got " + flags)
    for where, data in (("answers", r["data"]), ("visitor", r["visitor"])):
        for mk in MARKERS:
            if mk in data and not (c["pipe"] and where == "answers" and mk == b"SWITCHEDPIPE"):
                why.append(f"{mk.decode()} in {where}")
    vs, vn = parse_responses(r["visitor"])
    if vs[:1] != [200] or b"/visitor" not in r["visitor"]:
        why.append("visitor got " + (str(vs[:1]) if vs else repr(r["visitor"][:30])))
    for n in r["notes"] + vn:
        if n.isupper():
            why.append(n.lower())
    if c["follow"] and not r["closed"] and not [x for x in r["statuses"] if x >= 200]:
        why.append("no answer on a connection left open (a request swallowed?)")
    if c["must"] and [x for x in r["statuses"] if x >= 200][:1] != [c["must"]]:
        why.append(f"must pass with {c['must']}")
    if c["deadline"] and not r["closed"]:
        why.append(f"open after {r['elapsed']:.0f}s")
    if c["answer_within"] and r["first_at"] is None:
        why.append("no answer in time")
    return sorted(set(why))


def show(r):
    st = ",".join(map(str, r["statuses"])) or "-"
    return st + (" x" if r["closed"] else "")


def main():
    rows, counts = [], {"safe": 0, "different-but-safe": 0, "UNSAFE": 0}
    selected = [c for c in CASES if FILTER in c["name"]]
    print(f"{len(selected)} cases; answers: statuses on the attack connection ('x' = closed by the proxy)")
    print(f"{'case':30} {'nginx':10} {'ours':10} {'upstream via nginx':34} {'upstream via ours':34} verdict")
    for c in selected:
        pos = {t: log_size(t) for t in ("nginx", "ours")}
        res = {"nginx": {}, "ours": {}}
        ts = [threading.Thread(target=run_side, args=(p, c, res[t]))
              for t, p in (("nginx", NGINX_PORT), ("ours", OURS_PORT))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        time.sleep(0.2)
        lines = {t: log_since(t, pos[t]) for t in ("nginx", "ours")}
        why_n = judge(c, res["nginx"], lines["nginx"])
        why_o = judge(c, res["ours"], lines["ours"])
        if why_o:
            verdict = "UNSAFE: " + "; ".join(why_o)
            counts["UNSAFE"] += 1
        elif res["nginx"]["statuses"][:1] == res["ours"]["statuses"][:1]:
            verdict = "safe"
            counts["safe"] += 1
        else:
            verdict = "different-but-safe"
            counts["different-but-safe"] += 1
        if why_n:
            verdict += "  (nginx: " + "; ".join(why_n) + ")"

        def up(ls):
            s = " | ".join(re.sub(r"^\S+ (c\d+) #\d+ ", r"\1 ", l)[:60] for l in ls if "/visitor" not in l)
            return s[:34] if len(s) <= 34 else s[:31] + "..."
        print(f"{c['name']:30} {show(res['nginx']):10} {show(res['ours']):10} {up(lines['nginx']):34} "
              f"{up(lines['ours']):34} {verdict}", flush=True)
        with open(f"{WORK}/detail.log", "a") as f:
            f.write(f"== {c['name']}\n")
            for t in ("nginx", "ours"):
                f.write(f"-- {t}: {res[t].get('error', '')} answers {res[t]['data'][:400]!r}\n")
                f.write(f"   visitor {res[t]['visitor'][:200]!r}\n")
                for l in lines[t]:
                    f.write(f"   {l}\n")
    print()
    print("summary: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + f" (details: {WORK}/detail.log)")
    return 1 if counts["UNSAFE"] else 0


sys.exit(main())
PYEOF
python3 "$WORK/cases.py" "$NGINX_PORT" "$OURS_PORT" "$WORK" "${CASES:-}"
