import type { Bus, Logger } from '@belfry/core';
import type { RouteSpec } from '@belfry/core/contract';
import { httpSocketPath } from '@belfry/core/http';

/** A declared route and where its owner serves it. */
export interface DeclaredRoute {
  owner: string;
  socket: string;
  spec: RouteSpec;
}

/** Most routes one daemon may declare (a broken or hostile declaration cannot grow httpd's table without bound). */
export const MAX_ROUTES_PER_DAEMON = 200;

const PATH_RE = /^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]{0,255}$/;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
const ACCESS = new Set(['anonymous', 'viewer', 'operator', 'admin', 'setup', 'self']);
const FORMATS = new Set(['vapix-text', 'ajr', 'json-api', 'soap', 'config-rest']);

/** a `:name` in a path: the part `pathPattern` turns into a segment wildcard */
const PARAM_SEGMENT = /:[A-Za-z_]/;

/** `/api/v1/clips/:id/play` → a regex of the path's segments (`:name` is one segment). */
export function pathPattern(path: string): RegExp {
  return new RegExp('^' + path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_][A-Za-z0-9_]*/g, '[^/]+') + '$');
}

/** Most SOAP namespaces one route may claim. */
const MAX_SOAP_NAMESPACES = 32;

function validSoap(soap: unknown): boolean {
  const ns = (soap as { namespaces?: unknown } | null)?.namespaces;
  return Array.isArray(ns) && ns.length > 0 && ns.length <= MAX_SOAP_NAMESPACES && ns.every((n) => typeof n === 'string' && n.length > 0 && n.length <= 256);
}

/** Whether a new route may share a path already declared: both serve SOAP namespaces, none in common. */
function shares(a: RouteSpec, b: RouteSpec): boolean {
  if (!a.soap || !b.soap) return false;
  return !a.soap.namespaces.some((n) => b.soap!.namespaces.includes(n));
}

function valid(r: unknown): r is RouteSpec {
  const s = r as Partial<RouteSpec> | null;
  return (
    !!s &&
    typeof s.path === 'string' &&
    PATH_RE.test(s.path) &&
    Array.isArray(s.methods) &&
    s.methods.length > 0 &&
    s.methods.every((m) => METHODS.has(m)) &&
    ACCESS.has(s.access as string) &&
    FORMATS.has(s.errors as string) &&
    (s.bodyLimit === undefined || (Number.isInteger(s.bodyLimit) && s.bodyLimit >= 0)) &&
    (s.websocket === undefined || typeof s.websocket === 'boolean') &&
    (s.timeoutMs === undefined || (Number.isInteger(s.timeoutMs) && s.timeoutMs > 0)) &&
    (s.soap === undefined || validSoap(s.soap)) &&
    !!s.probe
  );
}

/**
 * The daemons' routes as they declare them (retained `belfry/decl/<daemon>/routes`). httpd's own
 * routes win over a declared one with the same path; among daemons the first declaration of a path
 * wins, unless every declaration of it names disjoint SOAP Body namespaces (`RouteSpec.soap`): then
 * they share it and the front door picks the owner by the body (soap-dispatch.ts). The socket is always `<run>/<daemon>/http.sock`, whatever a declaration says: a daemon can
 * only route requests to itself.
 */
export class DeclaredRoutes {
  private byOwner = new Map<string, { spec: RouteSpec; re: RegExp }[]>();
  /**
   * What `match` reads, rebuilt at each declaration (rare) because it runs on every request: the
   * exact paths in a map, and the routes with `:name` segments by their fixed prefix.
   */
  private exact = new Map<string, DeclaredRoute>();
  /** pattern routes by their fixed part up to the `/` before the first `:name` (`/api/v1/clips/`) */
  private patterns = new Map<string, { re: RegExp; route: DeclaredRoute }[]>();

