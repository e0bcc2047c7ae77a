import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError, PARAMD, PARAMD_RESET, PARAMD_STORAGE, REQUIRED_SERVICES, watchSystemReady, type DaemonModule } from '@belfry/core';
import { Accounts, ROLE_RANK, type Role } from './accounts.js';
import { AccessLog } from './access-log.js';
import { authenticate, challengeAnswer, forbidden, pathFormat, send, unauthorized, type AuthDeps } from './auth/authenticate.js';
import { errorAnswer, frontDoorAnswer, type WireAnswer } from '@belfry/core/http';
import { DeclaredRoutes, pathPattern, type DeclaredRoute } from './declared-routes.js';
import { forward } from './proxy.js';
import { dispatchSoap } from './soap-dispatch.js';
import { BruteForce } from './auth/brute-force.js';
import { Nonces } from './auth/digest.js';
import { Sessions } from './auth/sessions.js';
import { CONFIG_PARAMS, listenError, loadConfig, type HttpConfig } from './config.js';
import type { Access, Caller, Http, RouteDef } from './context.js';
import { HttpServers, REPLAY_BODY } from './server.js';
import { HotLane } from './hot-lane.js';
import { cipherList, followTls, type TlsMaterial } from './tls.js';
import { routeTable } from './routes.js';
import { ListMemo } from './list-memo.js';
import { HTTPD } from './contract.js';
import { verifyRtspDigest } from './auth/rtsp.js';
import { NonceCache, verifyUsernameToken } from './auth/username-token.js';
import { accountMethods } from './accounts-rpc.js';
import { forwardUpgrade } from './upgrade.js';
import { startIdleTrim } from './idle-trim.js';
import { serveWebUi, webUiDir } from './static.js';
import { memoryReportOnSignal } from './memory-report.js';

/** `type/subtype` with optional parameters: what fastify accepts as a Content-Type. */
const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+[ \t]*(;.*)?$/;

/** Ports below 1024 other than 80 and 443 are allowed (admins only write them) but warned about. */
function portWarning(name: string, v: string | null): string | undefined {
  const n = Number(v);
  return v !== null && n < 1024 && n !== 80 && n !== 443 ? `${name}=${n} is a privileged port (1–1023)` : undefined;
}

/**
 * httpd owns the HTTP/HTTPS listeners, authentication, accounts and sessions, and the VAPIX CGIs;
 * handlers ask the owning daemons over the bus.
 */
