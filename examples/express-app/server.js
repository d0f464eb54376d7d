// An Express app: tako runs `npm ci --omit=dev` on each server (node_modules is never packed)
// and starts it with package.json's scripts.start.
const express = require('express');

const app = express();
const port = Number(process.env.PORT || 3000);
const host = process.env.HOST || '127.0.0.1';

app.get('/healthz', (req, res) => res.type('text/plain').send('ok\n'));

app.get('/', (req, res) => {
  res.json({
    message: `${process.env.GREETING || 'Hello'} from express`,
    release: process.env.TAKO_RELEASE,
    server: process.env.TAKO_SERVER,
    region: process.env.TAKO_REGION,
    pid: process.pid,
  });
});

app.listen(port, host, () => console.log(`express listening on ${host}:${port}`));
