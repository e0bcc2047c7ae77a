import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_BODY_LIMIT, SOAP_NOT_SUPPORTED, frontDoorAnswer, soapFault, type WireAnswer } from '@belfry/core/http';
import { parseXml, XmlError } from '@belfry/core/xml';
import { ROLE_RANK } from './accounts.js';
import type { DeclaredRoute } from './declared-routes.js';
import type { Access, Caller } from './context.js';

const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const TER = { ter: 'http://www.onvif.org/ver10/error' };

/** The unsupported operation (core's, as AXIS OS answers it). */
export const NOT_SUPPORTED: WireAnswer = SOAP_NOT_SUPPORTED;

const RANK: Record<Access, number> = { anonymous: 0, setup: 0, self: 1, viewer: ROLE_RANK.viewer, operator: ROLE_RANK.operator, admin: ROLE_RANK.admin };

/**
 * The namespace of the SOAP Body's first element, or the fault to answer. The body is read with
 * core's XML reader (no DOCTYPE, no entities, depth and element limits).
 */
export function bodyNamespace(body: Buffer): string | WireAnswer {
  let root;
  try {
    root = parseXml(body);
  } catch (err) {
    if (!(err instanceof XmlError)) throw err;
    const sub = err.kind === 'tooLarge' ? 'ter:MaxLimitReached' : 'ter:WellFormed';
    return soapFault(400, err.message, { value: sub, ns: TER });
  }
  if (root.name !== 'Envelope' || (root.ns !== SOAP12 && root.ns !== SOAP11)) return soapFault(400, 'the body is not a SOAP envelope', { value: 'ter:WellFormed', ns: TER });
  const first = root.children.find((c) => c.name === 'Body' && c.ns === root.ns)?.children[0];
  if (!first) return soapFault(400, 'the SOAP Body holds no operation', { value: 'ter:WellFormed', ns: TER });
  return first.ns;
}

/** The owner serving a namespace, if any. */
export function ownerOf(owners: readonly DeclaredRoute[], ns: string): DeclaredRoute | undefined {
  return owners.find((o) => o.spec.soap?.namespaces.includes(ns));
}

/** The least access among the owners: who may be asked for credentials before the body is read. */
export function leastAccess(owners: readonly DeclaredRoute[]): Access {
  return owners.map((o) => o.spec.access).reduce((a, b) => (RANK[b] < RANK[a] ? b : a));
}

/** Reads a body up to `limit` bytes; past it, undefined (the rest is left unread). */
export function readBody(raw: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (b: Buffer) => {
      got += b.length;
      if (got > limit) {
        raw.off('data', onData);
        raw.pause();
        return resolve(undefined);
      }
      chunks.push(b);
    };
    raw.on('data', onData);
    raw.once('end', () => resolve(Buffer.concat(chunks)));
    raw.once('error', reject);
  });
}

export interface SoapDispatchDeps {
  /** authenticates for an access level; the reply when it answered (a challenge, a 403) */
  authenticate(req: FastifyRequest, reply: FastifyReply, access: Access): Promise<FastifyReply | undefined>;
  /** forwards with the body already read */
  forward(req: FastifyRequest, reply: FastifyReply, route: DeclaredRoute, caller: Caller, body: Buffer): void;
  challenge(req: FastifyRequest): WireAnswer;
  send(reply: FastifyReply, a: WireAnswer, close?: boolean): FastifyReply;
}

/**
 * A SOAP path several owners share by namespace: authenticate for the least of their access levels,
 * read the body (within the largest of their limits), pick the owner by the Body's first element,
 * then check that owner's access and limit and forward the body to it. An unknown namespace is the
 * unsupported-operation fault.
 */
export async function dispatchSoap(req: FastifyRequest, reply: FastifyReply, owners: readonly DeclaredRoute[], deps: SoapDispatchDeps): Promise<FastifyReply> {
  // the reply says whether authentication answered (a FastifyReply is thenable: an awaited one is undefined)
  await deps.authenticate(req, reply, leastAccess(owners));
  if (reply.sent) return reply;
  const limit = Math.max(...owners.map((o) => o.spec.bodyLimit ?? DEFAULT_BODY_LIMIT));
  if (Number(req.headers['content-length'] ?? 0) > limit) return tooLarge(req, reply, deps);
  const body = await readBody(req.raw, limit);
  if (!body) return tooLarge(req, reply, deps);
  const ns = bodyNamespace(body);
  if (typeof ns !== 'string') return deps.send(reply, ns);
  const route = ownerOf(owners, ns);
  if (!route) return deps.send(reply, NOT_SUPPORTED);
  if (body.length > (route.spec.bodyLimit ?? DEFAULT_BODY_LIMIT)) return deps.send(reply, frontDoorAnswer('soap', 413));
  if (RANK[req.caller.role] < RANK[route.spec.access]) {
    return deps.send(reply, req.caller.via === 'anonymous' ? deps.challenge(req) : frontDoorAnswer('soap', 403));
  }
  deps.forward(req, reply, route, req.caller, body);
  return reply;
}

function tooLarge(req: FastifyRequest, reply: FastifyReply, deps: SoapDispatchDeps): FastifyReply {
  // the rest of the body is read and dropped so the client sees the 413 rather than a reset
  req.raw.resume();
  return deps.send(reply, frontDoorAnswer('soap', 413), true);
}
