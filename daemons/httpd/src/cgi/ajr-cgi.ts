import type { FastifyReply, FastifyRequest } from 'fastify';
import { ajrData, ajrError, echo, NEW, OLD, parseAjr, versionOk, type AjrError, type AjrRequest } from '../ajr.js';
import type { Http, RouteDef } from '../context.js';
import { FIRMWARE } from '@belfry/param-db';
import type { Role } from '../accounts.js';
import { rankOf } from '../auth/authenticate.js';
import type { Lane } from '../hot-lane.js';
import { hasBody } from './util.js';

type Codes = typeof OLD | typeof NEW;

export interface AjrMethod {
  /** least role; `anonymous` for public methods */
  needs: Role | 'anonymous';
  run(req: AjrRequest, http: Http, r: FastifyRequest): Promise<unknown> | unknown;
  /** `run` is synchronous, uses neither the HTTP request nor anything but its params, and always answers the same: the hot lane may answer it (and remember the answer) */
  hot?: true;
}

/** Thrown by a method to answer with an AJR error object. */
export class AjrFailure extends Error {
  constructor(readonly err: AjrError) {
    super(err.message);
  }
}

/**
 * One AJR CGI (§1.4): POST with a JSON body; the method decides the role, so authorization happens
 * here, after the body is read. Errors are HTTP 200 with `error`, echoing apiVersion/context/method.
 */
export function ajrRoute(
  http: Http,
  unauthorized: (req: FastifyRequest, reply: FastifyReply) => FastifyReply,
  spec: { path: string; codes: Codes; defaultVersion: string; answerVersion?: string; maxMinor: number; methods: Record<string, AjrMethod>; probe: RouteDef['probe'] },
): RouteDef {
  // a CGI of public methods only (systemready.cgi) never challenges: a bad body gets its AJR error
  const publicOnly = Object.values(spec.methods).every((m) => m.needs === 'anonymous');
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    // wrong HTTP method (§1.7): the older APIs define AJR error 2002 for it; the current ones do not
    // (their 2102 is about the JSON `method`), so they answer 405
    if (req.method !== 'POST') {
      if ('postOnly' in spec.codes) return reply.type('application/json').send(ajrError(echo(undefined, spec.defaultVersion), spec.codes.postOnly));
      return reply.code(405).header('Allow', 'POST').type('text/plain').send('405 Method Not Allowed\n');
    }
    reply.type('application/json');
    const parsed = parseAjr(req.body as Buffer | undefined);
    const anonymous = req.caller.via === 'anonymous';
    const ar = 'bad' in parsed ? undefined : parsed.req;
    const method = ar && typeof ar.method === 'string' && Object.hasOwn(spec.methods, ar.method) ? spec.methods[ar.method]! : undefined;
    // without credentials, only a request for a public method gets an answer; anything else is
    // challenged, so Digest clients that probe with an empty body (curl) authenticate and resend
    if (anonymous && rankOf(req.caller.role) < rankOf(method?.needs ?? (publicOnly ? 'anonymous' : 'viewer'))) return unauthorized(req, reply);
    if (!ar) return ajrError(echo(undefined, spec.defaultVersion), spec.codes.json);
    const e = echo(ar, spec.defaultVersion);
    if (!method) return ajrError(e, spec.codes.method);
    if (ar.method !== 'getSupportedVersions' && !versionOk(ar.apiVersion, spec.maxMinor)) return ajrError(e, spec.codes.version);
    if (rankOf(req.caller.role) < rankOf(method.needs)) return http.require(req, reply, method.needs as Role) ? undefined : reply;
    if (ar.params !== undefined && (typeof ar.params !== 'object' || ar.params === null || Array.isArray(ar.params))) return ajrError(e, spec.codes.missing);
    try {
      const data = await method.run(ar, http, req);
      return ajrData(spec.answerVersion ? { ...e, apiVersion: spec.answerVersion } : e, data);
    } catch (err) {
      if (err instanceof AjrFailure) return ajrError(e, err.err);
      throw err;
    }
  };
  // the hot lane: the handler's success path for `hot` methods, for a Digest-authenticated caller
  // hot methods answer the same bytes to the same request body: remember the last few
  const answers = new Map<string, { needs: Role | 'anonymous'; body: string }>();
  const lane: Lane = ({ caller, body }) => {
    const key = body.toString('latin1');
    const known = answers.get(key);
    if (known) return rankOf(caller.role) >= rankOf(known.needs) ? { status: 200, type: 'application/json; charset=utf-8', body: known.body } : undefined;
    const parsed = parseAjr(body);
    if ('bad' in parsed) return undefined;
    const ar = parsed.req;
    const m = typeof ar.method === 'string' && Object.hasOwn(spec.methods, ar.method) ? spec.methods[ar.method]! : undefined;
    if (!m?.hot || rankOf(caller.role) < rankOf(m.needs)) return undefined;
    if (ar.method !== 'getSupportedVersions' && !versionOk(ar.apiVersion, spec.maxMinor)) return undefined;
    if (ar.params !== undefined && (typeof ar.params !== 'object' || ar.params === null || Array.isArray(ar.params))) return undefined;
    const data = m.run(ar, http, undefined as unknown as FastifyRequest);
    if (data instanceof Promise) return undefined;
    const e = echo(ar, spec.defaultVersion);
    const answer = ajrData(spec.answerVersion ? { ...e, apiVersion: spec.answerVersion } : e, data);
    if (answers.size >= 64) answers.delete(answers.keys().next().value as string);
    if (key.length <= 1024) answers.set(key, { needs: m.needs, body: answer });
    return { status: 200, type: 'application/json; charset=utf-8', body: answer };
  };
  // before the body: a wrong HTTP method gets its answer (2002 or 405) from the handler; a POST
  // without a body (curl's Digest probe) is challenged unless a method is open to this caller
  const anonymousOk = (req: FastifyRequest) => req.method !== 'POST' || (hasBody(req) && Object.values(spec.methods).some((m) => rankOf(req.caller.role) >= rankOf(m.needs)));
  return { method: ['GET', 'POST'], path: spec.path, access: publicOnly ? 'anonymous' : 'self', anonymous: anonymousOk, errors: 'ajr', handler, probe: spec.probe, ...(Object.values(spec.methods).some((m) => m.hot) ? { lane: { methods: ['POST'], answer: lane } } : {}) };
}

