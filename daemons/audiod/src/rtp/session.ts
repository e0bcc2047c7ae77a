import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { BelfryError, type Logger } from '@belfry/core';
import type { AudioEngine, PcmSink } from '../engine/index.js';
import { StreamSource, type Mixer } from '../mixer.js';
import type { CodecPlan } from './codecs.js';
import type { RtpEndedMessage } from '../contract.js';
import { DTMF_END_REPEATS, DTMF_PACKET_MS, DtmfReceiver } from './dtmf.js';
import { buildRtp, buildTelephoneEvent, parseRtp } from './packet.js';
import { receivePipeline, sendPipeline } from './pipelines.js';

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly';
export type EndReason = RtpEndedMessage['reason'];

export interface SessionDeps {
  engine(): AudioEngine;
  mixer: Mixer;
  /** microphone frames after input gain and mute (20 ms) */
  onInput(fn: (s: Int16Array) => void): () => void;
  /** rtpjitterbuffer latency (Audio.ReceiverBuffer) */
  jitterMs(): number;
  log: Logger;
  /** pipelines opened and closed (the manager counts them; tests check none is left) */
  pipelineCount(delta: 1 | -1): void;
}

export interface StartSpec {
  plan: CodecPlan;
  remoteAddr: string;
  remotePort: number;
  payloadType: number;
  dtmfPayloadType?: number;
  direction: Direction;
}

/** What the mixer primes before the call is heard: rtpjitterbuffer already smooths the network. */
const PRIME_MS = 40;
/** Decoded audio queued beyond this is dropped (a remote sending faster than real time). */
const MAX_QUEUED_MS = 500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free loopback UDP port for a pipeline's udpsrc (bound and released: the pipeline binds it next). */
function loopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * One call's media: the UDP socket on the allocated port, the receive pipeline into the mixer (a
 * `call` source) and the send pipeline from the microphone. Outgoing RTP is relayed by Node with its
 * own SSRC and sequence numbers, so RFC 4733 events can be slipped in between the audio packets.
 */
/**
 * Whether a packet's source is the negotiated remote. One loopback exception: a phone on this
 * machine whose RTP socket is bound to 0.0.0.0 sends from 127.0.0.1 whatever 127.x address its SDP
 * named (baresip does), so 127.0.0.1 stands for any negotiated 127.x (and only that source does).
 */
export function sameRemote(source: string, negotiated: string): boolean {
  return source === negotiated || (source === '127.0.0.1' && negotiated.startsWith('127.'));
}

export class RtpSession {
  packetsReceived = 0;
  packetsSent = 0;
  private spec: StartSpec | undefined;
  private source: StreamSource | undefined;
  private rx: PcmSink | undefined;
  private tx: PcmSink | undefined;
  private relay: Socket | undefined;
  private offMic: (() => void) | undefined;
  private idle: NodeJS.Timeout | undefined;
  private dtmfIn: DtmfReceiver | undefined;
  private dtmfOut: Promise<void> = Promise.resolve();
  private rxPort = 0;
  private stopped = false;
  // outgoing stream state (Node's, not the payloader's)
  private readonly ssrc = randomInt(2 ** 32);
  private seq = randomInt(2 ** 16);
  private readonly tsBase = randomInt(2 ** 32);
  private gstFirstTs: number | undefined;
  private lastTs = 0;
  private lastTsAt = 0;
  private startedAt = 0;

  constructor(
    readonly callId: string,
    readonly localPort: number,
    private readonly socket: Socket,
    private readonly deps: SessionDeps,
    private readonly idleMs: number,
    /** the session ended by itself (not by `stop`) */
    private readonly onEnd: (reason: EndReason) => void,
    private readonly onDtmf: (digit: string, durationMs: number) => void,
  ) {
    socket.on('message', (m, r) => this.onPacket(m, r));
  }

  get started(): boolean {
    return this.spec !== undefined;
  }

  async start(spec: StartSpec): Promise<void> {
    if (this.spec) throw new BelfryError('failed_precondition', `the media of call ${this.callId} is already started`);
    const receiving = spec.direction !== 'sendonly';
    const source = receiving ? new StreamSource('call', PRIME_MS) : undefined;
    // a busy speaker (the speaker test) refuses before anything starts
    if (source) this.deps.mixer.check('call');
    // before the first await: packets are taken from here on, while the pipelines start
    if (spec.dtmfPayloadType !== undefined) this.dtmfIn = new DtmfReceiver(spec.plan.clockRate, this.onDtmf);
    this.spec = spec;
    this.startedAt = performance.now();
    try {
      if (source) {
        this.rxPort = await loopbackPort();
        this.checkNotStopped();
        this.rx = this.open(receivePipeline(spec.plan, spec.payloadType, this.rxPort, this.deps.jitterMs()), (s) => {
          if (this.source && source.queuedMs < MAX_QUEUED_MS) source.push(s);
        });
        source.onEnded = () => {
          // preempted by another call, or the mixer closed: this call is no longer heard
          if (this.source === source) this.source = undefined;
        };
        this.source = source;
        this.deps.mixer.play(source);
        this.idle = setTimeout(() => void this.end('idle'), this.idleMs);
      }
      if (spec.direction !== 'recvonly') await this.startSend(spec);
    } catch (err) {
      await this.release();
      this.spec = undefined;
      throw err instanceof BelfryError ? err : new BelfryError('internal', `RTP pipelines did not start: ${(err as Error).message}`);
    }
  }

  /** `rtpStop` may come while `start` waits for a port: what start opened is then closed by its catch */
  private checkNotStopped(): void {
    if (this.stopped) throw new BelfryError('failed_precondition', `the media of call ${this.callId} was stopped while starting`);
  }

