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
