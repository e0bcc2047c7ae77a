import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RouteHandlers } from '@belfry/core/http';
import type { ManualTriggers } from './manual-trigger.js';
import type { PortStates } from './virtual-inputs.js';

const json = (reply: FastifyReply, body: unknown) => reply.code(200).type('application/json').send(JSON.stringify(body));

/**
 * The web UI's manual triggers and virtual inputs (System > Events); the routes' schemas checked
 * port and body. A virtual input set here is untimed (a pending timed revert is dropped).
 */
export function triggerApiHandlers(triggers: ManualTriggers, inputs: PortStates): RouteHandlers {
  return {
    '/api/v1/events/manual-triggers': async (_req: FastifyRequest, reply: FastifyReply) => json(reply, { triggers: triggers.ports.list() }),
    '/api/v1/events/manual-triggers/:port': async (req: FastifyRequest, reply: FastifyReply) => {
      const port = (req.params as { port: number }).port;
      const { active } = req.body as { active: boolean };
      const changed = triggers.set(port, active);
      return json(reply, { port, active, changed });
    },
    '/api/v1/events/virtual-inputs': async (_req: FastifyRequest, reply: FastifyReply) => json(reply, { inputs: inputs.list() }),
    '/api/v1/events/virtual-inputs/:port': async (req: FastifyRequest, reply: FastifyReply) => {
      const port = (req.params as { port: number }).port;
      const { active } = req.body as { active: boolean };
      return json(reply, { port, active, changed: inputs.set(port, active) });
    },
  };
}
