import t from 'tap';
import { connect } from 'node:net';
import { LIMITS } from '../src/server.js';
import { startDevice } from './device.js';
import { ADMIN } from './cgi-helpers.js';

/**
 * Error bodies by route, the same for every status (issue 9 item 6): CGIs text, the web UI's
 * `/api/v1` JSON — Node's and fastify's own answers (431, 400) included, which were JSON everywhere.
 */

/** Sends raw bytes, answers status, Content-Type and body of the first answer (the server closes). */
function raw(port: number, bytes: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const head = text.slice(0, end);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), type: /\r\ncontent-type: *([^\r]*)/i.exec(head)?.[1] ?? '', body: text.slice(end + 4) });
    });
    s.end(bytes);
  });
}

const bigHeaders = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(LIMITS.maxHeaderSize + 64)}\r\n\r\n`;
const badHeader = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n`;

t.test('error bodies by route', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin(ADMIN.user, ADMIN.pw);

  t.test('431: text on a CGI, JSON on the JSON API', async (t) => {
    const cgi = await raw(d.httpPort, bigHeaders('/axis-cgi/param.cgi?action=list'));
    t.same(cgi, { status: 431, type: 'text/plain', body: '431 Request Header Fields Too Large\n' });
    const api = await raw(d.httpPort, bigHeaders('/api/v1/users'));
    t.equal(api.status, 431);
    t.equal(api.type, 'application/json');
    t.same(JSON.parse(api.body), { error: { code: 'headers_too_large', message: 'the request headers are too large' } });
  });

  t.test('400 (a request Node cannot parse): text on a CGI, JSON on the JSON API', async (t) => {
    t.same(await raw(d.httpPort, badHeader('/axis-cgi/param.cgi')), { status: 400, type: 'text/plain', body: '400 Bad Request\n' });
    const api = await raw(d.httpPort, badHeader('/api/v1/session'));
    t.equal(api.type, 'application/json');
    t.same(JSON.parse(api.body), { error: { code: 'bad_request', message: 'the request is malformed' } });
    t.same(await raw(d.httpPort, 'BLAH\r\n\r\n'), { status: 400, type: 'text/plain', body: '400 Bad Request\n' }, 'no path at all: text');
  });

  t.test('413 from fastify: text on a CGI, JSON on the JSON API', async (t) => {
    const big = 'x'.repeat(LIMITS.bodyLimit + 1);
    const cgi = await d.req('POST', '/axis-cgi/param.cgi', { body: big });
    t.equal(cgi.status, 413);
    t.equal(cgi.body, '413 Request body too large\n');
    const api = await d.req('POST', '/api/v1/session', { body: big, headers: { 'Content-Type': 'application/json' } });
    t.equal(api.status, 413);
    t.match(api.headers['content-type'], /^application\/json/);
    t.same(JSON.parse(api.body), { error: { code: 'too_large', message: 'the request body is too large' } });
  });

  t.test('405: Allow, and the body by route', async (t) => {
    const cgi = await d.digest('DELETE', '/axis-cgi/param.cgi', ADMIN.user, ADMIN.pw);
    t.equal(cgi.status, 405);
    t.equal(cgi.headers.allow, 'GET, POST');
    t.match(cgi.body, /^405 Method Not Allowed\n/);
    const api = await d.req('PUT', '/api/v1/users');
    t.equal(api.status, 405);
    t.match(api.headers.allow, /GET/);
    t.match(JSON.parse(api.body), { error: { code: 'method_not_allowed' } });
  });
});
