import t from 'tap';
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { parseChallenges, digestAuthorization } from '../src/recipients/digest.js';
import { httpSender } from '../src/recipients/http.js';
import { SEND_LIMITS } from '../src/recipients/kind.js';
import { tcpSender } from '../src/recipients/tcp.js';
import { withAllParams } from '../src/recipients/templates.js';
import { FAST, listen, selfSigned, unacceptingPort } from './recipients-helpers.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const never = () => new AbortController().signal;

interface Seen {
  method: string;
  url: string;
  auth?: string;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** A server that wants `scheme` credentials user/secret (checked for real: Digest by recomputing the response). */
function authServer(scheme: 'basic' | 'digest' | 'none', seen: Seen[]) {
  const nonce = 'n' + Math.random().toString(36).slice(2);
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body, headers: req.headers });
      const a = req.headers.authorization ?? '';
      let ok = scheme === 'none';
      if (scheme === 'basic') ok = a === `Basic ${Buffer.from('user:s3cret').toString('base64')}`;
      if (scheme === 'digest' && a.startsWith('Digest ')) {
        const p = parseChallenges(a)[0]!.params;
        const ha1 = md5(`user:belfry-test:s3cret`);
        const ha2 = md5(`${req.method}:${req.url}`);
        ok = p.uri === req.url && p.qop === 'auth' && p.nonce === nonce && p.opaque === 'op"q' && p.response === md5(`${ha1}:${nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`);
      }
      if (ok) return res.end('ok');
      res.statusCode = 401;
      res.setHeader('www-authenticate', scheme === 'digest' ? `Digest realm="belfry-test", qop="auth,auth-int", nonce="${nonce}", opaque="op\\"q", algorithm=MD5` : 'Basic realm="belfry-test"');
      res.end();
    });
  };
}

const target = (url: string, extra: Record<string, string> = {}, password?: string) => ({
  template: url.startsWith('https') ? 'com.axis.recipient.https' : 'com.axis.recipient.http',
  params: withAllParams(url.startsWith('https') ? 'com.axis.recipient.https' : 'com.axis.recipient.http', { upload_url: url, ...extra }),
  password,
});

t.test('Digest: the client answers an MD5 qop=auth challenge the server verifies; the password only after the challenge', async (t) => {
  const seen: Seen[] = [];
  const port = await listen(http.createServer(authServer('digest', seen)), t);
  const msg = { text: 'unused', http: { method: 'POST', query: 'door=1&state=open', headers: 'X-Event: doorbell', body: 'door 1 opened' } };
  await httpSender.send(target(`http://127.0.0.1:${port}/cgi-bin/notify.cgi?a=b`, { login: 'user' }, 's3cret'), msg, never());
  t.equal(seen.length, 2);
  t.equal(seen[0]!.auth, undefined, 'first try carries no credentials');
  t.match(seen[1]!, { method: 'POST', url: '/cgi-bin/notify.cgi?a=b&door=1&state=open', body: 'door 1 opened', headers: { 'x-event': 'doorbell' } });
  t.notOk(seen.some((s) => JSON.stringify(s).includes('s3cret')), 'the password never travels in Digest');
});

t.test('Digest: a wrong password is refused by the server and reported', async (t) => {
  const port = await listen(http.createServer(authServer('digest', [])), t);
  await t.rejects(httpSender.send(target(`http://127.0.0.1:${port}/`, { login: 'user' }, 'wrong'), { text: 'x' }, never()), { code: 'unavailable', message: /answered 401/ });
});

t.test('Basic on HTTPS: validated against a trusted server certificate fails for a self-signed one; passes with validation off', async (t) => {
  const seen: Seen[] = [];
  const tls = selfSigned();
  const port = await listen(https.createServer(tls, authServer('basic', seen)), t);
  const url = `https://127.0.0.1:${port}/notify`;
  await t.rejects(httpSender.send(target(url, { login: 'user' }, 's3cret'), { text: 'hello' }, never()), { code: 'unavailable', message: /self-signed|certificate/i });
  t.equal(seen.length, 0, 'nothing reached the server');
  await httpSender.test(target(url, { login: 'user', validate_server_cert: 'no' }, 's3cret'), never());
  t.equal(seen.length, 2);
  t.equal(seen[1]!.method, 'POST');
  t.match(seen[1]!.body, /test message/);
});

t.test('GET without credentials: the URL and query; a 500 answer is a failure', async (t) => {
  const seen: Seen[] = [];
  const port = await listen(http.createServer(authServer('none', seen)), t);
  await httpSender.send(target(`http://127.0.0.1:${port}/x`), { text: 'ignored for GET', http: { query: '?m=hi%20there' } }, never());
  t.match(seen[0]!, { method: 'GET', url: '/x?m=hi%20there', body: '' });
  const bad = await listen(http.createServer((_q, r) => ((r.statusCode = 500), r.end())), t);
  await t.rejects(httpSender.send(target(`http://127.0.0.1:${bad}/`), { text: 'x' }, never()), { message: /answered 500/ });
});

