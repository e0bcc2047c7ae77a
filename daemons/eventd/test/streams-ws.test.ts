import t from 'tap';
import { WebSocket } from 'ws';
import { ADMIN, IO_PORT, TRIGGER_LEVEL, basic, streamsDevice, type StreamsDevice } from './streams-helpers.js';

/** A client of the WebSocket stream: every received text frame, parsed, in order. */
class WsClient {
  readonly got: Record<string, unknown>[] = [];
  private wake?: () => void;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.got.push(JSON.parse(d.toString()) as Record<string, unknown>);
      this.wake?.();
    });
  }
  static open(url: string, headers: Record<string, string> = {}): Promise<WsClient | { status: number; challenge?: string }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      const c = new WsClient(ws);
      ws.once('open', () => resolve(c));
      ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, challenge: res.headers['www-authenticate'] as string | undefined }));
      ws.once('error', reject);
    });
  }
  send(o: unknown): void {
    this.ws.send(typeof o === 'string' ? o : JSON.stringify(o));
  }
  async until(pred: (got: Record<string, unknown>[]) => boolean): Promise<Record<string, unknown>[]> {
    while (!pred(this.got)) await new Promise<void>((r) => (this.wake = r));
    return this.got;
  }
}

type Notification = { params: { notification: { timestamp: number; topic: string; message: { source: Record<string, string>; data: Record<string, string> } } } };
const notes = (got: Record<string, unknown>[]) => got.filter((g) => g.method === 'events:notify').map((g) => (g as unknown as Notification).params.notification);

async function open(t: { teardown(fn: () => unknown): void }, d: StreamsDevice, how: 'token' | 'basic'): Promise<WsClient> {
  const base = `ws://127.0.0.1:${d.dev.httpPort}/vapix/ws-data-stream?sources=events`;
  let c: Awaited<ReturnType<typeof WsClient.open>>;
  if (how === 'token') {
    const s = await d.digestGet('/axis-cgi/wssession.cgi');
    if (s.status !== 200) throw new Error(`wssession.cgi ${s.status}`);
    c = await WsClient.open(`${base}&wssession=${s.body}`);
  } else c = await WsClient.open(base, { Authorization: basic(ADMIN.user, ADMIN.password) });
  if (!(c instanceof WsClient)) throw new Error(`upgrade refused: ${c.status}`);
  t.teardown(() => c.ws.terminate());
  return c;
}

