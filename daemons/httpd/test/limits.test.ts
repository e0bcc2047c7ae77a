import t from 'tap';
import { connect } from 'node:net';
import { LIMITS } from '../src/server.js';
import { startDevice, type Device } from './device.js';
import { ADMIN } from './cgi-helpers.js';

/** Every entry of LIMITS (server.ts), tested at the limit, on a real device. */

// the connection slots (maxConnections, maxConnectionsPerAddress, reservedConnections, reservedAdmitMs) are tested in connections.test.ts
t.equal(Object.keys(LIMITS).sort().join(), 'bodyLimit,headersTimeoutMs,keepAliveTimeoutMs,maxConnections,maxConnectionsPerAddress,maxHeaderSize,requestTimeoutMs,reservedAdmitMs,reservedConnections', 'the limits this file and connections.test.ts test (a new one needs a test)');

interface Exchange {
  /** everything the server sent */
  data: string;
  /** ms from connect until the server closed the connection (or the wait ended) */
  ms: number;
  closed: boolean;
}

/** Status line of the first response in `data`. */
const status = (x: Exchange) => Number(/^HTTP\/1\.1 (\d{3})/.exec(x.data)?.[1] ?? 0);

/** Opens a socket, writes `chunks` (strings, or pauses in ms), and collects until close or `waitMs`. */
function exchange(port: number, chunks: (string | Buffer | number)[], waitMs = 5000, stopAtResponse = false): Promise<Exchange> {
  return new Promise((resolve) => {
    const start = Date.now();
    const s = connect(port, '127.0.0.1');
    let data = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ data, ms: Date.now() - start, closed });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    s.on('data', (c: Buffer) => {
      data += c.toString('latin1');
      if (stopAtResponse && data.includes('\r\n\r\n')) finish(false);
    });
    s.on('close', () => finish(true));
    s.on('error', () => finish(true));
    void (async () => {
      for (const c of chunks) {
        if (done) return;
        if (typeof c === 'number') await new Promise((r) => setTimeout(r, c));
        else s.write(c);
      }
    })();
  });
}

/** A GET whose request line + headers are exactly `total` bytes. */
function sizedRequest(total: number): string {
  const head = 'GET /axis-cgi/param.cgi?action=list&group=Brand.ProdNbr HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Pad: ';
  return head + 'a'.repeat(total - head.length - 4) + '\r\n\r\n';
}

/**
 * The three timeouts, each on its own connection, side by side (10–30 s); answers what each saw.
 * (The connection slots are tested in connections.test.ts.)
 */
function timeouts(port: number): Promise<{ headers: Exchange; body: Exchange; idle: Exchange; busy: Exchange }> {
  const req = 'GET /axis-cgi/param.cgi?action=list&group=Brand.ProdNbr HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
  return Promise.all([
    // never finishes its headers: one header line every 2 s, so no idle timeout ends it first
    exchange(port, ['GET /axis-cgi/param.cgi HTTP/1.1\r\n', 'Host: 127.0.0.1\r\n', ...Array.from({ length: 20 }, (_, i) => [2000, `X-Slow-${i}: y\r\n`]).flat()], 20_000),
    // headers complete, the body dribbles in (1 byte every 2 s) and never completes in time
    exchange(port, ['POST /axis-cgi/param.cgi HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n', ...Array.from({ length: 20 }, () => [2000, 'a']).flat()], 40_000),
    // one request, then idle
    exchange(port, [req], 25_000),
    // a connection used every 10 s is not cut by keepAliveTimeout
    exchange(port, [req, 10_000, req, 10_000, req], 21_000),
  ]).then(([headers, body, idle, busy]) => ({ headers, body, idle, busy }));
}

