import t from 'tap';
import { Type } from 'typebox';
import type { DaemonModule } from '@belfry/core';
import { schemaFor, type RouteSpec } from '@belfry/core/contract';
import { AUDIOD_ROUTES } from '@belfry/audiod/contract';
import { startDevice, type Device, type Res } from './device.js';
import { digestAuth, freshNonce } from './auth-helpers.js';
import { ADMIN, addAccount, rawReq, waitFor } from './cgi-helpers.js';
import { API_SCHEMAS } from '../src/cgi/api-schemas.js';

const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** A daemon that declares one JSON API route at runtime: the served document must show it. */
const GADGET: RouteSpec[] = [
  {
    path: '/api/v1/gadgets/:n',
    methods: ['PUT'],
    access: 'operator',
    errors: 'json-api',
    schema: { params: Type.Object({ n: Type.Integer({ minimum: 1 }) }), body: Type.Object({ on: Type.Boolean() }, { additionalProperties: false }) },
    probe: { method: 'PUT', url: '/api/v1/gadgets/1', body: '{"on":true}', contentType: 'application/json', needs: 'operator' },
  },
];
const gadgetd: DaemonModule = {
  name: 'gadgetd',
  async start(ctx) {
    await ctx.serveHttp(GADGET, { '/api/v1/gadgets/:n': (req, reply) => reply.type('application/json').send(JSON.stringify(req.body)) });
    return { stop: async () => undefined };
  },
};

type Tap = Pick<typeof t, 'equal' | 'match'>;
type Doc = { openapi: string; info: object; paths: Record<string, Record<string, { 'x-belfry-least-role': string }>> };

/** Digest without the round trip: the JSON API answers 401 without a challenge (a browser must not prompt). */
let nc = 0;
async function as(d: Device, user: string, password: string, method: string, url: string, body?: string): Promise<Res> {
  const ch = await freshNonce(d);
  return d.req(method, url, { ...(body !== undefined ? { body } : {}), headers: { ...JSON_HEADERS, Authorization: digestAuth({ user, password, realm: ch.realm, nonce: ch.nonce, method, uri: url, nc: ++nc }) } });
}
const asAdmin = (d: Device, method: string, url: string, body?: string) => as(d, ADMIN.user, ADMIN.pw, method, url, body);

