import { randomBytes, randomInt } from 'node:crypto';
import type { Socket as UdpSocket } from 'node:dgram';
import { Outbox } from '../outbox.js';
import { rtpPacket } from './media.js';

export interface SessionOptions {
  /** the client's address (RTP goes only there, whatever a Transport `destination` says) */
  addr: string;
  rtpPort: number;
  rtcpPort: number;
  udp: UdpSocket;
  /** most notifications waiting to be sent before the session is dropped */
  queueLimit: number;
  /** longest datagram payload sent; a larger document is skipped (and counted) */
  maxDatagram: number;
  onOverflow: () => void;
}

/**
 * One RTSP session: set up, then playing. Each notification is one whole XML document in one RTP
 * datagram (K60 parses every datagram on its own). RTP timestamps run at 90 kHz from a random base.
 */
export class RtspSession {
  readonly id = randomBytes(4).toString('hex').toUpperCase();
  readonly ssrc = randomInt(1, 0xffffffff);
  lastSeen = Date.now();
  playing = false;
  /** live events from the hub, once playing */
  detach?: () => void;
  skipped = 0;
  private seq = randomInt(0, 0x10000);
  private readonly tsBase = randomInt(0, 0xffffffff);
  private readonly t0 = performance.now();
  private readonly outbox: Outbox;

  constructor(readonly o: SessionOptions) {
    this.outbox = new Outbox(
      o.queueLimit,
      (xml, done) => {
        const ts = (this.tsBase + Math.floor((performance.now() - this.t0) * 90)) >>> 0;
        o.udp.send(rtpPacket(this.seq++, ts, this.ssrc, Buffer.from(xml, 'utf8')), o.rtpPort, o.addr, () => done());
      },
      o.onOverflow,
    );
  }

  /** Sends one notification document (false once the session was dropped for not keeping up). */
  send(xml: string): boolean {
    if (Buffer.byteLength(xml) > this.o.maxDatagram) {
      this.skipped++;
      return true;
    }
    return this.outbox.push(xml);
  }

  stop(): void {
    this.playing = false;
    this.detach?.();
    this.detach = undefined;
  }
}
