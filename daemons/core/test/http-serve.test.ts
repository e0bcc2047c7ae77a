import t from 'tap';
import { BelfryError } from '../src/errors.js';
import { FORWARD, callerOf, frontDoorAnswer, routeServer } from '../src/http/index.js';
import type { RouteSpec } from '../src/contract.js';

const probe = { method: 'GET', url: '/x', needs: 'viewer' } as const;
const ROUTES: RouteSpec[] = [
  { path: '/axis-cgi/thing.cgi', methods: ['GET', 'POST'], access: 'viewer', errors: 'vapix-text', probe },
  { path: '/api/v1/things/:id', methods: ['PATCH'], access: 'operator', errors: 'json-api', bodyLimit: 10, probe },
];

t.test('the route server: handlers in-process with inject', async (t) => {
  let ran = 0;
  const app = routeServer(ROUTES, {
    '/axis-cgi/thing.cgi': (req, reply) => {
      ran++;
      const c = callerOf(req);
      if (c.role !== 'admin') throw new BelfryError('permission_denied', 'admins only');
      return reply.send(`OK ${c.user}\n`);
    },
    '/api/v1/things/:id': () => {
      ran++;
      throw new BelfryError('not_found', 'no thing');
    },
  });
  t.teardown(() => app.close());
  const admin = { [FORWARD.user]: 'root', [FORWARD.role]: 'admin', [FORWARD.via]: 'digest' };
  t.equal((await app.inject({ url: '/axis-cgi/thing.cgi', headers: admin })).body, 'OK root\n', 'the caller comes from the front door headers');
  const viewer = await app.inject({ url: '/axis-cgi/thing.cgi', headers: { [FORWARD.role]: 'viewer' } });
  t.same([viewer.statusCode, viewer.body], [400, '400 Bad Request\nadmins only\n'], "a BelfryError in the route's wire format");
  const bogus = await app.inject({ url: '/axis-cgi/thing.cgi', headers: { [FORWARD.role]: 'root' } });
  t.equal(bogus.statusCode, 401, 'an unknown role reads as anonymous');
  const operator = { [FORWARD.role]: 'operator' };
  const nf = await app.inject({ method: 'PATCH', url: '/api/v1/things/7', payload: '{}', headers: operator });
  t.same([nf.statusCode, JSON.parse(nf.body)], [404, { error: { code: 'not_found', message: 'no thing' } }]);
  const big = await app.inject({ method: 'PATCH', url: '/api/v1/things/7', payload: '01234567890', headers: operator });
  t.equal(big.statusCode, 413, 'over the route body limit: 413');
  t.equal(JSON.parse(big.body).error.code, 'too_large', 'in JSON');

  const before = ran;
  const late = await app.inject({ url: '/axis-cgi/thing.cgi', headers: { ...admin, [FORWARD.deadline]: String(Date.now() - 1) } });
  t.same([late.statusCode, late.body], [503, '503 Service Unavailable\n'], 'past its deadline: refused');
  t.equal(ran, before, 'and the handler never ran');
  const inTime = await app.inject({ url: '/axis-cgi/thing.cgi', headers: { ...admin, [FORWARD.deadline]: String(Date.now() + 60_000) } });
  t.equal(inTime.statusCode, 200, 'before its deadline: served');
});

t.test("the owner's second lock: below the route's least role nothing runs, whatever the front door did", async (t) => {
  let ran = 0;
  const routes: RouteSpec[] = [
    ...ROUTES,
    { path: '/open', methods: ['GET'], access: 'anonymous', errors: 'vapix-text', probe },
    { path: '/live', methods: ['POST'], access: 'admin', errors: 'ajr', stream: true, probe },
  ];
  const ok = (_req: unknown, reply: { send(b: string): unknown }) => (ran++, reply.send('ran\n'));
  const app = routeServer(routes, { '/axis-cgi/thing.cgi': ok, '/api/v1/things/:id': ok, '/open': ok, '/live': (_req, reply) => void (ran++, reply.raw.end('ran\n')) });
  t.teardown(() => app.close());
  const as = (role?: string) => (role ? { [FORWARD.role]: role } : {});
  const anon = await app.inject({ url: '/axis-cgi/thing.cgi' });
  t.same([anon.statusCode, anon.body], [401, frontDoorAnswer('vapix-text', 401).body], "no role on a viewer route: 401, the front door's own answer");
  const low = await app.inject({ method: 'PATCH', url: '/api/v1/things/1', payload: '{}', headers: as('viewer') });
  t.same([low.statusCode, JSON.parse(low.body).error.code], [403, 'permission_denied'], 'a viewer on an operator route: 403 in JSON');
  const stream = await app.inject({ method: 'POST', url: '/live', payload: 'x', headers: as('operator') });
  t.equal(stream.statusCode, 403, 'a stream route too, before it takes the connection');
  t.equal(ran, 0, 'no handler ran');
  t.equal((await app.inject({ url: '/open' })).body, 'ran\n', 'an anonymous route is left to its handler');
  t.equal((await app.inject({ url: '/axis-cgi/thing.cgi', headers: as('admin') })).body, 'ran\n', 'a higher role passes');
  t.equal((await app.inject({ method: 'POST', url: '/live', payload: 'x', headers: as('admin') })).body, 'ran\n');
});

t.test('every route needs a handler, every handler a route', async (t) => {
  t.throws(() => routeServer(ROUTES, { '/axis-cgi/thing.cgi': () => undefined }), /no handler for route \/api\/v1\/things/);
  t.throws(() => routeServer([ROUTES[0]!], { '/axis-cgi/thing.cgi': () => undefined, '/other': () => undefined }), /undeclared route \/other/);
});
