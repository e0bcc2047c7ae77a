import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError } from '@belfry/core';
import { errorAnswer, sendAnswer, type RouteHandlers } from '@belfry/core/http';
import type { RecipientInput, Recipients } from './service.js';
import { RECIPIENT_TEMPLATES, recipientTemplate, secretParams, withAllParams } from './templates.js';

const json = (reply: FastifyReply, status: number, body: unknown) => reply.code(status).type('application/json').send(JSON.stringify(body));

interface Body {
  name: string;
  template: string;
  params: Record<string, string>;
  password?: string;
}

/** The template's parameters from a JSON body: those left out empty, the password only from `password`. */
function paramsOf(b: Pick<Body, 'template' | 'params' | 'password'>): Record<string, string> {
  if (!recipientTemplate(b.template)) throw new BelfryError('invalid_argument', `unknown recipient template '${b.template.slice(0, 64)}'`, { name: 'template' });
  const secret = secretParams(b.template);
  const given = Object.keys(b.params).find((k) => secret.includes(k));
  if (given) throw new BelfryError('invalid_argument', `the password is given as 'password', not as a parameter`, { name: `params.${given}` });
  const all = withAllParams(b.template, b.params);
  for (const k of Object.keys(b.params)) if (!(k in all)) all[k] = b.params[k]!; // refused by the check, with its name
  for (const s of secret) {
    if (b.password !== undefined) all[s] = b.password;
    else delete all[s];
  }
  return all;
}

const input = (b: Body): RecipientInput => ({ name: b.name, template: b.template, params: paramsOf(b) });

/** A test's outcome (the configuration was checked before): the recipient's failure is the answer's content, not the request's error. */
async function outcome(run: () => Promise<void>): Promise<{ ok: boolean; error?: { code: string; message: string } }> {
  try {
    await run();
    return { ok: true };
  } catch (e) {
    const err = e instanceof BelfryError ? e : new BelfryError('unavailable', String((e as Error)?.message ?? e));
    return { ok: false, error: { code: err.code, message: err.message } };
  }
}

/** The recipients JSON API (`RECIPIENTS_ROUTES`); the schemas have checked shapes and lengths. */
export function recipientHandlers(recipients: Recipients): RouteHandlers {
  const idOf = (req: FastifyRequest) => (req.params as { id: number }).id;
  const guarded = (fn: (req: FastifyRequest, reply: FastifyReply) => unknown) => async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      return await fn(req, reply);
    } catch (err) {
      return sendAnswer(reply, errorAnswer('json-api', err));
    }
  };
  const signalOf = (req: FastifyRequest) => {
    const ac = new AbortController();
    req.raw.once('close', () => req.raw.readableAborted && ac.abort());
    return ac.signal;
  };
  return {
    '/api/v1/events/recipients': guarded(async (req, reply) => {
      if (req.method === 'POST') return json(reply, 201, await recipients.add(input(req.body as Body)));
      return json(reply, 200, { recipients: recipients.list() });
    }),
    '/api/v1/events/recipients/templates': guarded(async (_req, reply) => json(reply, 200, { templates: RECIPIENT_TEMPLATES })),
    '/api/v1/events/recipients/:id': guarded(async (req, reply) => {
      const id = idOf(req);
      if (req.method === 'PUT') return json(reply, 200, await recipients.replace(id, input(req.body as Body)));
      if (req.method === 'DELETE') {
        await recipients.remove(id);
        return json(reply, 200, {});
      }
      return json(reply, 200, recipients.get(id));
    }),
    '/api/v1/events/recipients/:id/test': guarded(async (req, reply) => {
      const id = idOf(req);
      recipients.get(id);
      return json(reply, 200, await outcome(() => recipients.testSaved(id, signalOf(req))));
    }),
    '/api/v1/events/recipients/test': guarded(async (req, reply) => {
      const b = req.body as Body & { id?: number };
      if (b.id !== undefined) recipients.get(b.id);
      const params = paramsOf(b);
      recipients.check(b.template, params);
      return json(reply, 200, await outcome(() => recipients.testUnsaved({ template: b.template, params }, signalOf(req), b.id)));
    }),
  };
}
