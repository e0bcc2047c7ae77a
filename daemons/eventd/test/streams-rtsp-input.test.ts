import t from 'tap';
import { connect } from 'node:net';
import { createLogger, type BelfryEvent } from '@belfry/core';
import { EventHub } from '../src/streams/hub.js';
import { RtspServer, RTSP_LIMITS, type RtspLimits } from '../src/streams/rtsp/server.js';
import { metadataXml } from '../src/streams/wire.js';
import { HaRtspClient } from './streams-rtsp-client.js';

const log = createLogger('test', 'silent');
const TOPIC = 'tns1:Device/tnsaxis:IO/VirtualInput';
const state = (port: number, active: boolean, op: BelfryEvent['op'] = 'Changed'): BelfryEvent => ({ topic: TOPIC, utcTime: new Date().toISOString(), source: { port }, key: {}, data: { active }, op });

/** An RTSP server in process: credentials are good when the header says `Digest ok` (httpd's part is tested on a device). */
async function server(t: { teardown(fn: () => unknown): void }, limits: Partial<RtspLimits> = {}) {
  const hub = new EventHub();
  const s = new RtspServer({
    hub,
    document: (ev) => metadataXml(ev, '00000000-0000-5000-8000-000000000001'),
    auth: async (_m, a) => (a === 'Digest ok' ? { ok: true, user: 'u', role: 'viewer' } : { ok: false, reason: a ? 'failed' : 'challenge', challenge: 'Digest realm="AXIS_X", nonce="n", stale=FALSE' }),
    log,
    limits,
  });
  const port = await s.listen(0, '127.0.0.1');
  t.teardown(() => s.close());
  const open = async () => {
    const c = await HaRtspClient.open(port);
    t.teardown(() => c.close());
    return c;
  };
  return { s, hub, port, open };
}

const URL_ = (port: number) => `rtsp://127.0.0.1:${port}/axis-media/media.amp?video=0&audio=0&event=on`;
const req = (lines: string[]) => lines.join('\r\n') + '\r\n\r\n';

async function playing(c: HaRtspClient, port: number): Promise<string> {
  const s = await c.raw(req([`SETUP ${URL_(port)} RTSP/1.0`, 'CSeq: 1', 'Authorization: Digest ok', `Transport: RTP/AVP;unicast;client_port=${c.rtpPort}-${c.rtpPort + 1}`]));
  const id = s!.headers.session!.split(';')[0]!;
  const p = await c.raw(req([`PLAY ${URL_(port)} RTSP/1.0`, 'CSeq: 2', 'Authorization: Digest ok', `Session: ${id}`]));
  if (p?.status !== 200) throw new Error(`PLAY ${p?.status}`);
  return id;
}

t.test('CSeq: missing or not a number is 400; repeated or decreasing is fine', async (t) => {
  const { port, open } = await server(t);
  const c = await open();
  t.equal((await c.raw(req([`OPTIONS ${URL_(port)} RTSP/1.0`])))?.status, 400, 'no CSeq');
  t.equal((await c.raw(req([`OPTIONS ${URL_(port)} RTSP/1.0`, 'CSeq: abc'])))?.status, 400, 'CSeq abc');
  for (const n of ['5', '5', '2', '0']) {
    const a = await c.raw(req([`OPTIONS ${URL_(port)} RTSP/1.0`, `CSeq: ${n}`, 'Authorization: Digest ok']));
    t.equal(a?.status, 200);
    t.equal(a?.headers.cseq, n, `CSeq ${n} echoed`);
  }
});

