import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@belfry/core';
import type { EventHub } from '../hub.js';
import { chooseTransport, parseStreamUrl, sdp } from './media.js';
import { RequestReader, response, type RtspRequest } from './message.js';
import { RtspSession } from './session.js';

/** Every limit of the RTSP server, explicit (each is tested at the limit). */
export const RTSP_LIMITS = {
  /** open control connections; more are closed at once */
  connections: 32,
  /** sessions set up at once (453 Not Enough Bandwidth above) */
  sessions: 16,
  /** request line + headers */
  headerBytes: 8 * 1024,
  /** a request body (GET_PARAMETER may carry one) */
  bodyBytes: 4 * 1024,
  /** requests read but not yet answered on one connection (a client that pipelines more is cut) */
  pipelined: 16,
  /** `Session: <id>;timeout=60`: a session not heard of for this long ends (K60 pings every timeout-5 s) */
  sessionTimeoutS: 60,
  /** a connection with no session and no request for this long is closed */
  idleMs: 60_000,
  /** notifications waiting to go out on one session before it is dropped */
  queue: 1000,
  /** largest notification document in one datagram (fragmented by IP above the MTU, never split by us) */
  datagramBytes: 8 * 1024,
};
export type RtspLimits = typeof RTSP_LIMITS;

/** What the front door (httpd's `verifyDigest`) says about a request's credentials. */
export type AuthAnswer = { ok: true; user: string; role: string } | { ok: false; reason: 'challenge' | 'failed' | 'stale' | 'blocked'; challenge: string };

export interface RtspDeps {
  hub: EventHub;
  /** one event as a whole MetadataStream document, or undefined when it is not streamed */
  document(ev: import('@belfry/core').BelfryEvent): string | undefined;
  /** asks httpd; rejects when httpd cannot answer (503) */
  auth(method: string, authorization: string, addr: string): Promise<AuthAnswer>;
  log: Logger;
  limits?: Partial<RtspLimits>;
}

const METHODS = ['OPTIONS', 'DESCRIBE', 'SETUP', 'PLAY', 'TEARDOWN', 'GET_PARAMETER'];
const PUBLIC = METHODS.join(', ');
/** RTSP 1.0 methods this server knows but does not serve: 405 with Allow; anything else is 501. */
const KNOWN = new Set(['ANNOUNCE', 'PAUSE', 'RECORD', 'REDIRECT', 'SET_PARAMETER']);

interface Conn {
  sock: Socket;
  sessions: Set<RtspSession>;
  chain: Promise<void>;
  queued: number;
}

/**
 * The RTSP metadata event stream (`rtsp://<host>:<port>/axis-media/media.amp?video=0&audio=0&event=on`):
 * eventd's own TCP listener, written for the clients we know (K60/Home Assistant's quirks, see
 * README): one TCP write per response, CSeq echoed and never required to increase, absolute control
 * URLs, keep-alive OPTIONS/GET_PARAMETER with a Session and no credentials answered, RTP over UDP with
 * one document per datagram. Sessions belong to their control connection: it closing ends them.
 */
export class RtspServer {
  readonly limits: RtspLimits;
  private readonly server: Server;
  private readonly conns = new Set<Conn>();
  private readonly sessions = new Map<string, { s: RtspSession; conn: Conn }>();
  private udp: { udp4?: UdpSocket; udp6?: UdpSocket } = {};
  /** runs only while sessions exist: an idle eventd has no timer for RTSP */
  private sweeper: NodeJS.Timeout | undefined;
  private describeId = 1;

  constructor(private readonly deps: RtspDeps) {
    this.limits = { ...RTSP_LIMITS, ...deps.limits };
    this.server = createServer((sock) => this.accept(sock));
  }