  constructor(
    private readonly runDir: string,
    private readonly isOwn: (path: string) => boolean,
    private readonly log: Logger,
  ) {}

  async watch(bus: Bus): Promise<void> {
    await bus.subscribe('belfry/decl/+/routes', (topic, payload) => this.take(topic.split('/')[2]!, payload.toString('utf8')));
  }

  /** Applies one declaration (empty: the daemon withdrew its routes). */
  take(owner: string, payload: string): void {
    if (!payload) {
      this.byOwner.delete(owner);
      return this.index();
    }
    let routes: unknown;
    try {
      routes = (JSON.parse(payload) as { routes?: unknown }).routes;
    } catch {
      routes = undefined;
    }
    if (!Array.isArray(routes)) return this.log.warn({ owner }, 'route declaration is not {routes:[…]}: ignored');
    const others = [...this.byOwner].filter(([o]) => o !== owner).flatMap(([, rs]) => rs.map((r) => r.spec));
    const out: { spec: RouteSpec; re: RegExp }[] = [];
    for (const r of routes.slice(0, MAX_ROUTES_PER_DAEMON)) {
      if (!valid(r)) {
        this.log.warn({ owner, route: (r as { path?: unknown })?.path }, 'malformed route declaration: ignored');
        continue;
      }
      if (this.isOwn(r.path) || others.some((o) => o.path === r.path && !shares(o, r))) {
        this.log.warn({ owner, path: r.path }, 'route already served by another: ignored');
        continue;
      }
      out.push({ spec: r, re: pathPattern(r.path) });
    }
    this.byOwner.set(owner, out);
    this.index();
  }

  private index(): void {
    this.exact.clear();
    this.patterns.clear();
    for (const [owner, rs] of this.byOwner) {
      for (const r of rs) {
        const route = { owner, socket: httpSocketPath(this.runDir, owner), spec: r.spec };
        // the first declaration of a path wins (a SOAP path shared by namespace: soapOwners)
        if (!this.exact.has(r.spec.path)) this.exact.set(r.spec.path, route);
        const param = PARAM_SEGMENT.exec(r.spec.path);
        if (!param) continue;
        const prefix = r.spec.path.slice(0, r.spec.path.lastIndexOf('/', param.index) + 1);
        const list = this.patterns.get(prefix) ?? [];
        list.push({ re: r.re, route });
        this.patterns.set(prefix, list);
      }
    }
  }

  /** The declared route for a request path, if any: a fixed path wins over a pattern (`/api/v1/clips/stop` over `/api/v1/clips/:id`). */
  match(path: string): DeclaredRoute | undefined {
    const exact = this.exact.get(path);
    if (exact || this.patterns.size === 0) return exact;
    // the patterns whose fixed part is one of the path's `/`-prefixes, longest first
    for (let end = path.lastIndexOf('/'); end >= 0; end = end > 0 ? path.lastIndexOf('/', end - 1) : -1) {
      const hit = this.patterns.get(path.slice(0, end + 1))?.find((p) => p.re.test(path));
      if (hit) return hit.route;
    }
    return undefined;
  }

  /**
   * The owners sharing a SOAP path by namespace (an exact path), or undefined when one owner has it
   * alone: the single-owner path forwards without reading the body.
   */
  soapOwners(path: string): DeclaredRoute[] | undefined {
    const out: DeclaredRoute[] = [];
    for (const [owner, rs] of this.byOwner) {
      const r = rs.find((x) => x.spec.path === path && x.spec.soap);
      if (r) out.push({ owner, socket: httpSocketPath(this.runDir, owner), spec: r.spec });
    }
    return out.length > 1 ? out : undefined;
  }

  /** Every declared route (the role × endpoint test, the bench). */
  all(): DeclaredRoute[] {
    return [...this.byOwner].flatMap(([owner, rs]) => rs.map((r) => ({ owner, socket: httpSocketPath(this.runDir, owner), spec: r.spec })));
  }
}
