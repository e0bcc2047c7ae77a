import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError, type DaemonContext } from '@belfry/core';
import { SOAP_NOT_SUPPORTED, SoapFault, callerOf, soapFault, soapFaultAnswer, type RouteHandlers, type WireAnswer } from '@belfry/core/http';
import { parseXml, XmlError } from '@belfry/core/xml';
import type { CertStore } from '../store/index.js';
import { CERTIFICATE_OPS, type Op } from './certificates.js';
import { CERTSET_OPS } from './certsets.js';
import { NS, envelope, senderFault, storeFault } from './envelope.js';

const OPS: Record<string, Record<string, Op>> = {
  [NS.acertificates]: { ...CERTIFICATE_OPS.acertificates, ...CERTSET_OPS },
  [NS.tds]: CERTIFICATE_OPS.tds!,
};

/** One request: the envelope parsed, the operation found by namespace and name, its answer or fault. */
export async function answer(body: Buffer, store: CertStore, user: string): Promise<WireAnswer> {
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
    return envelope(await op(req, store, { user, via: 'soap' }));
  } catch (err) {
    if (err instanceof SoapFault) return soapFaultAnswer(err, NS);
    if (err instanceof BelfryError) return storeFault(err);
    throw err;
  }
}

/** The SOAP certificate service (§9.3) on the store: its route handler, and a stop. */
export function startSoap(_ctx: DaemonContext, store: CertStore): { handlers: RouteHandlers; stop(): void } {
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const a = await answer(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), store, callerOf(req).user);
    return reply.code(a.status).type(a.type).send(a.body);
  };
  return { handlers: { '/vapix/services': handler }, stop() {} };
}
