import { connect } from 'node:net';
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import t from 'tap';
import type { DaemonModule } from '@belfry/core';
import type { RouteSpec } from '@belfry/core/contract';
import { callerOf, httpSocketPath } from '@belfry/core/http';
import { startDevice, type Device } from './device.js';
import { ADMIN, addAccount, headerCount, rawReq, waitFor } from './cgi-helpers.js';
import { digestAuth, freshNonce } from './auth-helpers.js';

/** A tiny daemon with one route of each kind, served through httpd's front door. */
const ROUTES: RouteSpec[] = [
  { path: '/local/echo/who', methods: ['GET'], access: 'viewer', errors: 'vapix-text', probe: { method: 'GET', url: '/local/echo/who', needs: 'viewer' } },
  { path: '/local/echo/size', methods: ['POST'], access: 'operator', errors: 'vapix-text', bodyLimit: 1000, probe: { method: 'POST', url: '/local/echo/size', body: 'x', needs: 'operator' } },
  { path: '/local/echo/pipe', methods: ['POST'], access: 'viewer', errors: 'vapix-text', stream: true, probe: { method: 'POST', url: '/local/echo/pipe', body: 'x', needs: 'viewer' } },
  { path: '/local/echo/slow', methods: ['GET'], access: 'viewer', errors: 'json-api', timeoutMs: 300, probe: { method: 'GET', url: '/local/echo/slow', needs: 'viewer' } },
  { path: '/local/echo/ask', methods: ['POST'], access: 'self', errors: 'ajr', probe: { method: 'POST', url: '/local/echo/ask', needs: 'viewer' } },
];

const echod: DaemonModule = {
  name: 'echod',
  async start(ctx) {
    await ctx.serveHttp(ROUTES, {
      '/local/echo/who': (req, reply) => reply.type('application/json').send(JSON.stringify({ caller: callerOf(req), headers: Object.keys(req.headers).filter((h) => h.startsWith('x-') || h === 'authorization' || h === 'cookie') })),
      '/local/echo/size': (req, reply) => reply.type('text/plain').send(`got ${(req.body as Buffer | undefined)?.length ?? 0}\n`),
      '/local/echo/pipe': (req, reply) => {
        reply.raw.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        req.raw.pipe(reply.raw);
      },
      '/local/echo/slow': async (_req, reply) => {
        await new Promise((r) => setTimeout(r, 1500));
        return reply.send('late');
      },
      // a `self` route: the owner decides from the forwarded role; 401 asks the front door to challenge
      '/local/echo/ask': (req, reply) => (callerOf(req).role === 'anonymous' ? reply.code(401).send('') : reply.type('application/json').send('{"ok":true}')),
    });
    return { stop: async () => undefined };
  },
};

async function digestReq(d: Device, method: string, url: string, body?: string | Buffer, headers: Record<string, string> = {}) {
  return d.digest(method, url, ADMIN.user, ADMIN.pw, { body: body as string, headers });
}

