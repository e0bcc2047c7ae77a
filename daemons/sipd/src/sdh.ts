import type { BodyAndContentType, SessionDescriptionHandler } from 'sip.js';
import type { Direction, Media, RtpCodec } from './media.js';
import { SdpError, answerDirection, buildSdp, chooseCodec, offeredCodecs, parseSdp, type RemoteAudio } from './sdp.js';

/** What one call's description handler needs (settings are read when the call starts). */
export interface SdhDeps {
  callId: string;
  media: Media;
  address: string;
  codecs: RtpCodec[];
  priority: string[];
  direction: Direction;
  /** the RFC 4733 payload type to offer, or none when RTP DTMF is off for the account */
  dtmfPayloadType?: number;
  /** media started (after the answer is known) */
  onStarted(info: { codec: string; remote: string }): void;
}

/**
 * sip.js's session description handler for plain RTP/AVP (`sessionDescriptionHandlerFactory`):
 * offers or answers with audiod's codecs, opens the RTP session (port for the SDP) before the first
 * description and starts it once both sides are known; closes it with the session. A re-INVITE's
 * offer is answered for what it asks: the same offer (a session refresh) gets the same answer and
 * the media goes on untouched; a changed one (hold, resume, another address or codec) gets its
 * answer and audiod's session is started again with it (audiod cannot change a running session).
 */
export class RtpSessionHandler implements SessionDescriptionHandler {
  private localPort?: number;
  private remote?: RemoteAudio;
  /** our offer is out: the next description set is its answer (otherwise it is an offer to answer) */
  private awaitingAnswer = false;
  /** the media as started now (remote, codec, direction), to tell a change from a refresh */
  private applied?: string;
  private closed = false;
  private version = 0;
  private last?: { key: string; body: string };
  private readonly sessionId = Math.floor(Math.random() * 2 ** 31);

  constructor(private readonly d: SdhDeps) {}

  private async port(): Promise<number> {
    this.localPort ??= (await this.d.media.open(this.d.callId, this.d.direction)).localPort;
    return this.localPort;
  }

  /** The SDP for these lines; the o= version goes up only when they changed (RFC 3264 §8). */
  private sdp(l: Omit<Parameters<typeof buildSdp>[0], 'sessionId' | 'version'>): BodyAndContentType {
    const key = JSON.stringify(l);
    if (this.last?.key !== key) this.last = { key, body: buildSdp({ ...l, sessionId: this.sessionId, version: this.last ? ++this.version : this.version }) };
    return { body: this.last.body, contentType: 'application/sdp' };
  }

  async getDescription(): Promise<BodyAndContentType> {
    const ours = offeredCodecs(this.d.codecs, this.d.priority);
    if (!ours.length) throw new SdpError('no codec enabled that this device can run');
    if (!this.remote) {
      this.awaitingAnswer = true;
      return this.sdp({ address: this.d.address, port: await this.port(), codecs: ours.map((c) => ({ codec: c, pt: c.payloadType })), dtmfPayloadType: this.d.dtmfPayloadType, direction: this.d.direction });
    }
    const pick = chooseCodec(ours, this.remote, false);
    if (!pick) throw new SdpError('no codec in common');
    const direction = answerDirection(this.d.direction, this.remote.direction);
    const dtmf = this.d.dtmfPayloadType !== undefined ? this.remote.dtmfPayloadType : undefined;
    await this.apply(pick, direction, dtmf);
    return this.sdp({ address: this.d.address, port: await this.port(), codecs: [pick], dtmfPayloadType: dtmf, direction });
  }

  async setDescription(sdp: string): Promise<void> {
    const remote = parseSdp(sdp);
    this.remote = remote;
    if (!this.awaitingAnswer) return; // an offer: getDescription answers it
    this.awaitingAnswer = false;
    // the answer to our offer: its first codec that we offered (the recipient decides)
    const pick = chooseCodec(offeredCodecs(this.d.codecs, this.d.priority), remote, true);
    if (!pick) throw new SdpError('the answer has no codec we offered');
    const dtmf = this.d.dtmfPayloadType !== undefined ? remote.dtmfPayloadType : undefined;
    await this.apply(pick, answerDirection(this.d.direction, remote.direction), dtmf);
  }

  /** Starts the media as negotiated; a change from what runs starts it again; the same leaves it be. */
  private async apply(pick: { codec: RtpCodec; pt: number }, direction: Direction | 'inactive', dtmf?: number): Promise<void> {
    if (this.closed || !this.remote) return;
    const key = JSON.stringify([this.remote.address, this.remote.port, pick.codec.name, pick.pt, direction, dtmf]);
    if (key === this.applied) return;
    if (this.applied !== undefined && this.localPort !== undefined) {
      await this.d.media.stop(this.d.callId).catch(() => undefined);
      this.localPort = undefined;
    }
    this.applied = key;
    await this.port();
    if (direction === 'inactive') return;
    await this.d.media.start({ callId: this.d.callId, remoteAddr: this.remote.address, remotePort: this.remote.port, codec: pick.codec.name, payloadType: pick.pt, clockRate: pick.codec.clockRate, ...(dtmf !== undefined ? { dtmfPayloadType: dtmf } : {}), direction });
    this.d.onStarted({ codec: pick.codec.name, remote: `${this.remote.address}:${this.remote.port}` });
  }

  hasDescription(contentType: string): boolean {
    return contentType.toLowerCase().startsWith('application/sdp');
  }

  sendDtmf(tones: string): boolean {
    if (this.applied === undefined || !/^[0-9A-D#*]+$/.test(tones)) return false;
    void (async () => {
      for (const t of tones) await this.d.media.sendDtmf(this.d.callId, t, 160).catch(() => undefined);
    })();
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.localPort !== undefined) this.d.media.stop(this.d.callId).catch(() => undefined);
  }
}
