// The httpd benchmark, against a device booted by dist/launcher.mjs (run.mjs boots it):
//   node --import tsx bench/http-bench.ts <root> <httpPort> <httpsPort> <workdir> <pids json> [json options]
// (pids: the device's processes whose CPU time is measured: {"httpd":…,"paramd":…,"broker":…})
// 1. Makes the first admin through pwdgrp.cgi (setup state: no credentials needed).
// 2. Records the device's real answers (401 challenge and 200) to each workload.
// 3. Starts a bare node:https server (bench/http-bare.mjs, same certificate — one the bench imports
//    into certd and selects, device-cert.ts — same V8 flags as httpd)
//    that verifies the same Digest answers (HA1 from a map, MD5 response, signed nonce, nc replays)
//    and answers those recorded bytes; checks that it refuses a wrong password and a replay.
// 4. Runs the load generator (bench/http-load.mjs, its own process) against each in short windows,
//    per workload `rounds` pairs in the order bare, device, device, bare, bare, device, …: this
//    machine's speed drifts by tens of percent over seconds (a shared VM), so one long window per
//    side compared two different machines; the ratio is the median of each pair's (adjacent windows).
//    Requests/s, CPU per answer and latencies are over all of a side's windows together.
// CPU time of every process involved (servers from /proc, the client its own) is taken over each
// measuring window: on 2 cores the load generator and the servers compete, and these say which one
// was the bottleneck; divided by the answers, it is what one answer costs each server. httpd's PSS
// is read after the load. Prints one JSON document on stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { devicePaths, nodeFlags } from '@belfry/core';
import { latency, median, round } from './stats.mjs';
import { installDeviceCert } from './device-cert.js';

const BENCH = dirname(fileURLToPath(import.meta.url));
const [root, httpPortArg, httpsPortArg, workdir, pidsJson, optsJson] = process.argv.slice(2) as [string, string, string, string, string, string | undefined];
const devicePids = JSON.parse(pidsJson) as Record<string, number>;
const opts = JSON.parse(optsJson ?? '{}') as { connections?: number; warmupMs?: number; durationMs?: number; rounds?: number };
const CONNECTIONS = opts.connections ?? 20;
/** of each window (a new load process: new connections) */
const WARMUP_MS = opts.warmupMs ?? 500;
const DURATION_MS = opts.durationMs ?? 2500;
/** httpd's memory is read this long after its last window of load */
const PSS_AFTER_LOAD_MS = 6000;
/** bare/device pairs of windows per workload */
const ROUNDS = opts.rounds ?? 4;
const httpPort = Number(httpPortArg);
const httpsPort = Number(httpsPortArg);
const USER = 'root';
const PASSWORD = 'bench-pass-1';

interface Workload {
  id: 'paramList' | 'bdi';
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  contentType?: string;
}
const WORKLOADS: Workload[] = [
  { id: 'paramList', method: 'GET', path: '/axis-cgi/param.cgi?action=list' },
  { id: 'bdi', method: 'POST', path: '/axis-cgi/basicdeviceinfo.cgi', body: '{"apiVersion":"1.3","context":"bench","method":"getAllProperties"}', contentType: 'application/json' },
];

interface Recorded {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const agent = new Agent({ rejectUnauthorized: false, keepAlive: false });

function fetchOnce(https: boolean, method: string, path: string, headers: Record<string, string>, body?: string, port = https ? httpsPort : httpPort): Promise<Recorded> {
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      { host: '127.0.0.1', port, method, path, headers: { ...headers, ...(body ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}) }, agent: https ? agent : undefined },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          // the headers of the answer, less those Node writes by itself
          const h: Record<string, string> = {};
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            const k = res.rawHeaders[i]!;
            if (!/^(date|connection|keep-alive|transfer-encoding|content-length)$/i.test(k)) h[k] = res.rawHeaders[i + 1]!;
          }
          resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks) });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** The realm and nonce of a 401's Digest challenge. */
function challengeOf(w: Workload, r: Recorded): { realm: string; nonce: string } {
  const ch = r.headers['WWW-Authenticate'] ?? r.headers['www-authenticate'] ?? '';
  const nonce = /nonce="([^"]*)"/.exec(ch)?.[1];
  const realm = /realm="([^"]*)"/.exec(ch)?.[1];
  if (r.status !== 401 || !nonce || !realm) throw new Error(`${w.id}: expected a Digest challenge, got ${r.status}`);
  return { realm, nonce };
}

