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
 * description and starts it once both sides are known; closes it with the session.
 */
export class RtpSessionHandler implements SessionDescriptionHandler {
  private localPort?: number;
  private remote?: RemoteAudio;
  private offered = false;
  private started = false;
  private closed = false;
  private version = 0;
  private readonly sessionId = Math.floor(Math.random() * 2 ** 31);

  constructor(private readonly d: SdhDeps) {}

  private async port(): Promise<number> {
    this.localPort ??= (await this.d.media.open(this.d.callId, this.d.direction)).localPort;
    return this.localPort;
  }

  async getDescription(): Promise<BodyAndContentType> {
    const port = await this.port();
    const ours = offeredCodecs(this.d.codecs, this.d.priority);
    if (!ours.length) throw new SdpError('no codec enabled that this device can run');
    const base = { address: this.d.address, port, sessionId: this.sessionId, version: this.version++ };
    if (!this.remote) {
      this.offered = true;
      const body = buildSdp({ ...base, codecs: ours.map((c) => ({ codec: c, pt: c.payloadType })), dtmfPayloadType: this.d.dtmfPayloadType, direction: this.d.direction });
      return { body, contentType: 'application/sdp' };
    }
    const pick = chooseCodec(ours, this.remote, false);
    if (!pick) throw new SdpError('no codec in common');
    const direction = answerDirection(this.d.direction, this.remote.direction);
    const dtmf = this.d.dtmfPayloadType !== undefined ? this.remote.dtmfPayloadType : undefined;
    const body = buildSdp({ ...base, codecs: [pick], dtmfPayloadType: dtmf, direction });
    await this.start(pick, direction, dtmf);
    return { body, contentType: 'application/sdp' };
  }

  async setDescription(sdp: string): Promise<void> {
    const remote = parseSdp(sdp);
    this.remote = remote;
    if (!this.offered) return;
    // the answer to our offer: its first codec that we offered (the recipient decides)
    const pick = chooseCodec(offeredCodecs(this.d.codecs, this.d.priority), remote, true);
    if (!pick) throw new SdpError('the answer has no codec we offered');
    const dtmf = this.d.dtmfPayloadType !== undefined ? remote.dtmfPayloadType : undefined;
    await this.start(pick, answerDirection(this.d.direction, remote.direction), dtmf);
  }

  private async start(pick: { codec: RtpCodec; pt: number }, direction: Direction | 'inactive', dtmf?: number): Promise<void> {
    if (this.started || this.closed || !this.remote || direction === 'inactive') return;
    this.started = true;
    await this.d.media.start({ callId: this.d.callId, remoteAddr: this.remote.address, remotePort: this.remote.port, codec: pick.codec.name, payloadType: pick.pt, clockRate: pick.codec.clockRate, ...(dtmf !== undefined ? { dtmfPayloadType: dtmf } : {}), direction });
    this.d.onStarted({ codec: pick.codec.name, remote: `${this.remote.address}:${this.remote.port}` });
  }

  hasDescription(contentType: string): boolean {
    return contentType.toLowerCase().startsWith('application/sdp');
  }

  sendDtmf(tones: string): boolean {
    if (!this.started || !/^[0-9A-D#*]+$/.test(tones)) return false;
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
