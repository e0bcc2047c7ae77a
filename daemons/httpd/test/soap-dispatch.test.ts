import t from 'tap';
import type { DaemonModule, Logger } from '@belfry/core';
import type { RouteSpec } from '@belfry/core/contract';
import { callerOf } from '@belfry/core/http';
import { DeclaredRoutes } from '../src/declared-routes.js';
import { bodyNamespace } from '../src/soap-dispatch.js';
import { startDevice } from './device.js';
import { ADMIN, addAccount, rawReq, waitFor } from './cgi-helpers.js';

const NS_A = 'urn:test:a';
const NS_B = 'urn:test:b';
const PATH = '/local/soap/services';
const env = (ns: string, op = 'Op', pad = '') => `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><x:${op} xmlns:x="${ns}">${pad}</x:${op}></s:Body></s:Envelope>`;

function soapRoute(access: RouteSpec['access'], namespaces: string[], bodyLimit?: number): RouteSpec {
  return { path: PATH, methods: ['POST'], access, errors: 'soap', soap: { namespaces }, ...(bodyLimit ? { bodyLimit } : {}), probe: { method: 'POST', url: PATH, body: env(namespaces[0]!), needs: access === 'admin' ? 'admin' : 'viewer' } };
}

const warnings: string[] = [];
const log = { warn: (_f: unknown, msg: string) => warnings.push(msg) } as unknown as Logger;

t.test('a path is shared only by SOAP routes with disjoint namespaces', async (t) => {
  const d = new DeclaredRoutes('/run', () => false, log);
  d.take('a', JSON.stringify({ routes: [soapRoute('viewer', [NS_A])] }));
  t.equal(d.soapOwners(PATH), undefined, 'one owner alone: no dispatch by body');
  d.take('b', JSON.stringify({ routes: [soapRoute('admin', [NS_B])] }));
  t.same(d.soapOwners(PATH)?.map((r) => r.owner), ['a', 'b'], 'disjoint namespaces: both own the path');
  d.take('c', JSON.stringify({ routes: [soapRoute('admin', [NS_A, 'urn:test:c'])] }));
  t.same(d.soapOwners(PATH)?.map((r) => r.owner), ['a', 'b'], 'a namespace already served: ignored');
  const plain: RouteSpec = { path: PATH, methods: ['POST'], access: 'admin', errors: 'soap', probe: { method: 'POST', url: PATH, needs: 'admin' } };
  d.take('e', JSON.stringify({ routes: [plain] }));
  t.notOk(d.all().some((r) => r.owner === 'e'), 'a route without namespaces cannot share the path');
  d.take('f', JSON.stringify({ routes: [{ ...soapRoute('admin', ['urn:x']), soap: { namespaces: [] } }, { ...soapRoute('admin', ['urn:y']), soap: { namespaces: 'urn:y' } }] }));
  t.notOk(d.all().some((r) => r.owner === 'f'), 'malformed namespace lists are refused');
  d.take('b', '');
  t.equal(d.soapOwners(PATH), undefined, 'the other withdrew: one owner again');
});

t.test('the Body namespace', async (t) => {
  t.equal(bodyNamespace(Buffer.from(env(NS_A))), NS_A, 'the first element of the Body');
  t.equal(bodyNamespace(Buffer.from(env(NS_A).replace('http://www.w3.org/2003/05/soap-envelope', 'http://schemas.xmlsoap.org/soap/envelope/'))), NS_A, 'SOAP 1.1 too');
  const bomb = `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>${env(NS_A, 'Op', '&b;')}`;
  const f = bodyNamespace(Buffer.from(bomb));
  t.ok(typeof f !== 'string' && f.status === 400 && f.body.includes('ter:WellFormed'), 'an entity declaration: WellFormed fault');
  const notSoap = bodyNamespace(Buffer.from('<a xmlns="urn:x"><b/></a>'));
  t.ok(typeof notSoap !== 'string' && notSoap.status === 400, 'not an envelope: 400');
  const empty = bodyNamespace(Buffer.from('<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>'));
  t.ok(typeof empty !== 'string' && empty.body.includes('no operation'), 'an empty Body: 400');
  const deep = bodyNamespace(Buffer.from(env(NS_A, 'Op', '<x:d>'.repeat(40) + '</x:d>'.repeat(40))));
  t.ok(typeof deep !== 'string' && deep.body.includes('ter:MaxLimitReached'), 'too deep: MaxLimitReached');
});

