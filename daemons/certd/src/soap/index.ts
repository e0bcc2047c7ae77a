import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError, type DaemonContext } from '@belfry/core';
import { SOAP_NOT_SUPPORTED, SoapFault, callerOf, soapFault, soapFaultAnswer, type RouteHandlers, type WireAnswer } from '@belfry/core/http';
import { parseXml, XmlError } from '@belfry/core/xml';
import type { CertStore } from '../store/index.js';
import { CERTIFICATE_OPS } from './certificates.js';
import { CERTSET_OPS } from './certsets.js';
import { DOT1X_OPS } from './dot1x.js';
import { NS, envelope, senderFault, storeFault } from './envelope.js';
import type { Op, OpExtra, SoapEnv } from './ops.js';
import { WEBSERVER_OPS } from './webserver.js';

export type { ParamsPort, SoapEnv } from './ops.js';

const OPS: Record<string, Record<string, Op>> = {
  [NS.acertificates]: { ...CERTIFICATE_OPS.acertificates, ...CERTSET_OPS },
  // GetDot1XConfigurations (plural) is not here: it faults, as on AXIS OS 12.11
  [NS.tds]: { ...CERTIFICATE_OPS.tds, ...DOT1X_OPS },
  [NS.aweb]: WEBSERVER_OPS,
};

/** An answer, and what is to run once it is sent (httpd's TLS reload). */
export type SoapAnswer = WireAnswer & { after: (() => void)[] };

/**
 * One request: the envelope parsed, the operation found by namespace and name, its answer or fault.
 * `env` is the daemon's (params, audit, the TLS reload); without it only the store's operations work.
 */
export async function answer(body: Buffer, store: CertStore, user: string, env?: SoapEnv): Promise<SoapAnswer> {
  const after: (() => void)[] = [];
  const x: OpExtra = {
    env: () => {
      if (!env) throw new BelfryError('internal', 'this operation needs the daemon');
      return env;
    },
    afterReply: (fn) => after.push(fn),
  };
  try {
    return { ...(await run(body, store, user, x)), after };
  } catch (err) {
    for (const fn of after) fn();
    throw err;
  }
}

async function run(body: Buffer, store: CertStore, user: string, x: OpExtra): Promise<WireAnswer> {
  let req;
  try {
    const root = parseXml(body);
    req = root.children.find((c) => c.name === 'Body' && (c.ns === NS.soap12 || c.ns === NS.soap11))?.children[0];
  } catch (err) {
    if (err instanceof XmlError) return soapFault(400, err.message, { value: err.kind === 'tooLarge' ? 'ter:MaxLimitReached' : 'ter:WellFormed', ns: { ter: NS.ter } });
    throw err;
  }
  if (!req) return senderFault('the SOAP Body holds no operation');
  const op = OPS[req.ns]?.[req.name];
  if (!op) return SOAP_NOT_SUPPORTED;
  try {
    return envelope(await op(req, store, { user, via: 'soap' }, x));
  } catch (err) {
    if (err instanceof SoapFault) return soapFaultAnswer(err, NS);
    if (err instanceof BelfryError) return storeFault(err);
    throw err;
  }
}

/** The SOAP certificate service (§9.3, §9.4, §9.5) on the store: its route handler, and a stop. */
export function startSoap(_ctx: DaemonContext, store: CertStore, env: SoapEnv): { handlers: RouteHandlers; stop(): void } {
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const a = await answer(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), store, callerOf(req).user, env);
    if (a.after.length) {
      let done = false;
      const release = () => {
        if (done) return;
        done = true;
        for (const fn of a.after) fn();
      };
      reply.raw.once('finish', release).once('close', release);
    }
    return reply.code(a.status).type(a.type).send(a.body);
  };
  return { handlers: { '/vapix/services': handler }, stop() {} };
}
