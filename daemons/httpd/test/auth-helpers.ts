import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Device, Res } from './device.js';

/** Shared helpers of the authentication and account tests. */

export type DigestAlg = 'MD5' | 'SHA-256' | 'SHA256';

export interface DigestOpts {
  user: string;
  password: string;
  realm: string;
  nonce: string;
  method: string;
  uri: string;
  nc?: number;
  cnonce?: string;
  /** the algorithm named in the header; undefined leaves it out (MD5 implied) */
  algorithm?: DigestAlg;
  /** hash used for the answer; by default the one `algorithm` names */
  hash?: 'md5' | 'sha256';
  quoteAlgorithm?: boolean;
  quoteQop?: boolean;
  /** the uri put in the header when it should differ from the one signed */
  headerUri?: string;
  realmInHeader?: string;
}

export function ncString(nc: number): string {
  return nc.toString(16).padStart(8, '0');
}

/** A Digest `Authorization` value (RFC 7616, qop=auth), as clients build it. */
export function digestAuth(o: DigestOpts): string {
  const hash = o.hash ?? (o.algorithm === 'SHA-256' || o.algorithm === 'SHA256' ? 'sha256' : 'md5');
  const H = (s: string) => createHash(hash).update(s).digest('hex');
  const nc = ncString(o.nc ?? 1);
  const cnonce = o.cnonce ?? randomBytes(8).toString('hex');
  const response = H(`${H(`${o.user}:${o.realm}:${o.password}`)}:${o.nonce}:${nc}:${cnonce}:auth:${H(`${o.method}:${o.uri}`)}`);
  const alg = o.algorithm === undefined ? '' : o.quoteAlgorithm ? `, algorithm="${o.algorithm}"` : `, algorithm=${o.algorithm}`;
  const qop = o.quoteQop ? 'qop="auth"' : 'qop=auth';
  return `Digest username="${o.user}", realm="${o.realmInHeader ?? o.realm}", nonce="${o.nonce}", uri="${o.headerUri ?? o.uri}"${alg}, ${qop}, nc=${nc}, cnonce="${cnonce}", response="${response}"`;
}

export interface Challenge {
  scheme: string;
  realm: string;
  nonce: string;
  stale: boolean;
  raw: string;
}

/** The one WWW-Authenticate header of a response (throws when there is not exactly one). */
export function challengeOf(r: Res): Challenge {
  const h = r.headers['www-authenticate'];
  if (typeof h !== 'string') throw new Error(`expected one WWW-Authenticate header, got ${JSON.stringify(h)} (status ${r.status})`);
  return {
    scheme: h.split(' ')[0]!,
    realm: /realm="([^"]*)"/.exec(h)?.[1] ?? '',
    nonce: /nonce="([^"]*)"/.exec(h)?.[1] ?? '',
    stale: /stale=true/i.test(h),
    raw: h,
  };
}

/** Fetches a fresh nonce from the device (an unauthenticated request answered 401). */
export async function freshNonce(d: Device, url = '/axis-cgi/usergroup.cgi', https = false): Promise<Challenge> {
  const r = await d.req('GET', url, { https });
  if (r.status !== 401) throw new Error(`expected 401, got ${r.status}`);
  return challengeOf(r);
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'latin1').toString('base64')}`;
}

/** Polls `fn` until it returns true (or fails after `ms`). */
export async function waitFor(fn: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Sets params through the test back door and gives httpd's param cache time to apply them. */
export async function setParams(d: Device, changes: Record<string, string>): Promise<void> {
  await d.params.update({ changes });
  // httpd reloads its settings when paramd announces the change, on its own bus connection
  await sleep(250);
}

export async function needsSetup(d: Device): Promise<string> {
  const r = await d.req('POST', '/axis-cgi/systemready.cgi', { body: '{"apiVersion":"1","method":"systemready"}' });
  return (JSON.parse(r.body) as { data: { needsetup: string } }).data.needsetup;
}

export interface AuditLine {
  time: string;
  daemon: string;
  action: string;
  [k: string]: unknown;
}

export function auditPath(d: Device): string {
  return join(d.tb.paths.log, 'audit-httpd.log');
}

export function auditLines(d: Device): AuditLine[] {
  const f = auditPath(d);
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditLine);
}

export interface Spawned {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end (no shell), with a time limit. */
export function run(cmd: string, args: string[], timeoutMs = 15_000): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    for (const k of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']) delete env[k];
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A session login over the JSON API: the cookie value and the CSRF token. */
export async function login(d: Device, user: string, password: string, https = false): Promise<{ res: Res; cookie: string; csrf: string }> {
  const res = await d.req('POST', '/api/v1/session', { body: JSON.stringify({ user, password }), headers: { 'Content-Type': 'application/json' }, https });
  const set = res.headers['set-cookie']?.[0] ?? '';
  const cookie = /^(belfry_session=[^;]*)/.exec(set)?.[1] ?? '';
  const csrf = res.status === 200 ? (JSON.parse(res.body) as { csrfToken: string }).csrfToken : '';
  return { res, cookie, csrf };
}
