import { callerOf, RANK, sendAnswer, type ForwardedCaller, type RouteHandler } from '@belfry/core/http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StartPart } from '../part.js';
import { ACTION1 } from './action1.js';
import { EVENT1 } from './event1.js';
import { faultAnswer, sender, SoapFault, TER } from './fault.js';
import { NS, TOPIC_NS } from './names.js';
import type { OpContext, Operation } from './ops.js';
import { provisionalRecipients } from './recipients.js';
import { envelope } from './write.js';
import { childrenOf, parseXml, type XmlEl } from './xml.js';

const OPERATIONS: Record<string, Operation> = { ...EVENT1, ...ACTION1 };

/** The operation element of a SOAP envelope (1.2, or 1.1 read the same way): the one child of its Body. */
export function operationOf(doc: XmlEl): XmlEl {
  const env = doc.ns === NS.soap12 || doc.ns === NS.soap11 ? doc.ns : undefined;
  if (!env || doc.name !== 'Envelope') throw sender(TER.notSoap, `not a SOAP envelope: the root is ${doc.name}`);
  const other = doc.children.find((c) => c.ns !== env || (c.name !== 'Header' && c.name !== 'Body'));
  if (other) throw sender(TER.notSoap, `the envelope holds ${other.name}`);
  const bodies = childrenOf(doc, 'Body', env);
  if (bodies.length !== 1) throw sender(TER.notSoap, `the envelope has ${bodies.length} Body elements`);
  const ops = bodies[0]!.children;
  if (ops.length !== 1) throw sender(TER.notSoap, `the Body holds ${ops.length} operations, not one`);
  return ops[0]!;
}

/** The operation a body element names (dispatch is on the element, never on SOAPAction or Content-Type). */
function lookup(op: XmlEl): Operation {
  const spec = Object.hasOwn(OPERATIONS, op.name) ? OPERATIONS[op.name] : undefined;
  if (!spec || spec.ns !== op.ns) throw sender(TER.unknownOperation, `no operation ${op.name} in ${op.ns || 'no namespace'}`);
  return spec;
}

/** Answers one request: parsed, dispatched, checked against the caller's role, run; any refusal a fault. */
export async function answer(body: Buffer, role: ForwardedCaller['role'], c: OpContext): Promise<{ op?: string; xml: string }> {
  const op = operationOf(parseXml(body));
  const spec = lookup(op);
  if (RANK[role] < RANK[spec.least]) throw sender(TER.notAuthorized, `${op.name} needs ${spec.least} rights`, 403);
  const xml = await spec.run(op, c);
  // a topic prefix the envelope does not declare (Belfry's own topics) is declared when used
  const extra = Object.fromEntries(Object.entries(TOPIC_NS).filter(([p]) => p !== 'tns1' && p !== 'tnsaxis' && xml.includes(`${p}:`)));
  return { op: op.name, xml: envelope(xml, extra) };
}

/** The `/vapix/services` handler. */
export function soapHandler(c: OpContext): RouteHandler {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const caller = callerOf(req);
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    try {
      const { op, xml } = await answer(body, caller.role, c);
      const spec = op ? OPERATIONS[op] : undefined;
      if (spec && spec.least !== 'viewer') c.ctx.audit.write(`eventd.soap.${op}`, { user: caller.user, addr: caller.addr });
      return reply.code(200).type('application/soap+xml; charset=utf-8').send(xml);
    } catch (e) {
      if (!(e instanceof SoapFault)) c.ctx.log.error({ err: e instanceof Error ? e.message : String(e) }, 'SOAP operation failed');
      const f = e instanceof SoapFault ? e : new SoapFault('Receiver', TER.internal, 'internal error');
      return sendAnswer(reply, faultAnswer(f));
    }
  };
}

/** eventd's SOAP part: the VAPIX event1 and action1 services on `/vapix/services`. */
export const startSoap: StartPart = async (deps) => {
  const c: OpContext = { ...deps, recipients: deps.shared.recipients ?? provisionalRecipients };
  return { handlers: { '/vapix/services': soapHandler(c) }, stop() {} };
};
