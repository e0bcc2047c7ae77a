import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError } from '@belfry/core';
import { callerOf, configRestData, sendConfigRest, type RouteHandler, type RouteHandlers } from '@belfry/core/http';
import { callerIp } from './addr.js';
import { FW_BASE } from './contract.js';
import type { Firewall, RulesView, Who } from './firewall.js';
import { fwError } from './model.js';
import { parseSetRules } from './ruleset.js';

/** The ports the front door listens on: a caller's next connection comes to one of them. */
export interface Ports {
  http(): number;
  https(): number;
}

/** The caller for the audit line, and the connection the lock-out check protects (none from loopback, which is always allowed). */
function whoOf(req: FastifyRequest, ports: Ports): Who {
  const c = callerOf(req);
  const ip = callerIp(c.addr);
  const loopback = !ip || (ip.family === 4 ? ip.value >> 24n === 127n : ip.value === 1n);
  return { user: c.user, via: 'rest', ...(loopback ? {} : { flow: { ip, tcpPort: c.proto === 'https' ? ports.https() : ports.http() } }) };
}

/** An action's body: `{"data":{}}` (or an empty body). */
function noData(req: FastifyRequest): void {
  const d = configRestData(req);
  if (d !== undefined && (typeof d !== 'object' || d === null || Array.isArray(d) || Object.keys(d).length)) throw fwError(103, 'data must be {}');
}

/**
 * `/config/rest/firewall/v1`: the activated switch, the rules with their test, the actions. Every
 * route is admin (the front door checked it); handlers throw `BelfryError`s that the route layer
 * answers in the config-rest shape, codes 100/101/103/104 as HTTP 400.
 */
export function firewallHandlers(fw: Firewall, ports: Ports): RouteHandlers {
  const rules = () => fw.view();
  return adminOnly({
    [FW_BASE]: async (_req, reply) => sendConfigRest(reply, 200, { activated: fw.activated(), conf: { rules: rules() } }),
    [`${FW_BASE}/activated`]: async (req, reply) => {
      if (req.method === 'GET') return sendConfigRest(reply, 200, fw.activated());
      const d = configRestData(req);
      if (typeof d !== 'boolean') throw fwError(103, 'data must be true or false');
      await fw.setActivated(d, whoOf(req, ports));
      return sendConfigRest(reply, 200);
    },
    [`${FW_BASE}/conf`]: async (_req, reply) => sendConfigRest(reply, 200, { rules: rules() }),
    [`${FW_BASE}/conf/rules`]: async (_req, reply) => sendConfigRest(reply, 200, rules()),
    [`${FW_BASE}/conf/rules/:property`]: async (req, reply) => {
      const name = (req.params as Record<string, string>).property ?? '';
      const view = rules();
      if (!Object.hasOwn(view, name)) throw new BelfryError('not_found', `${FW_BASE}/conf/rules/${name}`);
      return sendConfigRest(reply, 200, view[name as keyof RulesView]);
    },
    [`${FW_BASE}/conf/setRules`]: async (req, reply) => {
      const { set, fallbackTime } = parseSetRules(configRestData(req));
      await fw.setRules(set, fallbackTime, whoOf(req, ports));
      return sendConfigRest(reply, 200);
    },
    [`${FW_BASE}/conf/confirmRules`]: async (req, reply) => {
      noData(req);
      await fw.confirm(whoOf(req, ports));
      return sendConfigRest(reply, 200);
    },
    [`${FW_BASE}/conf/clearPendingRules`]: async (req, reply) => {
      noData(req);
      await fw.clearPending(whoOf(req, ports));
      return sendConfigRest(reply, 200);
    },
  });
}

/** The front door admits only administrators here; the handlers check again, as a second lock. */
function adminOnly(handlers: Record<string, RouteHandler>): RouteHandlers {
  return Object.fromEntries(
    Object.entries(handlers).map(([path, h]) => [
      path,
      async (req: FastifyRequest, reply: FastifyReply) => {
        if (callerOf(req).role !== 'admin') throw new BelfryError('permission_denied', 'the firewall is for administrators');
        return h(req, reply);
      },
    ]),
  );
}