/** What `apidiscovery.cgi` lists: only what this device implements (§2.1). */
export const API_LIST = [
  { id: 'api-discovery', version: '1.0', name: 'API Discovery Service', docLink: 'https://www.axis.com/partner_pages/vapix_library/#/', status: 'official' },
  { id: 'basic-device-info', version: '1.1', name: 'Basic Device Information', docLink: '', status: 'official' },
  { id: 'param-cgi', version: '1.0', name: 'Legacy Parameter Handling', docLink: '', status: 'official' },
  { id: 'user-management', version: '1.1', name: 'User Management', docLink: '', status: 'official' },
  { id: 'audio-device-control', version: '1.0', name: 'Audio Device Control', docLink: '', status: 'official' },
  { id: 'mediaclip', version: '1.0', name: 'Media Clip', docLink: '', status: 'official' },
  { id: 'systemready', version: '1.0', name: 'Systemready', docLink: '', status: 'official' },
  { id: 'time-service', version: '1.0', name: 'Time API', docLink: '', status: 'official' },
];

/** The APIs other daemons' declared routes implement (`RouteSpec.api`), listed while declared. */
function declaredApis(http: Http): typeof API_LIST {
  const seen = new Set(API_LIST.map((a) => a.id));
  const out: typeof API_LIST = [];
  for (const { spec } of http.declaredRoutes()) {
    const a = spec.api;
    if (!a || typeof a.id !== 'string' || typeof a.version !== 'string' || typeof a.name !== 'string' || seen.has(a.id)) continue;
    seen.add(a.id);
    out.push({ id: a.id, version: a.version, name: a.name, docLink: '', status: 'official' });
  }
  return out;
}

export function discoveryRoutes(http: Http, unauthorized: (req: FastifyRequest, reply: FastifyReply) => FastifyReply): RouteDef[] {
  const id = http.d.board.identity;
  const all = () => ({
    Architecture: id.architecture,
    Brand: id.brand,
    BuildDate: FIRMWARE.buildDate,
    HardwareID: id.hardwareId,
    ProdFullName: id.prodFullName,
    ProdNbr: id.prodNbr,
    ProdShortName: id.prodShortName,
    ProdType: id.prodType,
    ProdVariant: id.prodVariant,
    SerialNumber: id.serialNumber,
    Soc: id.soc,
    SocSerialNumber: '',
    Version: FIRMWARE.version,
    WebURL: id.webURL,
  });
  const RESTRICTED = new Set(['Architecture', 'Soc', 'SocSerialNumber']);
  return [
    ajrRoute(http, unauthorized, {
      path: '/axis-cgi/apidiscovery.cgi',
      codes: OLD,
      defaultVersion: '1.0',
      maxMinor: 0,
      methods: {
        // not `hot`: the list changes as daemons declare their routes
        getApiList: { needs: 'viewer', run: () => ({ apiList: [...API_LIST, ...declaredApis(http)] }) },
        getSupportedVersions: { needs: 'viewer', hot: true, run: () => ({ apiVersions: ['1.0'] }) },
      },
      probe: { method: 'POST', url: '/axis-cgi/apidiscovery.cgi', body: '{"apiVersion":"1.0","context":"Axis library","method":"getApiList"}', contentType: 'application/json', needs: 'viewer' },
    }),
    ajrRoute(http, unauthorized, {
      path: '/axis-cgi/basicdeviceinfo.cgi',
      codes: OLD,
      defaultVersion: '1.0',
      maxMinor: 3,
      methods: {
        getAllProperties: { needs: 'operator', hot: true, run: () => ({ propertyList: all() }) },
        getAllUnrestrictedProperties: { needs: 'anonymous', hot: true, run: () => ({ propertyList: Object.fromEntries(Object.entries(all()).filter(([k]) => !RESTRICTED.has(k))) }) },
        getProperties: {
          needs: 'operator',
          run: (ar) => {
            const list = (ar.params as { propertyList?: unknown } | undefined)?.propertyList;
            if (!Array.isArray(list) || !list.length || list.some((x) => typeof x !== 'string')) throw new AjrFailure(OLD.missing);
            const props = all() as Record<string, string>;
            const out: Record<string, string> = {};
            for (const k of list as string[]) {
              if (!Object.hasOwn(props, k)) throw new AjrFailure(OLD.invalidValue);
              out[k] = props[k]!;
            }
            return { propertyList: out };
          },
        },
        getSupportedVersions: { needs: 'anonymous', hot: true, run: () => ({ apiVersions: ['1.0', '1.1', '1.2', '1.3'] }) },
      },
      probe: { method: 'POST', url: '/axis-cgi/basicdeviceinfo.cgi', body: '{"apiVersion":"1.1","context":"Axis library","method":"getAllProperties"}', contentType: 'application/json', needs: 'operator' },
    }),
  ];
}