/** Two owners of one SOAP path: `a` (viewer, namespace A), `b` (admin, namespace B, a 2000-byte limit). */
function owner(name: string, route: RouteSpec): DaemonModule {
  return {
    name,
    async start(ctx) {
      await ctx.serveHttp([route], { [PATH]: (req, reply) => reply.type('application/soap+xml').send(`${name} ${callerOf(req).role} ${(req.body as Buffer).toString('utf8')}`) });
      return { stop: async () => undefined };
    },
  };
}

t.test('the front door forwards by namespace with the owner access level', async (t) => {
  const d = await startDevice(t, { audiod: false, users: ['soapa', 'soapb'] });
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  await addAccount(d, 'vera', 'viewer-pw', 'viewer');
  await d.tb.run(owner('soapa', soapRoute('viewer', [NS_A])));
  await d.tb.run(owner('soapb', soapRoute('admin', [NS_B], 2000)));
  const post = (user: string, pw: string, body: string) => d.digest('POST', PATH, user, pw, { body, headers: { 'Content-Type': 'application/soap+xml' } });
  await waitFor('both declarations', async () => (await post(ADMIN.user, ADMIN.pw, env(NS_B))).body.startsWith('soapb'));

  const a = await post('vera', 'viewer-pw', env(NS_A));
  t.equal(a.status, 200);
  t.equal(a.body, `soapa viewer ${env(NS_A)}`, 'namespace A reaches a, with the whole body');
  const b = await post(ADMIN.user, ADMIN.pw, env(NS_B));
  t.equal(b.body, `soapb admin ${env(NS_B)}`, 'namespace B reaches b');
  const vb = await post('vera', 'viewer-pw', env(NS_B));
  t.equal(vb.status, 403, "a viewer on the admin owner's namespace: 403");
  t.match(vb.body, /SOAP-ENV:Fault/, 'as a SOAP fault');
  t.equal((await rawReq(d.httpPort, 'POST', PATH, { body: env(NS_A) })).status, 401, 'anonymous: challenged');

  const unknown = await post(ADMIN.user, ADMIN.pw, env('urn:test:nobody'));
  t.equal(unknown.status, 500, 'an unknown namespace: 500');
  t.match(unknown.body, /ter:ActionNotSupported/, 'ActionNotSupported');
  t.match(unknown.body, /Optional action not implemented/);

  const atLimit = env(NS_B, 'Op', 'x'.repeat(2000 - env(NS_B).length));
  t.equal((await post(ADMIN.user, ADMIN.pw, atLimit)).status, 200, "a body at b's limit passes");
  t.equal((await post(ADMIN.user, ADMIN.pw, atLimit + ' ')).status, 413, "one byte more: 413 (b's limit, though a's is larger)");
  const big = await post(ADMIN.user, ADMIN.pw, env(NS_A, 'Op', 'x'.repeat(10 * 1024 * 1024)));
  t.equal(big.status, 413, 'a 10 MB body: 413');
  const bomb = await post(ADMIN.user, ADMIN.pw, `<!DOCTYPE l [<!ENTITY a "a">]>${env(NS_A, 'Op', '&a;')}`);
  t.equal(bomb.status, 400, 'an entity declaration: 400');
  t.match(bomb.body, /ter:WellFormed/);
  t.equal((await post('vera', 'viewer-pw', env(NS_A))).status, 200, 'the front door still serves after all that');
});
