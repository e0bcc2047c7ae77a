/** RTP (RFC 3550) headers and RFC 4733 telephone-event payloads, parsed and built in JS. */

export interface RtpHeader {
  marker: boolean;
  payloadType: number;
  seq: number;
  timestamp: number;
  ssrc: number;
  /** where the payload starts (after CSRCs and a header extension) */
  payloadOffset: number;
  /** the payload's end (without RTP padding) */
  payloadEnd: number;
}

/** The header of an RTP packet, or undefined when it is not one (wrong version, truncated). */
export function parseRtp(b: Buffer): RtpHeader | undefined {
  if (b.length < 12 || b[0]! >> 6 !== 2) return undefined;
  const cc = b[0]! & 0x0f;
  let off = 12 + cc * 4;
  if (b[0]! & 0x10) {
    if (b.length < off + 4) return undefined;
    off += 4 + b.readUInt16BE(off + 2) * 4;
  }
  let end = b.length;
  if (b[0]! & 0x20) end -= b[b.length - 1]!;
  if (off > end) return undefined;
  return { marker: (b[1]! & 0x80) !== 0, payloadType: b[1]! & 0x7f, seq: b.readUInt16BE(2), timestamp: b.readUInt32BE(4), ssrc: b.readUInt32BE(8), payloadOffset: off, payloadEnd: end };
}

/** A 12-byte header without CSRCs, then `payload`. */
export function buildRtp(h: { marker: boolean; payloadType: number; seq: number; timestamp: number; ssrc: number }, payload: Buffer): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
  b.writeUInt16BE(h.seq & 0xffff, 2);
  b.writeUInt32BE(h.timestamp >>> 0, 4);
  b.writeUInt32BE(h.ssrc >>> 0, 8);
  payload.copy(b, 12);
  return b;
}

/** RFC 4733 §3.2: events 0–9 are digits, 10 `*`, 11 `#`, 12–15 A–D. */
const DIGITS = '0123456789*#ABCD';
export const eventOfDigit = (d: string): number => DIGITS.indexOf(d);

export interface TelephoneEvent {
  digit: string;
  end: boolean;
  volume: number;
  /** in RTP clock units */
  duration: number;
}

/** A telephone-event payload (4 bytes); undefined for events that are not DTMF digits. */
export function parseTelephoneEvent(p: Buffer): TelephoneEvent | undefined {
  if (p.length < 4 || p[0]! > 15) return undefined;
  return { digit: DIGITS[p[0]!]!, end: (p[1]! & 0x80) !== 0, volume: p[1]! & 0x3f, duration: p.readUInt16BE(2) };
}

export function buildTelephoneEvent(e: TelephoneEvent): Buffer {
  const b = Buffer.alloc(4);
  b[0] = eventOfDigit(e.digit);
  b[1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f);
  b.writeUInt16BE(Math.min(e.duration, 0xffff), 2);
  return b;
}