t.test('through the front door with a wssession token: ack first, Initialized for matching instances, then changes', async (t) => {
  const d = await streamsDevice(t);
  for (const port of [1, 2]) d.pub.setState(IO_PORT.topic, { port }, { state: port === 2 });
  d.pub.setState(TRIGGER_LEVEL.topic, { channel: 1 }, { triggered: false });
  const s = await d.digestGet('/axis-cgi/wssession.cgi');
  t.equal(s.status, 200);
  t.match(s.headers['content-type'], /^text\/plain/);
  t.match(s.body, /^[A-Za-z0-9_-]{16,}$/, 'an opaque token');
  t.equal((await d.get('/axis-cgi/wssession.cgi')).status, 401, 'wssession.cgi needs credentials');
  const url = `ws://127.0.0.1:${d.dev.httpPort}/vapix/ws-data-stream?sources=events&wssession=${s.body}`;
  const c = await WsClient.open(url);
  if (!(c instanceof WsClient)) return t.fail(`refused ${c.status}`);
  t.teardown(() => c.ws.terminate());
  // a browser: its session cookie goes with every upgrade, without the CSRF header
  const s2 = await d.digestGet('/axis-cgi/wssession.cgi');
  const browser = await WsClient.open(`ws://127.0.0.1:${d.dev.httpPort}/vapix/ws-data-stream?sources=events&wssession=${s2.body}`, { Cookie: 'session=whatever-the-browser-has' });
  t.ok(browser instanceof WsClient, 'a token admits an upgrade that also carries a cookie');
  if (browser instanceof WsClient) browser.ws.terminate();
  const cookieOnly = await WsClient.open(`ws://127.0.0.1:${d.dev.httpPort}/vapix/ws-data-stream?sources=events`, { Cookie: 'session=whatever-the-browser-has' });
  t.equal((cookieOnly as { status: number }).status, 401, 'a cookie without a token is still checked (and refused)');
  const again = await WsClient.open(url);
  t.equal((again as { status: number }).status, 401, 'a token is good for one upgrade');
  t.match((again as { challenge?: string }).challenge, /^Digest realm="AXIS_/, 'with httpd’s challenge');

  c.send({ apiVersion: '1.0', context: 'axis-py', method: 'events:configure', params: { eventFilterList: [{ topicFilter: 'tns1:Device/tnsaxis:IO/Port' }] } });
  const got = await c.until((g) => notes(g).length >= 2);
  t.same(got[0], { apiVersion: '1.0', context: 'axis-py', method: 'events:configure', data: {} }, 'the acknowledgement comes first');
  const init = notes(got);
  t.same(init.map((n) => [n.topic, n.message.source, n.message.data]).sort(), [
    [IO_PORT.topic, { port: '1' }, { state: '0' }],
    [IO_PORT.topic, { port: '2' }, { state: '1' }],
  ], 'every matching instance, values as text; the virtual inputs and TriggerLevel filtered out');
  t.ok(init.every((n) => Number.isInteger(n.timestamp) && n.timestamp > 1.7e12), 'timestamp in ms');
  d.pub.setState(IO_PORT.topic, { port: 1 }, { state: true });
  const after = await c.until((g) => notes(g).length >= 3);
  t.same(notes(after)[2]!.message, { source: { port: '1' }, key: {}, data: { state: '1' } });

  const pong = new Promise((r) => c.ws.once('pong', r));
  c.ws.ping();
  await pong;
  t.pass('a ping is answered');
});

t.test('Basic on the upgrade (when the policy allows it over HTTP); wrong Basic and no credentials are challenged', async (t) => {
  const d = await streamsDevice(t);
  const set = await d.digestGet('/axis-cgi/param.cgi?action=update&Network.HTTP.AuthenticationPolicy=basic_digest');
  t.equal(set.body.trim(), 'OK');
  const c = await open(t, d, 'basic');
  c.send({ apiVersion: '1', method: 'events:configure', params: { eventFilterList: [] } });
  const got = await c.until((g) => g.length >= 1);
  t.same(got[0], { apiVersion: '1', context: '', method: 'events:configure', data: {} }, 'no context: "" echoed; apiVersion as sent');
  const bad = await WsClient.open(`ws://127.0.0.1:${d.dev.httpPort}/vapix/ws-data-stream?sources=events`, { Authorization: basic(ADMIN.user, 'wrong') });
  t.equal((bad as { status: number }).status, 401);
  const none = await WsClient.open(`ws://127.0.0.1:${d.dev.httpPort}/vapix/ws-data-stream?sources=events`);
  t.equal((none as { status: number }).status, 401);
  t.equal((await d.digestGet('/vapix/ws-data-stream?sources=events')).status, 426, 'a plain GET is told to upgrade');
});

t.test('filters: subtree, content filter, alternatives; a new configure replaces the set', async (t) => {
  const d = await streamsDevice(t);
  for (const port of [1, 2, 3]) d.pub.setState(IO_PORT.topic, { port }, { state: false });
  d.pub.setState(TRIGGER_LEVEL.topic, { channel: 7 }, { triggered: true });
  const c = await open(t, d, 'token');
  c.send({ apiVersion: '1.0', method: 'events:configure', params: { eventFilterList: [{ topicFilter: 'tns1:Device/tnsaxis:IO/Port', contentFilter: 'boolean(//SimpleItem[@Name="port" and @Value="2"])' }, { topicFilter: 'tns1:AudioSource/TriggerLevel' }] } });
  let got = await c.until((g) => notes(g).length >= 2);
  t.same(notes(got).map((n) => [n.topic, Object.values(n.message.source)[0]]).sort(), [[TRIGGER_LEVEL.topic, '7'], [IO_PORT.topic, '2']], 'port 2 by content, TriggerLevel by the other spelling of its leaf');
  c.send({ apiVersion: '1.0', method: 'events:configure', params: { eventFilterList: [{ topicFilter: 'tns1:Device/tnsaxis:IO/Port|tns1:AudioSource//.' }] } });
  got = await c.until((g) => notes(g).length >= 2 + 4);
  t.equal(got.filter((g) => g.method === 'events:configure').length, 2, 'each configure acknowledged');
  t.same(notes(got).slice(2).map((n) => Object.values(n.message.source)[0]).sort(), ['1', '2', '3', '7'], 'alternatives and a subtree: all four instances');
  c.send({ apiVersion: '1.0', method: 'events:configure', params: { eventFilterList: [{ topicFilter: 'tns1:AudioSource/tnsaxis:TriggerLevel' }] } });
  await c.until((g) => g.filter((x) => x.method === 'events:configure').length >= 3);
  d.pub.setState(IO_PORT.topic, { port: 1 }, { state: true });
  d.pub.setState(TRIGGER_LEVEL.topic, { channel: 7 }, { triggered: false });
  got = await c.until((g) => notes(g).some((n) => n.topic === TRIGGER_LEVEL.topic && n.message.data.triggered === '0'));
  const last = got.slice(got.findLastIndex((g) => g.method === 'events:configure'));
  t.notOk(notes(last).some((n) => n.topic === IO_PORT.topic), 'after the third configure, IO/Port changes no longer come');
});

t.test('bad input: JSON-RPC style errors, the connection stays, nothing changes', async (t) => {
  const d = await streamsDevice(t);
  d.pub.setState(IO_PORT.topic, { port: 1 }, { state: false });
  const c = await open(t, d, 'token');
  const cases: [unknown, number][] = [
    ['not json', 2101],
    ['[1,2]', 2101],
    [{ apiVersion: '2.0', context: 'x', method: 'events:configure', params: { eventFilterList: [] } }, 2100],
    [{ apiVersion: '1.0', context: 'x', method: 'events:nothing' }, 2102],
    [{ apiVersion: '1.0', context: 'x', method: 'events:configure', params: {} }, 2103],
    [{ apiVersion: '1.0', context: 'x', method: 'events:configure', params: { eventFilterList: [{ topicFilter: 'tns1:Device//' }] } }, 2104],
    [{ apiVersion: '1.0', context: 'x', method: 'events:configure', params: { eventFilterList: [{ topicFilter: '//.', contentFilter: 'boolean(//SimpleItem[@Name=])' }] } }, 2104],
    [{ apiVersion: '1.0', context: 'x', method: 'events:configure', params: { eventFilterList: Array.from({ length: 33 }, () => ({ topicFilter: '//.' })) } }, 2104],
  ];
  for (const [i, [msg, code]] of cases.entries()) {
    c.send(msg);
    const got = await c.until((g) => g.length > i);
    const e = got[i] as { error?: { code: number; message: string }; context?: string; apiVersion?: string; method?: string };
    t.equal(e.error?.code, code, `${JSON.stringify(msg).slice(0, 60)} → ${code}`);
    t.ok(typeof e.context === 'string' && typeof e.apiVersion === 'string' && typeof e.method === 'string', 'apiVersion, context, method present');
  }
  c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
  await c.until((g) => g.length > cases.length);
  t.equal((c.got[cases.length] as { error?: { code: number } }).error?.code, 2101, 'a binary frame');
  t.equal(notes(c.got).length, 0, 'no configure took effect');
  c.send({ apiVersion: '1.0', method: 'events:configure', params: { eventFilterList: Array.from({ length: 32 }, () => ({ topicFilter: '//.' })) } });
  const got = await c.until((g) => notes(g).length >= 1);
  t.same(got[cases.length + 1], { apiVersion: '1.0', context: '', method: 'events:configure', data: {} }, '32 filters: the limit is fine, the connection still works');
});
