import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttp, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOnlyWhileConnected, connectionCheckRunning } from '../src/http/connection-checks.js';
import { rawExchange } from '../src/testing.js';

const opts = { headersTimeout: 600, requestTimeout: 0, connectionsCheckingInterval: 100 };

/** Sends half a request head and resolves with what the server answered once it closed. */
const stalledHead = (port: number) => rawExchange(port, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');

async function listening(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

const waitFor = async (cond: () => boolean) => {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  return cond();
};

t.test("Node's headers timeout is checked while there are connections, and no timer runs without", async (t) => {
  const server = createHttp(opts, (_req, res) => res.end('ok'));
  checkOnlyWhileConnected(server);
  const port = await listening(server);
  t.teardown(() => void server.close());
  t.notOk(connectionCheckRunning(server), 'listening, no connection: no timer');
  for (const round of [1, 2]) {
    const answer = stalledHead(port);
    t.ok(await waitFor(() => connectionCheckRunning(server)), `round ${round}: a connection starts the check`);
    t.equal(await answer, 'HTTP/1.1 408 Request Timeout', `round ${round}: Node's own check still answers the slow head`);
    t.ok(await waitFor(() => !connectionCheckRunning(server)), `round ${round}: the last connection closed, the timer stopped`);
  }
  // two at once: closing one leaves the check running for the other
  const a = connect({ host: '127.0.0.1', port });
  const b = connect({ host: '127.0.0.1', port });
  await Promise.all([a, b].map((s) => new Promise((r) => s.once('connect', r))));
  t.ok(await waitFor(() => connectionCheckRunning(server)));
  a.destroy();
  await new Promise((r) => setTimeout(r, 50));
  t.ok(connectionCheckRunning(server), 'one connection left: still checking');
  b.destroy();
  t.ok(await waitFor(() => !connectionCheckRunning(server)));
});

t.test('the same on an https server (its connections are TCP sockets under TLS)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'conn-checks-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
  const server = createHttps({ ...opts, key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) });
  checkOnlyWhileConnected(server as unknown as Server);
  const port = await listening(server as unknown as Server);
  t.teardown(() => void server.close());
  t.notOk(connectionCheckRunning(server as unknown as Server), 'idle: no timer');
  const sock = connect({ host: '127.0.0.1', port });
  await new Promise((r) => sock.once('connect', r));
  t.ok(await waitFor(() => connectionCheckRunning(server as unknown as Server)), 'connected: checking');
  sock.destroy();
  t.ok(await waitFor(() => !connectionCheckRunning(server as unknown as Server)), 'closed: stopped');
});

t.test('without the helper Node runs its timer from listen to close (what the helper is for)', async (t) => {
  const server = createHttp(opts);
  await listening(server);
  t.ok(connectionCheckRunning(server), "Node's timer runs with no connection at all");
  await new Promise<void>((r) => server.close(() => r()));
  t.notOk(connectionCheckRunning(server), 'close() stops it');
});
