// The rule engine with 256 rules, against eventd of a device booted by dist/launcher.mjs:
//   node --import tsx bench/eventd-bench.ts prepare <root> [json options]   (before the boot: writes the rules)
//   node --import tsx bench/eventd-bench.ts run <root> <eventdPid> [json options]
// `run` connects as bus user `audiod` (the device runs without audiod: `--only paramd,boardd,eventd`)
// and stands in for an action owner and an event producer: it declares 32 stateful bench topics and
// one action (`audiod.benchAct`), then measures trigger → action start latency one trigger at a
// time, and the sustained event rate through the engine (paced rounds; an action every 50th event
// counts what got through). Prints one JSON document on stdout.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Bus, EventPublisher, RpcServer, devicePaths, readBusCredentials, stateDir, subscribeEvents } from '@belfry/core';
import { EventdStore } from '../daemons/eventd/src/store.js';
import { latency, round } from './stats.mjs';

const [mode, root, ...rest] = process.argv.slice(2) as [string, string, ...string[]];
const RULES = 256;
const TOPICS = 32;
const FIRE_EVERY = 50;
const TEMPLATE = 'com.belfry.bench.fixed.act';
const ACTION_FAILED = 'tns1:Device/tnsaxis:SystemMessage/tnsaxis:ActionFailed';
const topic = (k: number) => `tns1:Device/tnsaxis:Bench/T${k}`;
/** rule i: topic i % 32, port ⌊i / 32⌋ + 1, fires when `fire` becomes 1 */
const instanceOf = (i: number) => ({ k: i % TOPICS, port: Math.floor(i / TOPICS) + 1 });

if (mode === 'prepare') {
  const store = new EventdStore(stateDir(devicePaths(root), 'eventd'));
  store.load();
  for (let i = 0; i < RULES; i++) {
    const { k, port } = instanceOf(i);
    const a = store.add('actions', { name: `bench ${i}`, template: TEMPLATE, params: { rule: String(i) } });
    const content = `boolean(//SimpleItem[@Name="port" and @Value="${port}"]) and boolean(//SimpleItem[@Name="fire" and @Value="1"])`;
    store.add('rules', { name: `bench ${i}`, enabled: true, startEvent: { topic: topic(k), content }, conditions: [], activationTimeoutMs: 0, primaryAction: a.id });
  }
  process.stdout.write(JSON.stringify({ rules: store.list('rules').length }) + '\n');
  process.exit(0);
}

const [pidArg, optsJson] = rest as [string, string | undefined];
const eventdPid = Number(pidArg);
const opts = JSON.parse(optsJson ?? '{}') as { triggers?: number; rates?: number[]; roundMs?: number };
const TRIGGERS = opts.triggers ?? 500;
const RATES = opts.rates ?? [2500, 5000, 10_000, 20_000];
const ROUND_MS = opts.roundMs ?? 2000;

