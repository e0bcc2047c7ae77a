import t from 'tap';
import { Ajv } from 'ajv';
import { PARAMD } from '@belfry/core';
import type { ContractSpec, RouteSchema } from '@belfry/core/contract';
import { BOARDD } from '@belfry/boardd/contract';
import { HTTPD } from '@belfry/httpd/contract';
import { ROUTE_CONTRACTS } from '../src/gen-docs.js';

/**
 * The daemons' Ajv instances (core's rpc.ts and http/validate.ts) do not check schemas against the
 * JSON Schema meta-schema: compiling it cost every host 10–35 ms of CPU per instance at start. Every
 * contract's schemas are checked here instead, so a broken one still fails before it ships.
 */
const CONTRACTS: readonly ContractSpec[] = [PARAMD, BOARDD, HTTPD, ...ROUTE_CONTRACTS];

function schemasOf(c: ContractSpec): [string, object][] {
  const out: [string, object][] = [];
  for (const [m, s] of Object.entries(c.methods)) out.push([`${c.name}.${m}.params`, s.params], [`${c.name}.${m}.result`, s.result]);
  for (const [e, s] of Object.entries(c.events ?? {})) out.push([`${c.name} event ${e}.source`, s.source], [`${c.name} event ${e}.data`, s.data]);
  for (const r of c.routes ?? []) {
    const per = r.schema && !('body' in r.schema || 'querystring' in r.schema || 'params' in r.schema || 'response' in r.schema) ? Object.entries(r.schema as Record<string, RouteSchema>) : r.schema ? [['', r.schema as RouteSchema] as const] : [];
    for (const [method, s] of per) {
      const at = `${c.name} ${method} ${r.path}`.replace('  ', ' ');
      for (const k of ['params', 'querystring', 'body'] as const) if (s[k]) out.push([`${at} ${k}`, s[k]]);
      for (const [status, body] of Object.entries(s.response ?? {})) out.push([`${at} response ${status}`, body]);
    }
  }
  return out;
}

t.test("every contract's schemas are valid JSON Schema", async (t) => {
  const ajv = new Ajv({ strict: false });
  const all = CONTRACTS.flatMap(schemasOf);
  t.ok(all.length > 100, `${all.length} schemas in ${CONTRACTS.length} contracts`);
  const bad = all.filter(([, s]) => !ajv.validateSchema(s)).map(([where]) => `${where}: ${ajv.errorsText(ajv.errors)}`);
  t.same(bad, [], 'none fails the meta-schema');
  t.notOk(ajv.validateSchema({ type: 'integr' }), 'a broken schema is caught by this check');
});

t.test('every one compiles as the daemons compile it (at its first use, so not at start)', async (t) => {
  const asDaemons = new Ajv({ allErrors: false, strict: false, validateSchema: false });
  const failed: string[] = [];
  for (const [where, s] of CONTRACTS.flatMap(schemasOf)) {
    try {
      asDaemons.compile(s);
    } catch (err) {
      failed.push(`${where}: ${(err as Error).message}`);
    }
  }
  t.same(failed, [], 'none throws');
  t.throws(() => asDaemons.compile({ $ref: '#/nowhere' }), 'a schema that cannot compile is caught by this check');
});
