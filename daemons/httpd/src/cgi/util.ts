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

export function bodyText(req: FastifyRequest): string {
  const b = req.body as Buffer | string | undefined;
  return b === undefined ? '' : typeof b === 'string' ? b : b.toString('utf8');
}
