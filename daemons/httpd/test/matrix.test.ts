import t, { type Test } from 'tap';
import type { RouteDef } from '../src/context.js';
import type { RouteSpec } from '@belfry/core/contract';
import type { Role } from '../src/accounts.js';
import { ownRoutes } from '../src/routes.js';
import { startDevice, type Device, type Res } from './device.js';
import { addAccount, ADMIN, headerCount, needsSetup, rawReq, waitFor } from './cgi-helpers.js';

/**
 * Role × endpoint matrix, generated from the one route table as the front door assembles it:
 * httpd's own routes plus every route the daemons declare on the bus (`belfry/decl/+/routes`), each
 * with its probe, tried anonymously and as viewer, operator and admin. httpd's own table is built
 * by `ownRoutes()`; only `probe` is read.
 */
/** A route of the assembled table, whoever serves it. */
interface Row {
  owner: string;
  method: readonly string[];
  path: string;
  probe: RouteDef['probe'];
}
const OWN: Row[] = ownRoutes().map((r) => ({ owner: 'httpd', method: r.method, path: r.path, probe: r.probe }));

/** httpd's routes plus the declared ones (retained, so a fresh subscription gets them all). */
async function assembled(d: Device): Promise<Row[]> {
  const bus = await d.tb.connect('tester');
  const rows: Row[] = [];
  await bus.subscribe('belfry/decl/+/routes', (topic, payload) => {
    const decl = JSON.parse(payload.toString()) as { routes: RouteSpec[] };
    for (const r of decl.routes) rows.push({ owner: topic.split('/')[2]!, method: r.methods, path: r.path, probe: r.probe as RouteDef['probe'] });
  });
  await waitFor('the declared routes', async () => rows.some((r) => r.owner === 'audiod'));
  return [...OWN, ...rows];
}

type Who = Role | 'anonymous';
const RANK: Record<Who, number> = { anonymous: 0, viewer: 1, operator: 2, admin: 3 };
const USERS: Record<Role, { user: string; pw: string }> = {
  viewer: { user: 'vera', pw: 'viewer-pw' },
  operator: { user: 'otto', pw: 'operator-pw' },
  admin: ADMIN,
};

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function pathRegex(routePath: string): RegExp {
  return new RegExp('^' + routePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z]+/g, '[^/]+') + '$');
}

function label(r: Row): string {
  return `${r.probe.method} ${r.probe.url}`;
}

