// A small recording proxy in front of the emulator. Every request is forwarded as it came (only `host` is set to
// the emulator's) and recorded under the current label `{side, op}`; the emulator's origin in answers (bodies and
// `Location`) is rewritten to the proxy's, so the hosted pages a `fullUrl` points at go through the proxy too.
// `POST /__wire/label {"side", "op"}` sets the label (not forwarded). Records stay in memory: nothing is logged.
import http from "node:http";

export async function startProxy(upstream) {
  const target = new URL(upstream);
  const records = [];
  let label = { side: "setup", op: "setup" };
  let own = "";

  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    if (req.url === "/__wire/label" && req.method === "POST") {
      label = JSON.parse(body.toString("utf8"));
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
      return;
    }
    const url = new URL(req.url, own);
    records.push({
      side: label.side,
      op: label.op,
      method: req.method,
      path: url.pathname,
      query: [...url.searchParams.keys()],
      headers: {
        authorization: req.headers.authorization,
        "wix-site-id": req.headers["wix-site-id"],
        "wix-account-id": req.headers["wix-account-id"],
        "content-type": req.headers["content-type"],
      },
      body: body.toString("utf8"),
    });
    const headers = { ...req.headers, host: target.host };
    delete headers.connection;
    const upstreamReq = http.request(
      { hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers },
      async (upstreamRes) => {
        const parts = [];
        for await (const chunk of upstreamRes) parts.push(chunk);
        let answer = Buffer.concat(parts);
        const out = { ...upstreamRes.headers };
        const type = String(out["content-type"] ?? "");
        if (/json|html|text/.test(type)) {
          answer = Buffer.from(answer.toString("utf8").replaceAll(target.origin, own), "utf8");
        }
        if (out.location) out.location = out.location.replaceAll(target.origin, own);
        delete out["content-length"];
        delete out["transfer-encoding"];
        out["content-length"] = String(answer.length);
        res.writeHead(upstreamRes.statusCode, out).end(answer);
      },
    );
    upstreamReq.on("error", (e) => res.writeHead(502).end(String(e.message)));
    upstreamReq.end(body);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  own = `http://127.0.0.1:${server.address().port}`;
  return {
    url: own,
    records,
    setLabel(side, op) {
      label = { side, op };
    },
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}
