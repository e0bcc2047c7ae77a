import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError } from '../errors.js';

/**
 * The Device Configuration framework's bodies (`/config/rest/<api>/v<N>`): requests carry
 * `{"data": …}`, successes answer `{"status":"success"}` or `{"status":"success","data": …}`.
 * Errors are the route layer's (`errors: 'config-rest'`).
 */

/** The `data` of a `{"data": …}` request body (undefined for an empty body); anything else is a 400 (code 2). */
export function configRestData(req: FastifyRequest): unknown {
  const raw = req.body;
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : '';
  if (!text.trim()) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BelfryError('bad_request', 'the body is not JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BelfryError('bad_request', 'the body is not {"data": …}');
  return (body as { data?: unknown }).data;
}

/** A success answer, with `data` when there is some. */
export function sendConfigRest(reply: FastifyReply, status: number, data?: unknown): FastifyReply {
  return reply
    .code(status)
    .type('application/json')
    .send(JSON.stringify(data === undefined ? { status: 'success' } : { status: 'success', data }));
}
