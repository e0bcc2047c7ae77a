import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller } from './context.js';
import type { AuthDeps } from './auth/authenticate.js';
import { MAX_AUTH_HEADER, parseDigest, verifyDigest, type DigestParams } from './auth/digest.js';
import type { AccessLog } from './access-log.js';

/** What a lane answers: the same status, type and bytes the route's handler would send. */
export interface LaneAnswer {
  status: number;
  type: string;
  body: string;
}

/**
 * A route's answer for an authenticated caller that needs nothing asynchronous (a memoised
 * param.cgi list, basic device info): synchronous, side-effect free, and `undefined` whenever the
 * request needs the full path (errors, writes, a cold memo, anything unusual).
 */
export type Lane = (c: { caller: Caller; method: string; rawUrl: string; body: Buffer }) => LaneAnswer | undefined;

/** The full path for a request the lane does not answer, with the body the lane read (replayed). */
export type Fallback = (req: IncomingMessage, res: ServerResponse, body?: Buffer) => void;

/** Bodies a lane reads itself; anything larger (or chunked) takes the full path. */
const LANE_BODY_MAX = 16 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * The hot lane: VMSs and integrations poll a few reads (param.cgi lists, basic device info) with
 * Digest and nonce reuse, again and again. For those, the per-request cost of the framework (routing,
 * hooks, reply objects) was most of httpd's time. This answers them straight from Node's request
 * event, with the same Digest verification, accounts, brute-force block and access log as every
 * other request, and byte-identical answers (the route's own code computes them).
 *
 * It only ever *adds* a shortcut: a request it does not fully like goes to fastify unchanged (with
 * its body replayed when the lane had read it). The Digest `nc` is consumed only once the lane has an
 * answer in hand, so a request handed on is verified exactly once, by the full path.
 */
export class HotLane {
  private lanes = new Map<string, { methods: Set<string>; lane: Lane }>();

  constructor(
    private readonly auth: AuthDeps,
    private readonly accessLog: AccessLog,
    /** whether this request must be redirected (HTTP while the policy wants HTTPS) */
    private readonly redirects: (req: IncomingMessage) => boolean,
  ) {}

  add(path: string, methods: string[], lane: Lane): void {
    this.lanes.set(path, { methods: new Set(methods), lane });
  }

  /** Returns true when it took the request (answered it, or will hand it on itself). */
  take(req: IncomingMessage, res: ServerResponse, fallback: Fallback): boolean {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const entry = this.lanes.get(q < 0 ? url : url.slice(0, q));
    if (!entry || !entry.methods.has(req.method ?? '')) return false;
    const header = req.headers.authorization;
    if (header === undefined || header.length > MAX_AUTH_HEADER || !/^Digest\s/i.test(header)) return false;
    if (this.auth.config().auth === 'basic' || this.redirects(req)) return false;
    if (this.auth.bruteForce.blocked(req.socket.remoteAddress ?? '?')) return false;
    const len = req.headers['content-length'];
    if (req.headers['transfer-encoding'] !== undefined || (len !== undefined && !/^\d{1,6}$/.test(len)) || Number(len ?? 0) > LANE_BODY_MAX) return false;
    const p = parseDigest(header);
    const account = p?.username ? this.auth.accounts.find(p.username) : undefined;
    if (!p || !account) return false;
    const caller: Caller = { name: account.name, role: account.role, ptz: account.ptz, via: 'digest' };
    const t0 = performance.now();
    if (Number(len ?? 0) === 0) {
      this.finish(req, res, entry.lane, p, caller, EMPTY, fallback, t0);
      return true;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => this.finish(req, res, entry.lane, p, caller, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), fallback, t0));
    return true;
  }

  private finish(req: IncomingMessage, res: ServerResponse, lane: Lane, p: DigestParams, caller: Caller, body: Buffer, fallback: Fallback, t0: number): void {
    const method = req.method ?? '';
    const rawUrl = req.url ?? '';
    let answer: LaneAnswer | undefined;
    try {
      answer = lane({ caller, method, rawUrl, body });
    } catch {
      answer = undefined;
    }
    if (!answer) return fallback(req, res, body.length ? body : undefined);
    const r = verifyDigest(p, { method, rawUri: rawUrl }, this.auth.realm, this.auth.nonces, (u, alg) => this.auth.accounts.find(u)?.ha1[alg]);
    // a failed check changed nothing: the full path checks again, answers 401 and counts the failure
    if (!r.ok || r.user !== caller.name) return fallback(req, res, body.length ? body : undefined);
    res.writeHead(answer.status, { 'content-type': answer.type, 'content-length': Buffer.byteLength(answer.body) });
    res.end(answer.body);
    this.accessLog.write({ addr: req.socket.remoteAddress ?? '?', user: caller.name, method, url: rawUrl, status: answer.status, ms: performance.now() - t0 });
  }
}