  async listen(port: number, host?: string): Promise<number> {
    await this.bindUdp();
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  get port(): number | undefined {
    return this.server.listening ? (this.server.address() as AddressInfo).port : undefined;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** whether the session-timeout sweep runs (only while a session exists) */
  get sweeping(): boolean {
    return this.sweeper !== undefined;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const c of this.conns) c.sock.destroy();
    for (const { s } of this.sessions.values()) s.stop();
    this.sessions.clear();
    await new Promise<void>((r) => (this.server.listening ? this.server.close(() => r()) : r()));
    for (const u of Object.values(this.udp)) u?.close();
    this.udp = {};
  }

  private accept(sock: Socket): void {
    if (this.conns.size >= this.limits.connections) return void sock.destroy();
    const conn: Conn = { sock, sessions: new Set(), chain: Promise.resolve(), queued: 0 };
    this.conns.add(conn);
    const reader = new RequestReader(this.limits.headerBytes, this.limits.bodyBytes);
    sock.setNoDelay(true);
    sock.setTimeout(this.limits.idleMs, () => {
      if (!conn.sessions.size) sock.destroy();
    });
    sock.on('data', (chunk: Buffer) => {
      for (const r of reader.push(chunk)) {
        if ('status' in r) {
          this.deps.log.info({ addr: sock.remoteAddress, why: r.why }, 'rtsp: bad request');
          conn.chain = conn.chain.then(() => void sock.end(response(r.status, r.cseq)));
          return;
        }
        if (++conn.queued > this.limits.pipelined) return void sock.destroy();
        conn.chain = conn.chain.then(() => this.answer(conn, r)).then(
          (buf) => {
            conn.queued--;
            if (buf && !sock.destroyed) sock.write(buf);
          },
          (err: Error) => {
            conn.queued--;
            this.deps.log.error({ err: err.message }, 'rtsp: request failed');
            if (!sock.destroyed) sock.write(response(500, r.headers.get('cseq')));
          },
        );
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      this.conns.delete(conn);
      for (const s of conn.sessions) this.endSession(s);
    });
  }

  /** The answer to one request (one buffer, one write). Playing starts after the PLAY answer is out. */
  private async answer(conn: Conn, r: RtspRequest): Promise<Buffer | undefined> {
    const cseq = r.headers.get('cseq');
    if (cseq === undefined || !/^\d{1,9}$/.test(cseq)) return response(400, undefined);
    if (!METHODS.includes(r.method)) return KNOWN.has(r.method) ? response(405, cseq, [['Allow', PUBLIC]]) : response(501, cseq, [['Allow', PUBLIC]]);
    const session = this.sessionOf(r);
    if (session === null) return response(454, cseq);
    // a keep-alive (or the end) of a session set up on this connection needs no credentials (K60)
    const keepAlive = !!session && (r.method === 'OPTIONS' || r.method === 'GET_PARAMETER' || r.method === 'TEARDOWN');
    if (session) session.lastSeen = Date.now();
    if (!keepAlive) {
      const denied = await this.authenticate(r, cseq, conn.sock.remoteAddress ?? '');
      if (denied) return denied;
    }
    const sessionHeader: [string, string][] = session ? [['Session', `${session.id};timeout=${this.limits.sessionTimeoutS}`]] : [];
    switch (r.method) {
      case 'OPTIONS':
        return response(200, cseq, [...sessionHeader, ['Public', PUBLIC]]);
      case 'GET_PARAMETER':
        return response(200, cseq, sessionHeader);
      case 'DESCRIBE':
        return this.describe(conn, r, cseq);
      case 'SETUP':
        return this.setup(conn, r, cseq, session);
      case 'PLAY':
        if (!session) return response(454, cseq);
        this.play(conn, session);
        return response(200, cseq, [...sessionHeader, ['Range', 'npt=now-']]);
      default: // TEARDOWN
        if (!session) return response(454, cseq);
        this.endSession(session);
        return response(200, cseq);
    }
  }

  /** The session a request names: undefined when it names none, null when it names an unknown one. */
  private sessionOf(r: RtspRequest): RtspSession | undefined | null {
    const h = r.headers.get('session');
    if (h === undefined) return undefined;
    const e = this.sessions.get(h.split(';')[0]!.trim());
    return e ? e.s : null;
  }

  private async authenticate(r: RtspRequest, cseq: string, addr: string): Promise<Buffer | undefined> {
    let a: AuthAnswer;
    try {
      a = await this.deps.auth(r.method, r.headers.get('authorization') ?? '', addr);
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'rtsp: the front door cannot check credentials');
      return response(503, cseq);
    }
    if (a.ok) return undefined;
    if (a.reason === 'blocked') return response(403, cseq);
    return response(401, cseq, [['WWW-Authenticate', a.challenge]]);
  }

  private describe(conn: Conn, r: RtspRequest, cseq: string): Buffer {
    const u = parseStreamUrl(r.url);
    if (!u) return response(404, cseq);
    const accept = r.headers.get('accept');
    if (accept && !/application\/sdp|\*\/\*/i.test(accept)) return response(406, cseq);
    const body = sdp(u, conn.sock.localAddress ?? '0.0.0.0', this.describeId++);
    return response(200, cseq, [['Content-Type', 'application/sdp'], ['Content-Base', `${u.origin}/axis-media/media.amp/`]], body);
  }

  private setup(conn: Conn, r: RtspRequest, cseq: string, existing: RtspSession | undefined): Buffer {
    if (!parseStreamUrl(r.url)) return response(404, cseq);
    if (existing) return response(455, cseq);
    const t = chooseTransport(r.headers.get('transport'));
    if (!t.ok) return response(461, cseq);
    if (this.sessions.size >= this.limits.sessions) return response(453, cseq);
    const addr = (conn.sock.remoteAddress ?? '').replace(/^::ffff:/, '');
    const udp = this.udp[addr.includes(':') ? 'udp6' : 'udp4'];
    if (!udp) return response(461, cseq);
    const s = new RtspSession({
      addr,
      rtpPort: t.rtp,
      rtcpPort: t.rtcp,
      udp,
      queueLimit: this.limits.queue,
      maxDatagram: this.limits.datagramBytes,
      onOverflow: () => {
        this.deps.log.warn({ addr, session: s.id }, 'rtsp: client does not keep up; dropped');
        conn.sock.destroy();
      },
    });
    this.sessions.set(s.id, { s, conn });
    conn.sessions.add(s);
    this.sweeper ??= setInterval(() => this.sweep(), Math.min(1000, this.limits.sessionTimeoutS * 250)).unref();
    const local = (udp.address() as AddressInfo).port;
    return response(200, cseq, [
      ['Session', `${s.id};timeout=${this.limits.sessionTimeoutS}`],
      ['Transport', `RTP/AVP;unicast;client_port=${t.rtp}-${t.rtcp};server_port=${local}-${local + 1};ssrc=${s.ssrc.toString(16).toUpperCase().padStart(8, '0')}`],
    ]);
  }

  /** PLAY: every stateful instance as Initialized, then live changes (after the answer has gone out). */
  private play(conn: Conn, s: RtspSession): void {
    if (s.playing) return;
    s.playing = true;
    const send = (ev: import('@belfry/core').BelfryEvent) => {
      const doc = this.deps.document(ev);
      if (doc !== undefined && s.playing) s.send(doc);
    };
    setImmediate(() => {
      if (!s.playing || conn.sock.destroyed) return;
      for (const ev of this.deps.hub.snapshot()) send(ev);
      s.detach = this.deps.hub.attach(send);
    });
  }

  private endSession(s: RtspSession): void {
    s.stop();
    const e = this.sessions.get(s.id);
    if (!e) return;
    this.sessions.delete(s.id);
    e.conn.sessions.delete(s);
    if (this.sessions.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private sweep(): void {
    const cutoff = Date.now() - this.limits.sessionTimeoutS * 1000;
    for (const { s } of this.sessions.values()) if (s.lastSeen < cutoff) this.endSession(s);
  }

  /** One UDP socket per address family for every session's RTP, bound at listen (any free port). */
  private async bindUdp(): Promise<void> {
    for (const type of ['udp4', 'udp6'] as const) {
      const u = createSocket(type);
      u.on('error', (err) => this.deps.log.warn({ err: err.message }, 'rtsp: udp error'));
      const ok = await new Promise<boolean>((resolve) => {
        u.once('error', () => resolve(false));
        u.bind(0, () => resolve(true));
      });
      if (ok) this.udp[type] = u;
      else u.close();
    }
  }
}
