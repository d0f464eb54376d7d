// A chat backend that never holds a visitor's connection: the node's proxy serves
// /_tako/channels/NAME itself (server-sent events or WebSocket) and asks this app only whether a
// visitor may enter a channel that is not public.
const http = require("http");

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://app");
  if (url.pathname === "/healthz") {
    res.end("ok");
    return;
  }
  // GET /auth/channel?channel=NAME&op=subscribe|publish: 2xx lets the visitor in.
  if (url.pathname === "/auth/channel") {
    const member = /(^|;\s*)member=1(;|$)/.test(req.headers.cookie || "");
    const op = url.searchParams.get("op");
    const allowed = op === "subscribe" ? member : member && req.headers.authorization === "Bearer writer";
    res.statusCode = allowed ? 204 : 403;
    res.end();
    return;
  }
  // POST /say/NAME: publish the body on channel NAME through the node.
  if (req.method === "POST" && url.pathname.startsWith("/say/")) {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const name = url.pathname.slice("/say/".length);
    try {
      const answer = await fetch(`${process.env.TAKO_CHANNELS_URL}/${name}`, {
        method: "POST",
        headers: { authorization: `Bearer ${process.env.TAKO_CHANNELS_TOKEN}` },
        body: Buffer.concat(chunks),
      });
      res.statusCode = answer.status;
      const retry = answer.headers.get("retry-after");
      if (retry) res.setHeader("retry-after", retry);
      res.setHeader("content-type", "application/json");
      res.end(await answer.text());
    } catch (e) {
      res.statusCode = 502;
      res.end(JSON.stringify({ error: String(e) }));
    }
    return;
  }
  res.setHeader("content-type", "text/plain");
  res.end(`chat on ${process.env.TAKO_SERVER}\n`);
});

server.listen(+process.env.PORT, process.env.HOST);