export const daemon: DaemonModule = {
  name: 'httpd',
  async start(ctx) {
    const identity = ctx.board.identity;
    const realm = `AXIS_${identity.serialNumber}`;
    const audit = (action: string, fields: Record<string, unknown>, level?: 'warn') => ctx.audit.write(action, fields, level);
    const accounts = new Accounts(ctx.stateDir, realm, audit, await ctx.board.security.kek('httpd-wsse'));
    accounts.open();
    ctx.announce('storage', { accounts: accounts.storage });
    let config: HttpConfig = await loadConfig(ctx);
    const servers = new HttpServers();
    servers.setCiphers(cipherList(config.ciphers));
    const app = servers.app;
    const sessions = new Sessions();
    const nonces = new Nonces();
    const bruteForce = new BruteForce(config.bruteForce);
    const accessLog = new AccessLog(ctx.paths.log);
    let ready = false;
    let storage: ReturnType<Http['paramdStorage']>;
    const listMemo = new ListMemo(ctx.rpc.client(PARAMD));
    await listMemo.start(ctx);
    const deps: AuthDeps = { accounts, sessions, nonces, bruteForce, config: () => config, realm, audit };
    // eventd's RTSP server authenticates its clients here: the accounts, nonces and blocking are httpd's
    // and onvifd's WS-Security logins and ONVIF user management (accounts-rpc.ts)
    const wsseNonces = new NonceCache();
    await ctx.serve(HTTPD, { verifyDigest: (p) => verifyRtspDigest(deps, p), verifyUsernameToken: (p) => verifyUsernameToken(deps, wsseNonces, p), ...accountMethods(accounts) });
    const mustRedirect = (raw: IncomingMessage) => !(raw.socket as { encrypted?: boolean }).encrypted && config.access === 'https' && config.httpsEnabled && !!servers.httpsPort;
    servers.lane = new HotLane(deps, accessLog, mustRedirect);
    const challenge = (req: FastifyRequest, reply: FastifyReply) => unauthorized(req, reply, deps);
    // the daemons' routes (watched once httpd's own are in place: their paths win); the OpenAPI route reads it at request time
    const declared = new DeclaredRoutes(ctx.paths.run, (p) => ownAllow(p).length > 0, ctx.log);
    const http: Http = {
      d: ctx,
      accounts,
      sessions,
      paramd: ctx.rpc.client(PARAMD),
      get config() {
        return config;
      },
      realm,
      accessLog,
      listMemo,
      systemReady: () => ready,
      paramdStorage: () => storage,
      declaredRoutes: () => declared.all(),
      matchDeclared: (path) => declared.match(path),
      clients: () => servers.clients(),
      require(req, reply, role: Role) {
        if (ROLE_RANK[req.caller.role] >= ROLE_RANK[role]) return true;
        if (req.caller.via === 'anonymous') unauthorized(req, reply, deps);
        else forbidden(req, reply);
        return false;
      },
    };
    await watchSystemReady(ctx.bus, REQUIRED_SERVICES(), (r) => (ready = r));
    await ctx.bus.subscribe(PARAMD_STORAGE, (_t, p) => {
      try {
        storage = JSON.parse(p.toString('utf8')) as typeof storage;
      } catch {
        /* keep the last good one */
      }
    });

    // form CGIs take their arguments from any body, whatever its Content-Type (§1.5): read every body raw
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    // a body the hot lane already read (it handed the request on) is read again from here
    app.addHook('preParsing', async (req, _reply, payload) => {
      const body = (req.raw as IncomingMessage & { [REPLAY_BODY]?: Buffer })[REPLAY_BODY];
      return body ? Readable.from([body]) : payload;
    });
    app.addHook('onRequest', async (req, reply) => {
      // a Content-Type fastify cannot parse (`foo`, empty, `a/b,c/d`) would be a 415 before any
      // route sees the body; form CGIs take any body (§1.5), so such a label counts as none
      const ct = req.headers['content-type'];
      if (ct !== undefined && !MEDIA_TYPE.test(ct)) req.headers['content-type'] = 'application/octet-stream';
      req.caller = { name: '', role: 'anonymous', ptz: false, via: 'anonymous' };
      const access = req.routeOptions.config?.access;
      if (mustRedirect(req.raw)) {
        const host = (req.headers.host ?? '127.0.0.1').replace(/:\d+$/, '');
        return reply.code(301).header('Location', `https://${host}:${servers.httpsPort}${req.url}`).send();
      }
      // a connection on a reserved slot (server.ts LIMITS.reservedConnections) serves only requests
      // with valid credentials; anonymous ones get the challenge, so Digest clients answer on it
      const probation = servers.onProbation(req.raw);
      if (probation && req.headers.authorization === undefined && req.headers.cookie === undefined) return unauthorized(req, reply, deps);
      if (req.routeOptions.config?.dynamic) return frontDoor(req, reply);
      if (access === undefined && !probation) return; // 404: nothing to protect
      await authenticate(req, reply, deps, access ?? 'anonymous', req.routeOptions.config?.anonymous);
      if (reply.sent) return reply;
      if (!probation) return;
      if (req.caller.via === 'anonymous') return unauthorized(req, reply, deps);
      // now, not at the response: a live stream (transmit.cgi) never has an onResponse
      servers.admit(req.raw);
    });
    app.addHook('onResponse', async (req, reply) => {
      accessLog.write({ addr: req.socket.remoteAddress ?? '?', user: req.caller?.name ?? '', method: req.method, url: req.url, status: reply.statusCode, ms: reply.elapsedTime });
    });
    app.setNotFoundHandler((_req, reply) => reply.code(404).type('text/plain').send('404 Not Found\n'));
    app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
      const status = err.statusCode ?? 500;
      // one error table per wire format (core/http/errors.ts), picked by route
      const format = servers.formatOf(req.url);
      // a client's mistake is never a 500
      if (status >= 400 && status < 500) return send(reply, frontDoorAnswer(format, status));
      if (err instanceof BelfryError && (err.code === 'unavailable' || err.code === 'timeout')) {
        ctx.log.warn({ url: req.url, err: err.message }, 'a daemon did not answer');
        return send(reply, frontDoorAnswer(format, 503));
      }
      ctx.log.error({ err, url: req.url }, 'request failed');
      return send(reply, errorAnswer(format, new BelfryError('internal', 'internal error')));
    });
    const onLoginFailure = (req: FastifyRequest, user: string) => {
      const addr = req.socket.remoteAddress ?? '?';
      audit('auth.failed', { addr, user, method: 'session', reason: 'bad password or unknown user', path: '/api/v1/session' });
      if (bruteForce.fail(addr, '/api/v1/session')) audit('auth.blocked', { addr, seconds: config.bruteForce.blockingPeriodS });
    };
    const routes: RouteDef[] = routeTable(http, challenge, onLoginFailure);
    for (const r of routes) servers.route(r);
    serveWebUi(app, webUiDir(ctx.paths));
    // the daemons' routes arrive on the bus after httpd is up (fastify takes no routes after
    // ready()): one catch-all looks them up; a path of httpd's own with another method lands here too
    const own = routes.map((r) => ({ re: pathPattern(r.path), methods: r.method }));
    const ownAllow = (path: string) => [...new Set(own.filter((o) => o.re.test(path)).flatMap((o) => o.methods))];
    await declared.watch(ctx.bus);
    servers.declaredStream = (p) => !!declared.match(p)?.spec.stream;
    const proxyDeps = {
      challenge: (req: FastifyRequest) => challengeAnswer(req, deps),
      log: (req: FastifyRequest, status: number, t0: number) => accessLog.write({ addr: req.socket.remoteAddress ?? '?', user: req.caller?.name ?? '', method: req.method, url: req.url, status, ms: performance.now() - t0 }),
      warn: (fields: Record<string, unknown>, msg: string) => ctx.log.warn(fields, msg),
    };
    const frontDoor = async (req: FastifyRequest, reply: FastifyReply) => {
      const path = req.url.split('?')[0] ?? '/';
      const route = declared.match(path);
      if (!route) {
        const allow = ownAllow(path);
        return send(reply, frontDoorAnswer(pathFormat(path), allow.length ? 405 : 404, { allow, path }));
      }
      const methods = route.spec.methods.includes('GET') ? [...route.spec.methods, 'HEAD'] : route.spec.methods;
      if (!methods.includes(req.method as 'GET')) return send(reply, frontDoorAnswer(route.spec.errors, 405, { allow: route.spec.methods }));
      // a SOAP path several daemons share by Body namespace: the body picks the owner
      const owners = route.spec.soap ? declared.soapOwners(path) : undefined;
      if (owners) return dispatchSoap(req, reply, owners, soapDeps);
      // a FastifyReply is thenable: awaiting a denial gives undefined once it is sent, so the reply
      // itself says whether authentication answered (else an anonymous request went on to the owner)
      await authenticate(req, reply, deps, route.spec.access);
      if (reply.sent) return reply;
      if (req.caller.via !== 'anonymous') servers.admit(req.raw); // a reserved slot is kept (connections.ts)
      forward(req, reply, route, req.caller, proxyDeps);
      return reply;
    };
    const soapDeps = {
      authenticate: async (req: FastifyRequest, reply: FastifyReply, access: Access) => {
        await authenticate(req, reply, deps, access);
        if (!reply.sent && req.caller.via !== 'anonymous') servers.admit(req.raw);
        return reply.sent ? reply : undefined;
      },
      forward: (req: FastifyRequest, reply: FastifyReply, route: DeclaredRoute, caller: Caller, body: Buffer) => forward(req, reply, route, caller, proxyDeps, body),
      challenge: (req: FastifyRequest) => challengeAnswer(req, deps),
      send: (reply: FastifyReply, a: WireAnswer, close?: boolean) => send(reply, close ? { ...a, headers: { ...a.headers, Connection: 'close' } } : a),
    };
    app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], url: '/*', config: { dynamic: true }, handler: async () => undefined });
    // WebSocket upgrades of declared routes (eventd's event stream): authenticated here, piped to the owner
    servers.upgrade = (req, sock, head) =>
      void forwardUpgrade(req, sock, head, {
        auth: deps,
        match: (p) => declared.match(p),
        onProbation: (r) => servers.onProbation(r),
        admit: (r) => servers.admit(r),
        log: (r, user, status, t0) => accessLog.write({ addr: r.socket.remoteAddress ?? '?', user, method: r.method ?? 'GET', url: r.url ?? '', status, ms: performance.now() - t0 }),
      });
    await app.ready();

    const host = process.env.BELFRY_HTTP_ADDRESS ?? (ctx.board.id === 'sim' ? '127.0.0.1' : '::');
    const urlHost = host.includes(':') ? `[${host === '::' ? '::1' : host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
    const applyListeners = async (prev?: HttpConfig) => {
      if (!prev || prev.httpPort !== config.httpPort || !servers.httpPort) await servers.listenHttp(config.httpPort, host);
      // HTTPS opens once certd gave a certificate (`followTls` below calls this again then)
      const httpsOn = config.httpsEnabled && config.access !== 'http' && servers.hasCertificate;
      if (!httpsOn) servers.closeHttps();
      else if (!prev || prev.httpsPort !== config.httpsPort || !servers.httpsPort) await servers.listenHttps(config.httpsPort, host);
      ctx.announce('urls', { http: `http://${urlHost}:${servers.httpPort}`, ...(servers.httpsPort ? { https: `https://${urlHost}:${servers.httpsPort}` } : {}) });
    };
    await applyListeners().catch(async (err: unknown) => {
      await servers.close();
      throw listenError(err);
    });

    ctx.params.onChange('', (changes) => {
      if (!Object.keys(changes).some((n) => CONFIG_PARAMS.includes(n))) return;
      void (async () => {
        const prev = config;
        config = await loadConfig(ctx);
        bruteForce.settings = config.bruteForce;
        if (config.ciphers !== prev.ciphers) servers.setCiphers(cipherList(config.ciphers));
        await applyListeners(prev);
        ctx.log.info({ http: servers.httpPort, https: servers.httpsPort }, 'listeners updated');
      })().catch((err: Error) => ctx.log.error({ err: err.message }, 'could not apply new HTTP settings'));
    });
    await ctx.vetoParams(['Network.HTTP.Port', 'HTTPS.Port'], (changes) => {
      const httpPort = changes['Network.HTTP.Port'] ?? String(config.httpPort);
      const httpsPort = changes['HTTPS.Port'] ?? String(config.httpsPort);
      // name a param of this batch, so param.cgi reports what the client sent (`Error setting '<name>' to '<value>'`)
      if (httpPort === httpsPort) throw new BelfryError('vetoed', 'HTTP and HTTPS cannot share a port', { name: 'HTTPS.Port' in changes ? 'HTTPS.Port' : 'Network.HTTP.Port' });
      for (const [n, v] of Object.entries(changes)) {
        const w = portWarning(n, v);
        if (w) {
          ctx.log.warn(w);
          audit('http.privileged_port', { param: n, port: v });
        }
      }
    });
    // restore and factory default: the accounts go (the device is in setup state again); the HTTPS
    // certificate is certd's (it makes a new one on a factory default and says so)
    await ctx.bus.subscribe(PARAMD_RESET, (_t, payload) => {
      try {
        JSON.parse(payload.toString());
      } catch {
        return;
      }
      sessions.clear();
      void accounts.clear();
    });
    // the key and chain from certd, in memory only: a new one takes effect for new handshakes,
    // open connections keep theirs; the first one opens HTTPS
    let opened: Promise<void> | undefined;
    const onMaterial = (m: TlsMaterial) => {
      const opening = !servers.hasCertificate;
      servers.setCertificate(m);
      audit(opening ? 'https.certificate_loaded' : 'https.certificate_reloaded', { minVersion: m.minVersion });
      if (opening) opened = applyListeners(config).catch((err: Error) => ctx.log.error({ err: err.message }, 'could not open HTTPS'));
    };
    const tls = followTls(ctx, onMaterial);
    await tls.first;
    await opened;
    // the young generation an 8 MB semi-space grows to goes back when httpd is quiet (idle-trim.ts)
    const idleTrim = startIdleTrim({}, (r) => ctx.log.debug(r, 'idle: memory given back'));
    // `kill -USR2 <pid>`: V8's heap figures to <run>/httpd/memory.json (bench/, debugging)
    const stopReport = memoryReportOnSignal(join(ctx.paths.run, 'httpd', 'memory.json'), () => idleTrim.trims);
    ctx.log.info({ http: servers.httpPort, https: servers.httpsPort }, 'listening');
    return {
      async stop() {
        idleTrim.stop();
        stopReport();
        await tls.stop();
        accessLog.flush();
        await servers.close();
      },
    };
  },
};
