import { request } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { callerHeaders, frontDoorAnswer } from '@belfry/core/http';
import type { RouteSpec } from '@belfry/core/contract';
import { send } from '../auth/authenticate.js';
import type { Http, RouteDef } from '../context.js';

/** The Device Configuration framework's version AXIS OS 12.11 reports (§9.1). */
export const FRAMEWORK_VERSION = '1.1.0';

type ApiEntry = { doc: string; doc_html: string; model: string; rest_api: string; rest_openapi: string; rest_ui: string; state: string; version: string };

/**
 * `/config/discover` (§9.1): the Device Configuration APIs the daemons declare (`RouteSpec.configApi`),
 * listed while declared — so an API appears here when its owner is up (cert, firewall, …).
 * A released major is `v<N>`, others `v<N>beta`/`v<N>alpha`. Viewer and up (Belfry choice).
 */
export function configApis(specs: readonly RouteSpec[]): Record<string, Record<string, ApiEntry>> {
  const out: Record<string, Record<string, ApiEntry>> = {};
  for (const spec of specs) {
    const a = spec.configApi;
    if (!a || typeof a.id !== 'string' || !/^[a-z0-9-]{1,64}$/.test(a.id) || !Number.isInteger(a.major)) continue;
    const key = `v${a.major}${a.state === 'released' ? '' : a.state}`;
    const versions = (out[a.id] ??= {});
    if (versions[key]) continue;
    const base = `/config/discover/apis/${a.id}/${key}`;
    versions[key] = { doc: `${base}/doc.md`, doc_html: `/config/web-ui/cu-doc.html?md-doc-loc=${base}/doc.md`, model: `${base}/model.json`, rest_api: `/config/rest/${a.id}/${key}`, rest_openapi: `${base}/openapi.json`, rest_ui: `/config/web-ui/swagger-ui/?url=${base}/openapi.json`, state: a.state, version: a.version };
  }
  return out;
}

const json = (reply: FastifyReply, body: unknown) => reply.code(200).type('application/json').send(JSON.stringify(body));
const notFound = (req: FastifyRequest, reply: FastifyReply) => send(reply, frontDoorAnswer('config-rest', 404, { path: req.url.split('?')[0] }));

/** Each API's answer to `$all` is bounded (size and time): one slow or huge owner cannot hold the rest. */
export const ALL_PART_MAX_BYTES = 4 * 1024 * 1024;
export const ALL_PART_TIMEOUT_MS = 5000;

/** The `data` of an owner's `GET <rest_api>` on its socket, as the caller (undefined when it fails). */
function ownerData(socket: string, path: string, req: FastifyRequest): Promise<unknown> {
  const c = req.caller;
  const headers = callerHeaders({ user: c.name, role: c.role, via: c.via, ptz: c.ptz, proto: (req.raw.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http', addr: req.socket.remoteAddress ?? '' });
  return new Promise((resolve) => {
    const r = request({ socketPath: socket, method: 'GET', path, headers, timeout: ALL_PART_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (b: Buffer) => {
        size += b.length;
        if (size > ALL_PART_MAX_BYTES) return r.destroy();
        chunks.push(b);
      });
      res.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { status?: string; data?: unknown };
          resolve(res.statusCode === 200 && body.status === 'success' ? body.data : undefined);
        } catch {
          resolve(undefined);
        }
      });
      res.on('error', () => resolve(undefined));
    });
    r.on('timeout', () => r.destroy());
    r.on('error', () => resolve(undefined));
    r.end();
  });
}

export function configDiscoverRoutes(http: Http): RouteDef[] {
  const apis = () => configApis(http.declaredRoutes().map((r) => r.spec));
  const route = (path: string, handler: RouteDef['handler']): RouteDef => ({ method: ['GET'], path, access: 'viewer', errors: 'config-rest', handler, probe: { method: 'GET', url: path.replace(':id', 'cert').replace(':version', 'v1'), needs: 'viewer' } });
  // every API's root, keyed `<id>.<version>` (`cert.v1`), asked of each owner as the caller
  const all: RouteDef['handler'] = async (req, reply) => {
    const out: Record<string, unknown> = {};
    for (const [id, versions] of Object.entries(apis())) {
      for (const [v, e] of Object.entries(versions)) {
        const owner = http.matchDeclared(e.rest_api);
        const data = owner ? await ownerData(owner.socket, e.rest_api, req) : undefined;
        if (data !== undefined) out[`${id}.${v}`] = data;
      }
    }
    return json(reply, { status: 'success', data: out });
  };
  return [
    route('/config/rest/$all', all),
    route('/config/discover', (_req, reply) => json(reply, { apis: apis(), device: { rest_openapi: '/config/discover/openapi.json', rest_ui: '/config/web-ui/swagger-ui/?url=/config/discover/openapi.json' }, framework_version: FRAMEWORK_VERSION })),
    route('/config/discover/apis', (_req, reply) => json(reply, apis())),
    route('/config/discover/apis/:id', (req, reply) => {
      const id = (req.params as { id: string }).id;
      const a = apis()[id];
      return a ? json(reply, { [id]: a }) : notFound(req, reply);
    }),
    route('/config/discover/apis/:id/:version', (req, reply) => {
      const { id, version } = req.params as { id: string; version: string };
      const a = apis()[id]?.[version];
      return a ? json(reply, a) : notFound(req, reply);
    }),
  ];
}
