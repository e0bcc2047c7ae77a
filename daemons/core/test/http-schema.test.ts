import t from 'tap';
import { Type } from 'typebox';
import { openApiDocument, routeServer } from '../src/http/index.js';
import { forwardedAs } from '../src/testing.js';
import type { RouteSpec } from '../src/contract.js';

const probe = { method: 'GET', url: '/x', needs: 'viewer' } as const;
const Id = Type.Object({ id: Type.Integer({ minimum: 0, maximum: 99 }) }, { additionalProperties: false });
const ROUTES: RouteSpec[] = [
  {
    path: '/api/v1/things/:id',
    methods: ['PATCH', 'DELETE'],
    access: 'operator',
    errors: 'json-api',
    schema: {
      PATCH: { params: Id, body: Type.Object({ name: Type.String({ maxLength: 8 }), loud: Type.Optional(Type.Boolean()) }, { additionalProperties: false }), response: { 200: Type.Object({ id: Type.Integer() }) } },
      DELETE: { params: Id },
    },
    probe,
  },
  { path: '/api/v1/find', methods: ['GET'], access: 'anonymous', errors: 'json-api', schema: { querystring: Type.Object({ n: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })) }, { additionalProperties: false }) }, probe },
  { path: '/axis-cgi/thing.cgi', methods: ['GET'], access: 'viewer', errors: 'vapix-text', probe },
];

t.test('the route layer checks path, query and JSON body against the schemas', async (t) => {
  const seen: unknown[] = [];
  const app = routeServer(ROUTES, {
    '/api/v1/things/:id': (req, reply) => {
      seen.push({ method: req.method, params: req.params, body: req.method === 'PATCH' ? req.body : undefined });
      return reply.type('application/json').send(JSON.stringify({ id: (req.params as { id: number }).id }));
    },
    '/api/v1/find': (req, reply) => {
      seen.push(req.query);
      return reply.send('{}');
    },
    '/axis-cgi/thing.cgi': (_req, reply) => reply.send('OK\n'),
  });
  forwardedAs(app, 'operator');
  t.teardown(() => app.close());
  const patch = (url: string, payload: string) => app.inject({ method: 'PATCH', url, payload, headers: { 'content-type': 'application/json' } });
  const refused = async (p: Promise<{ statusCode: number; body: string }>, error: object, what: string) => {
    const r = await p;
    t.equal(r.statusCode, 400, `${what}: 400`);
    t.match(JSON.parse(r.body), { error }, `${what}: the JSON API error shape`);
  };

  const ok = await patch('/api/v1/things/7', '{"name":"lamp","loud":true}');
  t.same([ok.statusCode, JSON.parse(ok.body)], [200, { id: 7 }], 'a good request reaches the handler');
  t.same(seen.pop(), { method: 'PATCH', params: { id: 7 }, body: { name: 'lamp', loud: true } }, 'with the path coerced to a number and the body parsed');
  t.equal((await patch('/api/v1/things/7', '{"name":"12345678"}')).statusCode, 200, 'a string at its limit');
  seen.length = 0;

  await refused(patch('/api/v1/things/7', '{"name":"123456789"}'), { code: 'invalid_argument', name: 'name', message: 'name must NOT have more than 8 characters' }, 'one character over the limit');
  await refused(patch('/api/v1/things/7', '{"name":3}'), { code: 'invalid_argument', name: 'name' }, 'a wrong type');
  await refused(patch('/api/v1/things/7', '{"name":"x","loud":"yes"}'), { code: 'invalid_argument', name: 'loud' }, 'a string for a boolean (no coercion in bodies)');
  await refused(patch('/api/v1/things/7', '{"name":"x","colour":"red"}'), { code: 'invalid_argument', name: 'colour', message: 'unknown field colour' }, 'an extra field');
  await refused(patch('/api/v1/things/7', '{}'), { code: 'invalid_argument', name: 'name', message: 'name is required' }, 'a missing field');
  await refused(patch('/api/v1/things/7', '[1]'), { code: 'invalid_argument', message: 'the body must be object' }, 'not an object');
  await refused(patch('/api/v1/things/7', '{"name":'), { code: 'bad_request', message: 'body is not valid JSON' }, 'not JSON');
  await refused(patch('/api/v1/things/100', '{"name":"x"}'), { code: 'invalid_argument', name: 'id' }, 'a path value past its maximum');
  await refused(patch('/api/v1/things/x7', '{"name":"x"}'), { code: 'invalid_argument', name: 'id' }, 'a path value that is no number');
  t.equal(seen.length, 0, 'no refused request reached the handler');

  const del = await app.inject({ method: 'DELETE', url: '/api/v1/things/99' });
  t.equal(del.statusCode, 200, "DELETE has its own schema: no body wanted, the path's maximum accepted");
  t.same(seen.pop(), { method: 'DELETE', params: { id: 99 }, body: undefined });

  t.equal((await app.inject({ url: '/api/v1/find?n=10' })).statusCode, 200, 'a query value at its limit');
  t.same(seen.pop(), { n: 10 }, 'coerced from text');
  await refused(app.inject({ url: '/api/v1/find?n=11' }), { code: 'invalid_argument', name: 'n' }, 'a query value over its limit');
  await refused(app.inject({ url: '/api/v1/find?m=1' }), { code: 'invalid_argument', name: 'm', message: 'unknown parameter m' }, 'an unknown query parameter');
  t.equal((await app.inject({ url: '/axis-cgi/thing.cgi?anything=1' })).body, 'OK\n', 'routes without schemas are unchanged');
});

t.test('the OpenAPI document from route specs', async (t) => {
  const doc = openApiDocument(ROUTES, { sessionCookie: 'sid' }) as { openapi: string; paths: Record<string, Record<string, Record<string, unknown>>>; components: { securitySchemes: Record<string, unknown> } };
  t.match(doc.openapi, /^3\.1\./, 'OpenAPI 3.1');
  t.same(Object.keys(doc.paths).sort(), ['/api/v1/find', '/api/v1/things/{id}'], 'the JSON API routes, `:id` as `{id}`; VAPIX CGIs are not in it');
  const patch = doc.paths['/api/v1/things/{id}']!.patch!;
  t.match(patch, {
    'x-belfry-least-role': 'operator',
    security: [{ digest: [] }, { basic: [] }, { session: [] }],
    parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', maximum: 99 } }],
    requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['name'], additionalProperties: false } } } },
    responses: { 200: { content: { 'application/json': { schema: { properties: { id: { type: 'integer' } } } } } }, 400: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }, 401: {}, 403: {} },
  });
  t.notOk('requestBody' in doc.paths['/api/v1/things/{id}']!.delete!, 'DELETE takes no body');
  const find = doc.paths['/api/v1/find']!.get!;
  t.same(find.security, [], 'anonymous: no security requirement');
  t.notOk('401' in (find.responses as object), 'and no 401');
  t.match(find.parameters, [{ name: 'n', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 10 } }]);
  t.match(doc.components.securitySchemes, { digest: { type: 'http', scheme: 'digest' }, session: { type: 'apiKey', in: 'cookie', name: 'sid' } });
  const ids = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
  t.equal(new Set(ids).size, ids.length, 'operation ids are unique');
});
