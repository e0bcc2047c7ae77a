import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { BelfryError } from '@belfry/core';
import { s16 } from '../pcm.js';
import { DEVICE_CAPS, decodePipeline, inputPipeline, outputPipeline, type AudioEngine, type PcmSink, type PipelineEnds, type PcmSource, type PcmStream } from './engine.js';

/** The parts of gstreamer-superficial audiod uses (the package ships no types). */
interface GstElement {
  pull(cb: (buf: Buffer | null, caps?: unknown) => void): void;
  push(buf: Buffer): void;
}
interface GstPipeline {
  play(): void;
  stop(): void;
  sendEOS(): void;
  findChild(name: string): GstElement;
  // pollBus() exists too; see decode() for why audiod never calls it
}
interface Gst {
  Pipeline: new (desc: string) => GstPipeline;
}

/** A local file decodes far faster than real time: this long without a buffer means the decoder failed. */
const STALL_MS = 3000;

let gst: Gst | undefined;
function load(): Gst {
  // its main is a .node file, which ESM `import` cannot load
  gst ??= createRequire(import.meta.url)('gstreamer-superficial') as Gst;
  return gst;
}

/**
 * In-process pipelines. Each pending `pull()` holds a libuv worker thread (see the dependencies
 * reference), so audiod raises UV_THREADPOOL_SIZE before anything else runs.
 */
export class SuperficialEngine implements AudioEngine {
  readonly name = 'superficial';

  decode(path: string): PcmStream {
    const g = load();
    // gstreamer-superficial's pollBus() is not used: its worker waits in gst_bus_timed_pop() without a
    // timeout and, when the pipeline stops before a message wakes it, waits for ever — a libuv worker
    // lost per clip (measured: 1 run in 3 never exits). Errors are found without the bus instead: a
    // missing file before the pipeline starts, a decoder that stalls by the watchdog below (no
    // end-of-stream follows an error, so the pull would otherwise wait for ever too).
    try {
      accessSync(path, constants.R_OK);
    } catch {
      const failed: PcmStream = { next: () => Promise.reject(new BelfryError('internal', `decoder: cannot read ${path}`)), close: () => undefined };
      return failed;
    }
    // max-buffers bounds what is decoded ahead of playback (backpressure into the decoder)
    const p = new g.Pipeline(decodePipeline(path, 'appsink name=sink sync=false max-buffers=16'));
    const sink = p.findChild('sink');
    let closed = false;
    let error: string | undefined;
    // a pipeline left PLAYING holds its threads: stop it at its end (or error), not only when the
    // caller remembers to close; stopping also releases a pending pull
    const close = () => {
      if (closed) return;
      closed = true;
      p.stop();
    };
    p.play();
    return {
      next: () =>
        new Promise((resolve, reject) => {
          if (closed) return error ? reject(new BelfryError('internal', `decoder: ${error}`)) : resolve(null);
          const watchdog = setTimeout(() => {
            error = `no audio for ${STALL_MS} ms (the file cannot be decoded)`;
            close();
          }, STALL_MS);
          sink.pull((buf) => {
            clearTimeout(watchdog);
            if (buf && buf.length && !closed) return resolve(s16(Buffer.from(buf)));
            close();
            if (error) return reject(new BelfryError('internal', `decoder: ${error}`));
            resolve(null);
          });
        }),
      close,
    };
  }

  openOutput(device: string): PcmSink {
    const g = load();
    const p = new g.Pipeline(outputPipeline(`appsrc name=src is-live=true format=time caps=${DEVICE_CAPS}`, device));
    const src = p.findChild('src');
    p.play();
    return {
      write: (samples) => src.push(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)),
      close: async () => {
        p.sendEOS();
        p.stop();
      },
    };
  }

  openInput(device: string, onSamples: (s: Int16Array) => void): PcmSource {
    const g = load();
    const p = new g.Pipeline(inputPipeline(device, 'appsink name=sink sync=false max-buffers=50 drop=true'));
    const sink = p.findChild('sink');
    let closed = false;
    const loop = (buf: Buffer | null) => {
      if (closed || !buf) return;
      onSamples(s16(Buffer.from(buf)));
      sink.pull(loop);
    };
    p.play();
    sink.pull(loop);
    return {
      close: async () => {
        closed = true;
        p.stop();
      },
    };
  }

  openPipeline(build: (ends: PipelineEnds) => string, onSamples?: (s: Int16Array) => void): PcmSink {
    const g = load();
    const desc = build({ src: `appsrc name=src is-live=true format=time do-timestamp=true caps=${DEVICE_CAPS}`, sink: 'appsink name=sink sync=false max-buffers=50 drop=true' });
    const p = new g.Pipeline(desc);
    let closed = false;
    const src = desc.includes('appsrc name=src') ? p.findChild('src') : undefined;
    const sink = onSamples ? p.findChild('sink') : undefined;
    // one pending pull at a time (each holds a libuv worker until a buffer comes or the pipeline stops)
    const loop = (buf: Buffer | null) => {
      if (closed || !buf) return;
      onSamples!(s16(Buffer.from(buf)));
      sink!.pull(loop);
    };
    p.play();
    sink?.pull(loop);
    return {
      write: (samples) => {
        if (!closed) src?.push(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
      },
      close: async () => {
        if (closed) return;
        closed = true;
        p.stop();
      },
    };
  }
}
