import t from 'tap';
import { Agent } from 'node:https';
import { startDevice } from './device.js';
import { login } from './auth-helpers.js';

/** GET /api/v1/clients: the front door's open connections, for the web UI's Status page. */
t.test('the connected clients: every open connection, admins only', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin('root', 'pass1');
  await d.digest('GET', '/axis-cgi/pwdgrp.cgi?action=add&user=vic&pwd=vicpw&grp=users&sgrp=viewer', 'root', 'pass1');
  // an HTTPS connection kept open by a keep-alive agent; the HTTP request asking is open too
  const tlsKeep = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  t.teardown(() => tlsKeep.destroy());
  await d.req('GET', '/axis-cgi/systemready.cgi', { agent: tlsKeep, https: true });
  const admin = await login(d, 'root', 'pass1');
  const as = (s: { cookie: string; csrf: string }) => ({ headers: { Cookie: s.cookie, 'X-CSRF-Token': s.csrf } });
  const r = await d.req('GET', '/api/v1/clients', as(admin));
  t.equal(r.status, 200);
  const body = JSON.parse(r.body) as { total: number; clients: { address: string; port: number; protocol: string; since: string }[] };
  t.equal(body.total, body.clients.length);
  t.ok(body.clients.some((c) => c.protocol === 'https'), 'the HTTPS connection is listed');
  t.ok(body.clients.filter((c) => c.protocol === 'http').length >= 1, 'and the HTTP ones');
  for (const c of body.clients) {
    t.match(c.address, /^(::ffff:)?127\.0\.0\.1$/);
    t.ok(c.port > 0 && c.port < 65536);
    t.ok(Date.parse(c.since) <= Date.now());
  }
  t.equal((await d.req('GET', '/api/v1/clients')).status, 401, 'anonymous: 401 (JSON, no challenge)');
  t.equal((await d.req('GET', '/api/v1/clients', as(await login(d, 'vic', 'vicpw')))).status, 403, 'a viewer may not see them');
  const bad = await d.req('GET', '/api/v1/clients?all=1', as(admin));
  t.equal(bad.status, 400, 'an unknown query argument is refused');
  t.match(JSON.parse(bad.body), { error: { code: 'invalid_argument' } });
});
