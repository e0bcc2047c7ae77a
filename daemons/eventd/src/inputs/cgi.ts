import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError } from '@belfry/core';
import { errorAnswer, escapeEcho, sendAnswer, type RouteHandlers } from '@belfry/core/http';
import { PORTS } from './events.js';
import { parseTriggerAction, type ManualTriggers } from './manual-trigger.js';
import { MAX_DURATION_S, type PortStates } from './virtual-inputs.js';
import { changeSuccess, generalError, SCHEMA, schemaVersions, VI_ERROR } from './xml.js';

class ViError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const xml = (reply: FastifyReply, body: string) => reply.code(200).type('text/xml').send(body);

/**
 * The query's arguments, each once and each one the CGI takes: a repeated or unknown argument is
 * refused like a missing one (10), since the request is not what its sender meant to ask.
 */
function args(req: FastifyRequest, allowed: readonly string[]): Map<string, string> {
  const url = req.raw.url ?? req.url;
  const q = url.indexOf('?');
  const out = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(q < 0 ? '' : url.slice(q + 1))) {
    if (!allowed.includes(k)) throw new ViError(VI_ERROR.missing, `Unknown argument '${escapeEcho(k.slice(0, 32))}'`);
    if (out.has(k)) throw new ViError(VI_ERROR.missing, `Argument '${k}' given more than once`);
    out.set(k, v);
  }
  return out;
}

/** `schemaversion` must be given and of major version 1 (`1`, `1.0`, `1.1`). */
function checkSchema(a: Map<string, string>): void {
  const v = a.get('schemaversion');
  if (v === undefined) throw new ViError(VI_ERROR.missing, "Missing argument 'schemaversion'");
  const m = /^(\d{1,3})(?:\.(\d{1,3}))?$/.exec(v);
  if (!m || Number(m[1]) !== SCHEMA.major || Number(m[2] ?? 0) > SCHEMA.minor) throw new ViError(VI_ERROR.schemaVersion, `Schema version '${escapeEcho(v.slice(0, 16))}' is not supported`);
}

function portOf(a: Map<string, string>): number {
  const v = a.get('port');
  if (v === undefined) throw new ViError(VI_ERROR.missing, "Missing argument 'port'");
  if (!/^\d{1,3}$/.test(v) || Number(v) < 1 || Number(v) > PORTS) throw new ViError(VI_ERROR.noSuchInput, `Virtual input '${escapeEcho(v.slice(0, 16))}' does not exist (1-${PORTS})`);
  return Number(v);
}

function durationOf(a: Map<string, string>): number | undefined {
  const v = a.get('duration');
  if (v === undefined) return undefined;
  if (!/^\d{1,6}$/.test(v) || Number(v) > MAX_DURATION_S) throw new ViError(VI_ERROR.duration, `Invalid duration '${escapeEcho(v.slice(0, 16))}' (0-${MAX_DURATION_S} seconds)`);
  return Number(v);
}

/** A virtualinput1 CGI: its errors are GeneralError documents, an unexpected failure is code 40. */
function viCgi(fn: (req: FastifyRequest) => string) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      return xml(reply, fn(req));
    } catch (err) {
      if (err instanceof ViError) return xml(reply, generalError(err.code, err.message));
      return xml(reply, generalError(VI_ERROR.internal, 'Internal server error'));
    }
  };
}

/**
 * The virtual input CGIs (operator, §2.11) over `inputs`, and the manual trigger CGI (viewer,
 * `io/virtualinput.cgi`: 200 `text/plain`, a bad action 400 in VAPIX text) over `triggers`.
 */
export function inputCgiHandlers(inputs: PortStates, triggers: ManualTriggers): RouteHandlers {
  const change = (active: boolean) =>
    viCgi((req) => {
      const a = args(req, ['schemaversion', 'port', 'duration']);
      checkSchema(a);
      const port = portOf(a);
      const duration = durationOf(a);
      const changed = inputs.set(port, active, duration);
      return changeSuccess(active ? 'Activate' : 'Deactivate', changed);
    });
  return {
    '/axis-cgi/virtualinput/activate.cgi': change(true),
    '/axis-cgi/virtualinput/deactivate.cgi': change(false),
    '/axis-cgi/virtualinput/getschemaversions.cgi': viCgi((req) => {
      args(req, []);
      return schemaVersions();
    }),
    '/axis-cgi/io/virtualinput.cgi': async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        const a = new URLSearchParams((req.raw.url ?? req.url).split('?')[1] ?? '');
        const unknown = [...a.keys()].find((k) => k !== 'action');
        if (unknown !== undefined) throw new BelfryError('invalid_argument', `unknown argument '${escapeEcho(unknown.slice(0, 32))}'`);
        const actions = a.getAll('action');
        if (actions.length !== 1) throw new BelfryError('invalid_argument', actions.length ? 'action given more than once' : 'action is required');
        const { port, steps } = parseTriggerAction(actions[0]!);
        triggers.run(port, steps);
        return reply.code(200).type('text/plain').send('OK\n');
      } catch (err) {
        return sendAnswer(reply, errorAnswer('vapix-text', err));
      }
    },
  };
}
