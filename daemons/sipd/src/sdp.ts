import type { CodecName, Direction, RtpCodec } from './media.js';

/**
 * Plain RTP/AVP session descriptions (RFC 4566, offer/answer RFC 3264): one audio stream, the
 * codecs audiod can run in the configured priority, RFC 4733 telephone-event. No ICE, no SRTP.
 */
export interface RemoteAudio {
  address: string;
  port: number;
  /** payload type → codec as the remote described it, in its order */
  formats: { pt: number; name: string; clockRate: number }[];
  dtmfPayloadType?: number;
  direction: Direction | 'inactive';
}

/** Static payload types (RFC 3551) a description may use without an rtpmap. */
const STATIC: Record<number, { name: string; clockRate: number }> = { 0: { name: 'PCMU', clockRate: 8000 }, 8: { name: 'PCMA', clockRate: 8000 }, 9: { name: 'G722', clockRate: 8000 } };

export class SdpError extends Error {}

/** Reads the first audio stream of a description. Throws SdpError when there is none usable. */
export function parseSdp(sdp: string): RemoteAudio {
  if (sdp.length > 8192) throw new SdpError('session description too large');
  const lines = sdp.split(/\r?\n/).map((l) => l.trim());
  let sessionAddr: string | undefined;
  let media: { port: number; pts: number[]; addr?: string; maps: Map<number, { name: string; clockRate: number }>; dir?: string } | undefined;
  let sessionDir: string | undefined;
  let done = false;
  for (const l of lines) {
    if (l.startsWith('m=')) {
      if (media) done = true;
      if (done) continue;
      const m = /^m=audio (\d{1,5})(?:\/\d+)? RTP\/AVP((?: \d{1,3})+)$/.exec(l);
      if (!m) continue;
      media = { port: Number(m[1]), pts: m[2]!.trim().split(' ').map(Number), maps: new Map() };
      continue;
    }
    if (done) continue;
    const c = /^c=IN IP[46] ([0-9a-fA-F.:]+)/.exec(l);
    if (c) {
      if (media) media.addr = c[1];
      else sessionAddr = c[1];
    }
    const dir = /^a=(sendrecv|sendonly|recvonly|inactive)$/.exec(l)?.[1];
    if (dir) {
      if (media) media.dir = dir;
      else sessionDir = dir;
    }
    const map = /^a=rtpmap:(\d{1,3}) ([\w.-]+)\/(\d+)/.exec(l);
    if (map && media) media.maps.set(Number(map[1]), { name: map[2]!, clockRate: Number(map[3]) });
  }
  if (!media) throw new SdpError('no RTP/AVP audio stream');
  const address = media.addr ?? sessionAddr;
  if (!address) throw new SdpError('no connection address');
  if (media.port > 65535) throw new SdpError('bad port');
  const formats: RemoteAudio['formats'] = [];
  let dtmf: number | undefined;
  for (const pt of media.pts) {
    const f = media.maps.get(pt) ?? STATIC[pt];
    if (!f) continue;
    if (/^telephone-event$/i.test(f.name)) dtmf ??= pt;
    else formats.push({ pt, name: f.name, clockRate: f.clockRate });
  }
  return { address, port: media.port, formats, ...(dtmf !== undefined ? { dtmfPayloadType: dtmf } : {}), direction: (media.dir ?? sessionDir ?? 'sendrecv') as RemoteAudio['direction'] };
}

const sameCodec = (c: RtpCodec, f: { name: string; clockRate: number }) => c.name.toLowerCase() === f.name.toLowerCase() && (c.clockRate === f.clockRate || (c.name === 'opus' && f.clockRate === 48000));

/** The codecs to offer: audiod's, in the configured priority (names not configured are left out). */
export function offeredCodecs(available: RtpCodec[], priority: string[]): RtpCodec[] {
  return priority.map((n) => available.find((c) => c.name === n)).filter((c): c is RtpCodec => !!c);
}

/** The codec of an answer: the first of ours (priority order) the offer also has, with the offer's payload type. */
export function chooseCodec(ours: RtpCodec[], remote: RemoteAudio, preferRemoteOrder: boolean): { codec: RtpCodec; pt: number } | undefined {
  if (preferRemoteOrder) {
    for (const f of remote.formats) {
      const c = ours.find((o) => sameCodec(o, f));
      if (c) return { codec: c, pt: f.pt };
    }
    return undefined;
  }
  for (const c of ours) {
    const f = remote.formats.find((x) => sameCodec(c, x));
    if (f) return { codec: c, pt: f.pt };
  }
  return undefined;
}

/** Our direction for an answer to a remote that said `theirs`. */
export function answerDirection(ours: Direction, theirs: RemoteAudio['direction']): Direction | 'inactive' {
  const recv = ours !== 'sendonly' && theirs !== 'recvonly' && theirs !== 'inactive';
  const send = ours !== 'recvonly' && theirs !== 'sendonly' && theirs !== 'inactive';
  return send && recv ? 'sendrecv' : send ? 'sendonly' : recv ? 'recvonly' : 'inactive';
}

export interface LocalAudio {
  address: string;
  port: number;
  codecs: { codec: RtpCodec; pt: number }[];
  dtmfPayloadType?: number;
  direction: Direction | 'inactive';
  sessionId: number;
  version: number;
}

const rtpmap = (name: CodecName, clockRate: number, channels: number) => (name === 'opus' ? `opus/48000/2` : `${name}/${clockRate}${channels > 1 ? '/' + channels : ''}`);

export function buildSdp(l: LocalAudio): string {
  const ip = l.address.includes(':') ? 'IP6' : 'IP4';
  const pts = l.codecs.map((c) => c.pt);
  if (l.dtmfPayloadType !== undefined) pts.push(l.dtmfPayloadType);
  const lines = ['v=0', `o=belfry ${l.sessionId} ${l.version} IN ${ip} ${l.address}`, 's=Belfry', `c=IN ${ip} ${l.address}`, 't=0 0', `m=audio ${l.port} RTP/AVP ${pts.join(' ')}`];
  for (const c of l.codecs) lines.push(`a=rtpmap:${c.pt} ${rtpmap(c.codec.name, c.codec.clockRate, c.codec.channels)}`);
  if (l.dtmfPayloadType !== undefined) lines.push(`a=rtpmap:${l.dtmfPayloadType} telephone-event/8000`, `a=fmtp:${l.dtmfPayloadType} 0-15`);
  lines.push('a=ptime:20', `a=${l.direction}`);
  return lines.join('\r\n') + '\r\n';
}