function digestHeader(w: Workload, realm: string, nonce: string, password: string, nc = '00000001'): string {
  const cnonce = 'b3c4e5f6a7b8c9d0';
  const response = md5(`${md5(`${USER}:${realm}:${password}`)}:${nonce}:${nc}:${cnonce}:auth:${md5(`${w.method}:${w.path}`)}`);
  return `Digest username="${USER}", realm="${realm}", nonce="${nonce}", uri="${w.path}", response="${response}", algorithm="MD5", qop="auth", nc=${nc}, cnonce="${cnonce}"`;
}

const baseHeaders = (w: Workload): Record<string, string> => (w.contentType ? { 'Content-Type': w.contentType } : {});

/** The device's 401 and then its authenticated answer to `w`. */
async function record(w: Workload): Promise<{ challenge: Recorded; ok: Recorded; realm: string }> {
  const challenge = await fetchOnce(true, w.method, w.path, baseHeaders(w), w.body);
  const { realm, nonce } = challengeOf(w, challenge);
  const ok = await fetchOnce(true, w.method, w.path, { ...baseHeaders(w), Authorization: digestHeader(w, realm, nonce, PASSWORD) }, w.body);
  if (ok.status !== 200) throw new Error(`${w.id}: ${ok.status} with credentials: ${ok.body.toString().slice(0, 200)}`);
  return { challenge, ok, realm };
}

/**
 * The bare server must check what httpd checks, or the ratio compares httpd with a server that skips
 * the work: a wrong password and a replayed `nc` get the 401, a right answer the recorded bytes.
 */
async function checkBare(port: number, w: Workload, expect: Recorded): Promise<void> {
  const fetchBare = (auth?: string) => fetchOnce(true, w.method, w.path, { ...baseHeaders(w), ...(auth ? { Authorization: auth } : {}) }, w.body, port);
  const { realm, nonce } = challengeOf(w, await fetchBare());
  const wrong = await fetchBare(digestHeader(w, realm, nonce, PASSWORD + 'x'));
  const good = await fetchBare(digestHeader(w, realm, nonce, PASSWORD));
  const replay = await fetchBare(digestHeader(w, realm, nonce, PASSWORD));
  if (wrong.status !== 401 || good.status !== 200 || !good.body.equals(expect.body) || replay.status !== 401) {
    throw new Error(`bare server does not check Digest like httpd: wrong password ${wrong.status}, right ${good.status}, replay ${replay.status}`);
  }
}

/** A `<field>:` of /proc/<pid>/smaps_rollup (`Pss`: proportional set size; `Pss_Anon`: its own part), MB. */
function pssMB(pid: number, field = 'Pss'): number | null {
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1];
  return kb === undefined ? null : round(Number(kb) / 1024, 1);
}

/** httpd's V8 heap figures: SIGUSR2 makes it write them to <run>/httpd/memory.json (memory-report.ts). */
async function httpdHeap(pid: number): Promise<Record<string, unknown> | null> {
  const file = join(devicePaths(root).run, 'httpd', 'memory.json');
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 50));
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      /* not written yet */
    }
  }
  return null;
}

function spawnNode(args: string[]): ChildProcess {
  return spawn(process.execPath, args, { cwd: join(BENCH, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
}

const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s

/** CPU time (s) a process has used so far, all its threads. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

/**
 * Samples the CPU time of `pids` when the load generator says `measuring` and `stopped`: per process
 * the CPU seconds used in that window and the same as % of one core.
 */
function cpuWindow(child: ChildProcess, pids: Record<string, number>): () => { pct: Record<string, number>; cpuS: Record<string, number> } {
  let start: Record<string, number> | undefined;
  let startT = 0;
  const result = { pct: {} as Record<string, number>, cpuS: {} as Record<string, number> };
  const sample = () => Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  let buf = '';
  child.stdout!.on('data', (d: string) => {
    buf += d;
    if (!start && buf.includes('measuring\n')) {
      start = sample();
      startT = performance.now();
    } else if (start && buf.includes('stopped\n') && !Object.keys(result.pct).length) {
      const end = sample();
      const seconds = (performance.now() - startT) / 1000;
      for (const k of Object.keys(pids)) {
        result.cpuS[k] = end[k]! - start[k]!;
        result.pct[k] = round((result.cpuS[k] / seconds) * 100, 0) as number;
      }
    }
  });
  return () => result;
}

/** Runs a child to its end and parses the JSON line it printed last. */
function runJson(child: ChildProcess, timeoutMs: number, what: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => (out += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what}: no result within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(last) as Record<string, unknown>);
      } catch (err) {
        reject(new Error(`${what}: ${(err as Error).message}: ${last.slice(0, 300)}`));
      }
    });
  });
}

