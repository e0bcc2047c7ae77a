import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { callerHeaders } from '@belfry/core/http';
import { createLogger, type BelfryEvent } from '@belfry/core';
import { EventHub } from '../src/streams/hub.js';
import { WsStream, WS_PATH } from '../src/streams/ws/stream.js';
import { WsTokens } from '../src/streams/ws/tokens.js';

const log = createLogger('test', 'silent');
const TOPIC = 'tns1:Device/tnsaxis:IO/Port';
const ev = (port: number, state: boolean, op: BelfryEvent['op'] = 'Changed'): BelfryEvent => ({ topic: TOPIC, utcTime: new Date().toISOString(), source: { port }, key: {}, data: { state }, op });
const VIEWER = callerHeaders({ user: 'v', role: 'viewer', via: 'digest', ptz: false, proto: 'http', addr: '127.0.0.1' });

/** The stream's owner side in process: an HTTP server whose upgrades go to WsStream, as core's serveHttp does. */
async function owner(t: { teardown(fn: () => unknown): void }, opts: ConstructorParameters<typeof WsStream>[0] extends infer D ? Partial<D> : never = {}) {
  const hub = new EventHub();
  const ws = new WsStream({ hub, typeOf: () => undefined, log, ...opts });
  const server = createServer((_req, res) => res.end());
  server.on('upgrade', (req, sock, head) => ws.dataStream.upgrade!(req, sock, head));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    ws.close();
    server.closeAllConnections();
    server.close();
  });
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}${WS_PATH}?sources=events`;
  const open = (headers: Record<string, string> = VIEWER, q = '') =>
    new Promise<WebSocket | number>((resolve) => {
      const c = new WebSocket(url + q, { headers });
      c.once('open', () => resolve(c));
      c.once('unexpected-response', (_r, res) => resolve(res.statusCode ?? 0));
      c.once('error', () => resolve(0));
    });
  return { hub, ws, open };
}

const configured = async (c: WebSocket) => {
  const ack = new Promise((r) => c.once('message', r));
  c.send(JSON.stringify({ apiVersion: '1.0', method: 'events:configure', params: { eventFilterList: [{ topicFilter: '//.' }] } }));
  await ack;
};

t.test('a client that does not keep up is dropped at the queue limit; a burst at the limit is kept', async (t) => {
  const limit = 25;
  const { hub, open } = await owner(t, { clientLimits: { queue: limit, filters: 32 } });
  const c = (await open()) as WebSocket;
  await configured(c);
  let got = 0;
  c.on('message', () => got++);
  // one burst in one tick: every frame still waits for its write callback
  for (let i = 0; i < limit; i++) hub.take(ev(i, true));
  while (got < limit) await new Promise((r) => setTimeout(r, 10));
  t.equal(c.readyState, WebSocket.OPEN, `${limit} at once: kept`);
  const closed = new Promise((r) => c.once('close', r));
  for (let i = 0; i <= limit; i++) hub.take(ev(i, false));
  await closed;
  t.pass(`${limit + 1} at once: dropped`);
});

t.test('clients past the limit get 503; tokens: one use, anonymous without one is 401, sources must include events', async (t) => {
  const { ws, open } = await owner(t, { limits: { clients: 2, maxPayload: 1024 } });
  const a = await open();
  const b = await open();
  t.type(a, WebSocket);
  t.type(b, WebSocket);
  t.equal(await open(), 503, 'the third client');
  (a as WebSocket).terminate();
  while (ws.clients > 1) await new Promise((r) => setTimeout(r, 10));
  t.equal(await open({}), 401, 'anonymous, no token');
  const token = ws.tokens.issue({ user: 'v', role: 'viewer', via: 'digest', ptz: false, proto: 'http', addr: '' });
  t.equal(await open({}, '&wssession=nope'), 401, 'an unknown token');
  const byToken = await open({}, `&wssession=${token}`);
  t.type(byToken, WebSocket, 'a token admits once');
});

t.test('a frame larger than maxPayload closes with 1009', async (t) => {
  const { open } = await owner(t, { limits: { clients: 4, maxPayload: 1024 } });
  const c = (await open()) as WebSocket;
  const code = new Promise((r) => c.once('close', (n) => r(n)));
  c.send('x'.repeat(1025));
  t.equal(await code, 1009);
});

t.test('wssession tokens: good for 15 s and one use; at most 64 outstanding, the oldest forgotten first', async (t) => {
  let now = 1_000_000;
  const tokens = new WsTokens({ ttlMs: 15_000, outstanding: 64 }, () => now);
  const who = { user: 'v', role: 'viewer' as const, via: 'digest' as const, ptz: false, proto: 'http' as const, addr: '' };
  const a = tokens.issue(who);
  now += 14_999;
  t.same(tokens.take(a), who, 'just within 15 s');
  t.equal(tokens.take(a), undefined, 'used once');
  const b = tokens.issue(who);
  now += 15_000;
  t.equal(tokens.take(b), undefined, 'expired at 15 s');
  const list = Array.from({ length: 64 }, () => tokens.issue(who));
  t.equal(tokens.size, 64, '64 outstanding: the limit');
  const extra = tokens.issue(who);
  t.equal(tokens.size, 64);
  t.equal(tokens.take(list[0]!), undefined, 'the 65th pushed out the oldest');
  t.same(tokens.take(list[1]!), who);
  t.same(tokens.take(extra), who);
});