  private open(build: Parameters<AudioEngine['openPipeline']>[0], onSamples?: (s: Int16Array) => void): PcmSink {
    const p = this.deps.engine().openPipeline(build, onSamples, (why) => {
      this.deps.log.warn({ callId: this.callId, why }, 'an RTP pipeline ended on its own: the session ends');
      void this.end('error');
    });
    this.deps.pipelineCount(1);
    let closed = false;
    return {
      write: (s) => p.write(s),
      close: async () => {
        if (closed) return;
        closed = true;
        this.deps.pipelineCount(-1);
        await p.close();
      },
    };
  }

  private async startSend(spec: StartSpec): Promise<void> {
    const relay = createSocket('udp4');
    this.relay = relay;
    await new Promise<void>((resolve, reject) => {
      relay.once('error', reject);
      relay.bind(0, '127.0.0.1', () => resolve());
    });
    this.checkNotStopped();
    relay.on('error', (err) => this.deps.log.warn({ err: err.message }, 'RTP relay socket'));
    relay.on('message', (m, r) => {
      if (r.address === '127.0.0.1') this.relayOut(m);
    });
    const tx = this.open(sendPipeline(spec.plan, spec.payloadType, relay.address().port));
    this.tx = tx;
    this.offMic = this.deps.onInput((s) => tx.write(s));
  }

  /** a packet from the send pipeline: our SSRC, sequence and timestamp base, then to the remote */
  private relayOut(m: Buffer): void {
    const h = parseRtp(m);
    if (!h || !this.spec || this.stopped) return;
    this.gstFirstTs ??= h.timestamp;
    const ts = (this.tsBase + h.timestamp - this.gstFirstTs) >>> 0;
    this.lastTs = ts;
    this.lastTsAt = performance.now();
    this.send(buildRtp({ marker: h.marker, payloadType: this.spec.payloadType, seq: this.seq++, timestamp: ts, ssrc: this.ssrc }, m.subarray(h.payloadOffset, h.payloadEnd)));
  }

  private send(b: Buffer): void {
    const s = this.spec!;
    this.socket.send(b, s.remotePort, s.remoteAddr, (err) => {
      if (!err) this.packetsSent++;
    });
  }

  private onPacket(m: Buffer, r: RemoteInfo): void {
    const s = this.spec;
    // before the answer nothing is taken; afterwards only the negotiated remote's packets
    if (!s || this.stopped || !sameRemote(r.address, s.remoteAddr)) return;
    const h = parseRtp(m);
    if (!h) return;
    if (h.payloadType === s.dtmfPayloadType) this.dtmfIn?.push(h.timestamp, m.subarray(h.payloadOffset, h.payloadEnd));
    else if (h.payloadType === s.payloadType) {
      if (this.rx) this.socket.send(m, this.rxPort, '127.0.0.1');
    } else return;
    this.packetsReceived++;
    this.idle?.refresh();
  }

  /** RFC 4733 on the send path: queued behind the digits before it, so a sequence keeps its order. */
  sendDtmf(digit: string, durationMs: number): void {
    const s = this.spec;
    if (!s) throw new BelfryError('failed_precondition', `the media of call ${this.callId} is not started`);
    if (s.direction === 'recvonly') throw new BelfryError('failed_precondition', 'the call sends no media (recvonly)');
    if (s.dtmfPayloadType === undefined) throw new BelfryError('failed_precondition', 'the call negotiated no telephone-event payload type');
    this.dtmfOut = this.dtmfOut.then(() => this.playDtmf(s, digit, durationMs)).catch((err: Error) => this.deps.log.warn({ err: err.message }, 'DTMF not sent'));
  }

  private async playDtmf(s: StartSpec, digit: string, durationMs: number): Promise<void> {
    const rate = s.plan.clockRate;
    const now = performance.now();
    const timestamp = this.lastTsAt ? (this.lastTs + Math.round(((now - this.lastTsAt) * rate) / 1000)) >>> 0 : (this.tsBase + Math.round(((now - this.startedAt) * rate) / 1000)) >>> 0;
    const packet = (duration: number, end: boolean, marker: boolean) =>
      buildRtp({ marker, payloadType: s.dtmfPayloadType!, seq: this.seq++, timestamp, ssrc: this.ssrc }, buildTelephoneEvent({ digit, end, volume: 10, duration }));
    for (let t = 0; t < durationMs && !this.stopped; t += DTMF_PACKET_MS) {
      this.send(packet(Math.round((t * rate) / 1000), false, t === 0));
      await sleep(Math.min(DTMF_PACKET_MS, durationMs - t));
    }
    for (let i = 0; i < DTMF_END_REPEATS && !this.stopped; i++) this.send(packet(Math.round((durationMs * rate) / 1000), true, false));
  }

  /** ended by itself: the manager forgets it and tells sipd */
  private async end(reason: EndReason): Promise<void> {
    if (this.stopped) return;
    await this.stop();
    this.onEnd(reason);
  }

  async stop(): Promise<{ packetsReceived: number; packetsSent: number }> {
    if (!this.stopped) {
      this.stopped = true;
      await this.release();
      await new Promise<void>((r) => this.socket.close(() => r()));
    }
    return { packetsReceived: this.packetsReceived, packetsSent: this.packetsSent };
  }

  private async release(): Promise<void> {
    clearTimeout(this.idle);
    this.offMic?.();
    this.offMic = undefined;
    const src = this.source;
    this.source = undefined;
    if (src) this.deps.mixer.stop((x) => x === src);
    await Promise.all([this.rx?.close(), this.tx?.close()]);
    this.rx = this.tx = undefined;
    this.relay?.close();
    this.relay = undefined;
  }
}
