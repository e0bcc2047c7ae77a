/**
 * Decode check and loudness of an uploaded clip. The file is untrusted, so the decoders run in a
 * gst-launch-1.0 child: a crash or a hang costs a child process, never audiod. The probe has
 * already looked at the header; only a real decode proves the rest of the file is sound.
 */
import { spawn } from 'node:child_process';
import { ClipError } from './probe.js';

export interface Analysis {
  /** Length of the decoded audio. */
  durationMs: number;
  /** ReplayGain track gain in dB, relative to the 89 dB SPL reference; null if none was reported. */
  gainDb: number | null;
  /** Track peak, linear, 1.0 = full scale; null if none was reported. */
  peak: number | null;
}

export interface AnalyzeOptions {
  timeoutMs?: number;
  maxDurationMs?: number;
}

/** Decoded audio is counted at this rate; it is the device's mix rate, so the count is what playback will see. */
const COUNT_RATE = 16000;
const DEFAULT_TIMEOUT_MS = 20_000;
/** stdout only carries tag text; a hostile file could make its tags huge, so keep a bounded tail. */
const MAX_TEXT = 256 * 1024;

export function analyzeClip(path: string, opts: AnalyzeOptions = {}): Promise<Analysis> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = opts.maxDurationMs === undefined ? Infinity : (opts.maxDurationMs * COUNT_RATE / 1000) * 2;
  // rganalysis only accepts a fixed set of rates, hence a resampler on each side of it. The decoded
  // audio goes out on fd 3 so it never mixes with the tag text gst-launch prints on stdout.
  const args = [
    '-t', 'filesrc', `location=${path}`, '!', 'decodebin', '!', 'audioconvert', '!', 'audioresample', '!',
    'rganalysis', '!', 'audioconvert', '!', 'audioresample', '!',
    `audio/x-raw,format=S16LE,rate=${COUNT_RATE},channels=1`, '!', 'fdsink', 'fd=3',
  ];
  return new Promise<Analysis>((resolve, reject) => {
    // Own process group, so a kill reaches anything gst-launch may have started.
    const child = spawn('gst-launch-1.0', args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let bytes = 0;
    let failure: ClipError | undefined;
    let exited = false;

    const kill = (why: ClipError) => {
      failure ??= why;
      if (exited || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(
      () => kill(new ClipError(`the file could not be decoded within ${Math.round(timeoutMs / 1000)} s`)),
      timeoutMs,
    );

    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (s: string) => {
      stdout += s;
      if (stdout.length > MAX_TEXT) stdout = stdout.slice(-MAX_TEXT);
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      if (stderr.length < MAX_TEXT) stderr += s;
      // gst-launch sometimes never exits after an error (seen: 11 of 80 runs on a garbage mp3 when
      // eight ran at once, asleep after "ERROR: … Could not determine type of stream"): the first
      // error is the answer, the child is not waited for
      const error = /^ERROR: (.*)$/m.exec(stderr);
      if (error) kill(new ClipError(`the file could not be decoded: ${error[1]!.replace(/^from element \S+: /, '')}`));
    });
    const pcm = child.stdio[3] as NodeJS.ReadableStream;
    pcm.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        kill(new ClipError(`too long: the decoded audio exceeds the ${formatLimit(opts.maxDurationMs!)} limit`));
      }
    });
    pcm.on('error', () => {});

    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run gst-launch-1.0: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      exited = true;
      clearTimeout(timer);
      if (failure) return reject(failure);
      const error = /^ERROR: (.*)$/m.exec(stderr) ?? /^ERROR: (.*)$/m.exec(stdout);
      if (code !== 0 || signal || error) {
        const detail = error?.[1] ? `: ${error[1].replace(/^from element \S+: /, '')}` : '';
        return reject(new ClipError(`the file could not be decoded${detail}`));
      }
      if (bytes < 2) return reject(new ClipError('the file could not be decoded: it contains no audio'));
      const { gain, peak } = parseReplayGain(stdout);
      resolve({ durationMs: Math.round((bytes / 2) * 1000 / COUNT_RATE), gainDb: gain, peak });
    });
  });
}

/**
 * Only the last tag block that carries a ReplayGain result is trusted: rganalysis posts its tags at
 * end of stream, after every tag that came from the file itself (a file may carry its own, stale or
 * forged, replaygain tags, or tag text with embedded newlines).
 */
export function parseReplayGain(text: string): { gain: number | null; peak: number | null } {
  const blocks = text.split(/^FOUND TAG\b.*$/m);
  for (let i = blocks.length - 1; i >= 0; i--) {
    const block = blocks[i]!;
    const g = /^\s*replaygain track gain: (-?[\d.]+(?:e[-+]?\d+)?)\s*$/m.exec(block);
    if (!g) continue;
    const p = /^\s*replaygain track peak: ([\d.]+(?:e[-+]?\d+)?)\s*$/m.exec(block);
    const gain = Number(g[1]);
    const peak = p ? Number(p[1]) : NaN;
    return { gain: Number.isFinite(gain) ? gain : null, peak: Number.isFinite(peak) ? peak : null };
  }
  return { gain: null, peak: null };
}

function formatLimit(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${(ms / 1000).toFixed(1)} s`;
}
