import type { Bus, RpcCaller } from '@belfry/core';

/**
 * The media side of a call, which is audiod's (RTP with GStreamer, mixed at Audio.Priority.Call):
 * sipd only asks for sessions (the `rtp*` methods of audiod's contract, callers ['sipd']) and hears
 * about RFC 4733 digits and sessions that end by themselves.
 */
export type CodecName = 'PCMU' | 'PCMA' | 'G722' | 'opus';
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly';
export interface RtpCodec {
  name: CodecName;
  clockRate: number;
  channels: number;
  payloadType: number;
}
export interface RtpStartParams {
  callId: string;
  remoteAddr: string;
  remotePort: number;
  codec: CodecName;
  payloadType: number;
  clockRate: number;
  dtmfPayloadType?: number;
  direction: Direction;
}

export interface Media {
  codecs(): Promise<RtpCodec[]>;
  open(callId: string, direction: Direction): Promise<{ localPort: number }>;
  start(p: RtpStartParams): Promise<void>;
  sendDtmf(callId: string, digit: string, durationMs: number): Promise<void>;
  stop(callId: string): Promise<void>;
  /** RFC 4733 digits received and sessions that ended by themselves; returns the unsubscribe */
  watch(on: { dtmf(callId: string, digit: string): void; ended(callId: string): void }): Promise<() => Promise<void>>;
}

/** The RTP methods as audiod's contract names them (`daemons/audiod/src/rtp/contract.ts`). */
type AudiodRtp = {
  rtpCodecs: (p: Record<string, never>) => { codecs: RtpCodec[] };
  rtpOpen: (p: { callId: string; direction: Direction }) => { localPort: number };
  rtpStart: (p: RtpStartParams) => Record<string, never>;
  rtpSendDtmf: (p: { callId: string; digit: string; durationMs: number }) => Record<string, never>;
  rtpStop: (p: { callId: string }) => { packetsReceived: number; packetsSent: number };
};

/** audiod over the bus (the device's media). */
export function audiodMedia(rpc: RpcCaller, bus: Bus): Media {
  const a = rpc.client<AudiodRtp>('audiod');
  return {
    codecs: async () => (await a.rtpCodecs({})).codecs,
    open: (callId, direction) => a.rtpOpen({ callId, direction }),
    start: async (p) => void (await a.rtpStart(p)),
    sendDtmf: async (callId, digit, durationMs) => void (await a.rtpSendDtmf({ callId, digit, durationMs })),
    stop: async (callId) => void (await a.rtpStop({ callId })),
    watch: async (on) => {
      const offD = await bus.subscribe('belfry/notify/audiod/rtp/+/dtmf', (topic, payload) => {
        try {
          const m = JSON.parse(payload.toString()) as { digit?: unknown };
          if (typeof m.digit === 'string') on.dtmf(topic.split('/')[4]!, m.digit);
        } catch {
          // not ours to crash on
        }
      });
      const offE = await bus.subscribe('belfry/notify/audiod/rtp/+/ended', (topic) => on.ended(topic.split('/')[4]!));
      return async () => {
        await offD();
        await offE();
      };
    },
  };
}
