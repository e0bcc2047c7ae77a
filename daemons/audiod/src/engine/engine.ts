/**
 * How audiod runs GStreamer. Two backends behind one interface (param `Audio.Engine`):
 * - `superficial`: pipelines inside the audiod process (gstreamer-superficial) — no process start-up,
 *   the lowest latency, but a crash in a GStreamer element takes audiod down;
 * - `launch`: one `gst-launch-1.0` child per pipeline — ~25 ms more to start, no live property
 *   changes, but a decoder crash only ends that child.
 * Both hand out PCM in the device format (S16LE mono at MIX_RATE).
 */
export interface PcmStream {
  /** the next chunk of samples; `null` at the end; rejects when decoding fails */
  next(): Promise<Int16Array | null>;
  close(): void;
}

export interface PcmSink {
  write(samples: Int16Array): void;
  close(): Promise<void>;
}

export interface PcmSource {
  close(): Promise<void>;
}

export type EngineName = 'superficial' | 'launch';

export interface AudioEngine {
  readonly name: EngineName;
  /** decodes a clip file of any accepted format to device PCM */
  decode(path: string): PcmStream;
  /** plays device PCM on an ALSA device (real boards) */
  openOutput(alsaDevice: string): PcmSink;
  /** captures an ALSA device as device PCM (real boards) */
  openInput(alsaDevice: string, onSamples: (s: Int16Array) => void): PcmSource;
  /**
   * runs a pipeline of the caller's (SIP media): `build` places the engine's own ends, `src` (device
   * PCM written with `write`) and `sink` (device PCM handed to `onSamples`), in its description;
   * `onExit` hears of a pipeline that ended before `close` (only the launch engine can tell: in
   * process there is no bus to poll)
   */
  openPipeline(build: (ends: PipelineEnds) => string, onSamples?: (s: Int16Array) => void, onExit?: (why: string) => void): PcmSink;
}

/** The ends of a pipeline audiod feeds or reads, as pipeline description fragments. */
export interface PipelineEnds {
  src: string;
  sink: string;
}

export const DEVICE_CAPS = 'audio/x-raw,format=S16LE,rate=16000,channels=1,layout=interleaved';

/** A value inside a gst-launch pipeline description, quoted so spaces and quotes survive. */
export function gstQuote(v: string): string {
  return '"' + v.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

export function decodePipeline(path: string, sink: string): string {
  return `filesrc location=${gstQuote(path)} ! decodebin ! audioconvert ! audioresample ! ${DEVICE_CAPS} ! ${sink}`;
}
export function outputPipeline(src: string, device: string): string {
  return `${src} ! audioconvert ! audioresample ! alsasink device=${gstQuote(device)}`;
}
export function inputPipeline(device: string, sink: string): string {
  return `alsasrc device=${gstQuote(device)} ! audioconvert ! audioresample ! ${DEVICE_CAPS} ! ${sink}`;
}
