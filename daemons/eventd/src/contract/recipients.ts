import { Type } from 'typebox';
import type { RouteSchema, RouteSpec } from '@belfry/core/contract';

// ---- the web UI's recipients API (System > Events > Recipients); records live in eventd's store,
// passwords in secret params (never returned: `passwordSet` says whether one is)
const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const ById = Type.Object({ id: Id }, { additionalProperties: false });
const Name = Type.String({ minLength: 1, maxLength: 255 });
const Template = Type.String({ minLength: 1, maxLength: 64, description: 'com.axis.recipient.http, …https, …smtp, …tcp, …ftp or …sftp' });
const Params = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 8192 }), {
  maxProperties: 16,
  description: "the template's parameters, all strings; those left out are empty (their default). The password is not one of them: see `password`",
});
const Password = Type.String({ maxLength: 255, description: 'the login password; left out on a change: unchanged; empty: none' });
const Body = Type.Object({ name: Name, template: Template, params: Params, password: Type.Optional(Password) }, { additionalProperties: false });
const TestBody = Type.Object(
  { template: Template, params: Params, password: Type.Optional(Password), id: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'a saved recipient whose password is used when `password` is left out' })) },
  { additionalProperties: false },
);
export const RecipientViewT = Type.Object({ id: Type.Integer(), name: Type.String(), template: Type.String(), params: Type.Record(Type.String(), Type.String()), passwordSet: Type.Boolean() });
const TestResult = Type.Object(
  { ok: Type.Boolean(), error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })) },
  { description: 'whether the test message went through; if not, what went wrong (the recipient, not this request: still 200)' },
);
const OK = Type.Object({}, { additionalProperties: false });
const ParamSpec = Type.Object({
  name: Type.String(),
  type: Type.Union([Type.Literal('string'), Type.Literal('int'), Type.Literal('bool'), Type.Literal('enum')]),
  required: Type.Optional(Type.Boolean({ description: 'must not be empty' })),
  default: Type.Optional(Type.String({ description: 'what an empty value means' })),
  values: Type.Optional(Type.Array(Type.String())),
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
  maxLength: Type.Optional(Type.Integer()),
  secret: Type.Optional(Type.Boolean({ description: 'the password: sent as `password`, never returned' })),
});
const RecipientTemplateT = Type.Object({ id: Type.String(), niceName: Type.String(), params: Type.Array(ParamSpec) });
export const RECIPIENTS_SCHEMAS = {
  list: {
    GET: { summary: 'the recipients (at most 20)', response: { 200: Type.Object({ recipients: Type.Array(RecipientViewT) }) } },
    POST: { summary: 'add a recipient (the 21st is refused: 409 limit_exceeded)', body: Body, response: { 201: RecipientViewT } },
  },
  one: {
    GET: { summary: 'one recipient', params: ById, response: { 200: RecipientViewT } },
    PUT: { summary: 'change a recipient', params: ById, body: Body, response: { 200: RecipientViewT } },
    DELETE: { summary: 'remove a recipient and its password (refused while an action configuration sends through it)', params: ById, response: { 200: OK } },
  },
  templates: { summary: 'the recipient templates (types) and their parameters, for a form per type', querystring: Type.Object({}, { additionalProperties: false }), response: { 200: Type.Object({ templates: Type.Array(RecipientTemplateT) }) } },
  testSaved: { summary: 'send a test message through a saved recipient', params: ById, body: OK, response: { 200: TestResult } },
  testUnsaved: { summary: 'send a test message through a recipient not saved yet (the Test button before Save)', body: TestBody, response: { 200: TestResult } },
} satisfies Record<string, RouteSchema | Record<string, RouteSchema>>;

/** How long a test may take: a send's total limit (30 s) and a margin. */
const TEST_TIMEOUT_MS = 35_000;
const json = 'application/json';

export const RECIPIENTS_ROUTES: readonly RouteSpec[] = [
  { path: '/api/v1/events/recipients', methods: ['GET', 'POST'], access: 'admin', errors: 'json-api', summary: 'recipients of notifications (System > Events > Recipients)', schema: RECIPIENTS_SCHEMAS.list, probe: { method: 'GET', url: '/api/v1/events/recipients', needs: 'admin' } },
  { path: '/api/v1/events/recipients/templates', methods: ['GET'], access: 'admin', errors: 'json-api', schema: RECIPIENTS_SCHEMAS.templates, probe: { method: 'GET', url: '/api/v1/events/recipients/templates', needs: 'admin' } },
  { path: '/api/v1/events/recipients/test', methods: ['POST'], access: 'admin', errors: 'json-api', timeoutMs: TEST_TIMEOUT_MS, schema: RECIPIENTS_SCHEMAS.testUnsaved, probe: { method: 'POST', url: '/api/v1/events/recipients/test', needs: 'admin', body: '{"template":"com.axis.recipient.nope","params":{}}', contentType: json } },
  { path: '/api/v1/events/recipients/:id', methods: ['GET', 'PUT', 'DELETE'], access: 'admin', errors: 'json-api', schema: RECIPIENTS_SCHEMAS.one, probe: { method: 'GET', url: '/api/v1/events/recipients/99999', needs: 'admin' } },
  { path: '/api/v1/events/recipients/:id/test', methods: ['POST'], access: 'admin', errors: 'json-api', timeoutMs: TEST_TIMEOUT_MS, schema: RECIPIENTS_SCHEMAS.testSaved, probe: { method: 'POST', url: '/api/v1/events/recipients/99999/test', needs: 'admin', body: '{}', contentType: json } },
];