async function probe(d: Device, r: Row, who: Who): Promise<Res & { rawHeaders?: string[] }> {
  const headers = r.probe.contentType ? { 'Content-Type': r.probe.contentType } : undefined;
  if (who === 'anonymous') return rawReq(d.httpPort, r.probe.method, r.probe.url, { body: r.probe.body, headers });
  const u = USERS[who];
  if (r.path.startsWith('/api/')) {
    // the web UI's JSON API sends no challenge: log in for a cookie session, as the web UI does (a
    // fresh one each time, since one probe logs out)
    const login = await d.req('POST', '/api/v1/session', { body: JSON.stringify({ user: u.user, password: u.pw }), headers: { 'Content-Type': 'application/json' } });
    if (login.status !== 200) throw new Error(`login as ${u.user}: ${login.status} ${login.body}`);
    const cookie = String(login.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
    const csrf = (JSON.parse(login.body) as { csrfToken: string }).csrfToken;
    return d.req(r.probe.method, r.probe.url, { body: r.probe.body, headers: { ...headers, Cookie: cookie, 'X-CSRF-Token': csrf } });
  }
  return d.digest(r.probe.method, r.probe.url, u.user, u.pw, { body: r.probe.body, headers });
}

/** The matrix's verdict on one answer. */
function check(t: Test, r: Row, who: Who, res: Res & { rawHeaders?: string[] }): void {
  const what = `${who} → ${label(r)}: ${res.status}`;
  t.ok(res.status < 500, `${what} is no 5xx`);
  if (RANK[who] >= RANK[r.probe.needs]) {
    t.not(res.status, 401, `${what} is allowed`);
    t.not(res.status, 403, `${what} is allowed`);
    t.not(res.body, '404 Not Found\n', `${what}: the route answered, not the not-found handler`);
  } else if (who === 'anonymous') {
    t.equal(res.status, 401, `${what}: anonymous below ${r.probe.needs} is asked to log in`);
    // the JSON API of the web UI answers 401 without a challenge on purpose (no browser login
    // dialog over the web UI, see auth/authenticate.ts); every VAPIX path sends exactly one
    const n = headerCount(res as Parameters<typeof headerCount>[0], 'WWW-Authenticate');
    t.equal(n, r.path.startsWith('/api/') ? 0 : 1, `${what}: ${n} WWW-Authenticate header(s)`);
  } else {
    t.equal(res.status, 403, `${what}: authenticated below ${r.probe.needs} is forbidden`);
  }
}

function checkTable(t: Test, ROUTES: Row[]): void {
  t.ok(ROUTES.length >= 20, `${ROUTES.length} routes`);
  const seen = new Set<string>();
  for (const r of ROUTES) {
    const key = `${r.method.join(',')} ${r.path}`;
    t.notOk(seen.has(key), `${key} is in the table once`);
    seen.add(key);
    t.ok(r.probe, `${key} has a probe`);
    t.ok(r.method.includes(r.probe.method), `${key}: probe method ${r.probe.method} is one of the route's`);
    t.match(pathOf(r.probe.url), pathRegex(r.path), `${key}: probe ${r.probe.url} hits the route's path`);
    t.ok(['anonymous', 'viewer', 'operator', 'admin'].includes(r.probe.needs), `${key}: needs ${r.probe.needs}`);
  }
  const destructive = ROUTES.filter((r) => r.probe.destructive).map((r) => r.path).sort();
  t.same(destructive, ['/axis-cgi/factorydefault.cgi', '/axis-cgi/hardfactorydefault.cgi', '/axis-cgi/restart.cgi']);
}

t.test('role × endpoint matrix against a live device', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  await addAccount(d, USERS.viewer.user, USERS.viewer.pw, 'viewer');
  await addAccount(d, USERS.operator.user, USERS.operator.pw, 'viewer:operator');
  const ROUTES = await assembled(d);
  t.test('every route of the assembled table has a probe that exercises it', async (t) => checkTable(t, ROUTES));
  t.ok(ROUTES.some((r) => r.path === '/axis-cgi/audio/transmit.cgi' && r.owner === 'audiod'), "audiod's routes are in the table");

  const tried = new Map<Row, Set<Who>>(ROUTES.map((r) => [r, new Set()]));
  const safe = ROUTES.filter((r) => !r.probe.destructive);
  const destructive = ROUTES.filter((r) => r.probe.destructive);
  for (const r of safe) {
    for (const who of ['anonymous', 'viewer', 'operator', 'admin'] as const) {
      check(t, r, who, await probe(d, r, who));
      tried.get(r)!.add(who);
    }
  }
  // destructive ones last: first every role that must be refused (nothing happens) ...
  for (const r of destructive) {
    for (const who of ['anonymous', 'viewer', 'operator', 'admin'] as const) {
      if (RANK[who] >= RANK[r.probe.needs]) continue;
      check(t, r, who, await probe(d, r, who));
      tried.get(r)!.add(who);
    }
  }
  // ... then each once for its least allowed role (admin for all three). A factory default puts the
  // device back in setup state; the next probe needs an admin again.
  for (const r of destructive) {
    const who = (['anonymous', 'viewer', 'operator', 'admin'] as const).find((w) => RANK[w] >= RANK[r.probe.needs])!;
    if (await needsSetup(d)) await d.addAdmin(ADMIN.user, ADMIN.pw);
    const res = await probe(d, r, who);
    check(t, r, who, res);
    t.equal(res.status, 200, `${label(r)} as ${who} answers 200`);
    tried.get(r)!.add(who);
    if (r.path !== '/axis-cgi/restart.cgi') await waitFor('setup state after a factory default', () => needsSetup(d));
  }
  for (const [r, who] of tried) t.ok(who.size >= 1 && (r.probe.destructive || who.size === 4), `${label(r)} tried as ${[...who].join(', ')}`);
});
