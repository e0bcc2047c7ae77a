import { BelfryError, type Role } from '@belfry/core';
import { callerOf, RANK, sendAnswer, type RouteHandler } from '@belfry/core/http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { envelope, readRequest, type SoapRequest } from './envelope.js';
import { faultAnswer, SoapFault, sender, TER } from './fault.js';
import type { Call, OpContext, Operation, OperationTable } from './ops.js';

/** A Host header we build URIs from: a name, an IPv4 or a bracketed IPv6, and a port. */
const HOST = /^(\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9.-]{1,253})(:\d{1,5})?$/;

function lookup(table: OperationTable, req: SoapRequest): Operation {
  const { name, ns } = req.op;
  const spec = Object.hasOwn(table, `${ns}|${name}`) ? table[`${ns}|${name}`] : Object.hasOwn(table, name) ? table[name] : undefined;
  // unsupported (or unknown) operations: env:Receiver / ter:ActionNotSupported, as ONVIF says
  if (!spec || spec.ns !== ns) throw new SoapFault('Receiver', TER.actionNotSupported, `no operation ${name} in ${ns || 'no namespace'}`);
  return spec;
}

/**
 * Who is asking: a WS-Security UsernameToken (checked by httpd), else the identity the front door
 * forwarded (HTTP Digest), else anonymous. PRE_AUTH operations never look at credentials.
 */
async function identify(c: OpContext, req: SoapRequest, spec: Operation, fwd: ReturnType<typeof callerOf>): Promise<{ user: string; role: Role | 'anonymous' }> {
  if (spec.least === 'pre') return { user: fwd.user, role: fwd.role };
  if (req.token) {
    const r = await c.httpd.verifyUsernameToken({ ...req.token, addr: fwd.addr.slice(0, 64) }, { timeoutMs: 3000 });
    if (r.ok) return { user: r.user, role: r.role };
    if (r.reason === 'blocked') throw sender(TER.notAuthorized, 'Sender not authorized: too many failed logins, try later', 403);
    throw sender(TER.notAuthorized, r.reason === 'expired' ? 'Sender not authorized: Created is outside the clock window' : r.reason === 'replayed' ? 'Sender not authorized: the nonce was used before' : 'Sender not authorized');
  }
  // anonymous viewing never opens ONVIF: only credentials do
  return fwd.via === 'anonymous' ? { user: '', role: 'anonymous' } : { user: fwd.user, role: fwd.role };
}

function checkRole(spec: Operation, role: Role | 'anonymous', name: string): void {
  if (spec.least === 'pre' || RANK[role] >= RANK[spec.least]) return;
  // no credentials: 401, which the front door turns into its Digest challenge (OV falls back to Digest)
  if (role === 'anonymous') throw sender(TER.notAuthorized, 'Sender not authorized: credentials are needed', 401);
  throw sender(TER.notAuthorized, `Sender not authorized: ${name} needs ${spec.least} rights`, 403);
}

function callOf(req: FastifyRequest, soap: SoapRequest, who: { user: string; role: Role | 'anonymous' }, addr: string, signal: AbortSignal): Call {
  const host = () => {
    const h = req.headers.host ?? '';
    if (!HOST.test(h)) throw sender(TER.invalidArgVal, 'the Host header is missing or not a host name');
    return h;
  };
  const proto = callerOf(req).proto === 'https' ? 'https' : 'http';
  const subscription = soap.subscriptionId ?? new URLSearchParams(req.url.split('?')[1] ?? '').get('subscription') ?? undefined;
  return { req: soap, ...who, addr, signal, subscription, base: () => `${proto}://${host()}`, hostname: () => host().replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1') };
}

/** Answers one request: parsed, dispatched on the Body's element, the caller identified and checked, run. */
export async function answer(req: FastifyRequest, body: Buffer, table: OperationTable, c: OpContext, signal: AbortSignal): Promise<{ op: string; least: Operation['least']; user: string; xml: string }> {
  const soap = readRequest(body);
  const spec = lookup(table, soap);
  const fwd = callerOf(req);
  const who = await identify(c, soap, spec, fwd);
  checkRole(spec, who.role, soap.op.name);
  const xml = await spec.run(soap.op, c, callOf(req, soap, who, fwd.addr, signal));
  return { op: soap.op.name, least: spec.least, user: who.user, xml: envelope(xml) };
}

/** The handler of every ONVIF route: any operation on any path (dispatch is on the Body). */
export function onvifHandler(table: OperationTable, c: OpContext): RouteHandler {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const abort = new AbortController();
    reply.raw.once('close', () => abort.abort());
    try {
      // curl --digest and other Digest clients probe without a body first: ask for credentials
      if (!body.length && callerOf(req).via === 'anonymous') throw sender(TER.notAuthorized, 'Sender not authorized: credentials are needed', 401);
      const r = await answer(req, body, table, c, abort.signal);
      if (r.least === 'admin' && !r.op.startsWith('Get')) c.ctx.audit.write(`onvifd.${r.op}`, { user: r.user, addr: callerOf(req).addr });
      return reply.code(200).type('application/soap+xml; charset=utf-8').send(r.xml);
    } catch (e) {
      return sendAnswer(reply, faultAnswer(toFault(e, c)));
    }
  };
}

function toFault(e: unknown, c: OpContext): SoapFault {
  if (e instanceof SoapFault) return e;
  if (e instanceof BelfryError && (e.code === 'unavailable' || e.code === 'timeout')) return new SoapFault('Receiver', TER.action, 'a service of the device did not answer; try again', 503);
  c.ctx.log.error({ err: e instanceof Error ? e.message : String(e) }, 'ONVIF operation failed');
  return new SoapFault('Receiver', TER.action, 'internal error');
}
