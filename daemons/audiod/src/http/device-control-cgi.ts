import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError } from '@belfry/core';
import { NEW, RANK, ajrBody, ajrData, callerOf, echo, frontDoorAnswer, parseAjr, sendAnswer, versionOk, type AjrCode, type AjrRequest } from '@belfry/core/http';
import type { AudioHttp } from './args.js';

type Needs = 'viewer' | 'operator';
class AjrFailure extends Error {
  constructor(readonly err: AjrCode) {
    super(err.message);
  }
}

/**
 * audiodevicecontrol.cgi (AJR, §2.10): the method decides the role, so authorization happens here
 * after the body is read (the route is `self`). A 401 from here makes the front door challenge.
 */
export function deviceControl(h: AudioHttp) {
  const ajrFail = (err: unknown): never => {
    if (err instanceof BelfryError && (err.code === 'invalid_argument' || err.code === 'not_found')) throw new AjrFailure({ code: NEW.invalidValue.code, message: err.message });
    throw err;
  };
  const methods: Record<string, { needs: Needs; run(r: AjrRequest): Promise<unknown> | unknown }> = {
    getDevicesCapabilities: { needs: 'viewer', run: () => h.audiod.getDevicesCapabilities({}) },
    getDevicesSettings: { needs: 'viewer', run: () => h.audiod.getDevicesSettings({}) },
    setDevicesSettings: {
      needs: 'operator',
      run: (r) => {
        const devices = (r.params as { devices?: unknown } | undefined)?.devices;
        if (!Array.isArray(devices)) throw new AjrFailure({ code: NEW.missing.code, message: 'params.devices is required' });
        return h.audiod.setDevicesSettings({ devices }).catch(ajrFail);
      },
    },
    getSupportedVersions: { needs: 'viewer', run: () => ({ apiVersions: ['1.0'] }) },
  };
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method !== 'POST') return sendAnswer(reply, frontDoorAnswer('ajr', 405, { allow: ['POST'] }));
    reply.type('application/json');
    const caller = callerOf(req);
    const parsed = parseAjr(req.body as Buffer | undefined);
    const ar = 'bad' in parsed ? undefined : parsed.req;
    const method = ar && typeof ar.method === 'string' && Object.hasOwn(methods, ar.method) ? methods[ar.method]! : undefined;
    const anonymous = caller.via === 'anonymous';
    // without credentials, only a public method gets an answer; anything else is challenged
    if (anonymous && RANK[caller.role] < RANK[method?.needs ?? 'viewer']) return reply.code(401).send('');
    if (!ar) return ajrBody(echo(undefined, '1.0'), NEW.json);
    const e = echo(ar, '1.0');
    if (!method) return ajrBody(e, NEW.method);
    if (ar.method !== 'getSupportedVersions' && !versionOk(ar.apiVersion, 0)) return ajrBody(e, NEW.version);
    if (RANK[caller.role] < RANK[method.needs]) return anonymous ? reply.code(401).send('') : sendAnswer(reply, frontDoorAnswer('ajr', 403));
    if (ar.params !== undefined && (typeof ar.params !== 'object' || ar.params === null || Array.isArray(ar.params))) return ajrBody(e, NEW.missing);
    try {
      return ajrData(e, await method.run(ar));
    } catch (err) {
      if (err instanceof AjrFailure) return ajrBody(e, err.err);
      throw err;
    }
  };
}
