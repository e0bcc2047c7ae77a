import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo, Server } from 'node:net';

/** A self-signed certificate for 127.0.0.1 / localhost (openssl), for TLS servers in tests. */
export function selfSigned(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'eventd-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'k.pem'), 'utf8'), cert: readFileSync(join(dir, 'c.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function listen(server: Server, t: { teardown(fn: () => Promise<void> | void): void }): Promise<number> {
  const open = new Set<import('node:net').Socket>();
  server.on('connection', (s: import('node:net').Socket) => (open.add(s), s.on('close', () => open.delete(s))));
  server.on('secureConnection', (s: import('node:net').Socket) => (open.add(s), s.on('close', () => open.delete(s))));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => (server.listening ? server.close(() => r()) : r(), open.forEach((s) => s.destroy()))));
  return (server.address() as AddressInfo).port;
}

/** A short limit set for tests of the timeouts (the production ones are seconds). */
export const FAST = { connectMs: 300, totalMs: 600, responseBytes: 1024 };

/**
 * A port whose listener never accepts and whose accept queue is full, so that a connect hangs (SYNs
 * dropped) — the only way to meet a connect limit on loopback. The listener lives in a worker
 * blocked for good; three connections fill its queue (backlog 1).
 */
export async function unacceptingPort(t: { teardown(fn: () => Promise<void> | void): void }): Promise<number> {
  const { Worker } = await import('node:worker_threads');
  const net = await import('node:net');
  const w = new Worker(
    `const net = require('node:net');
     const { parentPort } = require('node:worker_threads');
     const s = net.createServer();
     s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
       parentPort.postMessage(s.address().port);
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
     });`,
    { eval: true },
  );
  const port = await new Promise<number>((resolve) => w.once('message', resolve));
  const fill = Array.from({ length: 3 }, () => net.connect(port, '127.0.0.1').on('error', () => undefined));
  await Promise.all(fill.map((s) => new Promise((r) => (s.once('connect', r), setTimeout(r, 200)))));
  t.teardown(async () => {
    fill.forEach((s) => s.destroy());
    await w.terminate();
  });
  return port;
}
