// mqttd against an external mosquitto, on a device booted by dist/launcher.mjs (`--only paramd,boardd,mqttd`):
//   node --import tsx bench/mqtt-bench.ts <root> <mqttdPid> [json options]
// Connects as bus user `audiod` (not running) to produce events, configures mqttd through its socket
// (as the front door would), and measures event → broker delivery latency one event at a time and
// the sustained published rate (paced rounds, QoS 0), beside a bare mqtt.js publisher to the same
// broker in the same run. Prints one JSON document on stdout.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { Bus, EventPublisher, devicePaths, readBusCredentials } from '@belfry/core';
import { FORWARD, httpSocketPath } from '@belfry/core/http';
import { latency, round } from './stats.mjs';

const [root, pidArg, optsJson] = process.argv.slice(2) as [string, string, string | undefined];
const mqttdPid = Number(pidArg);
const opts = JSON.parse(optsJson ?? '{}') as { samples?: number; rates?: number[]; roundMs?: number };
const SAMPLES = opts.samples ?? 1000;
const RATES = opts.rates ?? [2500, 5000, 10_000, 20_000];
const ROUND_MS = opts.roundMs ?? 2000;
const TOPIC = 'tns1:Device/tnsaxis:Bench/Mqtt';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function memory(pid: number) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const mb = (f: string) => round(Number(new RegExp(`^${f}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) / 1024, 1);
  return { rssMB: mb('Rss'), pssMB: mb('Pss'), pssAnonMB: mb('Pss_Anon') };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as import('node:net').AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

const paths = devicePaths(root);
function cgi(path: string, method: string, params?: unknown): Promise<{ data?: Record<string, unknown>; error?: unknown }> {
  const body = JSON.stringify({ apiVersion: '1.0', context: 'bench', method, ...(params ? { params } : {}) });
  return new Promise((resolve, reject) => {
    const r = request({ socketPath: httpSocketPath(paths.run, 'mqttd'), method: 'POST', path, headers: { [FORWARD.role]: 'admin', [FORWARD.via]: 'digest', [FORWARD.user]: 'bench', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    });
    r.on('error', reject);
    r.end(body);
  });
}

/** Sequence numbers as the subscriber receives them, with arrival times. */
function receiver(client: MqttClient, seqOf: (payload: Buffer) => number) {
  const got = { n: 0, waiting: new Map<number, (t: number) => void>() };
  client.on('message', (_t, payload) => {
    const t = performance.now();
    got.n++;
    const seq = seqOf(payload);
    got.waiting.get(seq)?.(t);
    got.waiting.delete(seq);
  });
  return got;
}

async function measure(send: (seq: number) => void, got: ReturnType<typeof receiver>) {
  const lat: number[] = [];
  let seq = 0;
  for (let i = 0; i < SAMPLES + 50; i++) {
    const s = ++seq;
    const arrived = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`event ${s} not delivered within 5 s`)), 5000);
      got.waiting.set(s, (t) => {
        clearTimeout(timer);
        resolve(t);
      });
    });
    const t0 = performance.now();
    send(s);
    const t = await arrived;
    if (i >= 50) lat.push(t - t0); // the first 50 warm up
  }
  const rounds: { rate: number; sent: number; received: number }[] = [];
  for (const rate of RATES) {
    const before = got.n;
    const start = performance.now();
    let sent = 0;
    while (performance.now() - start < ROUND_MS) {
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      for (; sent < due; sent++) send(++seq);
      await sleep(5);
    }
    await sleep(1000);
    rounds.push({ rate, sent, received: got.n - before });
  }
  const sustained = Math.max(0, ...rounds.filter((r) => r.received >= r.sent).map((r) => r.rate));
  return { latencyMs: latency(lat), rounds, sustainedPerSec: sustained };
}

const dir = mkdtempSync(join(tmpdir(), 'belfry-mqtt-bench-'));
const port = await freePort();
writeFileSync(join(dir, 'mosquitto.conf'), [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'max_queued_messages 100000', ...(process.getuid?.() === 0 ? ['user root'] : [])].join('\n') + '\n');
const broker = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
const bus = await Bus.connect({ socketPath: paths.busSocket, credentials: readBusCredentials(paths, 'audiod') });
try {
  await sleep(300);
  const events = new EventPublisher(bus, 'audiod');
  events.declare([{ topic: TOPIC, niceName: 'Bench', stateful: false, source: [], data: [{ name: 'seq', type: 'xsd:int' }] }]);
  // mqttd is not required for systemready: wait until it answers
  for (let i = 0; ; i++) {
    try {
      await cgi('/axis-cgi/mqtt/client.cgi', 'getClientStatus');
      break;
    } catch (err) {
      if (i > 100) throw err;
      await sleep(100);
    }
  }
  const memIdle = memory(mqttdPid);
  await cgi('/axis-cgi/mqtt/client.cgi', 'configureClient', { server: { host: '127.0.0.1', protocol: 'tcp', port }, connectMessage: { useDefault: false }, lastWillTestament: { useDefault: false } });
  await cgi('/axis-cgi/mqtt/event.cgi', 'configureEventPublication', { topicPrefix: 'custom', customTopicPrefix: 'bench', eventFilterList: [{ topicFilter: 'onvif:Device/axis:Bench/Mqtt', qos: 0, retain: 'none' }] });
  await cgi('/axis-cgi/mqtt/client.cgi', 'activateClient');
  for (let i = 0; ((await cgi('/axis-cgi/mqtt/client.cgi', 'getClientStatus')).data?.status as { connectionStatus?: string })?.connectionStatus !== 'connected'; i++) {
    if (i > 100) throw new Error('mqttd did not connect to the bench broker');
    await sleep(100);
  }
  const sub = await mqtt.connectAsync({ host: '127.0.0.1', port, reconnectPeriod: 0 });
  await sub.subscribeAsync('bench/#', { qos: 0 });
  await sub.subscribeAsync('bare/#', { qos: 0 });
  const viaMqttd = receiver(sub, (p) => (p[0] === 0x7b ? Number((JSON.parse(p.toString('utf8')) as { message: { data: { seq: string } } }).message.data.seq) : Number(p.toString())));
  const mqttdFigures = await measure((seq) => events.emit(TOPIC, { data: { seq } }), viaMqttd);
  const memAfter = memory(mqttdPid);
  const bare = await mqtt.connectAsync({ host: '127.0.0.1', port, reconnectPeriod: 0 });
  // the same subscriber answers both (its parser takes either payload)
  const bareFigures = await measure((seq) => bare.publish('bare/x', String(seq), { qos: 0 }), viaMqttd);
  await bare.endAsync();
  await sub.endAsync();
  process.stdout.write(JSON.stringify({ mqttd: mqttdFigures, bare: bareFigures, memory: { idle: memIdle, afterRounds: memAfter } }) + '\n');
} finally {
  await bus.close(200).catch(() => undefined);
  broker.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
