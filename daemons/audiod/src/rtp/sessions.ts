import { createSocket, type Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import { BelfryError, T, type Bus, type Handlers } from '@belfry/core';
import type { AudiodContract } from '../contract.js';
import { availableCodecs, type CodecPlan } from './codecs.js';
import { RTP_DEFAULT_PORTS, RTP_IDLE_TIMEOUT_MS, RTP_MAX_SESSIONS, RTP_TOPICS, type RtpDtmfMessage, type RtpEndedMessage } from '../contract.js';
import { RtpSession, type SessionDeps } from './session.js';

type RtpName = 'rtpCodecs' | 'rtpOpen' | 'rtpStart' | 'rtpSendDtmf' | 'rtpStop';
/** audiod's RTP handlers (they need no call metadata: the contract already let only sipd in) */
export type RtpMethods = { [M in RtpName]: (p: Parameters<Handlers<AudiodContract>[M]>[0]) => ReturnType<Handlers<AudiodContract>[M]> };

export interface RtpDeps extends Omit<SessionDeps, 'pipelineCount'> {
  /** the RTP port range (sipd's `SIP.RTPPortRange…` params, or the default) */
  portRange(): Promise<{ start: number; end: number }>;
  publish(topic: string, data: RtpDtmfMessage | RtpEndedMessage): void;
  idleMs?: number;
  maxSessions?: number;
  /** where the call sockets bind (all addresses by default) */
  bindAddress?: string;
  codecs?: () => Promise<CodecPlan[]>;
}

/**
 * The RTP sessions sipd asks for (see the RTP section of `contract.ts`): at most `maxSessions`, each on an even port
 * of the range, each ended when its remote goes quiet or when sipd leaves the bus.
 */
export class RtpSessions {
  private readonly sessions = new Map<string, RtpSession>();
  /** calls whose port is being bound (they count against the limit already) */
  private readonly opening = new Set<string>();
  /** where the next port search starts: a port just released is not handed out again at once */
  private cursor = 0;
  /** GStreamer pipelines open now */
  pipelines = 0;

  constructor(private readonly deps: RtpDeps) {}

  get size(): number {
    return this.sessions.size;
  }

  private codecs(): Promise<CodecPlan[]> {
    return (this.deps.codecs ?? availableCodecs)();
  }

  private session(callId: string): RtpSession {
    const s = this.sessions.get(callId);
    if (!s) throw new BelfryError('not_found', `no RTP session for call ${callId}`, { name: 'callId' });
    return s;
  }

  handlers(): RtpMethods {
    return {
      rtpCodecs: async () => ({ codecs: (await this.codecs()).map(({ name, clockRate, channels, payloadType }) => ({ name, clockRate, channels, payloadType })) }),
      rtpOpen: async ({ callId }) => {
        if (this.sessions.has(callId) || this.opening.has(callId)) throw new BelfryError('already_exists', `call ${callId} has an RTP session`, { name: 'callId' });
        const max = this.deps.maxSessions ?? RTP_MAX_SESSIONS;
        if (this.sessions.size + this.opening.size >= max) throw new BelfryError('limit_exceeded', `at most ${max} RTP sessions at once`);
        this.opening.add(callId);
        let bound: { port: number; socket: Socket };
        try {
          bound = await this.bind();
        } finally {
          this.opening.delete(callId);
        }
        const { port, socket } = bound;
        const deps: SessionDeps = { ...this.deps, pipelineCount: (d) => (this.pipelines += d) };
        const s = new RtpSession(
          callId, port, socket, deps, this.deps.idleMs ?? RTP_IDLE_TIMEOUT_MS,
          (reason) => this.ended(s, reason),
          (digit, durationMs) => this.deps.publish(RTP_TOPICS.dtmf(callId), { digit, durationMs }),
        );
        this.sessions.set(callId, s);
        return { localPort: port };
      },
      rtpStart: async (p) => {
        const s = this.session(p.callId);
        if (isIPv6(p.remoteAddr)) throw new BelfryError('bad_request', 'IPv6 media is not supported yet', { name: 'remoteAddr' });
        if (!isIPv4(p.remoteAddr) || p.remoteAddr === '0.0.0.0' || /^(22[4-9]|2[3-5]\d)\./.test(p.remoteAddr)) throw new BelfryError('bad_request', `remoteAddr must be a unicast IPv4 address, not ${JSON.stringify(p.remoteAddr)}`, { name: 'remoteAddr' });
        const plan = (await this.codecs()).find((c) => c.name === p.codec);
        if (!plan) throw new BelfryError('bad_request', `codec ${p.codec} is not available here (rtpCodecs lists the ones that are)`, { name: 'codec' });
        if (p.clockRate !== plan.clockRate) throw new BelfryError('bad_request', `${p.codec} has clock rate ${plan.clockRate}, not ${p.clockRate}`, { name: 'clockRate' });
        if (p.dtmfPayloadType === p.payloadType) throw new BelfryError('bad_request', 'dtmfPayloadType must differ from payloadType', { name: 'dtmfPayloadType' });
        await s.start({ plan, remoteAddr: p.remoteAddr, remotePort: p.remotePort, payloadType: p.payloadType, ...(p.dtmfPayloadType !== undefined ? { dtmfPayloadType: p.dtmfPayloadType } : {}), direction: p.direction });
        return {};
      },
      rtpSendDtmf: ({ callId, digit, durationMs }) => {
        this.session(callId).sendDtmf(digit, durationMs);
        return {};
      },
      rtpStop: async ({ callId }) => {
        const s = this.sessions.get(callId);
        if (!s) return { packetsReceived: 0, packetsSent: 0 };
        this.sessions.delete(callId);
        return s.stop();
      },
    };
  }

  /** an even port of the range, bound on the call's socket (held until the session ends) */
  private async bind(): Promise<{ port: number; socket: Socket }> {
    const r = await this.deps.portRange();
    const first = r.start + (r.start & 1);
    const count = Math.floor((r.end - first) / 2) + 1;
    for (let i = 0; i < count; i++) {
      const port = first + 2 * ((this.cursor + i) % count);
      const socket = await tryBind(port, this.deps.bindAddress ?? '0.0.0.0');
      if (socket) {
        this.cursor = (this.cursor + i + 1) % count;
        return { port, socket };
      }
    }
    throw new BelfryError('limit_exceeded', `no free even UDP port in the RTP range ${r.start}–${r.end}`);
  }

  private ended(s: RtpSession, reason: RtpEndedMessage['reason']): void {
    if (this.sessions.get(s.callId) !== s) return;
    this.sessions.delete(s.callId);
    this.deps.publish(RTP_TOPICS.ended(s.callId), { reason, packetsReceived: s.packetsReceived, packetsSent: s.packetsSent });
  }

  /** every session ends (audiod stopping, sipd gone) */
  async stopAll(reason?: RtpEndedMessage['reason']): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(
      all.map(async (s) => {
        const stats = await s.stop();
        if (reason) this.deps.publish(RTP_TOPICS.ended(s.callId), { reason, ...stats });
      }),
    );
  }

  /**
   * sipd's retained liveness: its sessions are orphans once it is anything but ready (stopping, dead
   * by its last will, or starting again after a crash, having forgotten its calls).
   */
  watchSipd(bus: Bus): Promise<() => Promise<void>> {
    return bus.subscribe(T.state('sipd'), (_t, payload) => {
      let state: unknown;
      try {
        state = (JSON.parse(payload.toString('utf8')) as { state?: unknown }).state;
      } catch {
        state = undefined;
      }
      if (state !== 'ready' && this.sessions.size) void this.stopAll('sipd-gone');
    });
  }
}

function tryBind(port: number, address: string): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      try {
        s.close();
      } catch {
        // never bound: nothing to close
      }
      resolve(undefined);
    });
    s.bind(port, address, () => {
      s.removeAllListeners('error');
      s.on('error', () => undefined);
      resolve(s);
    });
  });
}

/** The port range from sipd's params when they exist (names agreed with sipd), else 4000–4999. */
export async function rtpPortRange(get: (name: string) => Promise<string | null | undefined>): Promise<{ start: number; end: number }> {
  const start = Number(await get('SIP.RTPPortRangeStart'));
  const end = Number(await get('SIP.RTPPortRangeEnd'));
  const ok = (n: number) => Number.isInteger(n) && n >= 1024 && n <= 65535;
  if (ok(start) && ok(end) && end > start) return { start, end };
  if (ok(start)) return { start, end: Math.min(65535, start + RTP_DEFAULT_PORTS.end - RTP_DEFAULT_PORTS.start) };
  return { ...RTP_DEFAULT_PORTS };
}
