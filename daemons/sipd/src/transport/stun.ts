import { randomBytes } from 'node:crypto';

/**
 * A STUN Binding request and its answer (RFC 5389), enough to learn the address a NAT maps the SIP
 * socket to. Sent from the SIP socket itself (network.ts tells STUN from SIP by the magic cookie).
 */
export const MAGIC = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const XOR_MAPPED_ADDRESS = 0x0020;
const MAPPED_ADDRESS = 0x0001;

export function bindingRequest(): { id: Buffer; packet: Buffer } {
  const id = randomBytes(12);
  const b = Buffer.alloc(20);
  b.writeUInt16BE(BINDING_REQUEST, 0);
  b.writeUInt16BE(0, 2);
  b.writeUInt32BE(MAGIC, 4);
  id.copy(b, 8);
  return { id, packet: b };
}

/** A STUN message (not SIP): the first two bits zero and the magic cookie in place. */
export function isStun(b: Buffer): boolean {
  return b.length >= 20 && (b[0]! & 0xc0) === 0 && b.readUInt32BE(4) === MAGIC;
}

/** The mapped IPv4 address of a Binding success answer to `id`, or undefined. */
export function mappedAddress(b: Buffer, id: Buffer): { address: string; port: number } | undefined {
  if (!isStun(b) || b.readUInt16BE(0) !== BINDING_SUCCESS || !b.subarray(8, 20).equals(id)) return undefined;
  const end = Math.min(b.length, 20 + b.readUInt16BE(2));
  for (let at = 20; at + 4 <= end; ) {
    const type = b.readUInt16BE(at);
    const len = b.readUInt16BE(at + 2);
    const v = b.subarray(at + 4, at + 4 + len);
    if ((type === XOR_MAPPED_ADDRESS || type === MAPPED_ADDRESS) && len >= 8 && v[1] === 0x01) {
      const xor = type === XOR_MAPPED_ADDRESS;
      const port = v.readUInt16BE(2) ^ (xor ? MAGIC >>> 16 : 0);
      const ip = v.readUInt32BE(4) ^ (xor ? MAGIC : 0);
      return { address: [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.'), port };
    }
    at += 4 + len + ((4 - (len % 4)) % 4);
  }
  return undefined;
}