t.test('the JSON API: bad input is a 400 in the error shape; the OpenAPI document', async (t) => {
  const d = await startDevice(t, { users: ['gadgetd'] });
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  await addAccount(d, 'view', 'view1', 'viewer');
  const refused = async (t: Tap, method: string, url: string, body: string | undefined, error: object, what: string) => {
    const r = await asAdmin(d, method, url, body);
    t.equal(r.status, 400, `${what}: 400`);
    t.match(JSON.parse(r.body), { error }, `${what}: {error:{code,message}}`);
  };

  await t.test("httpd's own routes", async (t) => {
    const before = (JSON.parse((await asAdmin(d, 'GET', '/api/v1/users')).body) as { users: unknown[] }).users.length;
    await refused(t, 'POST', '/api/v1/users', JSON.stringify({ user: 'eve', password: 'pw', role: 'viewer', admin: true }), { code: 'invalid_argument', name: 'admin' }, 'an extra field');
    await refused(t, 'POST', '/api/v1/users', JSON.stringify({ user: 'eve', password: 'pw', ptz: 'yes' }), { code: 'invalid_argument', name: 'ptz' }, 'a wrong type');
    await refused(t, 'POST', '/api/v1/users', JSON.stringify({ user: 'e'.repeat(33), password: 'pw' }), { code: 'invalid_argument', name: 'user' }, 'a 33-character user name');
    await refused(t, 'POST', '/api/v1/users', JSON.stringify({ user: 'eve', password: 'pw', comment: 'c'.repeat(129) }), { code: 'invalid_argument', name: 'comment' }, 'a comment one over 128');
    await refused(t, 'POST', '/api/v1/users', JSON.stringify({ user: 'eve', password: 'p'.repeat(1025) }), { code: 'invalid_argument', name: 'password' }, 'a password over the size limit');
    await refused(t, 'POST', '/api/v1/users', JSON.stringify({ password: 'pw' }), { code: 'invalid_argument', name: 'user', message: 'user is required' }, 'a missing user');
    await refused(t, 'POST', '/api/v1/users?x=1', JSON.stringify({ user: 'eve', password: 'pw' }), { code: 'invalid_argument', name: 'x' }, 'an unknown query parameter');
    await refused(t, 'PATCH', '/api/v1/users/root', JSON.stringify({ role: 'superuser' }), { code: 'invalid_argument', name: 'role' }, 'an unknown role');
    const users = JSON.parse((await asAdmin(d, 'GET', '/api/v1/users')).body) as { users: unknown[] };
    t.equal(users.users.length, before, 'no account was added by any of them');
    t.equal((await asAdmin(d, 'POST', '/api/v1/users', JSON.stringify({ user: 'e'.repeat(32), password: 'pw', comment: 'c'.repeat(128) }))).status, 201, 'a 32-character name and a 128-character comment: at the limits');
    const login = await d.req('POST', '/api/v1/session', { body: JSON.stringify({ user: 'root', password: 'pass1', remember: true }), headers: JSON_HEADERS });
    t.same([login.status, JSON.parse(login.body).error.name, login.headers['set-cookie']], [400, 'remember', undefined], 'login with an extra field: 400, no session');
  });

  await t.test("audiod's routes, checked by audiod behind the front door", async (t) => {
    await refused(t, 'POST', '/api/v1/clips/1/play', '{"volume":"loud"}', { code: 'invalid_argument', name: 'volume' }, 'a string volume');
    await refused(t, 'POST', '/api/v1/clips/1/play', '{"volume":1001}', { code: 'invalid_argument', name: 'volume' }, 'volume one over 1000');
    await refused(t, 'POST', '/api/v1/clips/1/play', '{"speed":2}', { code: 'invalid_argument', name: 'speed' }, 'an extra field');
    await refused(t, 'POST', '/api/v1/clips/10000/play', '{}', { code: 'invalid_argument', name: 'id' }, 'clip id 10000');
    await refused(t, 'PATCH', '/api/v1/clips/1', JSON.stringify({ name: 'n'.repeat(257) }), { code: 'invalid_argument', name: 'name' }, 'a 257-character name');
    await refused(t, 'PATCH', '/api/v1/clips/1', '{"name":', { code: 'bad_request' }, 'a body that is not JSON');
    await refused(t, 'GET', '/api/v1/clips/1/link?volume=1001', undefined, { code: 'invalid_argument', name: 'volume' }, 'link: volume over 1000');
    await refused(t, 'POST', '/api/v1/speaker-test/explode', '{}', { code: 'invalid_argument', name: 'action' }, 'an unknown speaker test action');
    const clips = JSON.parse((await asAdmin(d, 'GET', '/api/v1/clips')).body) as { clips: { id: number; name: string }[] };
    const link = await asAdmin(d, 'GET', `/api/v1/clips/${clips.clips[0]!.id}/link?volume=1000&repeat=-1`);
    t.equal(JSON.parse(link.body).path, `/axis-cgi/playclip.cgi?clip=${clips.clips[0]!.id}&volume=1000&repeat=-1`, 'link: the limits themselves are taken');
    t.same(JSON.parse((await asAdmin(d, 'GET', '/api/v1/clips')).body), clips, 'no clip changed');
  });

  await t.test('GET /api/v1/openapi.json: built from the route table at request time', async (t) => {
    t.equal((await rawReq(d.httpPort, 'GET', '/api/v1/openapi.json')).status, 401, 'anonymous: log in first');
    const get = async () => JSON.parse((await as(d, 'view', 'view1', 'GET', '/api/v1/openapi.json')).body) as Doc;
    const doc = await get();
    t.match(doc, { openapi: /^3\.1\.\d+$/, info: { title: String, version: String } }, 'an OpenAPI 3.1 document, for a viewer');
    const own = Object.values(API_SCHEMAS).length;
    t.ok(own > 0);
    const expected = [
      ['/api/v1/session', 'post', 'anonymous'],
      ['/api/v1/session', 'get', 'viewer'],
      ['/api/v1/session', 'delete', 'viewer'],
      ['/api/v1/users', 'get', 'admin'],
      ['/api/v1/users', 'post', 'setup'],
      ['/api/v1/users/{user}', 'patch', 'admin'],
      ['/api/v1/users/{user}', 'delete', 'admin'],
      ['/api/v1/openapi.json', 'get', 'viewer'],
      ...AUDIOD_ROUTES.filter((r) => r.errors === 'json-api').flatMap((r) => r.methods.map((m) => [r.path.replace(/:(\w+)/g, '{$1}'), m.toLowerCase(), schemaFor(r.schema, m)?.access ?? r.access])),
    ];
    for (const [path, method, role] of expected) t.equal(doc.paths[path!]?.[method!]?.['x-belfry-least-role'], role, `${method!.toUpperCase()} ${path}: least role ${role}`);
    t.equal(doc.paths['/api/v1/clips']?.post?.['x-belfry-least-role'], 'operator', "an upload is documented as the operator's it is, though listing is a viewer's");
    t.notOk(doc.paths['/api/v1/gadgets/{n}'], 'no gadget route before its daemon declares it');

    await d.tb.run(gadgetd);
    await waitFor('the declaration', async () => (await get()).paths['/api/v1/gadgets/{n}']);
    t.match((await get()).paths['/api/v1/gadgets/{n}'], { put: { 'x-belfry-least-role': 'operator', parameters: [{ name: 'n', in: 'path', schema: { type: 'integer' } }], requestBody: { content: { 'application/json': { schema: { properties: { on: { type: 'boolean' } } } } } } } }, 'a route declared at runtime appears, with its schemas');
    const put = await asAdmin(d, 'PUT', '/api/v1/gadgets/0', '{"on":true}');
    t.same([put.status, JSON.parse(put.body).error.name], [400, 'n'], "and the declaring daemon's route layer checks it");
    t.same(JSON.parse((await asAdmin(d, 'PUT', '/api/v1/gadgets/1', '{"on":true}')).body), { on: true });
  });
});
