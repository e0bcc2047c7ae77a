// Just enough DER reading to show a certificate in the list: subject, issuer, validity, key type,
// SANs. The REST list carries only the PEM (§9.2), and a full X.509 library would triple the bundle.

interface Node {
  tag: number;
  /** content bytes */
  body: Uint8Array;
  /** the whole element, header included */
  all: Uint8Array;
}

function read(buf: Uint8Array, at: number): Node {
  const tag = buf[at]!;
  let len = buf[at + 1]!;
  let head = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 4) throw new Error('not DER');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[at + 2 + i]!;
    head += n;
  }
  if (at + head + len > buf.length) throw new Error('truncated');
  return { tag, body: buf.subarray(at + head, at + head + len), all: buf.subarray(at, at + head + len) };
}

function children(n: Node): Node[] {
  const out: Node[] = [];
  for (let at = 0; at < n.body.length; ) {
    const c = read(n.body, at);
    out.push(c);
    at += c.all.length;
  }
  return out;
}

function oid(b: Uint8Array): string {
  const arcs = [Math.floor(b[0]! / 40), b[0]! % 40];
  let v = 0;
  for (const x of b.subarray(1)) {
    v = v * 128 + (x & 0x7f);
    if (x & 0x80) continue;
    arcs.push(v);
    v = 0;
  }
  return arcs.join('.');
}

const NAMES: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.5': 'serialNumber', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU', '1.2.840.113549.1.9.1': 'emailAddress',
};
const CURVES: Record<string, string> = { '1.2.840.10045.3.1.7': 'P-256', '1.3.132.0.34': 'P-384', '1.3.132.0.35': 'P-521' };

function text(n: Node): string {
  if (n.tag === 0x1e) return String.fromCharCode(...Array.from({ length: n.body.length / 2 }, (_, i) => (n.body[2 * i]! << 8) | n.body[2 * i + 1]!));
  return new TextDecoder().decode(n.body);
}

/**
 * A Name as `type=value` text in the certificate's own order (as openssl prints it, and as certd
 * reads a subject it is given: what was typed in the form reads back the same).
 */
function name(n: Node): string {
  return children(n)
    .map((set) => children(set).map((atv) => {
      const [type, value] = children(atv);
      return `${NAMES[oid(type!.body)] ?? oid(type!.body)}=${text(value!)}`;
    }).join('+'))
    .join(',');
}

function time(n: Node): Date {
  const s = new TextDecoder().decode(n.body);
  const full = n.tag === 0x17 ? `${Number(s.slice(0, 2)) < 50 ? '20' : '19'}${s}` : s;
  return new Date(`${full.slice(0, 4)}-${full.slice(4, 6)}-${full.slice(6, 8)}T${full.slice(8, 10)}:${full.slice(10, 12)}:${full.slice(12, 14)}Z`);
}

function keyType(spki: Node): string {
  const [alg, bits] = children(spki);
  const [algOid, param] = children(alg!);
  const id = oid(algOid!.body);
  if (id === '1.2.840.10045.2.1') return `EC ${param ? (CURVES[oid(param.body)] ?? oid(param.body)) : ''}`.trim();
  if (id === '1.3.101.112') return 'Ed25519';
  if (id !== '1.2.840.113549.1.1.1') return id;
  const [modulus] = children(read(bits!.body.subarray(1), 0));
  let m = modulus!.body;
  while (m.length && m[0] === 0) m = m.subarray(1);
  return `RSA ${m.length ? (m.length - 1) * 8 + Math.floor(Math.log2(m[0]!)) + 1 : 0}`;
}

function sans(exts: Node | undefined): string[] {
  if (!exts) return [];
  for (const ext of children(children(exts)[0]!)) {
    const parts = children(ext);
    if (oid(parts[0]!.body) !== '2.5.29.17') continue;
    return children(read(parts[parts.length - 1]!.body, 0)).flatMap((g) => {
      if (g.tag === 0x82) return [`DNS:${new TextDecoder().decode(g.body)}`];
      if (g.tag === 0x87 && g.body.length === 4) return [`IP:${[...g.body].join('.')}`];
      if (g.tag === 0x87) return [`IP:${Array.from({ length: 8 }, (_, i) => ((g.body[2 * i]! << 8) | g.body[2 * i + 1]!).toString(16)).join(':')}`];
      return [];
    });
  }
  return [];
}

export interface CertInfo {
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  keyType: string;
  sans: string[];
  selfSigned: boolean;
}

/** The DER of the first PEM block of `type` in `pem`. */
export function pemBytes(pem: string, type = 'CERTIFICATE'): Uint8Array | undefined {
  const m = new RegExp(`-----BEGIN ${type}-----([^-]+)-----END ${type}-----`).exec(pem);
  if (!m) return undefined;
  const bin = atob(m[1]!.replace(/\s+/g, ''));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** What the list shows of a PEM certificate; undefined when it cannot be read. */
export function certInfo(pem: string): CertInfo | undefined {
  try {
    const der = pemBytes(pem);
    if (!der) return undefined;
    const tbs = children(children(read(der, 0))[0]!);
    const at = tbs[0]!.tag === 0xa0 ? 1 : 0;
    // serial, signature algorithm, issuer, validity, subject, key, then the optional parts
    const [, , issuer, validity, subject, spki, ...rest] = tbs.slice(at);
    const [from, to] = children(validity!);
    const s = name(subject!);
    const i = name(issuer!);
    return { subject: s, issuer: i, notBefore: time(from!), notAfter: time(to!), keyType: keyType(spki!), sans: sans(rest.find((n) => n?.tag === 0xa3)), selfSigned: s === i };
  } catch {
    return undefined;
  }
}
