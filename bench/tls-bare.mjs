// The TLS benchmark's baseline: a bare node:https server with the device's key and certificate,
// started with httpd's V8 flags, that answers every request with an empty 204:
//   node [flags] bench/tls-bare.mjs <config.json>      config: { key, cert }
// Prints `{"port":N}` when listening.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const server = createServer({ key: cfg.key, cert: cfg.cert, minVersion: 'TLSv1.2' }, (_req, res) => {
  res.writeHead(204);
  res.end();
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
