// The baseline of the httpd benchmark: a bare node:https server that answers with bytes recorded from
// the device (status, headers, body), in its own process:
//   node [httpd's V8 flags] bench/http-bare.mjs <config.json>
// config: { key, cert, answers: { "<METHOD> <path>": { challenge, ok } } }, each { status, headers, body (base64) }.
// A request without Authorization gets the recorded 401 challenge (so the client makes the same one
// round trip per connection as with the device); with any Authorization, the recorded answer — the
// credentials are not checked. It reads each request body before answering, as httpd does.
// Prints `{"port":N}` when listening.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const decode = (a) => ({ status: a.status, headers: { ...a.headers, 'content-length': String(Buffer.from(a.body, 'base64').length) }, body: Buffer.from(a.body, 'base64') });
const answers = new Map(Object.entries(cfg.answers).map(([k, a]) => [k, { challenge: decode(a.challenge), ok: decode(a.ok) }]));

const server = createServer({ key: cfg.key, cert: cfg.cert, minVersion: 'TLSv1.2', keepAliveTimeout: 15_000 }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const both = answers.get(`${req.method} ${req.url}`);
    if (!both) {
      res.writeHead(404, { 'content-length': '0' });
      return res.end();
    }
    const a = req.headers.authorization === undefined ? both.challenge : both.ok;
    res.writeHead(a.status, a.headers);
    res.end(a.body);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
