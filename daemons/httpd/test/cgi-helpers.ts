import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { Device, Res } from './device.js';

/** Helpers shared by the CGI tests (matrix, fixtures, limits, maintenance, tls). */

export interface RawRes extends Res {
  /** header lines as sent, name/value pairs flattened (Node joins duplicates in `headers`) */
  rawHeaders: string[];
}

/** A plain HTTP request that also returns the raw header lines. */
export function rawReq(port: number, method: string, url: string, opts: { body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<RawRes> {
  return new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body);
    const r = httpRequest(
      { method, host: '127.0.0.1', port, path: url, headers: { ...(body ? { 'Content-Length': String(body.length) } : {}), ...opts.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers as IncomingHttpHeaders, rawHeaders: res.rawHeaders, body: raw.toString('utf8'), raw });
        });
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

/** How many times a header (any case) was sent. */
export function headerCount(r: RawRes, name: string): number {
  let n = 0;
  for (let i = 0; i < r.rawHeaders.length; i += 2) if (r.rawHeaders[i]!.toLowerCase() === name.toLowerCase()) n++;
  return n;
}

export const ADMIN = { user: 'root', pw: 'pass1' };

/** Creates an account through pwdgrp.cgi as the admin (the way a VMS does). */
export async function addAccount(d: Device, user: string, pw: string, sgrp: string): Promise<void> {
  const r = await d.digest('GET', `/axis-cgi/pwdgrp.cgi?action=add&user=${user}&pwd=${encodeURIComponent(pw)}&grp=users&sgrp=${sgrp}`, ADMIN.user, ADMIN.pw);
  if (!r.body.includes(`Created account ${user}.`)) throw new Error(`could not create ${user}: ${r.status} ${r.body}`);
}

/** An AJR call as the admin; answers the parsed JSON. */
export async function ajr(d: Device, path: string, body: unknown, as: { user: string; pw: string } | null = ADMIN): Promise<{ status: number; json: Record<string, unknown>; res: Res }> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const opts = { body: text, headers: { 'Content-Type': 'application/json' } };
  const res = as ? await d.digest('POST', path, as.user, as.pw, opts) : await d.req('POST', path, opts);
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    /* not JSON: the caller's assertions fail on it */
  }
  return { status: res.status, json, res };
}

/** Polls `fn` until it answers truthy (or throws after `ms`). */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether the device is in setup state (no admin), as systemready.cgi tells anyone. */
export async function needsSetup(d: Device): Promise<boolean> {
  const r = await d.req('POST', '/axis-cgi/systemready.cgi', { body: '{"apiVersion":"1","method":"systemready"}' });
  return (JSON.parse(r.body) as { data: { needsetup: string } }).data.needsetup === 'yes';
}
