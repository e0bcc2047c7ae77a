import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '@belfry/core';
import { callerHeaders, routeServer } from '@belfry/core/http';
import { FIREWALLD_ROUTES } from '../src/contract.js';
import { Firewall, type FirewallDeps } from '../src/firewall.js';
import { realNft, type Nft } from '../src/nft.js';
import type { LegacyFilter } from '../src/render.js';
import { firewallHandlers } from '../src/rest.js';

export function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'firewalld-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The real nft, and the texts it was given (check or apply). */
export function recordingNft(inner: Nft = realNft({ kind: 'check' })): Nft & { calls: { op: string; text: string }[] } {
  const calls: { op: string; text: string }[] = [];
  return {
    calls,
    check: (text) => (calls.push({ op: 'check', text }), inner.check(text)),
    apply: (text) => (calls.push({ op: 'apply', text }), inner.apply(text)),
  };
}

export const OFF: LegacyFilter = { enabled: false, policy: 'allow', addresses: [], log: false };

/** A firewall on a temporary folder; `now` can be moved by the test. */
export async function testFirewall(t: { teardown(fn: () => void): void }, opts: Partial<FirewallDeps> & { dir?: string } = {}) {
  const { dir: given, ...deps } = opts;
  const dir = given ?? tempDir(t);
  const audit = new AuditLog(join(dir, 'log'), 'firewalld');
  const tests: boolean[] = [];
  let legacy = OFF;
  const fw = new Firewall({ dir: join(dir, 'state'), nft: opts.nft ?? realNft({ kind: 'check' }), audit, legacy: () => legacy, onTest: (on) => tests.push(on), ...deps });
  await fw.open();
  t.teardown(() => fw.stop());
  const auditLines = () => readFileSync(audit.path, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { fw, dir, tests, auditLines, setLegacy: (l: LegacyFilter) => void (legacy = l) };
}

/** The REST handlers in process, behind core's route layer as firewalld serves them; `addr` is the caller's address. */
export async function testApi(t: { teardown(fn: () => void): void }, opts: Parameters<typeof testFirewall>[1] = {}) {
  const f = await testFirewall(t, opts);
  const app = routeServer(FIREWALLD_ROUTES, firewallHandlers(f.fw, { http: () => 80, https: () => 443 }));
  t.teardown(() => void app.close());
  const call = async (method: string, url: string, data?: unknown, o: { addr?: string; role?: 'viewer' | 'admin'; raw?: string } = {}) => {
    const headers = { ...callerHeaders({ user: 'root', role: o.role ?? 'admin', via: 'digest', ptz: false, proto: 'http', addr: o.addr ?? '127.0.0.1' }), 'content-type': 'application/json' };
    const r = await app.inject({ method: method as 'GET', url: `/config/rest/firewall/v1${url}`, headers, payload: o.raw ?? (data === undefined ? undefined : JSON.stringify({ data })) });
    return { status: r.statusCode, json: JSON.parse(r.body) as { status: string; data?: unknown; error?: { code: number; message: string } } };
  };
  return { ...f, call };
}
