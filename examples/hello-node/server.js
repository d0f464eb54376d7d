// A tiny app with no dependencies: the runtime contract of tako (PORT, HOST, TAKO_*) is all it needs.
const http = require('http');

const port = Number(process.env.PORT || 3000);
const host = process.env.HOST || '127.0.0.1';
const region = process.env.TAKO_REGION || 'local';
const greeting = process.env.GREETING || 'Hello';

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok\n');
    return;
  }
  if (req.url === '/api/info') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({
      app: process.env.TAKO_APP,
      env: process.env.TAKO_ENV,
      release: process.env.TAKO_RELEASE,
      server: process.env.TAKO_SERVER,
      region,
      instance: process.env.TAKO_INSTANCE,
      pid: process.pid,
    }) + '\n');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html>
<html><head><title>hello from ${region}</title><link rel="stylesheet" href="/style.css"></head>
<body>
<h1>${greeting} from ${region}</h1>
<p>app <b>${process.env.TAKO_APP}</b>, release <code>${process.env.TAKO_RELEASE}</code>,
server <b>${process.env.TAKO_SERVER}</b>, instance <code>${process.env.TAKO_INSTANCE}</code></p>
</body></html>
`);
});

server.listen(port, host, () => {
  console.log(`hello listening on ${host}:${port} in ${region}`);
});

process.on('SIGTERM', () => {
  console.log('SIGTERM: closing');
  server.close(() => process.exit(0));
});
