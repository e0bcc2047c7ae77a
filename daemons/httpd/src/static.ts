import { createReadStream, existsSync, statSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DevicePaths } from '@belfry/core';

/**
 * The web UI's static files (built by scripts/build.mjs from web-ui/): `/` and the UI's page paths
 * answer index.html, `/assets/<hashed name>` the bundles. Files are streamed from disk at each
 * request (nothing held on the heap); the precompressed `.br` or `.gz` beside a file is sent when
 * the client accepts it. No authentication: these files hold no device data, the API they call does.
 */

/**
 * The UI's page paths (web-ui/src/pages.ts has the same list): a reload or a bookmark of
 * `/audio/clips` gets index.html. Only these: any other path stays the front door's (API 404s as before).
 */
export const UI_PAGES = ['setup', 'login', 'status', 'audio', 'system', 'maintenance', 'events', 'sip', 'mqtt', 'security', 'apps', 'network', 'time'];

/** No inline script or style, nothing from elsewhere; the API and blobs (downloads) are same-origin. */
export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; font-src 'self'; connect-src 'self'; media-src 'self' blob:; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  json: 'application/json',
  woff2: 'font/woff2',
  png: 'image/png',
  txt: 'text/plain; charset=utf-8',
};
/** A hashed asset's name (Vite's `name-hash.ext`) or a top-level file: one path segment, no dot files. */
const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/**
 * Where the built UI is: `<lib>/web-ui` on a device (`/usr/lib/belfry/web-ui`, beside the code),
 * else beside the running code: `dist/web-ui` for the bundles (dist/chunks/…) and for the sources
 * run by tsx (daemons/httpd/src/ → dist/web-ui). Undefined when it was never built.
 */
export function webUiDir(paths: DevicePaths): string | undefined {
  const candidates = [join(paths.lib, 'web-ui')];
  for (let d = dirname(fileURLToPath(import.meta.url)), i = 0; i < 5; i++, d = dirname(d)) candidates.push(join(d, 'web-ui'), join(d, 'dist/web-ui'));
  return candidates.find((c) => existsSync(join(c, 'index.html')));
}

/** The encoding to send: br, then gzip, when accepted (q > 0) and the precompressed file exists. */
function pickEncoding(accept: string | undefined, file: string): { path: string; encoding?: 'br' | 'gzip'; stat: Stats } | undefined {
  const accepted = new Map<string, number>();
  for (const part of (accept ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name) accepted.set(name, q ? Number(q.slice(2)) || 0 : 1);
  }
  const ok = (e: string) => (accepted.get(e) ?? accepted.get('*') ?? 0) > 0;
  for (const [encoding, ext] of [['br', '.br'], ['gzip', '.gz']] as const) {
    if (!ok(encoding)) continue;
    const stat = statOf(file + ext);
    if (stat) return { path: file + ext, encoding, stat };
  }
  const stat = statOf(file);
  return stat ? { path: file, stat } : undefined;
}

function statOf(p: string): Stats | undefined {
  try {
    const s = statSync(p);
    return s.isFile() ? s : undefined;
  } catch {
    return undefined;
  }
}

function sendFile(req: FastifyRequest, reply: FastifyReply, file: string, immutable: boolean): FastifyReply {
  const picked = pickEncoding(req.headers['accept-encoding'], file);
  if (!picked) return reply.code(404).type('text/plain').send('404 Not Found\n');
  const ext = file.slice(file.lastIndexOf('.') + 1);
  const etag = `"${picked.stat.size.toString(36)}-${Math.floor(picked.stat.mtimeMs).toString(36)}${picked.encoding ? `-${picked.encoding}` : ''}"`;
  reply
    .header('Content-Type', TYPES[ext] ?? 'application/octet-stream')
    .header('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('Vary', 'Accept-Encoding')
    .header('ETag', etag)
    .header('X-Content-Type-Options', 'nosniff');
  if (ext === 'html') reply.header('Content-Security-Policy', CSP).header('Referrer-Policy', 'no-referrer').header('X-Frame-Options', 'DENY').header('Cross-Origin-Opener-Policy', 'same-origin');
  if (picked.encoding) reply.header('Content-Encoding', picked.encoding);
  if (req.headers['if-none-match'] === etag) return reply.code(304).send();
  reply.header('Content-Length', String(picked.stat.size));
  // HEAD: fastify's head route sends the headers and drops the stream unread
  return reply.send(createReadStream(picked.path));
}

/** Registers the UI's routes on httpd's app (before `ready()`); without a built UI they say how to build it. */
export function serveWebUi(app: FastifyInstance, dir: string | undefined): void {
  const index = async (req: FastifyRequest, reply: FastifyReply) => (dir ? sendFile(req, reply, join(dir, 'index.html'), false) : reply.code(404).type('text/plain').send('404 Not Found: the web interface is not built (run `make build`)\n'));
  const file = (sub: string, immutable: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const name = (req.params as { name?: string }).name ?? '';
    if (!dir || !FILE_NAME.test(name)) return reply.code(404).type('text/plain').send('404 Not Found\n');
    return sendFile(req, reply, join(dir, sub, name), immutable);
  };
  app.get('/', index);
  for (const p of UI_PAGES) {
    app.get(`/${p}`, index);
    app.get(`/${p}/*`, index);
  }
  app.get('/assets/:name', file('assets', true));
  app.get('/favicon.svg', async (req, reply) => (dir ? sendFile(req, reply, join(dir, 'favicon.svg'), false) : reply.code(404).type('text/plain').send('404 Not Found\n')));
}
