import t from 'tap';
import { createServer, connect as netConnect } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { Connection } from '../src/connection.js';
import { defaultClient, type ClientConfig } from '../src/config.js';
import { makeCerts, startBroker } from './broker.js';
import { subscriber, until } from './helpers.js';
import { readFileSync, rmSync } from 'node:fs';
import { createServer as createTlsServer } from 'node:tls';

const certs = makeCerts();
t.teardown(() => rmSync(certs.dir, { recursive: true, force: true }));

function config(over: Omit<Partial<ClientConfig>, 'server'> & { server: Partial<ClientConfig['server']> }): ClientConfig {
  const d = defaultClient('02BE1F000001');
  return { ...d, ...over, connectTimeout: 5, server: { ...d.server, host: '127.0.0.1', ...over.server }, ssl: { ...d.ssl, ...over.ssl } };
}

/** Connects and says how the first attempt ended: 'connected' or the error text. */
async function attempt(cfg: ClientConfig): Promise<{ outcome: string; conn: Connection }> {
  let outcome = '';
  const conn = new Connection(cfg, { connected: () => (outcome ||= 'connected'), disconnected: (r) => (outcome ||= r), message: () => undefined }, { baseMs: 60_000, capMs: 60_000 });
  await until('an outcome', () => outcome);
  return { outcome, conn };
}

t.test('TCP, TLS with the test CA, wrong CA, wrong host name, no validation, client certificate, WS and WSS with a base path', async (t) => {
  const broker = await startBroker({ certs });
  t.teardown(() => broker.stop());
  const p = broker.ports;
  const cases: [string, ClientConfig, RegExp | 'connected'][] = [
    ['tcp', config({ server: { protocol: 'tcp', port: p.tcp } }), 'connected'],
    ['tcp, MQTT 5', config({ server: { protocol: 'tcp', port: p.tcp }, mqttVersion: '5' }), 'connected'],
    ['ssl with the CA', config({ server: { protocol: 'ssl', port: p.tls }, ssl: { ...defaultClient('x').ssl, caCert: certs.ca } }), 'connected'],
    ['ssl by host name (SNI, localhost in the SAN)', config({ server: { host: 'localhost', protocol: 'ssl', port: p.tls }, ssl: { ...defaultClient('x').ssl, caCert: certs.ca } }), 'connected'],
    ['ssl with another CA', config({ server: { protocol: 'ssl', port: p.tls }, ssl: { ...defaultClient('x').ssl, caCert: certs.otherCa } }), /certificate|self.signed|issuer/i],
    ['ssl with no CA (system store)', config({ server: { protocol: 'ssl', port: p.tls } }), /certificate|self.signed|issuer/i],
    ['ssl without validation', config({ server: { protocol: 'ssl', port: p.tls }, ssl: { ...defaultClient('x').ssl, validateServerCert: false } }), 'connected'],
    ['ws with a base path', config({ server: { protocol: 'ws', port: p.ws, basepath: 'mqtt' } }), 'connected'],
    ['wss with the CA', config({ server: { protocol: 'wss', port: p.wss, basepath: '/mqtt' }, ssl: { ...defaultClient('x').ssl, caCert: certs.ca } }), 'connected'],
    ['wss with another CA', config({ server: { protocol: 'wss', port: p.wss }, ssl: { ...defaultClient('x').ssl, caCert: certs.otherCa } }), /certificate|self.signed|issuer/i],
  ];
  for (const [what, cfg, want] of cases) {
    const { outcome, conn } = await attempt(cfg);
    if (want === 'connected') t.equal(outcome, 'connected', what);
    else t.match(outcome, want, `${what}: ${outcome}`);
    await conn.close(200);
  }
});