t.test('declared routes behind the front door', async (t) => {
  const d = await startDevice(t, { audiod: false, users: ['echod'] });
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  await addAccount(d, 'vera', 'viewer-pw', 'viewer');
  // the routes arrive after httpd is up
  let owner = await d.tb.run(echod);
  const sock = httpSocketPath(d.tb.paths.run, 'echod');
  t.equal(statSync(sock).mode & 0o777, 0o660, 'socket 0660');
  t.equal(statSync(dirname(sock)).mode & 0o777, 0o750, 'its folder 0750');
  await waitFor('the declaration', async () => (await rawReq(d.httpPort, 'GET', '/local/echo/who')).status === 401);

  const anon = await rawReq(d.httpPort, 'GET', '/local/echo/who');
  t.equal(anon.status, 401, 'anonymous: 401');
  t.equal(headerCount(anon, 'WWW-Authenticate'), 1, 'with the one challenge');

  const who = await d.digest('GET', '/local/echo/who', 'vera', 'viewer-pw', { headers: { 'X-Belfry-Role': 'admin', 'X-Belfry-User': 'root' } });
  t.equal(who.status, 200);
  const seen = JSON.parse(who.body) as { caller: { user: string; role: string; via: string }; headers: string[] };
  t.match(seen.caller, { user: 'vera', role: 'viewer', via: 'digest', proto: 'http', addr: '127.0.0.1' }, 'the owner sees who asked');
  t.notOk(seen.headers.includes('authorization') || seen.headers.includes('cookie'), 'credentials never reach the owner');

  const wrong = await digestReq(d, 'DELETE', '/local/echo/who');
  t.equal(wrong.status, 405, 'declared route, wrong method: 405');
  t.equal(wrong.headers.allow, 'GET');
  const ownWrong = await rawReq(d.httpPort, 'DELETE', '/axis-cgi/param.cgi');
  t.equal(ownWrong.status, 405, "httpd's own route, wrong method: 405");
  t.equal(ownWrong.headers.allow, 'GET, POST');
  t.equal((await rawReq(d.httpPort, 'GET', '/local/nothing')).body, '404 Not Found\n', 'unknown path: 404');

  t.equal((await digestReq(d, 'POST', '/local/echo/size', 'x'.repeat(1000))).body, 'got 1000\n', 'a body at the limit passes');
  const over = await digestReq(d, 'POST', '/local/echo/size', 'x'.repeat(1001));
  t.equal(over.status, 413, 'one byte over: 413');
  t.equal(over.body, '413 Request body too large\n', "in the route's format");
  // chunked, no Content-Length: the limit holds while the body streams
  const chunked = await new Promise<string>((resolve) => {
    const s = connect(d.httpPort, '127.0.0.1');
    let got = '';
    s.on('data', (b: Buffer) => (got += b.toString('latin1')));
    s.on('close', () => resolve(got));
    s.on('error', () => resolve(got));
    void (async () => {
      const ch = await freshNonce(d);
      const auth = digestAuth({ user: ADMIN.user, password: ADMIN.pw, realm: ch.realm, nonce: ch.nonce, method: 'POST', uri: '/local/echo/size', nc: 1 });
      s.write(`POST /local/echo/size HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nAuthorization: ${auth}\r\n\r\n`);
      for (let i = 0; i < 3; i++) s.write(`1f4\r\n${'y'.repeat(500)}\r\n`);
      s.write('0\r\n\r\n');
    })();
  });
  t.match(chunked, /^HTTP\/1\.1 413 /, 'chunked past the limit: 413');

  // a stream both ways: what goes in comes back as it flows
  const big = Buffer.alloc(512 * 1024, 7);
  // authenticated up front: a 401 comes before the body is read, so a client sending 512 KiB blind would be cut off
  const ch = await freshNonce(d);
  const piped = await rawReq(d.httpPort, 'POST', '/local/echo/pipe', { body: big, headers: { Authorization: digestAuth({ user: ADMIN.user, password: ADMIN.pw, realm: ch.realm, nonce: ch.nonce, method: 'POST', uri: '/local/echo/pipe', nc: 1 }) } });
  t.equal(piped.status, 200);
  t.ok(piped.raw.equals(big), `the body came back byte for byte (${piped.raw.length})`);

  const slow = await digestReq(d, 'GET', '/local/echo/slow');
  t.equal(slow.status, 504, 'the owner too slow: 504 in the JSON API format');
  t.match(JSON.parse(slow.body), { error: { code: 'timeout' } });

  const ask = await rawReq(d.httpPort, 'POST', '/local/echo/ask', { body: '{}' });
  t.equal(ask.status, 401, "a `self` route's 401 becomes httpd's challenge");
  t.equal(headerCount(ask, 'WWW-Authenticate'), 1);
  t.equal((await digestReq(d, 'POST', '/local/echo/ask', '{}')).body, '{"ok":true}');

  await owner.stop();
  const down = await digestReq(d, 'GET', '/local/echo/who');
  t.equal(down.status, 503, 'the owner down: 503');
  t.equal(down.body, '503 Service Unavailable\n');
  owner = await d.tb.run(echod);
  t.equal((await digestReq(d, 'GET', '/local/echo/who')).status, 200, 'and back when it is');
});
