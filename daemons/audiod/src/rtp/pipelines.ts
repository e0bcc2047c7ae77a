import { DEVICE_CAPS, type PipelineEnds } from '../engine/index.js';
import type { CodecPlan } from './codecs.js';

/**
 * The GStreamer side of a session. Node owns the call's UDP socket (so the port is held from
 * `rtpOpen` on, DTMF is read and written in JS, packets are counted and filtered by source); the
 * pipelines only code: they take and give RTP on loopback ports of their own.
 */

/** RTP on `port` (loopback) → jitter buffer → depay → decode → device PCM. */
export function receivePipeline(plan: CodecPlan, pt: number, port: number, latencyMs: number): (e: PipelineEnds) => string {
  const caps = `application/x-rtp,media=audio,clock-rate=${plan.clockRate},encoding-name=${plan.encodingName},payload=${pt}`;
  return ({ sink }) => `udpsrc address=127.0.0.1 port=${port} caps="${caps}" ! rtpjitterbuffer latency=${latencyMs} ! ${plan.decode} ! audioconvert ! audioresample ! ${DEVICE_CAPS} ! ${sink}`;
}

/** device PCM (the microphone) → encode → pay → RTP to `port` (loopback), where Node relays it. */
export function sendPipeline(plan: CodecPlan, pt: number, port: number): (e: PipelineEnds) => string {
  return ({ src }) => `${src} ! audioconvert ! audioresample ! ${plan.encode(pt)} ! udpsink host=127.0.0.1 port=${port} sync=false async=false`;
}