type Window = Record<string, unknown> & { answered: number; rps: number; seconds: number; samples: number[]; cpuS: Record<string, number>; cpuPct: Record<string, number> };

/** One window of load: the load generator's figures, and each process's CPU seconds and % in it. */
async function load(port: number, w: Workload, expectLength: number, pids: Record<string, number>): Promise<Window> {
  const o = { port, method: w.method, path: w.path, body: w.body, contentType: w.contentType, user: USER, password: PASSWORD, connections: CONNECTIONS, warmupMs: WARMUP_MS, durationMs: DURATION_MS, expectLength, samples: true };
  const child = spawnNode([join(BENCH, 'http-load.mjs'), JSON.stringify(o)]);
  const cpu = cpuWindow(child, pids);
  const r = await runJson(child, WARMUP_MS + DURATION_MS + 20_000, `load ${w.id}`);
  const { pct, cpuS } = cpu();
  const cpuPct = { ...pct, client: r.cpuPct as number };
  delete r.cpuPct;
  return { ...(r as Window), cpuPct, cpuS };
}

/** One side's windows as one measurement: totals over all of them, latencies of every answer. */
function merge(ws: Window[]): Record<string, unknown> {
  const sum = (f: (w: Window) => number) => ws.reduce((a, w) => a + f(w), 0);
  const answered = sum((w) => w.answered);
  const cpuS: Record<string, number> = {};
  for (const w of ws) for (const [k, v] of Object.entries(w.cpuS)) cpuS[k] = (cpuS[k] ?? 0) + v;
  // server CPU per answer (utime + stime in the windows ÷ answers): what one answer costs each
  // server, whoever was the bottleneck
  const perAnswer = (s: number) => round((s * 1e6) / answered, 1);
  const cpuPct = Object.fromEntries(Object.keys(ws[0]!.cpuPct).map((k) => [k, round(sum((w) => w.cpuPct[k]!) / ws.length, 0)]));
  const count = (k: string) => sum((w) => Number(w[k] ?? 0));
  return {
    windows: ws.length,
    seconds: round(sum((w) => w.seconds), 3),
    answered,
    rps: round(answered / sum((w) => w.seconds), 0),
    windowRps: ws.map((w) => w.rps),
    latencyMs: latency(ws.flatMap((w) => w.samples), 3),
    cpuPct,
    cpuUsPerAnswer: Object.fromEntries(Object.entries(cpuS).map(([k, v]) => [k, perAnswer(v)])),
    serverCpuUsPerRequest: perAnswer(Object.values(cpuS).reduce((a, b) => a + b, 0)),
    challenges: count('challenges'),
    unexpected: count('unexpected'),
    wrongLength: count('wrongLength'),
    errorCount: count('errorCount'),
  };
}

