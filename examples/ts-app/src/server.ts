// A TypeScript app with a build script: `tako deploy` runs `npm ci` and `npm run build` (tsc) in a
// copy of the project and packs dist/ (see tako.toml's [build].include); the servers run
// dist/server.js with plain node and install nothing (no production dependencies).
import { createServer, IncomingMessage, ServerResponse } from "node:http";

interface Greeting {
  message: string;
  release?: string;
  server?: string;
  region?: string;
  pid: number;
}

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";

function greeting(): Greeting {
  return {
    message: `${process.env.GREETING ?? "Hello"} from TypeScript`,
    release: process.env.TAKO_RELEASE,
    server: process.env.TAKO_SERVER,
    region: process.env.TAKO_REGION,
    pid: process.pid,
  };
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === "/healthz") {
    res.writeHead(200, { "Content-Type": "text/plain" }).end("ok\n");
    return;
  }
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(JSON.stringify(greeting()) + "\n");
}

createServer(handle).listen(port, host, () => {
  console.log(`ts-app listening on ${host}:${port}`);
});
