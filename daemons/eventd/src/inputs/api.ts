import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RouteHandlers } from '@belfry/core/http';
import type { ManualTriggers } from './manual-trigger.js';

const json = (reply: FastifyReply, body: unknown) => reply.code(200).type('application/json').send(JSON.stringify(body));

/** The web UI's manual triggers (System > Events > Manual triggers); the route's schemas checked port and body. */
export function triggerApiHandlers(triggers: ManualTriggers): RouteHandlers {
  return {
    '/api/v1/events/manual-triggers': async (_req: FastifyRequest, reply: FastifyReply) => json(reply, { triggers: triggers.ports.list() }),
    '/api/v1/events/manual-triggers/:port': async (req: FastifyRequest, reply: FastifyReply) => {
      const port = (req.params as { port: number }).port;
      const { active } = req.body as { active: boolean };
      const changed = triggers.set(port, active);
      return json(reply, { port, active, changed });
    },
  };
}
