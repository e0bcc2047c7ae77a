/** One RTSP request as read from the connection (header names lower-case; the last repeated header wins). */
export interface RtspRequest {
  method: string;
  url: string;
  headers: Map<string, string>;
  body: Buffer;
}

/** A request that cannot be read: answered with `status`, then the connection is closed. */
export interface ReadError {
  status: number;
  why: string;
  cseq?: string;
}

const STATUS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  413: 'Request Entity Too Large',
  453: 'Not Enough Bandwidth',
  454: 'Session Not Found',
  455: 'Method Not Valid in This State',
  461: 'Unsupported Transport',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  505: 'RTSP Version not supported',
};

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Reads RTSP requests from a TCP byte stream: request line and headers up to `maxHeader` bytes,
 * a body up to `maxBody` bytes (Content-Length). A `$` frame (interleaved data, which this server
 * never sets up) is skipped. After an error nothing more is read.
 */
export class RequestReader {
  private buf: Buffer = Buffer.alloc(0);
  private failed = false;

  constructor(
    private readonly maxHeader: number,
    private readonly maxBody: number,
  ) {}

  push(chunk: Buffer): (RtspRequest | ReadError)[] {
    if (this.failed) return [];
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: (RtspRequest | ReadError)[] = [];
    for (;;) {
      const r = this.next();
      if (!r) return out;
      out.push(r);
      if ('status' in r) {
        this.failed = true;
        this.buf = Buffer.alloc(0);
        return out;
      }
    }
  }

  private next(): RtspRequest | ReadError | undefined {
    while (this.buf.length && (this.buf[0] === 0x0d || this.buf[0] === 0x0a)) this.buf = this.buf.subarray(1);
    if (this.buf[0] === 0x24 /* $ */) {
      if (this.buf.length < 4) return undefined;
      const n = 4 + this.buf.readUInt16BE(2);
      if (this.buf.length < n) return undefined;
      this.buf = this.buf.subarray(n);
      return this.next();
    }
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return this.buf.length > this.maxHeader ? { status: 400, why: `request headers longer than ${this.maxHeader} bytes` } : undefined;
    if (end + 4 > this.maxHeader) return { status: 400, why: `request headers longer than ${this.maxHeader} bytes` };
    const head = this.buf.subarray(0, end).toString('latin1');
    const lines = head.split('\r\n');
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const c = line.indexOf(':');
      const name = c > 0 ? line.slice(0, c).trim() : '';
      if (!TOKEN.test(name)) return { status: 400, why: 'malformed header line', cseq: headers.get('cseq') };
      headers.set(name.toLowerCase(), line.slice(c + 1).trim());
    }
    const cseq = headers.get('cseq');
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) (RTSP\/\d\.\d)$/.exec(lines[0]!);
    if (!m) return { status: 400, why: 'malformed request line', cseq };
    if (m[3] !== 'RTSP/1.0') return { status: 505, why: `${m[3]} is not supported`, cseq };
    const lenText = headers.get('content-length') ?? '0';
    if (!/^\d{1,9}$/.test(lenText)) return { status: 400, why: 'bad Content-Length', cseq };
    const len = Number(lenText);
    if (len > this.maxBody) return { status: 413, why: `request body longer than ${this.maxBody} bytes`, cseq };
    if (this.buf.length < end + 4 + len) return undefined;
    const body = this.buf.subarray(end + 4, end + 4 + len);
    this.buf = this.buf.subarray(end + 4 + len);
    return { method: m[1]!, url: m[2]!, headers, body };
  }
}

/**
 * One whole response as one buffer (one TCP write: K60 parses each chunk it receives on its own).
 * Header names are ours, so none but `CSeq`, `Session`, … carries the words K60 looks for.
 */
export function response(status: number, cseq: string | undefined, headers: [string, string][] = [], body = ''): Buffer {
  const lines = [`RTSP/1.0 ${status} ${STATUS[status] ?? 'Error'}`];
  if (cseq !== undefined) lines.push(`CSeq: ${cseq}`);
  lines.push(`Date: ${new Date().toUTCString()}`);
  for (const [k, v] of headers) lines.push(`${k}: ${v}`);
  if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n' + body, 'utf8');
}
