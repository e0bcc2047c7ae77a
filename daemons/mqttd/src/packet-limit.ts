import { Duplex } from 'node:stream';

/**
 * The largest MQTT packet mqttd takes from the broker, in bytes (fixed header included). Sent as
 * MQTT 5's CONNECT `maximumPacketSize`; checked on the byte stream for 3.1.1 and for a v5 broker
 * that ignores it. Subscription payloads become events of at most 4096 characters, so this leaves
 * room for long topics and properties without letting a broker make mqttd buffer megabytes.
 */
export const MAX_PACKET_BYTES = 65_536;

/** Follows MQTT's framing (type byte, remaining length as a varint of ≤ 4 bytes, body) without buffering. */
export class PacketSizeGuard {
  private header: number[] = [];
  private bodyLeft = 0;

  constructor(readonly limit: number) {}

  /** Undefined while every packet fits; else why the stream must close. */
  feed(chunk: Buffer): string | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= n;
        i += n;
        continue;
      }
      const b = chunk[i++]!;
      this.header.push(b);
      if (this.header.length === 1) continue;
      const lenBytes = this.header.length - 1;
      if (b & 128) {
        if (lenBytes >= 4) return 'malformed remaining length';
        continue;
      }
      let len = 0;
      for (let k = lenBytes; k >= 1; k--) len = len * 128 + (this.header[k]! & 127);
      const total = 1 + lenBytes + len;
      this.header = [];
      if (total > this.limit) return `packet of ${total} bytes over the limit of ${this.limit}`;
      this.bodyLeft = len;
    }
    return undefined;
  }
}

/**
 * The broker's stream behind a guard: bytes reach mqtt.js only while every packet fits; the first
 * one over the limit destroys the stream with an error (mqtt.js then closes and reconnects).
 */
export function guardStream(inner: Duplex, limit: number, over: (reason: string) => void): Duplex {
  const guard = new PacketSizeGuard(limit);
  const outer = new Duplex({
    read: () => inner.resume(),
    write: (chunk: Buffer, _enc, cb) => void inner.write(chunk, cb),
    writev: (chunks, cb) => void inner.write(Buffer.concat(chunks.map((c) => c.chunk as Buffer)), cb),
    final: (cb) => {
      inner.end();
      cb();
    },
    destroy: (err, cb) => {
      inner.destroy();
      cb(err);
    },
  });
  inner.on('data', (chunk: Buffer) => {
    const bad = guard.feed(chunk);
    if (bad) {
      over(bad);
      const err = Object.assign(new Error(bad), { code: 'EMSGSIZE' });
      outer.destroy(err);
      return;
    }
    if (!outer.push(chunk)) inner.pause();
  });
  inner.on('end', () => outer.push(null));
  inner.on('error', (err) => outer.destroy(err));
  inner.on('close', () => outer.destroy());
  return outer;
}