t.test('bad header lines and methods are refused before anything is sent', async (t) => {
  const seen: Seen[] = [];
  const port = await listen(http.createServer(authServer('none', seen)), t);
  const url = `http://127.0.0.1:${port}/`;
  await t.rejects(httpSender.send(target(url), { text: 'x', http: { headers: 'no colon here' } }, never()), { code: 'invalid_argument' });
  await t.rejects(httpSender.send(target(url), { text: 'x', http: { headers: 'Authorization: Basic x' } }, never()), { code: 'invalid_argument' });
  await t.rejects(httpSender.send(target(url), { text: 'x', http: { method: 'DELETE' } }, never()), { code: 'invalid_argument' });
  t.equal(seen.length, 0);
});

t.test('a server that accepts and never answers times out within the total limit', async (t) => {
  const server = net.createServer(() => undefined);
  const port = await listen(server, t);
  await t.rejects(httpSender.send(target(`http://127.0.0.1:${port}/`), { text: 'x' }, never(), FAST), { code: 'timeout' });
});

t.test('a TLS server that never completes its handshake hits the connect limit, well before the total one', async (t) => {
  const port = await listen(net.createServer(() => undefined), t);
  await t.rejects(httpSender.send(target(`https://127.0.0.1:${port}/`), { text: 'x' }, never(), { ...FAST, totalMs: 60_000 }), { code: 'timeout', message: `no connection within ${FAST.connectMs} ms` });
});

t.test('an answer that never ends is cut at the response limit, not read until the timeout', async (t) => {
  const timers: NodeJS.Timeout[] = [];
  t.teardown(() => timers.forEach(clearInterval));
  const port = await listen(http.createServer((_q, r) => {
    r.writeHead(200);
    timers.push(setInterval(() => r.write(Buffer.alloc(256)), 5));
  }), t);
  await httpSender.send(target(`http://127.0.0.1:${port}/`), { text: 'x' }, never(), { ...FAST, totalMs: 5_000 });
  t.pass('done once past the limit of an endless answer');
  const exact = await listen(http.createServer((_q, r) => r.end(Buffer.alloc(SEND_LIMITS.responseBytes))), t);
  await httpSender.send(target(`http://127.0.0.1:${exact}/`), { text: 'x' }, never());
});

t.test('TCP: connects, writes the message, closes', async (t) => {
  let got = '';
  const closed = new Promise<void>((resolve) => {
    const server = net.createServer((s) => {
      s.on('data', (c: Buffer) => (got += c.toString()));
      s.on('end', () => (s.end(), resolve()));
    });
    void listen(server, t).then(async (port) => tcpSender.send({ template: 'com.axis.recipient.tcp', params: { host: '127.0.0.1', port: String(port) } }, { text: 'door 1 opened\n' }, never()));
  });
  await closed;
  t.equal(got, 'door 1 opened\n');
});

t.test('TCP and HTTP: a connection that is never accepted hits the connect limit, well before the total one', async (t) => {
  const port = await unacceptingPort(t);
  const slow = { ...FAST, totalMs: 60_000 };
  await t.rejects(tcpSender.send({ template: 'com.axis.recipient.tcp', params: { host: '127.0.0.1', port: String(port) } }, { text: 'x' }, never(), slow), { code: 'timeout', message: `no connection within ${FAST.connectMs} ms` });
  await t.rejects(httpSender.send(target(`http://127.0.0.1:${port}/`), { text: 'x' }, never(), slow), { code: 'timeout', message: `no connection within ${FAST.connectMs} ms` });
});

t.test('TCP: a refused connection is reported', async (t) => {
  const server = net.createServer();
  const port = await listen(server, t);
  await new Promise<void>((r) => server.close(() => r()));
  await t.rejects(tcpSender.send({ template: 'com.axis.recipient.tcp', params: { host: '127.0.0.1', port: String(port) } }, { text: 'x' }, never(), FAST), { code: 'unavailable', message: /ECONNREFUSED/ });
});

t.test('digestAuthorization refuses what it does not speak (SHA-256, auth-int only)', async (t) => {
  t.equal(digestAuthorization({ scheme: 'digest', params: { nonce: 'n', algorithm: 'SHA-256' } }, 'u', 'p', 'GET', '/'), undefined);
  t.equal(digestAuthorization({ scheme: 'digest', params: { nonce: 'n', qop: 'auth-int' } }, 'u', 'p', 'GET', '/'), undefined);
  t.match(digestAuthorization({ scheme: 'digest', params: { nonce: 'n', realm: 'r' } }, 'u', 'p', 'GET', '/') ?? '', /^Digest .*response="[0-9a-f]{32}"/);
});
