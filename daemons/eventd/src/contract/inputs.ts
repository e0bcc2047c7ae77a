import { Type } from 'typebox';
import type { RouteProbe, RouteSchema, RouteSpec } from '@belfry/core/contract';

const Port = Type.Integer({ minimum: 1, maximum: 32 });
const Trigger = Type.Object({ port: Type.Integer(), active: Type.Boolean() });
export const INPUTS_SCHEMAS = {
  list: { summary: 'the manual triggers (VirtualPort 1–32) and their state', querystring: Type.Object({}, { additionalProperties: false }), response: { 200: Type.Object({ triggers: Type.Array(Trigger) }) } },
  one: {
    summary: 'turn a manual trigger on or off',
    params: Type.Object({ port: Port }, { additionalProperties: false }),
    body: Type.Object({ active: Type.Boolean() }, { additionalProperties: false }),
    response: { 200: Type.Object({ port: Type.Integer(), active: Type.Boolean(), changed: Type.Boolean() }) },
  },
  inputs: { summary: 'the virtual inputs (VirtualInput 1–32) and their state', querystring: Type.Object({}, { additionalProperties: false }), response: { 200: Type.Object({ inputs: Type.Array(Trigger) }) } },
  input: {
    summary: 'a virtual input on or off (untimed, as activate.cgi/deactivate.cgi without duration)',
    params: Type.Object({ port: Port }, { additionalProperties: false }),
    body: Type.Object({ active: Type.Boolean() }, { additionalProperties: false }),
    response: { 200: Type.Object({ port: Type.Integer(), active: Type.Boolean(), changed: Type.Boolean() }) },
  },
} satisfies Record<string, RouteSchema>;

const probe = (url: string, needs: RouteProbe['needs'], extra: Partial<RouteProbe> = {}): RouteProbe => ({ method: 'GET', url, needs, ...extra });
const vi = (cgi: string, summary: string, probeUrl: string): RouteSpec => ({ path: `/axis-cgi/virtualinput/${cgi}`, methods: ['GET'], access: 'operator', errors: 'vapix-text', summary, probe: probe(probeUrl, 'operator') });

/** Virtual inputs (operator), the manual trigger CGI (viewer) and the web UI's manual triggers and virtual inputs. */
export const INPUTS_ROUTES: readonly RouteSpec[] = [
  vi('activate.cgi', 'virtual input on (`duration` s, 0 = pulse); VirtualInputResponse XML', '/axis-cgi/virtualinput/activate.cgi?schemaversion=1&port=99'),
  vi('deactivate.cgi', 'virtual input off; VirtualInputResponse XML', '/axis-cgi/virtualinput/deactivate.cgi?schemaversion=1&port=99'),
  vi('getschemaversions.cgi', 'virtualinput1 schema versions', '/axis-cgi/virtualinput/getschemaversions.cgi'),
  { path: '/axis-cgi/io/virtualinput.cgi', methods: ['GET'], access: 'viewer', errors: 'vapix-text', summary: 'manual trigger: action=[<port>]:<a>[<wait><a>…]', probe: probe('/axis-cgi/io/virtualinput.cgi?action=99%3A%2F', 'viewer') },
  { path: '/api/v1/events/manual-triggers', methods: ['GET'], access: 'viewer', errors: 'json-api', summary: 'System > Events > Manual triggers', schema: INPUTS_SCHEMAS.list, probe: probe('/api/v1/events/manual-triggers', 'viewer') },
  { path: '/api/v1/events/manual-triggers/:port', methods: ['PUT'], access: 'viewer', errors: 'json-api', summary: 'a manual trigger on or off', schema: INPUTS_SCHEMAS.one, probe: probe('/api/v1/events/manual-triggers/99', 'viewer', { method: 'PUT', body: '{"active":false}', contentType: 'application/json' }) },
  { path: '/api/v1/events/virtual-inputs', methods: ['GET'], access: 'operator', errors: 'json-api', summary: 'System > Events: the virtual inputs', schema: INPUTS_SCHEMAS.inputs, probe: probe('/api/v1/events/virtual-inputs', 'operator') },
  { path: '/api/v1/events/virtual-inputs/:port', methods: ['PUT'], access: 'operator', errors: 'json-api', summary: 'a virtual input on or off', schema: INPUTS_SCHEMAS.input, probe: probe('/api/v1/events/virtual-inputs/99', 'operator', { method: 'PUT', body: '{"active":false}', contentType: 'application/json' }) },
];
