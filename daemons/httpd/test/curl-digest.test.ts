import t, { type Test } from 'tap';
import { execFile } from 'node:child_process';
import type { RouteSpec } from '@belfry/core/contract';
import type { RouteDef } from '../src/context.js';
import { ownRoutes } from '../src/routes.js';
import { startDevice, type Device } from './device.js';
import { ADMIN, waitFor } from './cgi-helpers.js';

/**
 * Real curl with `--digest`, GET and POST on every protected CGI of the route table (issue 9 item 4).
 * curl sends its first request without credentials — a POST without its body — and authenticates
 * only when that gets a 401 with a challenge, so a route that answers it with anything else
 * (`200 # Error: Unknown action ''`) can never be used by curl.
 */
/** A route of the assembled table: httpd's own and those other daemons declare. */
interface Row {
  owner: string;
  method: readonly string[];
  path: string;
  access: string;
  probe: RouteDef['probe'];
}
// protected: anything but `anonymous`; CGIs: the web UI's JSON API has no Digest (cookie sessions)
const isCgi = (r: Row) => r.access !== 'anonymous' && !r.path.startsWith('/api/');
const OWN: Row[] = ownRoutes().map((r) => ({ owner: 'httpd', method: r.method, path: r.path, access: r.access, probe: r.probe }));

/** httpd's routes plus the declared ones (retained, so a fresh subscription gets them all). */
async function assembled(d: Device): Promise<Row[]> {
  const bus = await d.tb.connect('tester');
  const rows: Row[] = [];
  await bus.subscribe('belfry/decl/+/routes', (topic, payload) => {
    const decl = JSON.parse(payload.toString()) as { routes: RouteSpec[] };
    for (const r of decl.routes) rows.push({ owner: topic.split('/')[2]!, method: r.methods, path: r.path, access: r.access, probe: r.probe as RouteDef['probe'] });
  });
  await waitFor('the declared routes', async () => rows.some((r) => r.owner === 'audiod'));
  return [...OWN, ...rows].filter(isCgi);
}

interface CurlAnswer {
  status: number;
  body: string;
  /** how many requests carried Digest credentials (from `-v`) */
  authorized: number;
  /** how many answers were a 401 */
  challenged: number;
}

function curl(d: Device, method: 'GET' | 'POST', r: Row, body: string | undefined): Promise<CurlAnswer> {
  const q = r.probe.url.indexOf('?');
  const url = `${d.http}${method === 'POST' && body !== undefined && q >= 0 && !r.probe.body ? r.probe.url.slice(0, q) : r.probe.url}`;
  const args = ['-s', '-v', '--digest', '-u', `${ADMIN.user}:${ADMIN.pw}`, '-o', '-', '-w', '\n%{http_code}', '--max-time', '30'];
  if (r.probe.contentType) args.push('-H', `Content-Type: ${r.probe.contentType}`);
  if (method === 'POST') args.push('--data-binary', body ?? '');
  args.push(url);
  return new Promise((resolve, reject) => {
    execFile('curl', args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      // a stream route (receive.cgi) may answer 200 and keep sending: curl stops at --max-time (28)
      if (err && (err as { code?: number }).code !== 28) return reject(new Error(`curl ${args.join(' ')}: ${err.message}\n${stderr}`));
      const nl = stdout.lastIndexOf('\n');
      resolve({
        status: Number(stdout.slice(nl + 1)),
        body: stdout.slice(0, nl),
        authorized: (stderr.match(/^> Authorization: Digest /gm) ?? []).length,
        challenged: (stderr.match(/^< HTTP\/1\.1 401 /gm) ?? []).length,
      });
    });
  });
}

/** The body a POST sends: the probe's, or its query string as a form. */
function postBody(r: Row): string {
  if (r.probe.body !== undefined) return r.probe.body;
  const q = r.probe.url.indexOf('?');
  return q < 0 ? '' : r.probe.url.slice(q + 1);
}