function memory(pid: number) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const mb = (f: string) => round(Number(new RegExp(`^${f}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) / 1024, 1);
  return { rssMB: mb('Rss'), pssMB: mb('Pss'), pssAnonMB: mb('Pss_Anon') };
}
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const paths = devicePaths(root);
const bus = await Bus.connect({ socketPath: paths.busSocket, credentials: readBusCredentials(paths, 'audiod') });
try {
  const memAtStart = memory(eventdPid);
  // every action start, by rule, with its arrival time
  const arrivals: number[] = new Array(RULES).fill(0);
  let onArrival: ((rule: number, t: number) => void) | undefined;
  const server = new RpcServer(bus, 'audiod');
  server.add({
    benchAct: (p: { rule: number }) => {
      const t = performance.now();
      arrivals[p.rule]!++;
      onArrival?.(p.rule, t);
      return {};
    },
  });
  await server.listen();
  let failed = 0;
  await subscribeEvents(bus, ACTION_FAILED, () => failed++);
  const pub = new EventPublisher(bus, 'audiod');
  pub.declare(Array.from({ length: TOPICS }, (_, k) => ({ topic: topic(k), niceName: `Bench ${k}`, stateful: true, source: [{ name: 'port', type: 'xsd:int' }], data: [{ name: 'fire', type: 'xsd:boolean' }] })));
  pub.declareActions([{ id: TEMPLATE, niceName: 'Bench action', service: 'audiod', method: 'benchAct', params: [{ name: 'rule', type: 'int' }] }]);
  const set = (i: number, fire: boolean) => {
    const { k, port } = instanceOf(i);
    pub.setState(topic(k), { port }, { fire });
  };
  // every instance known (Initialized, no trigger), then wait until the engine answers a trigger
  for (let i = 0; i < RULES; i++) set(i, false);
  const fireAndWait = (i: number) =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`rule ${i} did not start its action within 10 s`)), 10_000);
      onArrival = (rule, t) => {
        if (rule !== i) return;
        clearTimeout(timer);
        onArrival = undefined;
        resolve(t);
      };
      set(i, false);
      set(i, true);
    });
  for (let tries = 0; ; tries++) {
    try {
      await fireAndWait(0);
      break;
    } catch (err) {
      if (tries > 3) throw err;
    }
  }
  const memLoaded = memory(eventdPid);

  // trigger → action start, one at a time: the instance goes to fire=0, then fire=1 (timed)
  const lat: number[] = [];
  for (let n = 0; n < TRIGGERS; n++) {
    const i = n % RULES;
    const done = new Promise<number>((resolve) => {
      onArrival = (rule, t) => {
        if (rule === i) resolve(t);
      };
    });
    set(i, false);
    const t0 = performance.now();
    set(i, true);
    lat.push((await done) - t0);
    onArrival = undefined;
  }

  // paced rounds: event j sets instance j % 256; every 50th event fires (a change to fire=1)
  const rounds = [];
  for (const rate of RATES) {
    for (let i = 0; i < RULES; i++) set(i, false);
    await sleep(300);
    const before = arrivals.reduce((a, b) => a + b, 0);
    const failedBefore = failed;
    const cpu0 = cpuMs(eventdPid);
    const total = Math.round((rate * ROUND_MS) / 1000);
    let expected = 0;
    let lastArrival = 0;
    onArrival = (_r, t) => (lastArrival = t);
    const t0 = performance.now();
    let j = 0;
    while (j < total) {
      // publish what is due by now, in 5 ms steps
      const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
      for (; j < due; j++) {
        const fire = j % FIRE_EVERY === 0;
        if (fire) expected++;
        set(j % RULES, fire);
      }
      await sleep(5);
    }
    const sentMs = performance.now() - t0;
    const deadline = performance.now() + 10_000;
    const got = () => arrivals.reduce((a, b) => a + b, 0) - before;
    while (got() < expected && performance.now() < deadline) await sleep(10);
    await sleep(200); // late duplicates would show as more than expected
    onArrival = undefined;
    const cpu = cpuMs(eventdPid) - cpu0;
    rounds.push({
      targetPerSec: rate,
      events: total,
      sentPerSec: round((total / sentMs) * 1000, 0),
      actionsExpected: expected,
      actionsStarted: got(),
      lost: expected - got(),
      actionFailed: failed - failedBefore,
      drainMs: round(Math.max(0, lastArrival - t0 - sentMs), 1),
      eventdCpuPct: round((cpu / (performance.now() - t0)) * 100, 1),
      eventdCpuUsPerEvent: round((cpu * 1000) / total, 1),
    });
  }
  const clean = rounds.filter((r) => r.lost === 0 && r.actionFailed === 0);
  process.stdout.write(
    JSON.stringify({
      rules: RULES,
      loadAverage: loadavg().map((x) => round(x, 1)),
      triggerToAction: { unit: 'ms', ...latency(lat, 3) },
      sustainedPerSec: clean.length ? Math.max(...clean.map((r) => r.sentPerSec)) : 0,
      rounds,
      memory: { atStart: memAtStart, afterFirstTrigger: memLoaded, afterRounds: memory(eventdPid) },
    }) + '\n',
  );
} finally {
  await bus.close(500);
}
