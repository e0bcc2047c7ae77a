import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import type { RouteSchema } from '../contract.js';
import { BelfryError } from '../errors.js';

/** Path and query values are text: `?volume=80` is the number 80 for a schema that says integer. */
// (validateSchema: false, as in rpc.ts: the contracts' schemas are checked by a test, not at every start)
const textAjv = new Ajv({ allErrors: false, strict: false, coerceTypes: true, useDefaults: false, validateSchema: false });
/** A JSON body is typed already: `"80"` is no integer. */
const jsonAjv = new Ajv({ allErrors: false, strict: false, validateSchema: false });

// per validator: one schema object may be a query's (coerced) and a body's (not)
const compiled = new Map<Ajv, WeakMap<object, ValidateFunction>>([
  [textAjv, new WeakMap()],
  [jsonAjv, new WeakMap()],
]);
function compile(ajv: Ajv, schema: TSchema): ValidateFunction {
  const cache = compiled.get(ajv)!;
  let v = cache.get(schema);
  if (!v) cache.set(schema, (v = ajv.compile(schema)));
  return v;
}

/** Compiles a route's schemas now, so a broken one fails at start, not at a client's request. */
export function compileSchemas(schema: RouteSchema | undefined): void {
  if (schema?.params) compile(textAjv, schema.params);
  if (schema?.querystring) compile(textAjv, schema.querystring);
  if (schema?.body) compile(jsonAjv, schema.body);
}

/** One schema error as the JSON API says it: the field as `name`, the reason in words. */
function schemaError(where: 'path' | 'query' | 'body', e: ErrorObject | undefined): BelfryError {
  const field = (e?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  if (e?.keyword === 'additionalProperties') {
    const extra = String((e.params as { additionalProperty?: unknown }).additionalProperty);
    const at = field ? `${field}.${extra}` : extra;
    return new BelfryError('invalid_argument', `unknown ${where === 'body' ? 'field' : 'parameter'} ${at}`, { name: at });
  }
  if (e?.keyword === 'required') {
    const missing = String((e.params as { missingProperty?: unknown }).missingProperty);
    const at = field ? `${field}.${missing}` : missing;
    return new BelfryError('invalid_argument', `${at} is required`, { name: at });
  }
  if (!field) return new BelfryError('invalid_argument', `the ${where === 'body' ? 'body' : where} ${e?.message ?? 'is invalid'}`);
  return new BelfryError('invalid_argument', `${field} ${e?.message ?? 'is invalid'}`, { name: field });
}

/**
 * Checks a request against its operation's schemas before the handler runs: path segments and the
 * query (coerced from text), then a JSON body (an empty body is `{}`), which replaces the raw body
 * as `req.body`. Returns the error to answer (400 in the route's format), or nothing.
 */
export function checkRequest(req: FastifyRequest, schema: RouteSchema | undefined): BelfryError | undefined {
  if (!schema) return undefined;
  if (schema.params) {
    const v = compile(textAjv, schema.params);
    if (!v(req.params)) return schemaError('path', v.errors?.[0]);
  }
  if (schema.querystring) {
    const v = compile(textAjv, schema.querystring);
    if (!v(req.query)) return schemaError('query', v.errors?.[0]);
  }
  if (schema.body) {
    const raw = req.body as Buffer | string | undefined;
    const text = raw === undefined ? '' : typeof raw === 'string' ? raw : raw.toString('utf8');
    let body: unknown;
    try {
      body = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      return new BelfryError('bad_request', 'body is not valid JSON');
    }
    const v = compile(jsonAjv, schema.body);
    if (!v(body)) return schemaError('body', v.errors?.[0]);
    req.body = body;
  }
  return undefined;
}