t.test('curl --digest POST on param.cgi updates (the issue as reported)', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  const param = OWN.find((r) => r.path === '/axis-cgi/param.cgi')!;
  const up = await curl(d, 'POST', { ...param, probe: { ...param.probe, url: '/axis-cgi/param.cgi' } }, 'action=update&Network.HostName=curl-host');
  t.equal(up.challenged, 1, 'the body-less probe was challenged');
  t.equal(up.authorized, 1, 'curl authenticated');
  t.equal(up.body, 'OK\n');
  t.equal((await d.params.get({ names: ['Network.HostName'] })).params['Network.HostName'], 'curl-host', 'the update happened');
  // anonymous lists keep working: anonymous params without credentials
  const anon = await d.req('GET', '/axis-cgi/param.cgi?action=list&group=Brand.Brand');
  t.equal(anon.status, 200, 'an anonymous list of anonymous params');
  t.match(anon.body, /^root\.Brand\.Brand=/);
  const k60 = await d.req('POST', '/axis-cgi/param.cgi', { body: 'action=list&group=Brand.Brand', headers: { 'Content-Type': 'text/plain' } });
  t.match(k60.body, /^root\.Brand\.Brand=/, 'an anonymous list in a POST body (K60)');
  const probe = await d.req('POST', '/axis-cgi/param.cgi', { headers: { 'Content-Length': '0' } });
  t.equal(probe.status, 401, "curl's body-less probe is challenged");
  t.match(probe.headers['www-authenticate'], /^Digest /);
  t.equal((await d.req('POST', '/axis-cgi/param.cgi?action=update', { body: 'Network.HostName=x' })).status, 401, 'an action in the query that anonymous cannot use: challenged before the body is read');
  t.equal((await d.req('GET', '/axis-cgi/param.cgi?action=update&Network.HostName=x')).status, 401, 'an anonymous update is challenged');
  await d.params.update({ changes: { 'System.AnonymousViewing': 'yes' } });
  const viewer = await d.req('GET', '/axis-cgi/param.cgi?action=list&group=Network.HostName');
  t.equal(viewer.status, 200, 'with anonymous viewing, an anonymous list of viewer params');
  t.equal(viewer.body, 'root.Network.HostName=curl-host\n');
  t.equal((await d.req('GET', '/axis-cgi/param.cgi?action=listdefinitions&group=Network.HostName')).status, 200, 'and listdefinitions');
  t.equal((await d.req('POST', '/axis-cgi/param.cgi', { body: 'action=update&Network.HostName=x' })).status, 401, 'but an anonymous viewer is still challenged for an update');
});

t.test('curl --digest GET and POST on every protected CGI', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  const cgis = await assembled(d);
  t.ok(cgis.length >= 15, `${cgis.length} protected CGIs`);
  t.ok(cgis.some((r) => r.path === '/axis-cgi/param.cgi' && r.access === 'self'), 'param.cgi (self) is among them');
  t.ok(cgis.some((r) => r.owner !== 'httpd'), 'and routes other daemons declare');
  const safe = cgis.filter((r) => !r.probe.destructive);
  t.ok(cgis.filter((r) => r.probe.destructive).every((r) => r.owner === 'httpd'), 'the destructive ones are httpd\'s (tested below)');
  for (const r of safe) {
    for (const method of ['GET', 'POST'] as const) {
      const a = await curl(d, method, r, method === 'POST' ? postBody(r) : undefined);
      check(t, r, method, a);
    }
  }
});

// restart and factory default change the device for everyone: a fresh device for each request
for (const r of OWN.filter((x) => isCgi(x) && x.probe.destructive)) {
  for (const method of ['GET', 'POST'] as const) {
    t.test(`curl --digest ${method} ${r.path} (destructive)`, async (t) => {
      const d = await startDevice(t);
      await d.addAdmin(ADMIN.user, ADMIN.pw);
      check(t, r, method, await curl(d, method, r, method === 'POST' ? postBody(r) : undefined));
    });
  }
}

function check(t: Test, r: Row, method: 'GET' | 'POST', a: CurlAnswer): void {
  const what = `${method} ${r.path}: ${a.status} ${a.body.slice(0, 80)}`;
  t.not(a.status, 401, `${what}: not left unauthenticated`);
  t.not(a.status, 403, `${what}: the admin is allowed`);
  t.ok(a.status < 500, `${what}: no 5xx`);
  if (!r.method.includes(method)) {
    t.equal(a.status, 405, `${what}: a method the route lacks is a 405`);
    return;
  }
  // what answers before authentication: an AJR CGI's wrong HTTP method (2002 or 405)
  const wrongAjrMethod = method === 'GET' && r.probe.method === 'POST' && r.probe.contentType === 'application/json';
  if (wrongAjrMethod) return;
  t.equal(a.challenged, 1, `${what}: curl's first request was challenged`);
  t.equal(a.authorized, 1, `${what}: and curl authenticated`);
}
