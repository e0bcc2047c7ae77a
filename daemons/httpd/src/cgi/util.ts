import type { FastifyRequest } from 'fastify';
import type { Level } from '@belfry/core';
import { parseForm, type FormArgs } from '../form.js';
import type { Caller } from '../context.js';

/** Form arguments of a request: query string and body, whatever the Content-Type (§1.5). */
export function formArgs(req: FastifyRequest): FormArgs {
  return parseForm(req.raw.url ?? '', req.body as Buffer | undefined);
}

/** The param level a caller reads and writes with. */
export function levelOf(c: Caller): Level {
  return c.role;
}

/** Whether a body follows the headers (a chunked one, or a Content-Length above 0). */
export function hasBody(req: FastifyRequest): boolean {
  const len = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (len !== undefined && /^\d+$/.test(len) && Number(len) > 0);
}

export function bodyText(req: FastifyRequest): string {
  const b = req.body as Buffer | string | undefined;
  return b === undefined ? '' : typeof b === 'string' ? b : b.toString('utf8');
}