t.test('ALPN: the configured protocol name is offered in the TLS handshake', async (t) => {
  const offered: (string | false)[] = [];
  const server = createTlsServer({ key: readFileSync(certs.serverKey), cert: readFileSync(certs.serverCert), ALPNProtocols: ['x-amzn-mqtt-ca'] }, (s) => {
    offered.push(s.alpnProtocol ?? false);
    s.destroy();
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => server.close());
  const port = (server.address() as import('node:net').AddressInfo).port;
  const conn = new Connection(config({ server: { protocol: 'ssl', port, alpnProtocol: 'x-amzn-mqtt-ca' }, ssl: { ...defaultClient('x').ssl, caCert: certs.ca } }), { connected: () => undefined, disconnected: () => undefined, message: () => undefined }, { baseMs: 60_000, capMs: 60_000 });
  await until('a handshake', () => offered.length > 0);
  t.same(offered, ['x-amzn-mqtt-ca']);
  await conn.close(100);
});

t.test('TLS: a certificate for another host name is refused', async (t) => {
  const broker = await startBroker({ certs, wrongHost: true });
  t.teardown(() => broker.stop());
  const { outcome, conn } = await attempt(config({ server: { protocol: 'ssl', port: broker.ports.tls }, ssl: { ...defaultClient('x').ssl, caCert: certs.ca } }));
  t.match(outcome, /altnames|host|IP/i, outcome);
  await conn.close(200);
});

t.test('client-certificate authentication', async (t) => {
  const broker = await startBroker({ certs, requireClientCert: true });
  t.teardown(() => broker.stop());
  const base = { server: { protocol: 'ssl' as const, port: broker.ports.tls } };
  const without = await attempt(config({ ...base, ssl: { ...defaultClient('x').ssl, caCert: certs.ca } }));
  t.not(without.outcome, 'connected', `without a client certificate: ${without.outcome}`);
  await without.conn.close(200);
  const withCert = await attempt(config({ ...base, ssl: { ...defaultClient('x').ssl, caCert: certs.ca, clientCert: certs.clientCert, clientKey: certs.clientKey } }));
  t.equal(withCert.outcome, 'connected', 'with the client certificate');
  await withCert.conn.close(200);
});

t.test('credentials: wrong ones are refused, and the password is never in the error', async (t) => {
  const broker = await startBroker({ users: { belfry: 'right-pw' } });
  t.teardown(() => broker.stop());
  const wrong = await attempt(config({ server: { protocol: 'tcp', port: broker.ports.tcp }, username: 'belfry', password: 'wrong-pw-123' }));
  t.match(wrong.outcome, /not authorized|bad user name or password/i, wrong.outcome);
  t.notOk(wrong.outcome.includes('wrong-pw-123'));
  await wrong.conn.close(200);
  const right = await attempt(config({ server: { protocol: 'tcp', port: broker.ports.tcp }, username: 'belfry', password: 'right-pw' }));
  t.equal(right.outcome, 'connected');
  await right.conn.close(200);
});

t.test('last will: a default one when the connection dies, a custom one', async (t) => {
  const broker = await startBroker();
  t.teardown(() => broker.stop());
  const sub = await subscriber(broker.ports.tcp, '#');
  t.teardown(() => sub.close());
  const kill = async (cfg: ClientConfig) => {
    const { outcome, conn } = await attempt(cfg);
    t.equal(outcome, 'connected');
    conn.client.options.reconnectPeriod = 0;
    conn.client.stream.destroy();
    await conn.close(100);
  };
  await kill(config({ server: { protocol: 'tcp', port: broker.ports.tcp }, clientId: 'lwt-default' }));
  const m = await until('default last will', () => sub.got.find((x) => x.topic === 'axis/02BE1F000001/connection' && x.payload === '{"connected":false}'));
  t.ok(m);
  await kill(config({ server: { protocol: 'tcp', port: broker.ports.tcp }, clientId: 'lwt-custom', lastWillTestament: { useDefault: false, topic: 'site/gone', message: 'bye', retain: false, qos: 1 } }));
  await until('custom last will', () => sub.got.find((x) => x.topic === 'site/gone' && x.payload === 'bye'));
  t.pass('custom last will delivered');
});

t.test('reconnect backs off, doubling to the cap, and comes back when the broker does', async (t) => {
  const broker = await startBroker();
  t.teardown(() => broker.stop());
  let ups = 0;
  const conn = new Connection(config({ server: { protocol: 'tcp', port: broker.ports.tcp } }), { connected: () => ups++, disconnected: () => undefined, message: () => undefined }, { baseMs: 100, capMs: 400 });
  t.teardown(() => conn.close(100));
  await until('connected', () => ups === 1);
  await broker.halt();
  await until('backoff at its cap', () => conn.client.options.reconnectPeriod === 400);
  await broker.resume();
  await until('reconnected', () => ups === 2);
  t.equal(conn.client.options.reconnectPeriod, 100, 'reset after a success');
});

t.test('a broker that sends garbage or closes mid-handshake does not crash the client', async (t) => {
  const sockets = new Set<import('node:net').Socket>();
  let n = 0;
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('data', () => (n++ % 2 ? s.end(Buffer.from([0x20, 0x7f, 0xff, 0xff, 0xff, 0xff, 0x01])) : s.destroy()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const port = (server.address() as import('node:net').AddressInfo).port;
  let downs = 0;
  const conn = new Connection(config({ server: { protocol: 'tcp', port } }), { connected: () => t.fail('connected to garbage'), disconnected: () => downs++, message: () => undefined }, { baseMs: 50, capMs: 100 });
  await until('several failed attempts', () => downs >= 4);
  t.notOk(conn.connected);
  await conn.close(100);
});

t.test('HTTP proxy: CONNECT tunnels for tcp, ssl, ws and wss; proxy credentials; a refusing proxy', async (t) => {
  const broker = await startBroker({ certs });
  t.teardown(() => broker.stop());
  const seen: { url: string; auth?: string }[] = [];
  let refuse = false;
  const proxy = createHttpServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req: import('node:http').IncomingMessage, client: import('node:net').Socket, head: Buffer) => {
    seen.push({ url: req.url ?? '', auth: req.headers['proxy-authorization'] });
    client.on('error', () => undefined);
    if (refuse) return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
    const [host, port] = (req.url ?? '').split(':');
    const up = netConnect(Number(port), host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(client).pipe(up);
    });
    up.on('error', () => client.destroy());
    client.on('close', () => up.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => {
    proxy.closeAllConnections();
    proxy.close();
  });
  const pp = (proxy.address() as import('node:net').AddressInfo).port;
  const url = `http://127.0.0.1:${pp}`;
  const ssl = { ...defaultClient('x').ssl, caCert: certs.ca };
  const p = broker.ports;
  const cases: [string, ClientConfig, string][] = [
    ['tcp', config({ server: { protocol: 'tcp', port: p.tcp }, httpProxy: url }), `127.0.0.1:${p.tcp}`],
    ['ssl (HTTPS proxy)', config({ server: { protocol: 'ssl', port: p.tls }, httpsProxy: url, ssl }), `127.0.0.1:${p.tls}`],
    ['ws', config({ server: { protocol: 'ws', port: p.ws, basepath: 'mqtt' }, httpProxy: url }), `127.0.0.1:${p.ws}`],
    ['wss', config({ server: { protocol: 'wss', port: p.wss }, httpsProxy: url, ssl }), `127.0.0.1:${p.wss}`],
  ];
  for (const [what, cfg, target] of cases) {
    const before = seen.length;
    const { outcome, conn } = await attempt(cfg);
    t.equal(outcome, 'connected', `${what} through the proxy`);
    t.equal(seen[before]?.url, target, `${what}: CONNECT ${target}`);
    await conn.close(200);
  }
  const before = seen.length;
  const withAuth = await attempt(config({ server: { protocol: 'tcp', port: p.tcp }, httpProxy: `http://pu:p%40ss@127.0.0.1:${pp}` }));
  t.equal(withAuth.outcome, 'connected');
  t.equal(seen[before]?.auth, `Basic ${Buffer.from('pu:p@ss').toString('base64')}`, 'proxy credentials from the URL');
  await withAuth.conn.close(200);
  refuse = true;
  const refused = await attempt(config({ server: { protocol: 'tcp', port: p.tcp }, httpProxy: url }));
  t.match(refused.outcome, /proxy refused the tunnel: HTTP\/1.1 407/);
  await refused.conn.close(200);
});
