/**
 * The little of a SIP message the transport layer must read before sip.js sees it (RFC 3261 §18.3,
 * §7): the start line, the headers that route and frame it, and the body length. Anything that
 * does not have that shape is malformed: counted and dropped, never handed on (sip.js throws on
 * some of it). sip.js parses the message again in full.
 */

/** Largest message sipd accepts on any transport (bytes, head + body); larger is refused with 513. */
export const MAX_MESSAGE_BYTES = 16 * 1024;
/** Largest head (start line + headers) of a stream message before its blank line. */
export const MAX_HEAD_BYTES = 8 * 1024;
/** At most this many header lines. */
export const MAX_HEADERS = 100;

const COMPACT: Record<string, string> = { v: 'via', i: 'call-id', f: 'from', t: 'to', l: 'content-length', m: 'contact', c: 'content-type', k: 'supported', s: 'subject', e: 'content-encoding' };
const METHOD_RE = /^[A-Za-z0-9.!%*_+`'~-]+$/;
const REQUEST_RE = /^(\S+) (\S+) SIP\/2\.0$/i;
const STATUS_RE = /^SIP\/2\.0 ([1-6]\d\d) ?(.*)$/i;
const VIA_RE = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+([^\s;]+)(.*)$/i;

export interface SipHead {
  kind: 'request' | 'response';
  method: string;
  status?: number;
  /** the Request-URI of a request */
  uri?: string;
  /** the top Via: transport, sent-by, branch, rport */
  via: { transport: string; sentBy: string; branch: string; rport: boolean };
  callId: string;
  cseq: { seq: number; method: string };
  contentLength: number;
  /** header lines by lower-case full name, each in arrival order */
  headers: Map<string, string[]>;
  /** bytes of the head including the blank line */
  headBytes: number;
}

export class MalformedMessage extends Error {}

/** Splits a header block into lines, joining folded continuation lines (RFC 3261 §7.3.1). */
function headerLines(head: string): string[] {
  const out: string[] = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && out.length) out[out.length - 1] += ' ' + line.trim();
    else out.push(line);
  }
  return out;
}

function splitCommas(v: string): string[] {
  // commas inside quotes or <> do not separate values
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (const ch of v) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '<') depth++;
    else if (!quoted && ch === '>') depth = Math.max(0, depth - 1);
    if (ch === ',' && !quoted && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** Parses a message head (up to, not including, the blank line). Throws MalformedMessage. */
export function parseHead(head: string, headBytes: number): SipHead {
  const lines = headerLines(head);
  if (lines.length > MAX_HEADERS + 1) throw new MalformedMessage(`more than ${MAX_HEADERS} header lines`);
  const start = lines.shift()?.trim() ?? '';
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i <= 0) throw new MalformedMessage('a header line without a name');
    const raw = line.slice(0, i).trim().toLowerCase();
    if (!/^[a-z0-9.!%*_+`'~-]+$/.test(raw)) throw new MalformedMessage('a bad header name');
    const name = COMPACT[raw] ?? raw;
    const value = line.slice(i + 1).trim();
    const list = headers.get(name) ?? [];
    if (name === 'via' || name === 'contact' || name === 'route' || name === 'record-route') list.push(...splitCommas(value));
    else list.push(value);
    headers.set(name, list);
  }
  const one = (name: string): string => {
    const v = headers.get(name);
    if (!v?.length || !v[0]) throw new MalformedMessage(`no ${name}`);
    if (v.length > 1 && name !== 'via') throw new MalformedMessage(`more than one ${name}`);
    return v[0];
  };
  let kind: SipHead['kind'];
  let method: string;
  let status: number | undefined;
  let uri: string | undefined;
  const req = REQUEST_RE.exec(start);
  const res = req ? null : STATUS_RE.exec(start);
  const cseqM = /^(\d{1,10})\s+(\S+)$/.exec(one('cseq'));
  if (!cseqM || Number(cseqM[1]) > 2 ** 31 - 1 || !METHOD_RE.test(cseqM[2]!)) throw new MalformedMessage('a bad CSeq');
  if (req) {
    kind = 'request';
    method = req[1]!;
    uri = req[2]!;
    if (!METHOD_RE.test(method)) throw new MalformedMessage('a bad method');
    if (!/^(sips?|tel):[^\s<>]+$/i.test(uri)) throw new MalformedMessage('a bad Request-URI');
    if (cseqM[2] !== method) throw new MalformedMessage('the CSeq method is not the request method');
  } else if (res) {
    kind = 'response';
    status = Number(res[1]);
    method = cseqM[2]!;
  } else throw new MalformedMessage('a bad start line');
  const viaM = VIA_RE.exec(headers.get('via')?.[0] ?? '');
  if (!viaM) throw new MalformedMessage('no Via');
  const params = viaM[3]!;
  const branch = /;\s*branch\s*=\s*([^;\s,]+)/i.exec(params)?.[1] ?? '';
  const callId = one('call-id');
  for (const h of ['from', 'to']) one(h);
  const cl = headers.get('content-length')?.[0];
  const contentLength = cl === undefined ? -1 : /^\d{1,9}$/.test(cl) ? Number(cl) : NaN;
  if (Number.isNaN(contentLength)) throw new MalformedMessage('a bad Content-Length');
  return {
    kind,
    method: method.toUpperCase(),
    ...(status !== undefined ? { status } : {}),
    ...(uri !== undefined ? { uri } : {}),
    via: { transport: viaM[1]!.toUpperCase(), sentBy: viaM[2]!, branch, rport: /;\s*rport/i.test(params) },
    callId,
    cseq: { seq: Number(cseqM[1]), method: cseqM[2]!.toUpperCase() },
    contentLength,
    headers,
    headBytes,
  };
}

