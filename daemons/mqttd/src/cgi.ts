import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError } from '@belfry/core';
import { NEW, ajrBody, ajrData, echo, frontDoorAnswer, parseAjr, sendAnswer, versionOk, type AjrCode, type AjrRequest } from '@belfry/core/http';
import { MissingParam, parseClientConfig, publicClientConfig } from './config.js';
import { parsePublication } from './publication.js';
import type { MqttService } from './service.js';
import type { MqttStore } from './store.js';
import { parseSubscriptions, utf8 } from './subscriptions.js';

type Method = (params: Record<string, unknown> | undefined) => unknown;

/** The highest apiVersion minor accepted (a C1410 client sends 1.6). */
const MAX_MINOR = 9;

/**
 * One AJR CGI (§1.4) of mqttd: the route is admin-only, so the front door has authorized already.
 * A bad value is 2104 and a missing one 2103, naming the field; nothing is stored then.
 */
function ajrHandler(methods: Record<string, Method>) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method !== 'POST') return sendAnswer(reply, frontDoorAnswer('ajr', 405, { allow: ['POST'] }));
    reply.type('application/json');
    const raw = req.body as Buffer | undefined;
    // text that is not UTF-8 would be read with replacement characters (a topic or password changed silently)
    if (raw && utf8(raw) === undefined) return ajrBody(echo(undefined, '1.0'), { code: NEW.json.code, message: 'Invalid JSON: the body is not UTF-8' });
    const parsed = parseAjr(raw);
    if ('bad' in parsed) return ajrBody(echo(undefined, '1.0'), NEW.json);
    const ar: AjrRequest = parsed.req;
    const e = echo(ar, '1.0');
    const run = typeof ar.method === 'string' && Object.hasOwn(methods, ar.method) ? methods[ar.method]! : undefined;
    if (!run) return ajrBody(e, NEW.method);
    if (ar.method !== 'getSupportedVersions' && !versionOk(ar.apiVersion, MAX_MINOR)) return ajrBody(e, NEW.version);
    if (ar.params !== undefined && (typeof ar.params !== 'object' || ar.params === null || Array.isArray(ar.params))) return ajrBody(e, NEW.missing);
    try {
      return ajrData(e, await run(ar.params));
    } catch (err) {
      if (err instanceof MissingParam) return ajrBody(e, { code: NEW.missing.code, message: err.message });
      if (err instanceof BelfryError && err.code === 'invalid_argument') return ajrBody(e, { code: NEW.invalidValue.code, message: err.message } satisfies AjrCode);
      throw err;
    }
  };
}

/** The CGIs' handlers; `changed` after activation changes (the status param). */
export function mqttHandlers(store: MqttStore, svc: MqttService, changed: () => void) {
  const status = () => ({
    state: store.state.active ? 'active' : 'inactive',
    connectionStatus: svc.connected ? 'connected' : 'disconnected',
    lastError: svc.lastError,
    queued: svc.queue.length,
    overflowed: svc.queue.overflowed,
    published: svc.published,
    ignored: svc.ignored,
    oversized: svc.oversized,
  });
  const client: Record<string, Method> = {
    getSupportedVersions: () => ({ apiVersions: ['1.0'] }),
    configureClient: async (p) => {
      const next = parseClientConfig(p, store.state.client);
      store.update((s) => ({ ...s, client: next }));
      await svc.reconfigure();
      return {};
    },
    activateClient: async () => {
      if (!store.state.client.server.host) throw new BelfryError('invalid_argument', 'configure the client (server.host) first', { name: 'server.host' });
      store.update((s) => ({ ...s, active: true }));
      await svc.reconfigure();
      changed();
      return {};
    },
    deactivateClient: async () => {
      store.update((s) => ({ ...s, active: false }));
      await svc.reconfigure();
      changed();
      return {};
    },
    getClientStatus: () => ({ status: status(), config: publicClientConfig(store.state.client) }),
  };
  const event: Record<string, Method> = {
    getSupportedVersions: () => ({ apiVersions: ['1.0'] }),
    getEventPublicationConfig: () => ({ eventPublicationConfig: store.state.publication }),
    configureEventPublication: async (p) => {
      const next = parsePublication(p, store.state.publication);
      store.update((s) => ({ ...s, publication: next }));
      await svc.republish();
      return {};
    },
    getSubscriptionConfig: () => ({ subscriptions: store.state.subscriptions }),
    configureSubscriptions: async (p) => {
      const next = parseSubscriptions(p);
      const before = store.state.subscriptions;
      store.update((s) => ({ ...s, subscriptions: next }));
      svc.resubscribe(before);
      return {};
    },
  };
  return { status, routes: { '/axis-cgi/mqtt/client.cgi': ajrHandler(client), '/axis-cgi/mqtt/event.cgi': ajrHandler(event) } };
}
