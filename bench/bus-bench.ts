// Bus benchmarks on a real mosquitto with the production config and ACL (startTestBus), each peer in
// its own process (bench/peer.ts), run with the daemons' V8 flags:
//   node --import tsx bench/bus-bench.ts rpc    <root> [json options]
//   node --import tsx bench/bus-bench.ts events <root> [json options]
// Prints one JSON document on stdout; progress goes to stderr.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestBus, type TestBus } from '@belfry/core/testing';
import { DAEMON_NODE_FLAGS } from '../daemons/core/src/services.js';
import { latency, round } from './stats.mjs';
import type { Cmd, EvResult, PubResult, Variant } from './protocol.js';

const [kind, root, optsJson] = process.argv.slice(2) as [string, string, string | undefined];
const opts = JSON.parse(optsJson ?? '{}') as Record<string, number>;
const PEER = fileURLToPath(new URL('./peer.ts', import.meta.url));
const say = (msg: string) => process.stderr.write(`  ${msg}\n`);

interface Peer {
  proc: ChildProcess;
  name: string;
  /** resolves with the next message the peer sends */
  next<T>(timeoutMs?: number): Promise<T>;
  send(cmd: Cmd): void;
}

const peers: Peer[] = [];

function startPeer(role: string, user: string, target?: string): Promise<Peer> {
  const proc = fork(PEER, [role, root, user, ...(target ? [target] : [])], {
    execArgv: [...DAEMON_NODE_FLAGS, '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, BELFRY_LOG_LEVEL: 'warn' },
  });
  const queue: unknown[] = [];
  const waiters: { resolve: (m: unknown) => void; reject: (e: Error) => void }[] = [];
  let exited: string | undefined;
  proc.on('message', (m) => {
    const w = waiters.shift();
    if (w) w.resolve(m);
    else queue.push(m);
  });
  proc.on('exit', (code, signal) => {
    exited = `${role}/${user} exited (${signal ?? code})`;
    for (const w of waiters.splice(0)) w.reject(new Error(exited));
  });
  const peer: Peer = {
    proc,
    name: `${role}/${user}`,
    next<T>(timeoutMs = 60_000) {
      if (queue.length) return Promise.resolve(queue.shift() as T);
      if (exited) return Promise.reject(new Error(exited));
      return new Promise<T>((resolve, reject) => {
        const w = {
          resolve: (m: unknown) => {
            clearTimeout(timer);
            resolve(m as T);
          },
          reject: (e: Error) => {
            clearTimeout(timer);
            reject(e);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`${role}/${user}: no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(w);
      });
    },
    send: (cmd) => proc.send(cmd),
  };
  peers.push(peer);
  return peer.next<{ ready: true }>(20_000).then(() => peer);
}

async function rpcBench(): Promise<unknown> {
  const warmup = opts.warmup ?? 200;
  const n = opts.calls ?? 5000;
  const rounds = opts.rounds ?? 2;
  const [, core] = await Promise.all([startPeer('rpc-server', 'benchb'), startPeer('rpc-client', 'bencha', 'benchb')]);
  const [, bare] = await Promise.all([startPeer('bare-server', 'bareb'), startPeer('bare-client', 'barea', 'bareb')]);
  const steady: Record<Variant, number[]> = { core: [], bare: [] };
  const first: Partial<Record<Variant, ReturnType<typeof latency>>> = {};
  const perRound: Record<Variant, unknown[]> = { core: [], bare: [] };
  // Round 0 is the first calls of fresh processes (V8 is still tiering up: a long tail); the
  // figures are the later rounds. The order alternates so that both variants see the same machine.
  for (let r = 0; r <= rounds; r++) {
    const order = r % 2 === 0 ? (['bare', 'core'] as const) : (['core', 'bare'] as const);
    for (const variant of order) {
      const peer = variant === 'core' ? core : bare;
      peer.send({ cmd: 'run', warmup, n });
      const { samples } = await peer.next<{ samples: number[] }>(120_000);
      const l = latency(samples);
      if (r === 0) first[variant] = l;
      else {
        steady[variant].push(...samples);
        perRound[variant].push({ p50: l.p50, p99: l.p99, mean: l.mean });
      }
      say(`rpc ${r === 0 ? 'first calls' : `round ${r}/${rounds}`} ${variant}: p50 ${l.p50} ms, p99 ${l.p99} ms`);
    }
  }
  const coreL = latency(steady.core);
  const bareL = latency(steady.bare);
  return {
    unit: 'ms',
    callsPerRound: n,
    warmupPerRound: warmup,
    rounds,
    core: { ...coreL, perRound: perRound.core, firstCalls: first.core },
    bare: { ...bareL, perRound: perRound.bare, firstCalls: first.bare },
    overhead: { p50: round(coreL.p50! - bareL.p50!), p99: round(coreL.p99! - bareL.p99!), mean: round(coreL.mean! - bareL.mean!) },
  };
}

async function eventsBench(): Promise<unknown> {
  const n = opts.events ?? 50_000;
  const subs = opts.subscribers ?? 5;
  const batch = opts.batch ?? 500;
  const rounds = opts.rounds ?? 1;
  const pub = await startPeer('ev-pub', 'evpub');
  const subscribers = await Promise.all(Array.from({ length: subs }, (_, i) => startPeer('ev-sub', `evsub${i + 1}`)));
  const out: Record<Variant, { publisher: PubResult[]; subscribers: EvResult[][] }> = { core: { publisher: [], subscribers: [] }, bare: { publisher: [], subscribers: [] } };
  const warmupEvents = opts.warmupEvents ?? 5000;
  // round 0 (warmupEvents per variant) only warms up V8; the order alternates between rounds
  for (let r = 0; r <= rounds; r++) {
    const count = r === 0 ? warmupEvents : n;
    for (const variant of r % 2 === 0 ? (['bare', 'core'] as const) : (['core', 'bare'] as const)) {
      for (const s of subscribers) s.send({ cmd: 'arm', variant, n: count });
      await Promise.all(subscribers.map((s) => s.next(10_000)));
      const results = subscribers.map((s) => s.next<EvResult>(180_000));
      pub.send({ cmd: 'publish', variant, n: count, batch });
      const p = await pub.next<PubResult>(180_000);
      // whatever has not arrived 3 s after the publisher is done counts as lost
      const grace = setTimeout(() => subscribers.forEach((s) => s.send({ cmd: 'finish' })), 3000);
      const got = await Promise.all(results);
      clearTimeout(grace);
      const rates = got.map((g) => Math.round(((g.received - 1) / g.spanMs) * 1000));
      if (r === 0) {
        say(`events warm-up ${variant}: ${count} events, per subscriber ${rates.join(', ')} /s`);
        continue;
      }
      out[variant].publisher.push(p);
      out[variant].subscribers.push(got);
      say(`events round ${r}/${rounds} ${variant}: published ${Math.round(p.perSec)}/s; per subscriber ${rates.join(', ')} /s; lost ${got.map((g) => g.expected - g.received).join(', ')}`);
    }
  }
  const summarize = (v: Variant) => {
    const per = out[v].subscribers.flat();
    const rates = per.map((g) => ((g.received - 1) / g.spanMs) * 1000);
    return {
      publisherPerSec: round(Math.min(...out[v].publisher.map((p) => p.perSec)), 0),
      subscribers: per.map((g, i) => ({
        round: Math.floor(i / subs) + 1,
        id: `evsub${(i % subs) + 1}`,
        received: g.received,
        lost: g.expected - g.received,
        outOfOrder: g.outOfOrder,
        spanMs: round(g.spanMs, 1),
        perSec: round(rates[i]!, 0),
      })),
      minPerSec: round(Math.min(...rates), 0),
      meanPerSec: round(rates.reduce((a, b) => a + b, 0) / rates.length, 0),
      totalLost: per.reduce((a, g) => a + g.expected - g.received, 0),
    };
  };
  return { eventsPerRound: n, warmupEvents, subscribers: subs, batch, rounds, core: summarize('core'), bare: summarize('bare') };
}

let tb: TestBus | undefined;
async function cleanup(): Promise<void> {
  for (const p of peers) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
  await tb?.stop().catch(() => undefined);
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void cleanup().then(() => process.exit(130)));

try {
  const users = kind === 'rpc' ? ['bencha', 'benchb', 'barea', 'bareb'] : ['evpub', ...Array.from({ length: opts.subscribers ?? 5 }, (_, i) => `evsub${i + 1}`)];
  tb = await startTestBus(users, { root });
  const result = kind === 'rpc' ? await rpcBench() : kind === 'events' ? await eventsBench() : undefined;
  if (result === undefined) throw new Error(`unknown benchmark ${kind}`);
  process.stdout.write(JSON.stringify(result) + '\n');
  await cleanup();
  process.exit(0);
} catch (err) {
  process.stderr.write(`bus-bench ${kind}: ${(err as Error).stack ?? err}\n`);
  await cleanup();
  process.exit(1);
}
