import t, { type Test } from 'tap';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import Fastify from 'fastify';
import { CSP, UI_PAGES, serveWebUi } from '../src/static.js';

/** The web UI's static files (static.ts), on a fastify app of their own over a built UI made here. */
async function app(t: Test, dir: string | undefined) {
  const a = Fastify();
  serveWebUi(a, dir);
  a.setNotFoundHandler((_req, reply) => reply.code(404).send('front door 404'));
  await a.ready();
  t.teardown(() => a.close());
  return a;
}

function built(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'belfry-ui-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'assets'));
  const html = '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>';
  writeFileSync(join(dir, 'index.html'), html);
  writeFileSync(join(dir, 'index.html.gz'), gzipSync(html));
  writeFileSync(join(dir, 'index.html.br'), brotliCompressSync(html));
  writeFileSync(join(dir, 'assets/index-abc123.js'), 'console.log(1)');
  writeFileSync(join(dir, 'assets/index-abc123.js.gz'), gzipSync('console.log(1)'));
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(dir, '.secret'), 'no');
  return dir;
}

t.test('index.html: no-cache, the strict CSP, precompressed by Accept-Encoding', async (t) => {
  const a = await app(t, built(t));
  const plain = await a.inject({ url: '/' });
  t.equal(plain.statusCode, 200);
  t.match(plain.body, /^<!doctype html>/);
  t.equal(plain.headers['cache-control'], 'no-cache');
  t.equal(plain.headers['content-security-policy'], CSP);
  t.notMatch(CSP, /unsafe-inline|unsafe-eval|\*/, 'no inline script or style, no wildcard source');
  t.equal(plain.headers['content-type'], 'text/html; charset=utf-8');
  t.equal(plain.headers['content-encoding'], undefined);
  t.equal(plain.headers.vary, 'Accept-Encoding');
  const br = await a.inject({ url: '/', headers: { 'accept-encoding': 'gzip, deflate, br' } });
  t.equal(br.headers['content-encoding'], 'br', 'brotli first');
  const gz = await a.inject({ url: '/', headers: { 'accept-encoding': 'gzip, br;q=0' } });
  t.equal(gz.headers['content-encoding'], 'gzip', 'br refused with q=0: gzip');
  t.equal(Number(gz.headers['content-length']), gz.rawPayload.length);
  const none = await a.inject({ url: '/', headers: { 'accept-encoding': 'identity' } });
  t.equal(none.headers['content-encoding'], undefined);
  const again = await a.inject({ url: '/', headers: { 'if-none-match': String(plain.headers.etag) } });
  t.equal(again.statusCode, 304, 'revalidation by ETag');
  const head = await a.inject({ method: 'HEAD', url: '/' });
  t.equal(head.statusCode, 200);
  t.equal(head.body, '');
  t.equal(head.headers['content-length'], plain.headers['content-length'], 'HEAD: the length GET would send');
});

t.test('hashed assets are immutable; a missing precompressed file falls back', async (t) => {
  const a = await app(t, built(t));
  const js = await a.inject({ url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'br, gzip' } });
  t.equal(js.statusCode, 200);
  t.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
  t.equal(js.headers['content-encoding'], 'gzip', 'no .br beside it: gzip');
  t.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  const fav = await a.inject({ url: '/favicon.svg' });
  t.equal(fav.statusCode, 200);
  t.equal(fav.headers['cache-control'], 'no-cache', 'not hashed: revalidated');
});

t.test('UI page paths get index.html; anything else stays the front door’s', async (t) => {
  const a = await app(t, built(t));
  for (const p of UI_PAGES) {
    const r = await a.inject({ url: `/${p}` });
    t.equal(r.statusCode, 200, `/${p}`);
    t.match(r.body, /^<!doctype html>/);
  }
  t.equal((await a.inject({ url: '/audio/clips' })).statusCode, 200, 'a sub-page');
  for (const url of ['/api/v1/nothing', '/axis-cgi/nothing.cgi', '/nothing', '/assets/missing.js', '/assets/..%2Findex.html', '/assets/.secret', '/assets/a/b.js']) {
    const r = await a.inject({ url });
    t.equal(r.statusCode, 404, url);
    t.notMatch(r.body, /doctype/, `${url}: never the page`);
  }
  t.equal((await a.inject({ url: '/assets/%2e%2e%2f.secret' })).statusCode, 404, 'no way out of the folder');
});

t.test('without a built UI, `/` says how to build it', async (t) => {
  const a = await app(t, undefined);
  const r = await a.inject({ url: '/' });
  t.equal(r.statusCode, 404);
  t.match(r.body, /make build/);
});