/** A datagram split into head and body; the body is cut to Content-Length (RFC 3261 §18.3). */
export function parseDatagram(buf: Buffer): { head: SipHead; text: string } {
  const end = buf.indexOf('\r\n\r\n');
  const endLf = end < 0 ? buf.indexOf('\n\n') : -1;
  if (end < 0 && endLf < 0) throw new MalformedMessage('no end of the header block');
  const headEnd = end >= 0 ? end : endLf;
  const sep = end >= 0 ? 4 : 2;
  const headText = buf.subarray(0, headEnd).toString('utf8').replace(/^(\r?\n)+/, '');
  const head = parseHead(headText, headEnd + sep);
  const body = buf.subarray(headEnd + sep);
  const len = head.contentLength < 0 ? body.length : head.contentLength;
  if (len > body.length) throw new MalformedMessage('the body is shorter than Content-Length');
  return { head, text: rebuild(headText, body.subarray(0, len)) };
}

/** The message as sip.js wants it: CRLF line ends, folded headers joined, Content-Length right. */
export function rebuild(headText: string, body: Buffer): string {
  const lines = headerLines(headText).filter((l) => !/^(content-length|l)\s*:/i.test(l));
  return lines.join('\r\n') + `\r\nContent-Length: ${body.length}\r\n\r\n` + body.toString('utf8');
}

/** The first value of a header (`name` is a regex alternative, e.g. `via|v`) in a serialized message. */
export function headerValue(msg: string, name: string): string | undefined {
  const end = msg.indexOf('\r\n\r\n');
  const head = end < 0 ? msg : msg.slice(0, end);
  const re = new RegExp(`^(?:${name})\\s*:\\s*(.*)$`, 'im');
  return re.exec(head)?.[1]?.trim();
}

/**
 * A response made from a request's head without any transaction (RFC 3261 §8.2.6: Via, From, To,
 * Call-ID and CSeq copied), for what the transport layer refuses itself (513, 503).
 */
export function statelessResponse(head: SipHead, status: number, reason: string): string {
  const h = (n: string) => head.headers.get(n) ?? [];
  const lines = [`SIP/2.0 ${status} ${reason}`, ...h('via').map((v) => `Via: ${v}`), `From: ${h('from')[0]}`, `To: ${h('to')[0]}`, `Call-ID: ${head.callId}`, `CSeq: ${head.cseq.seq} ${head.cseq.method}`, 'Content-Length: 0'];
  return lines.join('\r\n') + '\r\n\r\n';
}
