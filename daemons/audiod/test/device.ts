import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { RpcCaller, SERVICES, type Client, type ParamdContract } from '@belfry/core';
import { startDevice, type TestBus } from '@belfry/core/testing';
import { daemon as paramd } from '@belfry/paramd';
import { daemon as boardd } from '@belfry/boardd';
import { daemon as audiod } from '../src/main.js';
import type { AudiodContract } from '../src/contract.js';

export interface AudioDevice {
  tb: TestBus;
  audiod: Client<AudiodContract>;
  params: Client<ParamdContract>;
  rpc: RpcCaller;
  bench: string;
  benchPost(path: string, body: unknown): Promise<unknown>;
  /** what the simulated speaker plays from now on, until stop() */
  monitor(): Tap;
  /** what the simulated microphone hears from now on */
  mic(): Tap;
  /** stops audiod, runs `meanwhile` (e.g. leaves files as a crash would), starts it again */
  restartAudiod(meanwhile?: () => unknown): Promise<void>;
  /** stops audiod and paramd, runs `meanwhile`, starts paramd then audiod (a device restart) */
  restartBoth(meanwhile?: () => unknown): Promise<void>;
  /** restarts paramd alone while audiod runs (a paramd crash) */
  restartParamd(meanwhile?: () => unknown): Promise<void>;
}

export interface Tap {
  /** samples so far (S16 mono 16 kHz) */
  samples(): Int16Array;
  stop(): void;
}

/** paramd, boardd (simulated board with its sound card) and audiod over a real mosquitto. */
export async function startAudioDevice(t: { teardown(fn: () => unknown): void }, opts: { users?: string[] } = {}): Promise<AudioDevice> {
  // extra bus users the service list does not have yet (a daemon's peer played by the test, e.g. sipd)
  const extra = (opts.users ?? []).filter((u) => !SERVICES.some((s) => s.name === u));
  const dev = await startDevice({ daemons: [paramd, boardd, audiod], users: ['tester', ...extra] });
  t.teardown(() => dev.stop());
  const tb = dev.tb;
  const bus = await tb.connect('tester');
  const rpc = new RpcCaller(bus);
  t.teardown(() => rpc.close());
  const bench = (await import('node:fs')).readFileSync(join(tb.paths.run, 'bench.url'), 'utf8').trim();
  const cardPath = join(tb.paths.run, 'sim-audio.sock');
  const taps: Socket[] = [];
  t.teardown(() => taps.forEach((s) => s.destroy()));
  const tap = (role: 'monitor' | 'mic'): Tap => {
    const chunks: Buffer[] = [];
    const s = connect(cardPath);
    taps.push(s);
    s.on('connect', () => s.write(JSON.stringify({ role }) + '\n'));
    s.on('data', (b: Buffer) => chunks.push(b));
    s.on('error', () => undefined);
    return {
      samples: () => {
        const all = Buffer.concat(chunks);
        const even = Buffer.from(all.subarray(0, all.length & ~1));
        return new Int16Array(even.buffer, even.byteOffset, even.length / 2);
      },
      stop: () => s.destroy(),
    };
  };
  return {
    tb,
    audiod: rpc.client<AudiodContract>('audiod'),
    params: rpc.client<ParamdContract>('paramd'),
    rpc,
    bench,
    async benchPost(path, body) {
      const r = await fetch(bench + path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      return r.json();
    },
    monitor: () => tap('monitor'),
    mic: () => tap('mic'),
    restartAudiod: (meanwhile) => dev.restart('audiod', meanwhile),
    restartBoth: (meanwhile) => dev.restart(['paramd', 'audiod'], meanwhile),
    restartParamd: (meanwhile) => dev.restart('paramd', meanwhile),
  };
}

/** level of `hz` in `x` (Goertzel), dBFS of a sine of that amplitude */
export function toneDb(x: Int16Array | Float32Array, hz: number, rate = 16000): number {
  const w = (2 * Math.PI * hz) / rate;
  const c = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  const scale = x instanceof Int16Array ? 1 / 32768 : 1;
  for (let i = 0; i < x.length; i++) {
    const s0 = x[i]! * scale + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const p = s1 * s1 + s2 * s2 - c * s1 * s2;
  const amp = (2 * Math.sqrt(Math.max(p, 0))) / x.length;
  return 20 * Math.log10(Math.max(amp, 1e-9));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
