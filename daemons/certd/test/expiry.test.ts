import t from 'tap';
import { request } from 'node:http';
import { join } from 'node:path';
import { RpcCaller, PARAMD } from '@belfry/core';
import { callerHeaders } from '@belfry/core/http';
import { startDevice } from '@belfry/core/testing';
import { daemon as paramd } from '@belfry/paramd';
import { daemon as boardd } from '@belfry/boardd';
import { daemon as certd } from '../src/main.js';
import { CERT_EXPIRY_TOPIC } from '../src/contract/index.js';

/** certd on a bus: the expiry event (declared, one stateful instance per certificate, the window a param), changes through its own socket. */
function call(sock: string, method: string, path: string, data?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = data === undefined ? undefined : JSON.stringify({ data });
    const r = request({ socketPath: sock, method, path, headers: { ...callerHeaders({ user: 'root', role: 'admin', via: 'digest', ptz: false, proto: 'https', addr: '127.0.0.1' }), 'content-type': 'application/json', ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

t.test('the expiry event: declared, per certificate, within Cert.ExpiryWarningDays, gone with the certificate', async (t) => {
  const dev = await startDevice({ daemons: [paramd, boardd, certd], users: ['tester'] });
  t.teardown(() => dev.stop());
  const bus = await dev.tb.connect('tester');
  const rpc = new RpcCaller(bus);
  t.teardown(() => rpc.close());
  const states = new Map<string, { op: string; data: Record<string, unknown> } | null>();
  let decl = '';
  await bus.subscribe('belfry/decl/certd/events', (_t, p) => (decl = p.toString()));
  await bus.subscribe(`belfry/event/certd/${CERT_EXPIRY_TOPIC}/#`, (topic, p) => {
    const alias = decodeURIComponent(topic.split('~Alias=')[1] ?? '');
    states.set(alias, p.length ? (JSON.parse(p.toString()) as { op: string; data: Record<string, unknown> }) : null);
  });
  const until = async (what: string, fn: () => boolean) => {
    for (let i = 0; i < 200 && !fn(); i++) await new Promise((r) => setTimeout(r, 25));
    t.ok(fn(), what);
  };
  await until('declared', () => decl.includes(CERT_EXPIRY_TOPIC));
  await until('the factory certificate is not expiring', () => states.get('Belfry default HTTPS')?.data.Expiring === false);
  const sock = join(dev.paths.run, 'certd', 'http.sock');
  const validTo = Math.floor(Date.now() / 1000) + 10 * 86400;
  t.equal((await call(sock, 'POST', '/config/rest/cert/v1/create_certificate', { alias: 'short', subject: 'CN=short', valid_to: validTo })).status, 200);
  await until('a certificate valid 10 more days is expiring (window 30)', () => states.get('short')?.data.Expiring === true);
  t.equal(states.get('short')!.data.NotAfter, new Date(validTo * 1000).toISOString());
  await rpc.client(PARAMD).update({ changes: { 'Cert.ExpiryWarningDays': '5' }, level: 'internal' });
  await until('not within a 5-day window', () => states.get('short')?.data.Expiring === false && states.get('short')?.op === 'Changed');
  t.equal((await call(sock, 'DELETE', '/config/rest/cert/v1/certificates/short')).status, 200);
  await until('the instance goes with the certificate', () => !states.get('short') || states.get('short')?.op === 'Deleted');
});