t.test('methods: unknown 501, known but not served 405 with Allow; no credentials 401 with the challenge', async (t) => {
  const { port, open } = await server(t);
  const c = await open();
  const a = await c.raw(req([`FOO ${URL_(port)} RTSP/1.0`, 'CSeq: 1']));
  t.equal(a?.status, 501);
  const b = await c.raw(req([`RECORD ${URL_(port)} RTSP/1.0`, 'CSeq: 2', 'Authorization: Digest ok']));
  t.equal(b?.status, 405);
  t.equal(b?.headers.allow, 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER');
  const d = await c.raw(req([`DESCRIBE ${URL_(port)} RTSP/1.0`, 'CSeq: 3']));
  t.equal(d?.status, 401);
  t.equal(d?.headers['www-authenticate'], 'Digest realm="AXIS_X", nonce="n", stale=FALSE');
  t.equal((await c.raw(req([`DESCRIBE rtsp://127.0.0.1:${port}/axis-media/media.amp?video=1&event=on RTSP/1.0`, 'CSeq: 4', 'Authorization: Digest ok'])))?.status, 404, 'no video on a speaker');
  t.equal((await c.raw(req([`DESCRIBE rtsp://127.0.0.1:${port}/other RTSP/1.0`, 'CSeq: 5', 'Authorization: Digest ok'])))?.status, 404);
  t.equal((await c.raw(req([`OPTIONS ${URL_(port)} RTSP/2.0`, 'CSeq: 6'])))?.status, 505, 'then the connection closes');
});

t.test('Transport it cannot serve: 461 (TCP interleaved, multicast, no client_port); no session is made', async (t) => {
  const { s, port, open } = await server(t);
  const c = await open();
  for (const tr of ['RTP/AVP/TCP;unicast;interleaved=0-1', 'RTP/AVP;multicast;client_port=5000-5001', 'RTP/AVP;unicast', 'RTP/SAVP;unicast;client_port=5000-5001']) {
    const a = await c.raw(req([`SETUP rtsp://127.0.0.1:${port}/axis-media/media.amp/stream=0?video=0&audio=0&event=on RTSP/1.0`, 'CSeq: 1', 'Authorization: Digest ok', `Transport: ${tr}`]));
    t.equal(a?.status, 461, tr);
  }
  t.equal((await c.raw(req([`SETUP ${URL_(port)} RTSP/1.0`, 'CSeq: 2', 'Authorization: Digest ok'])))?.status, 461, 'no Transport');
  t.equal(s.sessionCount, 0);
  const ok = await c.raw(req([`SETUP ${URL_(port)} RTSP/1.0`, 'CSeq: 3', 'Authorization: Digest ok', 'Transport: RTP/AVP/TCP;interleaved=0-1,RTP/AVP;unicast;client_port=6000-6001']));
  t.equal(ok?.status, 200, 'the first transport it can serve is taken');
  t.match(ok?.headers.transport, /^RTP\/AVP;unicast;client_port=6000-6001;/);
});

t.test('sessions: unknown 454; the limit is 453 past it; a timed-out session ends; the sweep runs only while sessions exist', async (t) => {
  const { s, port, open } = await server(t, { sessions: 2, sessionTimeoutS: 0.4 });
  const c = await open();
  t.equal(s.sweeping, false, 'no session, no timer');
  t.equal((await c.raw(req([`PLAY ${URL_(port)} RTSP/1.0`, 'CSeq: 1', 'Authorization: Digest ok', 'Session: DEADBEEF'])))?.status, 454);
  t.equal((await c.raw(req([`OPTIONS ${URL_(port)} RTSP/1.0`, 'CSeq: 1', 'Session: DEADBEEF'])))?.status, 454, 'a keep-alive of an unknown session');
  const setup = (n: number) => c.raw(req([`SETUP ${URL_(port)} RTSP/1.0`, `CSeq: ${n}`, 'Authorization: Digest ok', 'Transport: RTP/AVP;unicast;client_port=6000-6001']));
  t.equal((await setup(2))?.status, 200);
  t.equal((await setup(3))?.status, 200, 'the second session: at the limit');
  t.equal((await setup(4))?.status, 453, 'the third: Not Enough Bandwidth');
  t.equal(s.sweeping, true);
  while (s.sessionCount) await new Promise((r) => setTimeout(r, 100));
  t.equal(s.sweeping, false, 'the last session ended: the timer stopped');
  t.equal((await setup(5))?.status, 200, 'timed-out sessions made room');
  t.equal(s.sweeping, true, 'a new session starts it again');
});

t.test('oversized headers: 400 and the connection closes; the limit itself is fine', async (t) => {
  const { port, open } = await server(t);
  const at = await open();
  const base = `OPTIONS ${URL_(port)} RTSP/1.0\r\nCSeq: 1\r\nAuthorization: Digest ok\r\nX-Pad: `;
  const fill = RTSP_LIMITS.headerBytes - Buffer.byteLength(base) - 4;
  t.equal((await at.raw(`${base}${'a'.repeat(fill)}\r\n\r\n`))?.status, 200, 'exactly the limit');
  const over = await open();
  const a = await over.raw(`${base}${'a'.repeat(fill + 1)}\r\n\r\n`);
  t.equal(a?.status, 400, 'one byte more');
  await new Promise((r) => (over.sock.destroyed ? r(null) : over.sock.once('close', r)));
  const body = await open();
  t.equal((await body.raw(req([`GET_PARAMETER ${URL_(port)} RTSP/1.0`, 'CSeq: 1', `Content-Length: ${RTSP_LIMITS.bodyBytes + 1}`])))?.status, 413);
});

t.test('connections past the limit are closed at once', async (t) => {
  const { port, open } = await server(t, { connections: 2 });
  await open();
  const second = await open();
  const third = connect(port, '127.0.0.1');
  await new Promise((r) => third.once('close', r));
  t.pass('the third connection was closed');
  t.equal((await second.raw(req([`OPTIONS ${URL_(port)} RTSP/1.0`, 'CSeq: 1', 'Authorization: Digest ok'])))?.status, 200, 'the ones within the limit are served');
});

t.test('a client that does not keep up is dropped at the queue limit, not buffered', async (t) => {
  const limit = 20;
  const { hub, port, open } = await server(t, { queue: limit });
  const keeps = await open();
  await playing(keeps, port);
  const drops = await open();
  await playing(drops, port);
  await new Promise((r) => setImmediate(r));
  // one burst, in one tick: every datagram is still waiting for its send callback
  for (let i = 1; i <= limit; i++) hub.take(state(i, true, 'Initialized'));
  await keeps.until((d) => d.length >= limit);
  t.notOk(keeps.sock.destroyed, `${limit} queued at once: kept`);
  for (let i = 1; i <= limit + 1; i++) hub.take(state(i, i % 2 === 0));
  await new Promise((r) => (drops.sock.destroyed ? r(null) : drops.sock.once('close', r)));
  t.pass(`${limit + 1} queued at once: the connection is closed`);
});
