import { wavFile } from '@belfry/board';
import { MIX_RATE, clamp16 } from '../pcm.js';

/**
 * The clips a new (or factory-defaulted) device has. They are synthesised rather than shipped as
 * files: a few kilobytes of code instead of audio blobs in the image, and they go through the same
 * upload path as any user's clip (probe, decode, loudness), which checks that path at every boot.
 */
export const DEFAULT_CLIPS: { name: string; filename: string; make: () => Buffer }[] = [
  { name: 'Doorbell', filename: 'doorbell.wav', make: () => wav(doorbell()) },
  { name: 'Beep', filename: 'beep.wav', make: () => wav(beeps()) },
  { name: 'Siren', filename: 'siren.wav', make: () => wav(siren()) },
];

function doorbell(): Float32Array {
  // "ding-dong": E5 then C#5, each a decaying bell with two partials
  const out = new Float32Array(Math.round(MIX_RATE * 1.8));
  const strike = (start: number, f: number) => {
    for (let i = 0; i < out.length - start; i++) {
      const t = i / MIX_RATE;
      const env = Math.exp(-t * 2.2) * Math.min(1, t * 400);
      out[start + i]! += 0.45 * env * (Math.sin(2 * Math.PI * f * t) + 0.3 * Math.sin(2 * Math.PI * 2.76 * f * t) * Math.exp(-t * 4));
    }
  };
  strike(0, 659.25);
  strike(Math.round(MIX_RATE * 0.6), 554.37);
  return out;
}

function beeps(): Float32Array {
  const out = new Float32Array(Math.round(MIX_RATE * 1.2));
  for (let b = 0; b < 3; b++) {
    const start = Math.round(MIX_RATE * 0.4 * b);
    const n = Math.round(MIX_RATE * 0.2);
    for (let i = 0; i < n; i++) {
      const ramp = Math.min(1, i / 80, (n - i) / 80);
      out[start + i] = 0.5 * ramp * Math.sin((2 * Math.PI * 1000 * i) / MIX_RATE);
    }
  }
  return out;
}

function siren(): Float32Array {
  const out = new Float32Array(MIX_RATE * 3);
  let phase = 0;
  for (let i = 0; i < out.length; i++) {
    const t = i / MIX_RATE;
    const f = 900 + 400 * Math.sin(2 * Math.PI * 0.5 * t);
    phase += (2 * Math.PI * f) / MIX_RATE;
    out[i] = 0.4 * Math.min(1, t * 50, (3 - t) * 50) * Math.sin(phase);
  }
  return out;
}

/** PCM 16-bit mono WAV at the device rate */
export function wav(samples: Float32Array, rate = MIX_RATE): Buffer {
  return wavFile(Int16Array.from(samples, (v) => clamp16(v * 32767)), rate);
}