t.test('limits', async (t) => {
  const d: Device = await startDevice(t);
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  const port = d.httpPort;

  await t.test('maxHeaderSize', async (t) => {
    t.equal(sizedRequest(LIMITS.maxHeaderSize).length, LIMITS.maxHeaderSize);
    const at = await exchange(port, [sizedRequest(LIMITS.maxHeaderSize)]);
    t.equal(status(at), 200, `request line + headers of exactly ${LIMITS.maxHeaderSize} bytes: accepted`);
    t.match(at.data, /\r\n\r\nroot\.Brand\.ProdNbr=/);
    const under = await exchange(port, [sizedRequest(LIMITS.maxHeaderSize - 1000)]);
    t.equal(status(under), 200, 'well under: accepted');
    // Node's parser counts in spans and lets a few dozen bytes more through; 64 is past that
    const over = await exchange(port, [sizedRequest(LIMITS.maxHeaderSize + 64)]);
    t.equal(status(over), 431, `${LIMITS.maxHeaderSize + 64} bytes: 431`);
    const url = await exchange(port, [`GET /axis-cgi/param.cgi?action=list&group=${'a'.repeat(LIMITS.maxHeaderSize + 64)} HTTP/1.1\r\nHost: x\r\n\r\n`]);
    t.equal(status(url), 431, 'a URL past the limit: 431');
    const many = await exchange(port, ['GET / HTTP/1.1\r\nHost: x\r\n' + Array.from({ length: 2000 }, (_, i) => `X-${i}: 1234567\r\n`).join('') + '\r\n']);
    t.equal(status(many), 431, 'many small headers past the limit: 431');
  });

  await t.test('bodyLimit', async (t) => {
    const prefix = 'action=list&group=Brand.ProdNbr&pad=';
    const body = (n: number) => prefix + 'x'.repeat(n - prefix.length);
    const at = await d.req('POST', '/axis-cgi/param.cgi', { body: body(LIMITS.bodyLimit), headers: { 'Content-Type': 'text/plain' } });
    t.equal(at.status, 200, `a body of exactly ${LIMITS.bodyLimit} bytes: accepted`);
    t.equal(at.body, `root.Brand.ProdNbr=${d.tb.board.identity.prodNbr}\n`, 'and parsed');
    const over = await d.req('POST', '/axis-cgi/param.cgi', { body: body(LIMITS.bodyLimit + 1), headers: { 'Content-Type': 'text/plain' } });
    t.equal(over.status, 413, `${LIMITS.bodyLimit + 1} bytes: 413`);
    t.equal(over.body, '413 Request body too large\n');
    // chunked, no Content-Length: the limit holds while the body streams in
    const chunk = 'x'.repeat(64 * 1024);
    const chunks = Array.from({ length: Math.ceil(LIMITS.bodyLimit / chunk.length) + 1 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    const chunked = await exchange(port, ['POST /axis-cgi/param.cgi HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n', ...chunks, '0\r\n\r\n']);
    t.equal(status(chunked), 413, 'chunked past the limit: 413');
    // an AJR CGI, authenticated: the same limit
    const ajr = await d.digest('POST', '/axis-cgi/basicdeviceinfo.cgi', ADMIN.user, ADMIN.pw, { body: JSON.stringify({ apiVersion: '1.1', method: 'getAllProperties', pad: 'x'.repeat(LIMITS.bodyLimit) }), headers: { 'Content-Type': 'application/json' } });
    t.equal(ajr.status, 413, 'AJR body past the limit: 413');
  });

  // the timeouts take 10–30 s each: they start now and run side by side with the quick tests below
  // (tap runs subtests one after the other), and are checked at the end
  const slow = timeouts(port);

  await t.test('a client mistake never yields a 5xx', async (t) => {
    const bad: [string, string][] = [
      ['garbage request line', 'HELLO\r\n\r\n'],
      ['unknown method', 'BREW /axis-cgi/param.cgi HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['HTTP/2 preface on plain HTTP', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
      ['bad header name', 'GET /axis-cgi/param.cgi HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n'],
      ['control character in a header value', 'GET /axis-cgi/param.cgi HTTP/1.1\r\nHost: x\r\nX: a\u0001b\r\n\r\n'],
      ['bare LF line ends', 'GET /axis-cgi/param.cgi?action=list&group=Brand HTTP/1.1\nHost: x\n\n'],
      ['two Content-Lengths', 'POST /axis-cgi/param.cgi HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd'],
      ['Content-Length not a number', 'POST /axis-cgi/param.cgi HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n'],
      ['Content-Length and chunked', 'POST /axis-cgi/param.cgi HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
      ['broken chunk size', 'POST /axis-cgi/param.cgi HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n'],
      ['unknown transfer coding', 'POST /axis-cgi/param.cgi HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n'],
      ['no Host on HTTP/1.1', 'GET /axis-cgi/param.cgi?action=list&group=Brand HTTP/1.1\r\n\r\n'],
      ['absolute-form target', 'GET http://example.com/axis-cgi/param.cgi?action=list&group=Brand HTTP/1.1\r\nHost: example.com\r\n\r\n'],
      ['asterisk target', 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['bad percent-escapes in the path', 'GET /axis-cgi/%zz%.cgi HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['dot segments', 'GET /axis-cgi/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['NUL in the query', 'GET /axis-cgi/param.cgi?action=list&group=%00 HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['HTTP/1.0 without Host', 'GET /axis-cgi/param.cgi?action=list&group=Brand HTTP/1.0\r\n\r\n'],
      ['unsupported HTTP version', 'GET / HTTP/3.0\r\nHost: x\r\n\r\n'],
      ['JSON body to a form CGI', 'POST /axis-cgi/param.cgi HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{"a":"b"}'],
      ['malformed Content-Type', 'POST /axis-cgi/param.cgi HTTP/1.1\r\nHost: x\r\nContent-Type: ;;;/=\r\nContent-Length: 11\r\n\r\naction=list'],
      ['invalid JSON to an AJR CGI anonymously', 'POST /axis-cgi/basicdeviceinfo.cgi HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1\r\n\r\n{'],
      ['Expect: 100-continue', 'POST /axis-cgi/param.cgi HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\naction=list'],
      ['unknown Expect', 'POST /axis-cgi/param.cgi HTTP/1.1\r\nHost: x\r\nExpect: coffee\r\nContent-Length: 0\r\n\r\n'],
      ['Authorization garbage', 'GET /axis-cgi/usergroup.cgi HTTP/1.1\r\nHost: x\r\nAuthorization: Digest ,,,=,"\r\n\r\n'],
      ['Authorization Basic not base64', 'GET /axis-cgi/usergroup.cgi HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %%%%\r\n\r\n'],
      ['huge Authorization', `GET /axis-cgi/usergroup.cgi HTTP/1.1\r\nHost: x\r\nAuthorization: Digest username="${'u'.repeat(12000)}"\r\n\r\n`],
      ['cookie garbage', 'GET /api/v1/users HTTP/1.1\r\nHost: x\r\nCookie: ;;;belfry_session=%%%;=\r\n\r\n'],
    ];
    for (const [what, raw] of bad) {
      const start = Date.now();
      const x = await exchange(port, [raw], 3000, true);
      const s = status(x);
      if (Date.now() - start > 2000) t.comment(`${what}: no answer within 2 s`);
      t.ok(s === 0 || s < 500, `${what}: ${s || 'closed without an answer'}`);
      t.ok(x.data === '' || /^HTTP\/1\.[01] \d{3} /.test(x.data), `${what}: an HTTP answer or a close`);
    }
  });

  await t.test('the access log: one line per request, no password ever', async (t) => {
    const mark = `m${Date.now().toString(36)}`;
    const pw = `Sekr3t-${mark}`;
    await d.req('GET', `/axis-cgi/param.cgi?action=list&group=Brand.ProdNbr&x=${mark}-1`);
    await d.req('GET', `/axis-cgi/nonexistent.cgi?x=${mark}-2`);
    await d.digest('GET', `/axis-cgi/usergroup.cgi?x=${mark}-3`, ADMIN.user, ADMIN.pw);
    const add = await d.digest('GET', `/axis-cgi/pwdgrp.cgi?action=add&user=${mark}&pwd=${encodeURIComponent(pw)}&grp=users&sgrp=viewer&x=${mark}-4`, ADMIN.user, ADMIN.pw);
    t.match(add.body, /Created account/);
    await d.digest('POST', `/axis-cgi/pwdgrp.cgi?x=${mark}-5`, ADMIN.user, ADMIN.pw, { body: `action=update&user=${mark}&pwd=${encodeURIComponent(pw)}2`, headers: { 'Content-Type': 'text/plain' } });
    // secret-looking names, however they are spelled in the query
    await d.req('GET', `/axis-cgi/param.cgi?action=list&p%77d=${pw}&x=${mark}-6`);
    await d.req('GET', `/axis-cgi/param.cgi?action=list&Password=${pw}&x=${mark}-7`);
    await d.req('POST', '/api/v1/session', { body: JSON.stringify({ user: mark, password: pw }), headers: { 'Content-Type': 'application/json' } });
    await d.req('POST', '/axis-cgi/param.cgi', { body: 'x'.repeat(LIMITS.bodyLimit + 1) + mark });
    const log = await d.digest('GET', '/axis-cgi/admin/accesslog.cgi', ADMIN.user, ADMIN.pw);
    t.equal(log.status, 200);
    t.equal(log.headers['content-type'], 'text/plain');
    const lines = log.body.split('\n').filter(Boolean);
    const of = (n: number) => lines.filter((l) => l.includes(`x=${mark}-${n}`));
    t.equal(of(1).length, 1, 'one line for an anonymous request');
    t.match(of(1)[0], /^\d{4}-\d\d-\d\dT[\d:.]+Z 127\.0\.0\.1 - GET \/axis-cgi\/param\.cgi\?action=list&group=Brand\.ProdNbr&x=\S+ 200 [\d.]+ms$/, 'time, client, user, method, path, status, duration');
    t.equal(of(2).length, 1, 'one line for a 404');
    t.match(of(2)[0], / 404 /);
    t.equal(of(3).length, 2, 'two lines for a Digest round trip (401, then 200 as root)');
    t.match(of(3)[0], / - GET \S+ 401 /);
    t.match(of(3)[1], / root GET \S+ 200 /);
    t.equal(of(4).length, 2);
    t.match(of(4)[1], /pwd=\*\*\*&/, 'pwd=*** in the query');
    t.equal(of(5).length, 2, 'a POST: its body is not logged');
    t.match(of(6)[0], /p%77d=\*\*\*/, 'a percent-encoded name is blanked too');
    t.match(of(7)[0], /Password=\*\*\*/);
    t.ok(lines.some((l) => / POST \/api\/v1\/session 401 /.test(l)), 'the failed login is logged');
    t.ok(lines.some((l) => / POST \/axis-cgi\/param\.cgi 413 /.test(l)), 'the 413 is logged');
    for (const secret of [pw, encodeURIComponent(pw), ADMIN.pw]) t.notOk(log.body.includes(secret), `the log holds no password (${secret})`);
  });

  await t.test('timeouts', async (t) => {
    const x = await slow;
    t.ok(x.headers.closed, `a client slow with its headers is cut off (${x.headers.ms} ms)`);
    t.ok(x.headers.ms >= LIMITS.headersTimeoutMs - 500 && x.headers.ms <= LIMITS.headersTimeoutMs + 3000, `after headersTimeout ${LIMITS.headersTimeoutMs} ms (+ the 1 s check interval): ${x.headers.ms} ms`);
    t.ok(status(x.headers) === 408 || x.headers.data === '', `408 or a plain close: ${JSON.stringify(x.headers.data.slice(0, 40))}`);
    t.ok(x.body.closed, `a client slow with its body is cut off (${x.body.ms} ms)`);
    t.ok(x.body.ms >= LIMITS.requestTimeoutMs - 500 && x.body.ms <= LIMITS.requestTimeoutMs + 3000, `after requestTimeout ${LIMITS.requestTimeoutMs} ms: ${x.body.ms} ms`);
    t.ok(status(x.body) === 408 || x.body.data === '', `408 or a plain close: ${JSON.stringify(x.body.data.slice(0, 40))}`);
    t.equal(status(x.idle), 200, 'the request was answered');
    t.ok(x.idle.closed, `the idle keep-alive connection was closed (${x.idle.ms} ms)`);
    t.ok(x.idle.ms >= LIMITS.keepAliveTimeoutMs - 500 && x.idle.ms <= LIMITS.keepAliveTimeoutMs + 3000, `after keepAliveTimeout ${LIMITS.keepAliveTimeoutMs} ms: ${x.idle.ms} ms`);
    t.equal((x.busy.data.match(/HTTP\/1\.1 200/g) ?? []).length, 3, 'three requests 10 s apart on one connection: all answered');
  });
});
