import { createSocket, type Socket } from 'node:dgram';
import { connect, type Socket as TcpSocket } from 'node:net';

/** A raw SIP peer on UDP: sends datagrams, collects what comes back. */
export class RawUdp {
  readonly got: string[] = [];
  private constructor(readonly sock: Socket) {
    sock.on('message', (m) => this.got.push(m.toString('latin1')));
  }
  static async open(address: string, port = 0): Promise<RawUdp> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(port, address, () => r()));
    return new RawUdp(s);
  }
  get port(): number {
    return this.sock.address().port;
  }
  send(msg: string | Buffer, to: string, port = 5060): Promise<void> {
    return new Promise((resolve, reject) => this.sock.send(msg, port, to, (err) => (err ? reject(err) : resolve())));
  }
  close(): void {
    this.sock.close();
  }
}

/** An OPTIONS from `from` (a 127.0.0.x:port) with a fresh branch. */
export function options(to: string, from: string, n: number, transport = 'UDP'): string {
  return [
    `OPTIONS sip:probe@${to} SIP/2.0`,
    `Via: SIP/2.0/${transport} ${from};branch=z9hG4bK-opt-${n}-${Math.random().toString(36).slice(2)}`,
    'Max-Forwards: 70',
    `From: <sip:tester@${from}>;tag=t${n}`,
    `To: <sip:probe@${to}>`,
    `Call-ID: opt-${n}-${Math.random().toString(36).slice(2)}@test`,
    `CSeq: ${n + 1} OPTIONS`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

export function invite(to: string, from: string, n: number, extra = ''): string {
  const sdp = `v=0\r\no=t 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n`;
  return [
    `INVITE sip:bell@${to} SIP/2.0`,
    `Via: SIP/2.0/UDP ${from};branch=z9hG4bK-inv-${n}-${Math.random().toString(36).slice(2)}`,
    'Max-Forwards: 70',
    `From: <sip:flood@${from}>;tag=f${n}`,
    `To: <sip:bell@${to}>`,
    `Call-ID: inv-${n}-${Math.random().toString(36).slice(2)}@test`,
    `CSeq: 1 INVITE`,
    `Contact: <sip:flood@${from}>`,
    'Content-Type: application/sdp',
    extra,
    `Content-Length: ${sdp.length}`,
    '',
    sdp,
  ]
    .filter((l, i, a) => l !== '' || i >= a.length - 2)
    .join('\r\n');
}

/** A TCP connection to the device, collecting what it answers. */
export async function rawTcp(to: string, localAddress: string): Promise<{ sock: TcpSocket; got: () => string; closed: Promise<void> }> {
  const sock = connect({ host: to, port: 5060, localAddress });
  await new Promise<void>((r, j) => {
    sock.once('connect', () => r());
    sock.once('error', j);
  });
  let got = '';
  sock.on('data', (d) => (got += d.toString('latin1')));
  sock.on('error', () => undefined);
  const closed = new Promise<void>((r) => sock.on('close', () => r()));
  return { sock, got: () => got, closed };
}

/** The RFC 4475 fixture's messages by name. */
export function tortureMessages(text: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const parts = text.toString('latin1').split(/^%%% /m).slice(1);
  for (const p of parts) {
    const nl = p.indexOf('\r\n');
    out.set(p.slice(0, nl), Buffer.from(p.slice(nl + 2), 'latin1'));
  }
  return out;
}

/** A deterministic PRNG (mulberry32), so a failing mutation can be found again from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ['\r\n', ':', ';', ',', '<', '>', '"', '\\', '\0', ' ', 'SIP/2.0', 'Via: SIP/2.0/UDP x;branch=z9hG4bK', 'Content-Length: 99999', 'CSeq: 1 INVITE', '\r\n\r\n', '%', '@', '\t', '\xff', 'sip:', '='];

/** One mutation of `base`: flipped bytes, cut, inserted pieces, a header line repeated or dropped. */
export function mutate(base: Buffer, rnd: () => number): Buffer {
  let b = Buffer.from(base);
  const n = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(rnd() * b.length);
    switch (Math.floor(rnd() * 6)) {
      case 0:
        b[at] = Math.floor(rnd() * 256);
        break;
      case 1:
        b = b.subarray(0, at);
        break;
      case 2:
        b = Buffer.concat([b.subarray(0, at), Buffer.from(PIECES[Math.floor(rnd() * PIECES.length)]!, 'latin1'), b.subarray(at)]);
        break;
      case 3: {
        const lines = b.toString('latin1').split('\r\n');
        const k = Math.floor(rnd() * lines.length);
        lines.splice(k, 0, lines[Math.floor(rnd() * lines.length)]!);
        b = Buffer.from(lines.join('\r\n'), 'latin1');
        break;
      }
      case 4: {
        const lines = b.toString('latin1').split('\r\n');
        lines.splice(Math.floor(rnd() * lines.length), 1);
        b = Buffer.from(lines.join('\r\n'), 'latin1');
        break;
      }
      default:
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + Math.floor(rnd() * 40)))]);
    }
  }
  return b;
}
