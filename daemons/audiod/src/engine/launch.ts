import { spawn, type ChildProcess } from 'node:child_process';
import { BelfryError } from '@belfry/core';
import { s16 } from '../pcm.js';
import { decodePipeline, inputPipeline, outputPipeline, type AudioEngine, type PcmSink, type PipelineEnds, type PcmSource, type PcmStream } from './engine.js';

const GST_LAUNCH = 'gst-launch-1.0';

/** gst-launch takes the pipeline as argv words; quoting inside a word is GStreamer's, not a shell's. */
function launch(pipeline: string, stdio: ('pipe' | 'ignore')[]): ChildProcess {
  return spawn(GST_LAUNCH, ['-q', '-e', ...splitWords(pipeline)], { stdio: stdio as ['pipe', 'pipe', 'pipe'] });
}

/** Splits at spaces outside double quotes (the quotes stay: gst-launch parses them). */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && q) {
      cur += c + (s[++i] ?? '');
      continue;
    }
    if (c === '"') q = !q;
    if (c === ' ' && !q) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur) out.push(cur);
  return out;
}

/**
 * One gst-launch child per pipeline. A decoder crash ends the child, never audiod. Children are
 * stopped with SIGINT (with -e gst-launch sends EOS so outputs finish), SIGKILL if they linger.
 */
export class LaunchEngine implements AudioEngine {
  readonly name = 'launch';

  decode(path: string): PcmStream {
    const child = launch(decodePipeline(path, 'fdsink fd=1'), ['ignore', 'pipe', 'pipe']);
    const chunks: Buffer[] = [];
    let carry: Buffer | undefined;
    let ended = false;
    let failed: string | undefined;
    let waiter: (() => void) | undefined;
    let stderr = '';
    const wake = () => {
      const w = waiter;
      waiter = undefined;
      w?.();
    };
    child.stdout!.on('data', (b: Buffer) => {
      chunks.push(b);
      // backpressure: keep at most ~1 s decoded ahead
      if (chunks.reduce((n, c) => n + c.length, 0) > 32_000) child.stdout!.pause();
      wake();
    });
    child.stderr!.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-2000);
      // gst-launch may hang after reporting an error instead of exiting: the error is final
      const error = /^ERROR: (.*)$/m.exec(stderr);
      if (error && !failed) {
        failed = error[1]!.replace(/^from element \S+: /, '');
        child.kill('SIGKILL');
      }
    });
    child.on('error', (err) => {
      failed = err.message;
      ended = true;
      wake();
    });
    child.on('close', (code, signal) => {
      if (code !== 0 && signal !== 'SIGINT' && signal !== 'SIGKILL' && !failed) failed = stderr.trim().split('\n').pop() || `gst-launch exited with ${code ?? signal}`;
      ended = true;
      wake();
    });
    let closed = false;
    const next = async (): Promise<Int16Array | null> => {
      for (;;) {
        if (closed) return null;
        const b = chunks.shift();
        if (b) {
          if (chunks.length === 0) child.stdout!.resume();
          let bytes = carry ? Buffer.concat([carry, b]) : b;
          carry = undefined;
          if (bytes.length & 1) {
            carry = bytes.subarray(bytes.length - 1);
            bytes = bytes.subarray(0, bytes.length - 1);
          }
          if (bytes.length) return s16(bytes);
          continue;
        }
        if (ended) {
          if (failed) throw new BelfryError('internal', `decoder: ${failed}`);
          return null;
        }
        await new Promise<void>((r) => (waiter = r));
      }
    };
    return {
      next,
      close: () => {
        closed = true;
        chunks.length = 0;
        stop(child);
      },
    };
  }

  openOutput(device: string): PcmSink {
    const child = launch(outputPipeline(`fdsrc fd=0 ! rawaudioparse use-sink-caps=false format=pcm pcm-format=s16le sample-rate=16000 num-channels=1`, device), ['pipe', 'ignore', 'ignore']);
    child.stdin!.on('error', () => undefined);
    return {
      write: (samples) => {
        if (child.stdin!.writable) child.stdin!.write(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
      },
      close: async () => {
        child.stdin!.end();
        await exited(child, 2000);
      },
    };
  }

  openInput(device: string, onSamples: (s: Int16Array) => void): PcmSource {
    const child = launch(inputPipeline(device, 'fdsink fd=1'), ['ignore', 'pipe', 'ignore']);
    let carry: Buffer | undefined;
    child.stdout!.on('data', (b: Buffer) => {
      let bytes = carry ? Buffer.concat([carry, b]) : b;
      carry = bytes.length & 1 ? bytes.subarray(bytes.length - 1) : undefined;
      if (carry) bytes = bytes.subarray(0, bytes.length - 1);
      if (bytes.length) onSamples(s16(bytes));
    });
    return { close: async () => stop(child) };
  }

  openPipeline(build: (ends: PipelineEnds) => string, onSamples?: (s: Int16Array) => void, onExit?: (why: string) => void): PcmSink {
    // fdsrc reads at most a 20 ms frame at a time, so nothing waits for a 4 KiB block
    const src = 'fdsrc fd=0 blocksize=640 ! rawaudioparse use-sink-caps=false format=pcm pcm-format=s16le sample-rate=16000 num-channels=1';
    const child = launch(build({ src, sink: 'fdsink fd=1 sync=false' }), ['pipe', onSamples ? 'pipe' : 'ignore', 'ignore']);
    child.stdin!.on('error', () => undefined);
    let carry: Buffer | undefined;
    child.stdout?.on('data', (b: Buffer) => {
      let bytes = carry ? Buffer.concat([carry, b]) : b;
      carry = bytes.length & 1 ? bytes.subarray(bytes.length - 1) : undefined;
      if (carry) bytes = bytes.subarray(0, bytes.length - 1);
      if (bytes.length) onSamples!(s16(bytes));
    });
    let closing = false;
    child.on('close', (code, signal) => {
      if (!closing) onExit?.(`gst-launch exited (${signal ?? code})`);
    });
    child.on('error', (err) => {
      if (!closing) onExit?.(err.message);
    });
    return {
      write: (samples) => {
        if (child.stdin!.writable) child.stdin!.write(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
      },
      close: async () => {
        closing = true;
        stop(child);
        await exited(child, 2000);
      },
    };
  }
}

function stop(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT');
  const t = setTimeout(() => child.kill('SIGKILL'), 1000);
  t.unref();
  child.once('close', () => clearTimeout(t));
}

function exited(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, ms);
    child.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