let bare: ChildProcess | undefined;
const bareConfig = join(workdir, 'bare.json');
try {
  // 1. the first admin
  const add = await fetchOnce(false, 'GET', `/axis-cgi/pwdgrp.cgi?action=add&user=${USER}&pwd=${PASSWORD}&grp=users&sgrp=viewer:operator:admin:ptz`, {});
  if (!add.body.toString().includes(`Created account ${USER}.`)) throw new Error(`could not create the admin: ${add.status} ${add.body.toString().slice(0, 200)}`);

  // 2. the certificate both servers use (a key of the bench's making, imported into certd and
  // selected: certd lets no key out), then the device's answers (after it: the param list names it)
  const tls = await installDeviceCert({ httpPort, httpsPort, user: USER, password: PASSWORD, workdir, alias: 'bench-http', type: 'ec' });
  const recorded = new Map<string, { challenge: Recorded; ok: Recorded; realm: string }>();
  for (const w of WORKLOADS) recorded.set(w.id, await record(w));

  // 3. the bare server, with the same certificate and httpd's V8 flags
  const enc = (r: Recorded) => ({ status: r.status, headers: r.headers, body: r.body.toString('base64') });
  const answers = Object.fromEntries(WORKLOADS.map((w) => [`${w.method} ${w.path}`, { challenge: enc(recorded.get(w.id)!.challenge), ok: enc(recorded.get(w.id)!.ok) }]));
  const realm = recorded.get(WORKLOADS[0]!.id)!.realm;
  const users = { [USER]: md5(`${USER}:${realm}:${PASSWORD}`) };
  writeFileSync(bareConfig, JSON.stringify({ key: tls.key, cert: tls.cert, realm, users, answers }), { mode: 0o600 });
  const flags = nodeFlags(['httpd']);
  bare = spawnNode([...flags, join(BENCH, 'http-bare.mjs'), bareConfig]);
  const barePort = await new Promise<number>((resolve, reject) => {
    let out = '';
    bare!.stdout!.setEncoding('utf8');
    bare!.stdout!.on('data', (d: string) => {
      out += d;
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    bare!.once('exit', (code) => reject(new Error(`bare server exited (${code})`)));
  });
  for (const w of WORKLOADS) await checkBare(barePort, w, recorded.get(w.id)!.ok);

  // 4. load: per workload, pairs of windows bare, device, device, bare, …
  const result: Record<string, unknown> = {
    connections: CONNECTIONS,
    warmupMs: WARMUP_MS,
    durationMs: DURATION_MS,
    rounds: ROUNDS,
    nodeFlags: flags,
    responseBytes: Object.fromEntries(WORKLOADS.map((w) => [w.id, recorded.get(w.id)!.ok.body.length])),
  };
  let lastDeviceLoadAt = performance.now();
  for (const w of WORKLOADS) {
    const sides: Record<'bare' | 'device', Window[]> = { bare: [], device: [] };
    const pairRatios: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const order: ('bare' | 'device')[] = i % 2 === 0 ? ['bare', 'device'] : ['device', 'bare'];
      for (const target of order) {
        sides[target].push(await load(target === 'bare' ? barePort : httpsPort, w, recorded.get(w.id)!.ok.body.length, target === 'bare' ? { bare: bare.pid! } : devicePids));
        if (target === 'device') lastDeviceLoadAt = performance.now();
      }
      pairRatios.push(round(sides.device[i]!.rps / sides.bare[i]!.rps, 3));
    }
    const device = merge(sides.device);
    const bareSide = merge(sides.bare);
    for (const [target, m] of [['device', device], ['bare', bareSide]] as const) {
      const l = m.latencyMs as { p50: number; p99: number };
      process.stderr.write(`  http ${w.id} ${target}: ${m.rps} requests/s (windows ${JSON.stringify(m.windowRps)}), p50 ${l.p50} ms, p99 ${l.p99} ms, CPU % ${JSON.stringify(m.cpuPct)}${m.unexpected || m.wrongLength || m.errorCount ? ` (unexpected ${m.unexpected}, wrong length ${m.wrongLength}, errors ${m.errorCount})` : ''}\n`);
    }
    result[w.id] = { device, bare: bareSide, pairRatios, ratio: median(pairRatios) };
  }
  // after the load: what httpd holds once it has served it (the bare server for comparison), read
  // PSS_AFTER_LOAD_MS after httpd's last window (its idle trim done, as webui.httpd.pssAfterUse)
  await new Promise((r) => setTimeout(r, Math.max(0, lastDeviceLoadAt + PSS_AFTER_LOAD_MS - performance.now())));
  result.memory = { httpdPssMB: pssMB(devicePids.httpd!), httpdPssAnonMB: pssMB(devicePids.httpd!, 'Pss_Anon'), barePssMB: pssMB(bare.pid!), httpdHeap: await httpdHeap(devicePids.httpd!) };
  result.bareChecksDigest = true;
  process.stdout.write(JSON.stringify(result) + '\n');
} finally {
  bare?.kill('SIGKILL');
  rmSync(bareConfig, { force: true });
}
process.exit(0);
