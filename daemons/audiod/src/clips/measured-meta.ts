import type { Analysis } from './analyze.js';
import type { ProbeResult } from './probe.js';
import type { ClipMeta } from './store.js';

/** A clip's metadata from what probing and decoding measured (an upload, or a file measured again after a loss). */
export function measuredMeta(c: { id: number; file: string; bytes: number; probe: ProbeResult; analysis: Analysis; originalName: string; name: string }): ClipMeta {
  const { probe, analysis } = c;
  return {
    id: c.id,
    file: c.file,
    format: probe.format,
    mime: probe.mime,
    bytes: c.bytes,
    durationMs: analysis.durationMs,
    rate: probe.rate,
    channels: probe.channels,
    ...(probe.bitrateKbps !== undefined ? { bitrateKbps: probe.bitrateKbps } : {}),
    gainDb: analysis.gainDb,
    peak: analysis.peak,
    uploaded: new Date().toISOString(),
    originalName: c.originalName,
    name: c.name,
  };
}
