/** The stream this server offers: the event (metadata) track of `/axis-media/media.amp`. */
export const STREAM_PATH = '/axis-media/media.amp';
/** The control path of the one track (SDP `a=control` after `m=application`). */
export const TRACK_PATH = `${STREAM_PATH}/stream=0`;
/** Dynamic RTP payload type of `vnd.onvif.metadata/90000`. */
export const PAYLOAD_TYPE = 98;

export interface StreamUrl {
  /** `rtsp://host[:port]` as the client wrote it */
  origin: string;
  /** the query as the client wrote it (without `?`) */
  query: string;
  track: boolean;
}

/**
 * A request URL of the event stream: `rtsp://<host>[:<port>]/axis-media/media.amp[/stream=0]?…event=on`,
 * with video and audio absent or `0` (a speaker has no video; microphone audio is not served here).
 * Anything else is not found.
 */
export function parseStreamUrl(url: string): StreamUrl | undefined {
  const m = /^(rtsp:\/\/[^/?#\s]+)(\/[^?#\s]*)(?:\?([^#\s]*))?$/i.exec(url);
  if (!m) return undefined;
  const path = m[2]!.replace(/\/$/, '');
  if (path !== STREAM_PATH && path !== TRACK_PATH) return undefined;
  const q = new URLSearchParams(m[3] ?? '');
  if (q.get('event') !== 'on') return undefined;
  for (const k of ['video', 'audio']) if (q.has(k) && q.get(k) !== '0') return undefined;
  return { origin: m[1]!, query: m[3] ?? '', track: path === TRACK_PATH };
}

/** The SDP of DESCRIBE: one `m=application` track, both `a=control` lines absolute `rtsp://` URLs. */
export function sdp(u: StreamUrl, localAddr: string, sessionId: number): string {
  const q = u.query ? `?${u.query}` : '';
  const ip6 = localAddr.includes(':') && !localAddr.startsWith('::ffff:');
  const addr = localAddr.replace(/^::ffff:/, '');
  return [
    'v=0',
    `o=- ${sessionId} 1 IN ${ip6 ? 'IP6' : 'IP4'} ${addr}`,
    's=Metadata',
    `c=IN ${ip6 ? 'IP6 ::' : 'IP4 0.0.0.0'}`,
    't=0 0',
    `a=control:${u.origin}${STREAM_PATH}${q}`,
    `m=application 0 RTP/AVP ${PAYLOAD_TYPE}`,
    `a=rtpmap:${PAYLOAD_TYPE} vnd.onvif.metadata/90000`,
    `a=control:${u.origin}${TRACK_PATH}${q}`,
    '',
  ].join('\r\n');
}

export type TransportChoice = { ok: true; rtp: number; rtcp: number } | { ok: false; why: string };

/**
 * The first transport of a `Transport` header this server can serve: RTP over UDP unicast to the
 * client's `client_port` pair. TCP interleaved and multicast are refused (461): every known client of
 * the event stream (K60/HA, VMSs) sets up UDP, and a TCP track would share the control connection's
 * single write path with the responses K60 needs whole.
 */
export function chooseTransport(header: string | undefined): TransportChoice {
  if (!header) return { ok: false, why: 'no Transport header' };
  for (const spec of header.split(',')) {
    const parts = spec.trim().split(';').map((p) => p.trim());
    const proto = parts[0]!.toUpperCase();
    if (proto !== 'RTP/AVP' && proto !== 'RTP/AVP/UDP') continue;
    if (parts.some((p) => /^multicast$/i.test(p) || /^interleaved=/i.test(p))) continue;
    const cp = parts.map((p) => /^client_port=(\d{1,5})(?:-(\d{1,5}))?$/i.exec(p)).find(Boolean);
    if (!cp) continue;
    const rtp = Number(cp[1]);
    const rtcp = cp[2] === undefined ? rtp + 1 : Number(cp[2]);
    if (rtp < 1 || rtp > 65535 || rtcp < 1 || rtcp > 65535) continue;
    return { ok: true, rtp, rtcp };
  }
  return { ok: false, why: 'only RTP/AVP unicast over UDP with client_port is served' };
}

/** An RTP packet: 12-byte header (V=2, no padding, no extension, no CSRC), marker set (one document each), PT 98. */
export function rtpPacket(seq: number, timestamp: number, ssrc: number, payload: Buffer): Buffer {
  const b = Buffer.allocUnsafe(12 + payload.length);
  b[0] = 0x80;
  b[1] = 0x80 | PAYLOAD_TYPE;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(timestamp >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  payload.copy(b, 12);
  return b;
}
