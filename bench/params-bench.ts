// Parameter benchmarks against a real paramd of a device booted by dist/launcher.mjs on <root>:
//   node --import tsx bench/params-bench.ts <root> [json options]
// Connects as bus user `launcher` (a daemon's ACL: it may call RPCs), so this process stands in for
// a daemon: cached reads through ParamCache, and durable batch updates through paramd's `update`.
// Prints one JSON document on stdout.
import { Bus, ParamCache, RpcCaller, devicePaths, readBusCredentials, type ParamdContract } from '@belfry/core';
import { latency, round } from './stats.mjs';

const [root, optsJson] = process.argv.slice(2) as [string, string | undefined];
const opts = JSON.parse(optsJson ?? '{}') as Record<string, number>;
const GETS = opts.gets ?? 200_000;
const UPDATES = opts.updates ?? 500;
const UPDATE_WARMUP = opts.updateWarmup ?? 20;
const NAMES = ['Audio.A0.Name', 'Network.Bonjour.FriendlyName', 'Time.NTP.Server'];

const paths = devicePaths(root);
const bus = await Bus.connect({ socketPath: paths.busSocket, credentials: readBusCredentials(paths, 'launcher') });
try {
  const rpc = new RpcCaller(bus);
  const cache = new ParamCache(bus, rpc);
  await cache.start();

  // cold: each first read is one `get` round trip to paramd
  const cold: number[] = [];
  for (const n of NAMES) {
    const t = performance.now();
    await cache.get(n);
    cold.push(performance.now() - t);
  }

  // warm: every read answers from the cache; timed one by one (µs), and as a tight loop
  const warm = new Array<number>(GETS);
  for (let i = 0; i < GETS; i++) {
    const t = performance.now();
    await cache.get(NAMES[i % 3]!);
    warm[i] = (performance.now() - t) * 1000;
  }
  const loopT0 = performance.now();
  for (let i = 0; i < GETS; i++) await cache.get(NAMES[i % 3]!);
  const loopMs = performance.now() - loopT0;

  // durable batches of three params; every batch changes all three
  const paramd = rpc.client<ParamdContract>('paramd');
  const batch = (i: number) => ({ 'Audio.A0.Name': `Bench ${i}`, 'Network.Bonjour.FriendlyName': `Bench speaker ${i}`, 'Time.NTP.Server': `ntp${i}.example.com` });
  for (let i = 0; i < UPDATE_WARMUP; i++) await paramd.update({ changes: batch(-1 - i) });
  const upd = new Array<number>(UPDATES);
  let cacheCurrent = 0;
  let lastRev = 0;
  for (let i = 0; i < UPDATES; i++) {
    const changes = batch(i);
    const t = performance.now();
    const { rev } = await paramd.update({ changes });
    upd[i] = performance.now() - t;
    lastRev = rev;
    // paramd announces a batch before it answers, on the same connection: the cache should already hold it
    if (NAMES.every((n) => cache.peek(n) === changes[n as keyof typeof changes])) cacheCurrent++;
  }
  const result = {
    cachedGet: { unit: 'µs', ...latency(warm, 3), loopMeanUs: round((loopMs / GETS) * 1000, 3), perSec: round((GETS / loopMs) * 1000, 0) },
    coldGet: { unit: 'ms', samples: cold.map((x) => round(x, 3)) },
    update: { unit: 'ms', params: NAMES, warmup: UPDATE_WARMUP, ...latency(upd, 3), cacheCurrentAfterAnswer: `${cacheCurrent}/${UPDATES}`, lastRev },
  };
  process.stdout.write(JSON.stringify(result) + '\n');
} finally {
  await bus.close();
}
