import { Type } from 'typebox';
import type { RouteSchema, RouteSpec } from '@belfry/core/contract';
import { CONTENT_LIMITS, TOPIC_LIMITS } from '@belfry/core/filters';
import { LIMITS } from '../model.js';

// ---- the web UI's rule editor (System > Events > Rules): schemas checked by core's route layer

const Id = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }) }, { additionalProperties: false });
const Params = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: LIMITS.paramLength }), { maxProperties: 64, description: 'every template parameter as a string; unused optional ones may be left out or empty' });
const ActionBody = Type.Object({ template: Type.String({ minLength: 1, maxLength: 255 }), params: Params }, { additionalProperties: false });
const Condition = Type.Object(
  {
    topic: Type.String({ minLength: 1, maxLength: TOPIC_LIMITS.length, description: 'ONVIF topic expression, e.g. tns1:Device/tnsaxis:IO/VirtualInput' }),
    content: Type.Optional(Type.String({ maxLength: CONTENT_LIMITS.length, description: 'ONVIF ItemFilter, e.g. boolean(//SimpleItem[@Name="port" and @Value="1"])' })),
    invert: Type.Optional(Type.Boolean({ description: 'the condition holds while its state does not' })),
    trigger: Type.Optional(Type.Boolean({ description: 'first condition only: use it as a trigger (an edge)' })),
  },
  { additionalProperties: false },
);
const Wait = Type.Union([Type.String({ pattern: '^[0-9]{1,2}:[0-5][0-9]:[0-5][0-9]$', description: 'hh:mm:ss' }), Type.Integer({ minimum: 0, maximum: 359_999, description: 'seconds' })]);
const RuleBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: LIMITS.nameLength }),
    enabled: Type.Boolean(),
    wait: Type.Optional(Wait),
    conditions: Type.Array(Condition, { minItems: 1, maxItems: LIMITS.conditions }),
    action: ActionBody,
  },
  { additionalProperties: false },
);
const Rule = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  enabled: Type.Boolean(),
  preconfigured: Type.Boolean(),
  active: Type.Boolean({ description: 'all its conditions hold now (or, with a trigger, since it fired)' }),
  wait: Type.String({ description: 'hh:mm:ss' }),
  waitSeconds: Type.Integer(),
  conditions: Type.Array(Condition),
  actionId: Type.Integer({ description: 'the action configuration the rule runs (made with the rule)' }),
  action: ActionBody,
});
const ActionConfig = Type.Object({ id: Type.Integer(), name: Type.String(), template: Type.String(), params: Params, usedBy: Type.Array(Type.Integer(), { description: 'rule ids' }) });
const ActionConfigBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: LIMITS.nameLength }), template: Type.String({ minLength: 1, maxLength: 255 }), params: Params }, { additionalProperties: false });
const NoQuery = Type.Object({}, { additionalProperties: false });
const Created = Type.Object({ id: Type.Integer() });
const Ok = Type.Object({});
const ParamDecl = Type.Object({ name: Type.String(), type: Type.String(), niceName: Type.Optional(Type.String()), values: Type.Optional(Type.Array(Type.String())), min: Type.Optional(Type.Number()), max: Type.Optional(Type.Number()), optional: Type.Optional(Type.Boolean()) });
const Template = Type.Object({ id: Type.String(), niceName: Type.String(), unlimited: Type.Boolean({ description: 'runs while the rule is active' }), params: Type.Array(ParamDecl) });
const ItemDecl = Type.Object({ name: Type.String(), type: Type.String(), niceName: Type.Optional(Type.String()), values: Type.Optional(Type.Array(Type.Unknown())) });
const Topic = Type.Object({ topic: Type.String(), niceName: Type.String(), stateful: Type.Boolean(), source: Type.Array(ItemDecl), key: Type.Optional(Type.Array(ItemDecl)), data: Type.Array(ItemDecl) });

export const ENGINE_SCHEMAS = {
  rules: {
    GET: { summary: 'the rules, each with its conditions and action', querystring: NoQuery, response: { 200: Type.Object({ rules: Type.Array(Rule), limit: Type.Integer() }) } },
    POST: { summary: 'add a rule; its action configuration is made with it', body: RuleBody, response: { 201: Created } },
  },
  rule: {
    GET: { params: Id, querystring: NoQuery, response: { 200: Rule } },
    PUT: { summary: 'replace a rule (and the action configuration it owns)', params: Id, body: RuleBody, response: { 200: Ok } },
    DELETE: { summary: 'remove a rule (and its action configuration when no other rule uses it)', params: Id, response: { 200: Ok } },
  },
  actions: {
    GET: { summary: 'the action configurations (the SOAP action service makes them too)', querystring: NoQuery, response: { 200: Type.Object({ actions: Type.Array(ActionConfig), limit: Type.Integer() }) } },
    POST: { body: ActionConfigBody, response: { 201: Created } },
  },
  action: {
    GET: { params: Id, querystring: NoQuery, response: { 200: ActionConfig } },
    PUT: { params: Id, body: ActionConfigBody, response: { 200: Ok } },
    DELETE: { summary: 'refused (409) while a rule uses it', params: Id, response: { 200: Ok } },
  },
  templates: { summary: 'the action templates this device declares, with their parameters', querystring: NoQuery, response: { 200: Type.Object({ templates: Type.Array(Template) }) } },
  topics: { summary: 'the event topics this device declares (the catalogue)', querystring: NoQuery, response: { 200: Type.Object({ topics: Type.Array(Topic) }) } },
} satisfies Record<string, RouteSchema | Record<string, RouteSchema>>;

const probe = (method: string, url: string, needs: 'viewer' | 'admin', body?: string) => ({ method, url, needs, ...(body !== undefined ? { body, contentType: 'application/json' } : {}) });

/** The rule engine's JSON API: rules and action configurations are admin's (as action1 is); the catalogue is viewer's. */
export const ENGINE_ROUTES: readonly RouteSpec[] = [
  { path: '/api/v1/events/rules', methods: ['GET', 'POST'], access: 'admin', errors: 'json-api', summary: 'list or add rules', schema: ENGINE_SCHEMAS.rules, probe: probe('GET', '/api/v1/events/rules', 'admin') },
  { path: '/api/v1/events/rules/:id', methods: ['GET', 'PUT', 'DELETE'], access: 'admin', errors: 'json-api', schema: ENGINE_SCHEMAS.rule, probe: probe('GET', '/api/v1/events/rules/2147483647', 'admin') },
  { path: '/api/v1/events/actions', methods: ['GET', 'POST'], access: 'admin', errors: 'json-api', summary: 'list or add action configurations', schema: ENGINE_SCHEMAS.actions, probe: probe('GET', '/api/v1/events/actions', 'admin') },
  { path: '/api/v1/events/actions/:id', methods: ['GET', 'PUT', 'DELETE'], access: 'admin', errors: 'json-api', schema: ENGINE_SCHEMAS.action, probe: probe('GET', '/api/v1/events/actions/2147483647', 'admin') },
  { path: '/api/v1/events/templates', methods: ['GET'], access: 'viewer', errors: 'json-api', schema: ENGINE_SCHEMAS.templates, probe: probe('GET', '/api/v1/events/templates', 'viewer') },
  { path: '/api/v1/events/topics', methods: ['GET'], access: 'viewer', errors: 'json-api', schema: ENGINE_SCHEMAS.topics, probe: probe('GET', '/api/v1/events/topics', 'viewer') },
];
