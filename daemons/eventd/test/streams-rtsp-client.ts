import { createHash } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';

/** One RTSP response as a client reads it. */
export interface RtspAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  raw: string;
}

function parse(raw: string): RtspAnswer {
  const [head, ...rest] = raw.split('\r\n\r\n');
  const lines = head!.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const c = l.indexOf(': ');
    headers[l.slice(0, c).toLowerCase()] = l.slice(c + 2);
  }
  return { status: Number(lines[0]!.split(' ')[1]), headers, body: rest.join('\r\n\r\n'), raw };
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/**
 * An RTSP client that behaves like Home Assistant's (K60 `axis/rtsp.py`): each received chunk is
 * parsed on its own (so each response must come in one write: `chunks` counts them), CSeq starts at
 * 0 and is repeated after a 401, the challenge is read with `split('"')` and `split("stale=")`, the
 * Authorization `uri` is the base URL even on SETUP, keep-alives carry the Session and no credentials.
 */
export class HaRtspClient {
  readonly sock: Socket;
  readonly udp: UdpSocket;
  readonly datagrams: Buffer[] = [];
  chunks = 0;
  cseq = 0;
  session = '';
  timeout = 0;
  controlUrl = '';
  private realm = '';
  private nonce = '';
  private waiting?: (a: RtspAnswer) => void;
  private onDatagram?: () => void;

  private constructor(
    sock: Socket,
    udp: UdpSocket,
    readonly url: string,
    private readonly user?: string,
    private readonly password?: string,
  ) {
    this.sock = sock;
    this.udp = udp;
    sock.on('data', (b: Buffer) => {
      this.chunks++;
      const w = this.waiting;
      this.waiting = undefined;
      w?.(parse(b.toString('utf8')));
    });
    udp.on('message', (m) => {
      this.datagrams.push(m);
      this.onDatagram?.();
    });
  }

  static async open(port: number, creds?: { user: string; password: string }, host = '127.0.0.1'): Promise<HaRtspClient> {
    const sock = connect(port, host);
    await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
    const udp = createSocket('udp4');
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    return new HaRtspClient(sock, udp, `rtsp://${host}:${port}/axis-media/media.amp?video=0&audio=0&event=on`, creds?.user, creds?.password);
  }

  get rtpPort(): number {
    return this.udp.address().port;
  }

  /** Sends raw bytes and waits for the next chunk (undefined when the server closes instead). */
  raw(text: string | Buffer): Promise<RtspAnswer | undefined> {
    return new Promise((resolve) => {
      const closed = () => resolve(undefined);
      this.sock.once('close', closed);
      this.waiting = (a) => {
        this.sock.off('close', closed);
        resolve(a);
      };
      this.sock.write(text);
    });
  }

  private authHeader(method: string): string | undefined {
    if (!this.nonce || !this.user) return undefined;
    // K60 signs the base URL whatever the request URL
    const response = md5(`${md5(`${this.user}:${this.realm}:${this.password}`)}:${this.nonce}:${md5(`${method}:${this.url}`)}`);
    return `Digest username="${this.user}", realm="${this.realm}", algorithm="MD5", nonce="${this.nonce}", uri="${this.url}", response="${response}"`;
  }

  /** One request as K60 sends it; on a 401 it reads the challenge and sends the same CSeq again once. */
  async request(method: string, url: string, extra: string[] = [], opts: { auth?: boolean } = {}): Promise<RtspAnswer> {
    const send = () => {
      const auth = opts.auth === false ? undefined : this.authHeader(method);
      const lines = [`${method} ${url} RTSP/1.0`, `CSeq: ${this.cseq}`, 'User-Agent: HomeAssistant', ...(auth ? [`Authorization: ${auth}`] : []), ...extra];
      return this.raw(lines.join('\r\n') + '\r\n\r\n');
    };
    let a = await send();
    if (a?.status === 401 && opts.auth !== false && this.user) {
      const line = `WWW-Authenticate: ${a.headers['www-authenticate']}`;
      this.realm = line.split('"')[1]!;
      this.nonce = line.split('"')[3]!;
      if (line.split('stale=')[1] === undefined) throw new Error('no stale= in the challenge (K60: IndexError)');
      a = await send();
    }
    if (!a) throw new Error(`${method}: connection closed`);
    return a;
  }

  /** OPTIONS, DESCRIBE, SETUP, PLAY as K60 does them; returns each answer. */
  async toPlaying(): Promise<RtspAnswer[]> {
    const out: RtspAnswer[] = [];
    out.push(await this.request('OPTIONS', this.url));
    this.cseq++;
    const d = await this.request('DESCRIBE', this.url, ['Accept: application/sdp']);
    out.push(d);
    for (const line of d.body.split('\r\n')) if (line.startsWith('a=control:rtsp')) this.controlUrl = line.split(':').slice(1).join(':');
    this.cseq++;
    const s = await this.request('SETUP', this.controlUrl, [`Transport: RTP/AVP;unicast;client_port=${this.rtpPort}-${this.rtpPort + 1}`]);
    out.push(s);
    for (const line of s.raw.split('\r\n')) {
      if (line.includes('Session')) {
        this.session = line.split(': ')[1]!.split(';')[0]!;
        this.timeout = Number(line.split(';')[1]!.split('=')[1]);
      }
    }
    this.cseq++;
    out.push(await this.request('PLAY', this.url, [`Session: ${this.session}`]));
    this.cseq++;
    return out;
  }

  keepAlive(): Promise<RtspAnswer> {
    return this.request('OPTIONS', this.url, [`Session: ${this.session}`], { auth: false });
  }

  /** Waits until `pred` holds for the datagrams received so far. */
  async until(pred: (docs: string[]) => boolean): Promise<string[]> {
    for (;;) {
      const docs = this.datagrams.map((d) => d.subarray(12).toString('utf8'));
      if (pred(docs)) return docs;
      await new Promise<void>((r) => (this.onDatagram = r));
    }
  }

  close(): void {
    this.sock.destroy();
    this.udp.close();
  }
}
