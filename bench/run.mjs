// `make bench`: Belfry's benchmarks. One JSON document on stdout (also written to
// bench/results.json), a human summary on stderr. Benchmarks measure; nothing here asserts a target,
// and the exit code is 0 unless a benchmark could not run. See bench/README.md for each figure.
//
// Everything runs on loopback and Unix sockets in one temporary folder. Every process this starts
// is the leader of its own process group (launcher + broker + daemons, or a helper + its broker and
// peers), so cleanup kills whole groups, also after a failure or Ctrl-C; the folder is removed last.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, round } from './stats.mjs';
import { idleBench, idleFigures } from './idle-bench.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const REPO = join(BENCH, '..');
const LAUNCHER = join(REPO, 'dist/launcher.mjs');
const BOOT_RUNS = Number(process.env.BENCH_BOOT_RUNS ?? 5);
const IDLE_MS = 3000;
/**
 * The process layouts boot and memory are measured in, as launcher arguments. `separate` is the
 * launcher's default today (one process per daemon). When the launcher takes `--layout
 * default|together|separate`, these become `default: []`, `separate: ['--layout', 'separate']`, …;
 * the figures are named after the keys.
 */
// launcher arguments per layout (docs: launcher --help); the first is the one the other sections run
const ALL_LAYOUTS = { default: [], together: ['--together'], separate: ['--layout', 'separate'] };
// `BENCH_LAYOUTS=separate` measures boot, memory and idle in fewer layouts (default always: the
// other sections run on it)
const LAYOUTS = Object.fromEntries(Object.entries(ALL_LAYOUTS).filter(([k]) => k === 'default' || !process.env.BENCH_LAYOUTS || process.env.BENCH_LAYOUTS.split(',').includes(k)));
const t0 = performance.now();

// ---------------------------------------------------------------- process groups and cleanup

const tmp = mkdtempSync(join(tmpdir(), 'belfry-bench-'));
/** leaders of process groups that may still have members */
const groups = new Set();

function killGroup(pgid, signal = 'SIGKILL') {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone */
  }
}

function cleanupSync() {
  for (const g of groups) killGroup(g);
  groups.clear();
  rmSync(tmp, { recursive: true, force: true });
}
process.on('exit', cleanupSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    process.stderr.write(`bench: ${sig}, cleaning up\n`);
    cleanupSync();
    process.exit(130);
  });
}

/** Live (non-zombie) processes of a process group, from /proc. */
function groupMembers(pgid) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid && f[0] !== 'Z') out.push(Number(d));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

function pgidOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return -1;
  }
}

/** After a group's leader exited: kills whatever it left behind and says how many that were. */
function reapGroup(pgid) {
  const left = groupMembers(pgid);
  if (left.length) killGroup(pgid);
  groups.delete(pgid);
  return left.length;
}

const env = { ...process.env };
delete env.BENCH_PORT; // boardd's bench API: let each device pick a free port

/** Spawns `args` as the leader of a new process group, stdout and stderr piped. */
function spawnGroup(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, ...opts.env } });
  groups.add(child.pid);
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return child;
}

/** Calls `onLine` for each stdout/stderr line; keeps the last lines for error messages. */
function watchLines(child, onLine, { forwardStderr = false } = {}) {
  const tail = [];
  for (const [name, stream] of [
    ['stdout', child.stdout],
    ['stderr', child.stderr],
  ]) {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        tail.push(line);
        if (tail.length > 40) tail.shift();
        onLine?.(name, line);
        // mosquitto's start-up warning about running as root is noise here
        if (name === 'stderr' && forwardStderr && !/Mosquitto should not be run as root/.test(line)) process.stderr.write(line + '\n');
      }
    });
  }
  return tail;
}

async function withTimeout(promise, ms, what) {
  let timer;
  try {
    return await Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms / 1000} s`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs a TypeScript helper (`node --import tsx bench/<file> …`) and parses the JSON it prints last. */
async function helper(file, args, timeoutMs) {
  const child = spawnGroup(process.execPath, ['--import', 'tsx', join(BENCH, file), ...args], { env: { BELFRY_LOG_LEVEL: 'warn' } });
  let last = '';
  const tail = watchLines(
    child,
    (name, line) => {
      if (name === 'stdout' && line.trim()) last = line;
    },
    { forwardStderr: true },
  );
  try {
    const { code, signal } = await withTimeout(child.exited, timeoutMs, file);
    reapGroup(child.pid);
    if (code !== 0) throw new Error(`${file} exited (${signal ?? code}): ${tail.slice(-8).join(' | ')}`);
    return JSON.parse(last);
  } finally {
    if (groups.has(child.pid)) {
      killGroup(child.pid);
      groups.delete(child.pid);
    }
  }
}

// ---------------------------------------------------------------- a device booted by the launcher

/** `n` TCP ports free on 127.0.0.1 now: each device gets its own HTTP and HTTPS ports. */
async function freePorts(n) {
  const { createServer } = await import('node:net');
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/**
 * Boots one simulated device: wall time from spawning the launcher to its `belfry: systemready`
 * line. `during(status)` runs while the device is up; then SIGTERM to the launcher and wait.
 */
async function bootDevice(root, layoutArgs, during, extraEnv = {}) {
  // the RTSP port too: the idle section runs thirteen devices at once
  const [httpPort, httpsPort, rtspPort] = await freePorts(3);
  const start = performance.now();
  const child = spawnGroup(process.execPath, [LAUNCHER, '--root', root, ...layoutArgs], { env: { HTTP_PORT: String(httpPort), HTTPS_PORT: String(httpsPort), RTSP_PORT: String(rtspPort), ...extraEnv } });
  let onReady;
  const ready = new Promise((resolve) => (onReady = resolve));
  const tail = watchLines(child, (name, line) => {
    const m = name === 'stdout' && /^belfry: systemready (\{.*\})$/.exec(line);
    if (m) onReady({ ms: performance.now() - start, status: JSON.parse(m[1]) });
  });
  try {
    const first = await withTimeout(
      Promise.race([ready, child.exited.then(({ code, signal }) => Promise.reject(new Error(`launcher exited (${signal ?? code}) before systemready`)))]),
      20_000,
      'launcher systemready',
    );
    const extra = during ? await during({ ...first.status, launcher: child.pid, httpPort, httpsPort }) : undefined;
    const stopT = performance.now();
    child.kill('SIGTERM');
    const exit = await withTimeout(child.exited, 15_000, 'launcher stop');
    const stopMs = performance.now() - stopT;
    const leftovers = reapGroup(child.pid);
    return { ms: first.ms, readyMs: first.status.readyMs, stopMs, exit: exit.signal ?? exit.code, leftovers, extra };
  } catch (err) {
    err.message += ` (launcher output: ${tail.slice(-8).join(' | ')})`;
    throw err;
  } finally {
    if (groups.has(child.pid)) {
      killGroup(child.pid);
      groups.delete(child.pid);
    }
  }
}

function smapsRollup(pid) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  const mb = (field) => round(kb(field) / 1024, 1);
  // Pss_Anon is the process's own memory (heaps); Pss_File its share of code mapped by several processes
  return { rssMB: mb('Rss'), pssMB: mb('Pss'), pssAnonMB: mb('Pss_Anon'), pssFileMB: mb('Pss_File'), pssShmemMB: mb('Pss_Shmem') };
}

async function bootBench() {
  const out = {};
  for (const [mode, layoutArgs] of Object.entries(LAYOUTS)) {
    const warmRoot = join(tmp, `warm-${mode}`);
    // the first boot on the warm root makes its credentials, factory data and parameter store
    const prime = await bootDevice(warmRoot, layoutArgs);
    const runs = { fresh: [], warm: [] };
    let leftovers = prime.leftovers;
    for (let i = 0; i < BOOT_RUNS; i++) {
      const freshRoot = join(tmp, `fresh-${mode}-${i}`);
      const f = await bootDevice(freshRoot, layoutArgs);
      rmSync(freshRoot, { recursive: true, force: true });
      const w = await bootDevice(warmRoot, layoutArgs);
      runs.fresh.push(f);
      runs.warm.push(w);
      leftovers += f.leftovers + w.leftovers;
    }
    out[mode] = {};
    for (const kind of ['fresh', 'warm']) {
      const ms = runs[kind].map((r) => r.ms);
      out[mode][kind] = {
        runs: ms.length,
        medianMs: round(median(ms), 0),
        maxMs: round(Math.max(...ms), 0),
        samplesMs: ms.map((x) => round(x, 0)),
        launcherReadyMs: runs[kind].map((r) => r.readyMs),
        stopMedianMs: round(median(runs[kind].map((r) => r.stopMs)), 0),
      };
    }
    out[mode].leftoverProcessesAfterStop = leftovers;
    process.stderr.write(`  boot ${mode}: fresh median ${out[mode].fresh.medianMs} ms, warm median ${out[mode].warm.medianMs} ms\n`);
  }
  return out;
}

/** Resident kB of each file a process maps (all its mappings of that file together), from smaps. */
function fileRss(pid) {
  const out = new Map();
  let file;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) file = head[1].startsWith('/') ? head[1] : undefined;
    else if (file && line.startsWith('Rss:')) out.set(file, (out.get(file) ?? 0) + Number(/(\d+) kB/.exec(line)[1]));
  }
  return out;
}

/**
 * The whole device: every live process of the launcher's process group (the launcher, mosquitto,
 * the daemon hosts and whatever they started). `pssMB` sums their PSS; but PSS also shares the
 * `node` binary's pages with Node processes outside the device (the bench itself, anything else on
 * the machine), so it shrinks when more run. `aloneMB` does not: their own memory (anonymous and
 * shmem PSS) plus each mapped file's pages once (the largest resident part any of them maps) — what
 * the device would take on a machine of its own.
 */
function deviceMemory(status) {
  const known = new Map([[status.launcher, 'launcher'], [status.broker, 'broker']]);
  for (const [daemon, pid] of Object.entries(status.pids)) known.set(pid, known.has(pid) ? `${known.get(pid)},${daemon}` : daemon);
  const processes = [];
  // the broker runs in a process group of its own (detached, so it dies with the launcher through
  // its wrapper, daemons/core/src/broker-process.ts): its group is the device's too
  const members = new Set([...groupMembers(status.launcher), ...(status.broker ? groupMembers(pgidOf(status.broker)) : [])]);
  for (const pid of members) {
    try {
      processes.push({ pid, what: known.get(pid) ?? 'other', ...smapsRollup(pid) });
    } catch {
      /* gone meanwhile */
    }
  }
  const sum = (field, list = processes) => round(list.reduce((a, p) => a + p[field], 0), 1);
  const noLauncher = processes.filter((p) => p.pid !== status.launcher);
  const alone = (list) => {
    const files = new Map();
    for (const p of list) {
      try {
        for (const [f, kb] of fileRss(p.pid)) files.set(f, Math.max(files.get(f) ?? 0, kb));
      } catch {
        /* gone meanwhile */
      }
    }
    const fileMB = [...files.values()].reduce((a, b) => a + b, 0) / 1024;
    return round(list.reduce((a, p) => a + p.pssAnonMB + p.pssShmemMB, 0) + fileMB, 1);
  };
  return {
    processes: processes.length,
    pssMB: sum('pssMB'),
    rssMB: sum('rssMB'),
    pssAnonMB: sum('pssAnonMB'),
    withoutLauncherPssMB: sum('pssMB', noLauncher),
    aloneMB: alone(processes),
    withoutLauncherAloneMB: alone(noLauncher),
    each: processes,
  };
}

/**
 * httpd's V8 heap figures: SIGUSR2 makes it write them to <run>/httpd/memory.json
 * (daemons/httpd/src/memory-report.ts); undefined if none came within a second.
 */
async function httpdHeap(root, pid) {
  const file = join(root, 'run/belfry/httpd/memory.json');
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 20; i++) {
    await sleep(50);
    try {
      const m = JSON.parse(readFileSync(file, 'utf8'));
      return { heapUsedMB: m.heapUsedMB, heapCommittedMB: m.heapCommittedMB, spaces: m.spaces, externalMB: m.externalMB, trims: m.trims };
    } catch {
      /* not written yet */
    }
  }
  return undefined;
}

/**
 * Memory of an idle device (IDLE_MS after systemready) on a warm root, from smaps_rollup. With
 * `alsoParams`, the parameter benchmark then runs against this device's paramd.
 */
/** The daemons of the platform issue's day, whose whole-device memory target is ≤ 100 MB. */
const ISSUE8_DAEMONS = ['paramd', 'boardd', 'httpd', 'audiod'];

async function memoryBench(mode, alsoParams, only) {
  const root = join(tmp, `warm-${mode}${only ? '-only' : ''}`);
  const args = only ? [...LAYOUTS[mode], '--only', only.join(',')] : LAYOUTS[mode];
  // run without the boot section (BENCH_ONLY=memory): boot once first, so this is a warm root as
  // a device has after its first boot (its certificate made: httpd then never loads x509)
  if (!existsSync(root)) await bootDevice(root, args);
  let params;
  const r = await bootDevice(root, args, async (status) => {
    await sleep(IDLE_MS);
    // three readings 300 ms apart, the median device one kept (with its per-process figures): one
    // reading can land inside a full GC, whose evacuation holds old and new pages for ~100 ms
    const readings = [];
    for (let i = 0; i < 3; i++) {
      if (i > 0) await sleep(300);
      readings.push(idleReading(status));
    }
    const byDevice = readings.sort((a, b) => a.device.withoutLauncherAloneMB - b.device.withoutLauncherAloneMB);
    const mem = { ...byDevice[1], devicePerReading: byDevice.map((x) => x.device.withoutLauncherAloneMB) };
    // after smaps: the report itself allocates a little
    if (status.pids.httpd) mem.httpdHeap = await httpdHeap(root, status.pids.httpd);
    if (alsoParams) params = await helper('params-bench.ts', [root], 90_000);
    return mem;
  });
  return { memory: r.extra, params };
}

/** One reading of an idle device's memory (smaps of every process). */
function idleReading(status) {
  const byPid = new Map();
  for (const [daemon, pid] of Object.entries(status.pids)) byPid.set(pid, [...(byPid.get(pid) ?? []), daemon]);
  const processes = [...byPid].map(([pid, daemons]) => ({ daemons, pid, ...smapsRollup(pid) }));
  const daemonCount = Object.keys(status.pids).length;
  const mem = {
    idleMsAfterSystemready: IDLE_MS,
    processes,
    perDaemon: Object.fromEntries(
      processes.flatMap((p) =>
        p.daemons.map((d) => [
          d,
          {
            pssMB: round(p.pssMB / p.daemons.length, 1),
            rssMB: round(p.rssMB / p.daemons.length, 1),
            pssAnonMB: round(p.pssAnonMB / p.daemons.length, 1),
            sharedProcess: p.daemons.length > 1,
          },
        ]),
      ),
    ),
    daemonsTotal: {
      daemons: daemonCount,
      rssMB: round(processes.reduce((a, p) => a + p.rssMB, 0), 1),
      pssMB: round(processes.reduce((a, p) => a + p.pssMB, 0), 1),
      pssAnonMB: round(processes.reduce((a, p) => a + p.pssAnonMB, 0), 1),
    },
    broker: { pid: status.broker, ...smapsRollup(status.broker) },
    launcher: { pid: status.launcher, ...smapsRollup(status.launcher) },
    device: deviceMemory(status),
  };
  return mem;
}

// ---------------------------------------------------------------- run everything

const results = { machine: machine(), figures: [], details: {}, errors: [] };

function machine() {
  let mosquitto = 'unknown';
  try {
    mosquitto = /mosquitto version (\S+)/.exec(execFileSync(process.env.MOSQUITTO ?? 'mosquitto', ['-h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }))?.[1] ?? mosquitto;
  } catch (err) {
    mosquitto = /mosquitto version (\S+)/.exec(String(err.stdout ?? ''))?.[1] ?? mosquitto;
  }
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model, memMB: Math.round(totalmem() / 2 ** 20), kernel: release(), node: process.version, mosquitto, date: new Date().toISOString() };
}

/** `BENCH_ONLY=http,rpc` runs only those sections (while working on one benchmark). */
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;

async function section(name, fn) {
  if (ONLY && !ONLY.has(name)) return;
  const s = performance.now();
  process.stderr.write(`bench: ${name}…\n`);
  try {
    results.details[name] = await fn();
  } catch (err) {
    results.details[name] = { error: err.message };
    results.errors.push({ section: name, error: err.message });
    process.stderr.write(`bench: ${name} FAILED: ${err.message}\n`);
  }
  process.stderr.write(`bench: ${name} took ${((performance.now() - s) / 1000).toFixed(1)} s\n`);
}

if (!existsSync(LAUNCHER)) {
  process.stderr.write('bench: dist/ missing, building\n');
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: ['ignore', 2, 2] });
}

await section('boot', bootBench);
await section('memory', async () => {
  const out = {};
  for (const mode of Object.keys(LAYOUTS)) {
    // the parameter benchmark runs against the first layout's paramd
    const m = await memoryBench(mode, mode === Object.keys(LAYOUTS)[0]);
    if (m.params) results.details.params = m.params;
    out[mode] = m.memory;
    process.stderr.write(`  memory ${mode}: whole device ${m.memory.device.pssMB} MB PSS (${m.memory.device.aloneMB} MB alone) in ${m.memory.device.processes} processes\n`);
  }
  // issue 8's target is for the daemons of its day (the platform, httpd, audiod): the same device
  // with only those, beside the whole one
  out.issue8 = (await memoryBench('default', false, ISSUE8_DAEMONS)).memory;
  return out;
});
// idle cost: one device per layout and 10 more --together, side by side, measured from /proc
await section('idle', () =>
  idleBench({ bootDevice, layouts: LAYOUTS, tmp, measureMs: Number(process.env.BENCH_IDLE_MS ?? 30_000), settleMs: Number(process.env.BENCH_IDLE_SETTLE_MS ?? 20_000), together: Number(process.env.BENCH_IDLE_TOGETHER ?? 10) }),
);
mkdirSync(join(tmp, 'bus'), { recursive: true });
await section('rpc', () => helper('bus-bench.ts', ['rpc', mkdtempSync(join(tmp, 'bus/rpc-')), JSON.stringify({ calls: 5000, warmup: 200, rounds: 4 })], 120_000));
await section('events', () => helper('bus-bench.ts', ['events', mkdtempSync(join(tmp, 'bus/ev-')), JSON.stringify({ events: 50_000, subscribers: 5, batch: 500, rounds: 3 })], 120_000));
// httpd under load: a fresh device (separate processes), its first admin made by the helper
await section('http', async () => {
  const root = join(tmp, 'http');
  const r = await bootDevice(root, LAYOUTS.default, (status) => {
    const pids = { httpd: status.pids.httpd, paramd: status.pids.paramd, broker: status.broker };
    return helper('http-bench.ts', [root, String(status.httpPort), String(status.httpsPort), mkdtempSync(join(tmp, 'http-work-')), JSON.stringify(pids), JSON.stringify({ connections: 20, warmupMs: 500, durationMs: 2500, rounds: 4 })], 150_000);
  });
  return r.extra;
});

// audiod: clip start, transmit latency, one speaker test on a fresh device; then the speaker test's
// detection quality offline over seeded rooms (the same DSP and room model, faster than real time)
await section('audio', async () => {
  const root = join(tmp, 'audio');
  const r = await bootDevice(root, LAYOUTS.default, (status) => helper('audio-bench.ts', [root, String(status.httpPort), JSON.stringify({ plays: 60, bursts: 12, audiodPid: status.pids.audiod, httpdPid: status.pids.httpd })], 120_000));
  return r.extra;
});
// a SIP call's media: RTP in → the simulated speaker (in-process device; the helper plays sipd and the phone)
await section('sipmedia', () => helper('sip-media-bench.ts', [JSON.stringify({ bursts: 20 })], 120_000));
// sipd's signalling: INVITE → 200 OK, one call at a time, RTP sessions at the real audiod (in-process device)
await section('sip', () => helper('sip-bench.ts', [JSON.stringify({ calls: 60 })], 120_000));
await section('speakertest', () => helper('speaker-test-eval.ts', [JSON.stringify({ perClass: 200 })], 300_000));
// eventd's rule engine with 256 rules (written before the boot); the helper stands in for audiod
await section('eventd', async () => {
  const root = join(tmp, 'eventd');
  await helper('eventd-bench.ts', ['prepare', root], 30_000);
  const r = await bootDevice(root, [...LAYOUTS.default, '--only', 'paramd,boardd,eventd'], (status) => helper('eventd-bench.ts', ['run', root, String(status.pids.eventd), JSON.stringify({ triggers: 500, rates: [2500, 5000, 10_000, 20_000], roundMs: 2000 })], 120_000));
  return r.extra;
});

// mqttd: event → external broker latency and sustained rate, beside a bare mqtt.js publisher
await section('mqtt', async () => {
  const root = join(tmp, 'mqtt');
  const r = await bootDevice(root, [...LAYOUTS.default, '--only', 'paramd,boardd,mqttd'], (status) => helper('mqtt-bench.ts', [root, String(status.pids.mqttd), JSON.stringify({ samples: 1000, rates: [2500, 5000, 10_000, 20_000], roundMs: 2000 })], 120_000));
  return r.extra;
});

// the web UI: what it ships, first load to interactive in headless Chromium, httpd after use
await section('webui', async () => {
  const r = await bootDevice(join(tmp, 'webui'), LAYOUTS.default, (status) => helper('webui-bench.ts', [String(status.httpPort), String(status.pids.httpd), JSON.stringify({ runs: 5 })], 120_000));
  return r.extra;
});

// discoveryd: probe → match latency with no answer delay, a probe flood, its memory (loopback)
await section('discovery', async () => {
  const [wsd, ssdp, mdns] = await freePorts(3);
  const env = { BELFRY_DISCOVERY_IFACES: 'lo', BELFRY_WSD_PORT: String(wsd), BELFRY_SSDP_PORT: String(ssdp), BELFRY_MDNS_PORT: String(mdns), BELFRY_DISCOVERY_REPLY_DELAY_MS: '0' };
  const r = await bootDevice(join(tmp, 'discovery'), [...LAYOUTS.default, '--only', 'paramd,boardd,httpd,discoveryd'], (status) => helper('discovery-bench.ts', [String(wsd), String(ssdp), String(status.pids.discoveryd), JSON.stringify({ probes: 40 })], 90_000), env);
  return r.extra;
});

// ONVIF: GetDeviceInformation with WS-Security beside VAPIX basicdeviceinfo, 20 connections, plain HTTP
await section('onvif', async () => {
  const r = await bootDevice(join(tmp, 'onvif'), LAYOUTS.default, (status) => helper('onvif-bench.ts', [String(status.httpPort), JSON.stringify({ connections: 20, warmupMs: 1000, durationMs: 5000 })], 90_000));
  return r.extra;
});

// TLS handshakes/s on the device certificate, RSA 2048 and EC P-256, beside a bare node:https server with the same key
await section('tls', async () => {
  const root = join(tmp, 'tls');
  const r = await bootDevice(root, [...LAYOUTS.default, '--only', 'paramd,boardd,certd,httpd'], (status) => helper('tls-bench.ts', [String(status.httpPort), String(status.httpsPort), mkdtempSync(join(tmp, 'tls-work-')), String(status.pids.httpd), JSON.stringify({ concurrency: 8, warmupMs: 500, durationMs: 3000 })], 120_000));
  return r.extra;
});
// firewalld's engine applying with the real nft into a network namespace of the bench's own
await section('firewall', () => helper('firewall-bench.ts', [JSON.stringify({ rounds: 15 })], 120_000));

// ---------------------------------------------------------------- figures next to their targets

const d = results.details;
function fig(id, value, unit, target, note) {
  const f = { figure: id, value: value ?? null, unit };
  if (target) {
    f.target = `${target.max !== undefined ? '<=' : '>='} ${target.max ?? target.min} ${unit}`;
    f.withinTarget = value === null || value === undefined ? null : target.max !== undefined ? value <= target.max : value >= target.min;
  } else f.target = null;
  if (note) f.note = note;
  results.figures.push(f);
}
for (const mode of Object.keys(LAYOUTS)) {
  for (const kind of ['fresh', 'warm']) {
    const b = d.boot?.[mode]?.[kind];
    fig(`boot.${mode}.${kind}.median`, b?.medianMs, 'ms', { max: 1500 }, `launcher spawn → "belfry: systemready", ${b?.runs ?? 0} runs`);
    fig(`boot.${mode}.${kind}.max`, b?.maxMs, 'ms', { max: 1500 });
  }
}
for (const mode of Object.keys(LAYOUTS)) {
  const m = d.memory?.[mode];
  for (const [daemon, v] of Object.entries(m?.perDaemon ?? {})) {
    fig(`memory.${mode}.${daemon}.pss`, v.pssMB, 'MB', { max: 25 }, v.sharedProcess ? 'one process hosts all daemons: its PSS divided by their number' : 'idle daemon process');
    fig(`memory.${mode}.${daemon}.rss`, v.rssMB, 'MB');
    fig(`memory.${mode}.${daemon}.pssAnon`, v.pssAnonMB, 'MB', undefined, 'its own (anonymous) memory: heaps, independent of how many processes share the node binary');
  }
  fig(`memory.${mode}.httpd.heapUsed`, m?.httpdHeap?.heapUsedMB, 'MB', undefined, "httpd's V8 heap in use (its SIGUSR2 report); details.memory.<mode>.httpdHeap has each space");
  fig(`memory.${mode}.httpd.heapCommitted`, m?.httpdHeap?.heapCommittedMB, 'MB', undefined, "the heap's committed pages: in use plus what V8 keeps");
  fig(`memory.${mode}.daemonsTotal.pss`, m?.daemonsTotal?.pssMB, 'MB', undefined, `${m?.daemonsTotal?.daemons ?? '?'} daemons, broker and launcher not included`);
  fig(`memory.${mode}.daemonsTotal.rss`, m?.daemonsTotal?.rssMB, 'MB');
  fig(`memory.${mode}.broker.pss`, m?.broker?.pssMB, 'MB');
  fig(`memory.${mode}.launcher.pss`, m?.launcher?.pssMB, 'MB');
  fig(`memory.${mode}.device.pss`, m?.device?.pssMB, 'MB', undefined, `whole device: every process of the launcher's group (${m?.device?.processes ?? '?'}: launcher, mosquitto, daemon hosts), idle`);
  fig(`memory.${mode}.device.pssWithoutLauncher`, m?.device?.withoutLauncherPssMB, 'MB', undefined, 'the same less the launcher (systemd takes its place on a device)');
  fig(`memory.${mode}.device.alone`, m?.device?.aloneMB, 'MB', undefined, "the device's processes' own memory plus each mapped file once: independent of other Node processes on the machine");
  // the issue's whole-device target (≤ 100 MB, today's daemons, default layout) on the figure that
  // counts the node binary once, as on a device, whatever else runs on the bench machine
  fig(`memory.${mode}.device.aloneWithoutLauncher`, m?.device?.withoutLauncherAloneMB, 'MB', undefined, mode === 'default' ? `what the device takes on its own under systemd: its processes less the launcher, each shared page once (every daemon: ${m?.daemonsTotal?.daemons ?? '?'})` : undefined);
}
idleFigures(d.idle, fig);
fig('rpc.core.p50', d.rpc?.core?.p50, 'ms', { max: 1 }, `RpcCaller → RpcServer, two processes, through mosquitto; ${d.rpc?.rounds ?? '?'}×${d.rpc?.callsPerRound ?? '?'} sequential calls`);
fig('rpc.core.p99', d.rpc?.core?.p99, 'ms', { max: 5 });
fig('rpc.core.p90', d.rpc?.core?.p90, 'ms');
fig('rpc.core.mean', d.rpc?.core?.mean, 'ms');
fig('rpc.bare.p50', d.rpc?.bare?.p50, 'ms', undefined, 'baseline: plain mqtt.js request/response (earlier reference 0.77 ms)');
fig('rpc.bare.p99', d.rpc?.bare?.p99, 'ms', undefined, 'baseline (earlier reference 3.3 ms)');
fig('rpc.core.firstCalls.p50', d.rpc?.core?.firstCalls?.p50, 'ms', undefined, 'the first calls of fresh processes (after the 200-call warm-up), while V8 still optimizes');
fig('rpc.core.firstCalls.p99', d.rpc?.core?.firstCalls?.p99, 'ms');
fig('rpc.bare.firstCalls.p99', d.rpc?.bare?.firstCalls?.p99, 'ms');
fig('params.cachedGet.p50', d.params?.cachedGet?.p50, 'µs', undefined, 'ParamCache.get on a warm cache: must cost no bus round trip (compare rpc.core.p50)');
fig('params.cachedGet.p99', d.params?.cachedGet?.p99, 'µs');
fig('params.update.p50', d.params?.update?.p50, 'ms', undefined, 'paramd update, 3 params, durable (fsync) before the answer');
fig('params.update.p99', d.params?.update?.p99, 'ms');
fig('events.core.minPerSubscriber', d.events?.core?.minPerSec, 'events/s', { min: 10_000 }, `EventPublisher.emit → ${d.events?.subscribers ?? 5} subscribeEvents processes; slowest subscriber`);
fig('events.core.meanPerSubscriber', d.events?.core?.meanPerSec, 'events/s', { min: 10_000 });
fig('events.core.lost', d.events?.core?.totalLost, 'events', { max: 0 });
fig('events.core.publisherPerSec', d.events?.core?.publisherPerSec, 'events/s', undefined, 'publisher rate (slowest round): subscribers cannot be faster than this');
fig('events.bare.minPerSubscriber', d.events?.bare?.minPerSec, 'events/s', undefined, 'baseline: plain mqtt.js publish → 5 plain subscribers (earlier reference 13,400/s)');
fig('events.bare.lost', d.events?.bare?.totalLost, 'events');
const http = d.http;
for (const w of ['paramList', 'bdi']) {
  const x = http?.[w];
  const what = w === 'paramList' ? 'GET /axis-cgi/param.cgi?action=list (whole tree)' : 'POST /axis-cgi/basicdeviceinfo.cgi getAllProperties';
  fig(`http.${w}.rps`, x?.device?.rps, 'requests/s', undefined, `${what}; HTTPS, Digest with nonce reuse, ${http?.connections ?? '?'} keep-alive connections, ${http?.rounds ?? '?'} windows of ${(http?.durationMs ?? 0) / 1000} s`);
  fig(`http.${w}.p50`, x?.device?.latencyMs?.p50, 'ms');
  fig(`http.${w}.p99`, x?.device?.latencyMs?.p99, 'ms', { max: 20 });
  fig(`http.${w}.ratio`, x?.ratio, '×', { min: 0.6 }, 'requests/s ÷ the bare node:https server\'s, same answer bytes, same client: the median over adjacent pairs of windows');
  fig(`http.${w}.cpuUsPerAnswer`, x?.device?.serverCpuUsPerRequest, 'µs', undefined, 'CPU of httpd, paramd and mosquitto (from /proc/<pid>/stat) in the window ÷ answers');
  fig(`http.${w}.httpdCpuUsPerAnswer`, x?.device?.cpuUsPerAnswer?.httpd, 'µs');
  fig(`http.bare.${w}.rps`, x?.bare?.rps, 'requests/s', undefined, 'baseline: bare node:https that checks the same Digest answers and answers the recorded bytes');
  fig(`http.bare.${w}.p99`, x?.bare?.latencyMs?.p99, 'ms');
  fig(`http.bare.${w}.cpuUsPerAnswer`, x?.bare?.serverCpuUsPerRequest, 'µs', undefined, 'CPU of the bare server ÷ answers');
}
fig('http.httpd.pss', http?.memory?.httpdPssMB, 'MB', { max: 25 }, 'httpd after the load above');
fig('http.httpd.pssAnon', http?.memory?.httpdPssAnonMB, 'MB');
fig('http.httpd.heapUsed', http?.memory?.httpdHeap?.heapUsedMB, 'MB');
fig('http.httpd.heapCommitted', http?.memory?.httpdHeap?.heapCommittedMB, 'MB');
const au = d.audio;
fig('audio.clipStart.toSpeaker.p95', au?.clipStart?.toSpeakerMs?.p95, 'ms', { max: 30 }, `playclip.cgi request → first loud sample played by the simulated speaker (its 20 ms clock included), ${au?.clipStart?.plays ?? '?'} plays`);
fig('audio.clipStart.toSpeaker.p50', au?.clipStart?.toSpeakerMs?.p50, 'ms');
fig('audio.clipStart.toSink.p95', au?.clipStart?.toSinkMs?.p95, 'ms', undefined, "audiod's own figure: play request → first frame written to the board's sink");
fig('audio.transmit.addedLatency.p50', au?.transmit?.addedLatencyMs?.p50, 'ms', undefined, `transmit.cgi byte sent → heard at the simulated speaker; includes the ${au?.transmit?.jitterBufferMs ?? 120} ms jitter buffer (Audio.ReceiverBuffer)`);
fig('audio.transmit.addedLatency.p95', au?.transmit?.addedLatencyMs?.p95, 'ms');
fig('audio.receive.latency.p50', au?.receive?.latencyMs?.p50, 'ms', undefined, `bench noise step → first loud sample at a receive.cgi client (16 kHz µ-law, through httpd), ${au?.receive?.steps ?? '?'} steps`);
fig('audio.receive.latency.p95', au?.receive?.latencyMs?.p95, 'ms');
const hop = au?.proxyHop;
for (const [name, v] of [['viaFrontDoor', hop?.viaFrontDoor], ['direct', hop?.directToOwner]]) {
  fig(`http.proxyHop.${name}.p50`, v?.p50, 'ms', undefined, name === 'direct' ? `GET ${hop?.path} straight to audiod's socket` : `GET ${hop?.path} through httpd (Digest) to audiod's socket`);
  fig(`http.proxyHop.${name}.p99`, v?.p99, 'ms');
  fig(`http.proxyHop.${name}.cpuUs.httpd`, v?.cpuUsPerRequest?.httpd, 'µs', undefined, 'httpd CPU per request');
  fig(`http.proxyHop.${name}.cpuUs.audiod`, v?.cpuUsPerRequest?.audiod, 'µs', undefined, 'owner (audiod) CPU per request');
}
fig('audio.speakerTest.run', au?.speakerTest?.test?.wallMs, 'ms', { max: 6000 }, `one PerformSpeakerTest on the device, request → report (${au?.speakerTest?.test?.status ?? '?'})`);
fig('audio.audiod.pssAfterUse', au?.audiodMemory?.pssMB, 'MB', { max: 25 }, 'audiod after the plays, transmits and speaker tests above (GStreamer loaded); idle figure under memory.*');
fig('audio.audiod.pssAnonAfterUse', au?.audiodMemory?.pssAnonMB, 'MB');
fig('audio.speakerTest.calibrate', au?.speakerTest?.calibrate?.wallMs, 'ms', undefined, `CalibrateSpeakerTest, request → report (${au?.speakerTest?.calibrate?.status ?? '?'})`);
const sm = d.sipmedia;
fig('sip.media.mouthToEar.p50', sm?.mouthToEarMs?.p50, 'ms', undefined, `a call's added latency: RTP packet of a tone burst sent → its onset at the simulated speaker, PCMU, includes the ${sm?.jitterBufferMs ?? 120} ms rtpjitterbuffer (Audio.ReceiverBuffer), ${sm?.mouthToEarMs?.n ?? '?'} bursts`);
fig('sip.media.mouthToEar.p99', sm?.mouthToEarMs?.p99, 'ms');
fig('sip.media.cpuPerCall', sm?.cpu?.perCallPct, '%', undefined, `added CPU (% of one core) per sendrecv PCMU call, ${sm?.cpu?.calls ?? '?'} calls at once over 5 s against the same process idle (audiod's RTP and GStreamer threads, the phones' pacing included)`);
const sg = d.sip;
fig('sip.invite200.p50', sg?.invite200Ms?.p50, 'ms', undefined, `INVITE → 200 OK on loopback, answered automatically, its RTP session opened at audiod, ${sg?.invite200Ms?.n ?? '?'} calls one at a time (${sg?.failed ?? '?'} unanswered)`);
fig('sip.invite200.p99', sg?.invite200Ms?.p99, 'ms', { max: 50 });
fig('sip.cpuMsPerCall', sg?.cpuMsPerCall, 'ms', undefined, 'CPU of the whole in-process device per call set-up and tear-down (INVITE, ACK, BYE)');
const st = d.speakertest;
const pctOf = (name) => (st?.classes?.[name]?.failedRate === undefined ? null : round(st.classes[name].failedRate * 100, 1));
for (const [name, target, note] of [
  ['dead', { min: 100 }, 'dead speaker detected (Failed)'],
  ['attenuate-3dB', undefined, '−3 dB broadband'],
  ['attenuate-6dB', { min: 99 }, '−6 dB broadband'],
  ['attenuate-10dB', undefined, '−10 dB broadband'],
  ['muffle-1000Hz', { min: 99 }, 'muffled above 1 kHz'],
  ['muffle-2000Hz', { min: 99 }, 'muffled above 2 kHz'],
  ['muffle-4000Hz', undefined, 'muffled above 4 kHz'],
  ['rattle', undefined, 'rattle (distortion)'],
]) {
  fig(`speakerTest.detect.${name}`, pctOf(name), '%', target, `${note}, ${st?.classes?.[name]?.n ?? '?'} seeded rooms`);
}
for (const name of ['healthy-30dB', 'healthy-20dB', 'healthy-10dB']) {
  fig(`speakerTest.falseAlarm.${name}`, pctOf(name), '%', name === 'healthy-20dB' ? { max: 1 } : undefined, `healthy board, ambient noise ${name.slice(8)} below the test tones`);
}
fig('speakerTest.stimulusMs', st?.stimulusMs, 'ms', undefined, 'stepped tones incl. the leading silence for the noise measurement');
fig('speakerTest.analysisCpuMs', st?.analysisCpuMs ?? st?.cpuMsPerAnalysis, 'ms', undefined, 'CPU per analysis');
const ev = d.eventd;
fig('eventd.triggerToAction.p50', ev?.triggerToAction?.p50, 'ms', undefined, `256 rules: a state change → its rule's action at the owner (${ev?.triggerToAction?.n ?? '?'} triggers)`);
fig('eventd.triggerToAction.p99', ev?.triggerToAction?.p99, 'ms', { max: 10 });
fig('eventd.sustainedEvents', ev?.sustainedPerSec, 'events/s', { min: 5000 }, 'highest paced rate with no action lost or failed (an action every 50th event)');
fig('eventd.pss256Rules', ev?.memory?.afterRounds?.pssMB, 'MB', undefined, 'eventd host with 256 rules, after the rounds');
const disc = d.discovery;
fig('discovery.probeToMatch.p50', disc?.probeToMatch?.p50, 'ms', undefined, `unicast Probe → ProbeMatch on loopback, no answer delay (on the wire a random 0–500 ms is added), ${disc?.probeToMatch?.n ?? '?'} probes`);
fig('discovery.probeToMatch.p99', disc?.probeToMatch?.p99, 'ms');
fig('discovery.msearchToAnswer.p50', disc?.msearchToAnswer?.p50, 'ms', undefined, 'unicast M-SEARCH → its answer on loopback');
fig('discovery.floodCpuUsPerProbe', disc?.flood?.cpuUsPerProbe, 'µs', undefined, `discoveryd CPU per probe of a ${disc?.flood?.probes ?? '?'}-probe flood (${disc?.flood?.answers ?? '?'} answered: rate-limited)`);
fig('discovery.pss', disc?.memory?.afterFlood?.pssMB, 'MB', undefined, 'discoveryd host after the flood');
const mq = d.mqtt;
fig('mqtt.eventToBroker.p50', mq?.mqttd?.latencyMs?.p50, 'ms', undefined, `a bus event → the external subscriber, through mqttd (${mq?.mqttd?.latencyMs?.n ?? '?'} events one at a time; bare mqtt.js publisher: ${mq?.bare?.latencyMs?.p50 ?? '?'} ms)`);
fig('mqtt.eventToBroker.p99', mq?.mqttd?.latencyMs?.p99, 'ms', { max: 10 }, `bare mqtt.js publisher p99: ${mq?.bare?.latencyMs?.p99 ?? '?'} ms`);
fig('mqtt.sustainedEvents', mq?.mqttd?.sustainedPerSec, 'events/s', { min: 5000 }, `highest paced rate with every event delivered, QoS 0 (bare mqtt.js: ${mq?.bare?.sustainedPerSec ?? '?'}/s)`);
fig('mqtt.mqttd.pss', mq?.memory?.afterRounds?.pssMB, 'MB', undefined, `mqttd host after the rounds (idle: ${mq?.memory?.idle?.pssMB ?? '?'} MB)`);
const ui = d.webui;
fig('webui.jsCss.gzip', ui?.sizes?.jsCssGzipKB, 'KB', { max: 250 }, `JS + CSS of dist/web-ui gzipped (goal 150 KB); ${ui?.sizes?.files?.length ?? '?'} files`);
fig('webui.jsCss.brotli', ui?.sizes?.jsCssBrotliKB, 'KB', undefined, 'the same as brotli (what httpd sends to browsers that accept it)');
fig('webui.jsCss.raw', ui?.sizes?.jsCssRawKB, 'KB');
fig('webui.firstLoad.login.p50', ui?.firstLoad?.login?.coldMs?.p50, 'ms', { max: 1000 }, `headless Chromium, empty cache: navigation start → login page drawn; ${ui?.runs ?? '?'} runs`);
fig('webui.firstLoad.status.p50', ui?.firstLoad?.status?.coldMs?.p50, 'ms', { max: 1000 }, 'logged in, empty cache: navigation start → Status drawn with its data');
fig('webui.firstLoad.status.max', ui?.firstLoad?.status?.coldMs?.max, 'ms', { max: 1000 });
fig('webui.reload.status.p50', ui?.firstLoad?.status?.warmMs?.p50, 'ms', undefined, 'the same page reloaded (assets from the cache)');
fig('webui.httpd.pssAfterUse', ui?.httpdPssMB?.afterUse, 'MB', { max: 25 }, `httpd 6 s after every page was visited 3 times, its idle trim done (idle before: ${ui?.httpdPssMB?.idle ?? '?'} MB)`);
fig('webui.httpd.pssRightAfterUse', ui?.httpdPssMB?.rightAfterUse, 'MB', undefined, 'the same the moment the last page was left, before the trim');
for (const k of ['rsa2048', 'ecP256']) {
  const x = d.tls?.[k];
  fig(`tls.${k}.device.handshakesPerSec`, x?.device?.perSec, 'handshakes/s', undefined, 'full TLS handshakes on the device certificate (no resumption), 8 clients');
  fig(`tls.${k}.bare.handshakesPerSec`, x?.bare?.perSec, 'handshakes/s', undefined, 'a bare node:https server with the same key, same clients');
  fig(`tls.${k}.ratio`, x?.ratio, 'device/bare');
  fig(`tls.${k}.device.cpuMsPerHandshake`, x?.device?.cpuMsPerHandshake, 'ms');
}
for (const n of [1, 64, 256]) {
  const x = d.firewall?.[`rules${n}`];
  fig(`firewall.rules${n}.apply.p50`, x?.apply?.p50, 'ms', undefined, `setRules without a test, ${n} rules: the model, nft -c, the saved state, nft -f in a namespace`);
  fig(`firewall.rules${n}.rollback.p50`, x?.rollback?.p50, 'ms', undefined, 'clearPendingRules of a test: the previous set checked, saved, applied');
}
const ov = d.onvif;
fig('onvif.getDeviceInformation.rps', ov?.getDeviceInformation?.rps, 'requests/s', undefined, 'WS-Security PasswordDigest, a fresh nonce per request, 20 keep-alive connections over HTTP');
fig('onvif.getDeviceInformation.p99', ov?.getDeviceInformation?.latencyMs?.p99, 'ms');
fig('onvif.bdi.rps', ov?.bdi?.rps, 'requests/s', undefined, 'the same identity from basicdeviceinfo.cgi getAllProperties with Digest, same connections');
fig('onvif.bdi.p99', ov?.bdi?.latencyMs?.p99, 'ms');
const m8 = d.memory?.issue8;
fig('memory.default.issue8Device.aloneWithoutLauncher', m8?.device?.withoutLauncherAloneMB, 'MB', { max: 100 }, `issue 8's target: the device with the daemons of its day (${ISSUE8_DAEMONS.join(', ')}), default layout, less the launcher, each shared page once`);
fig('memory.default.issue8Device.pssWithoutLauncher', m8?.device?.withoutLauncherPssMB, 'MB');
results.elapsedS = round((performance.now() - t0) / 1000, 1);

const json = JSON.stringify(results, null, 2);
writeFileSync(join(BENCH, 'results.json'), json + '\n');
process.stdout.write(json + '\n');

// ---------------------------------------------------------------- human summary

const w = Math.max(...results.figures.map((f) => f.figure.length));
const lines = ['', 'Belfry bench — ' + `${results.machine.cpus} CPUs, node ${results.machine.node}, mosquitto ${results.machine.mosquitto}`];
for (const f of results.figures) {
  const v = f.value === null ? 'n/a' : String(f.value);
  const mark = f.withinTarget === undefined ? '' : f.withinTarget === null ? '  ?' : f.withinTarget ? '  ok' : '  OVER TARGET';
  lines.push(`  ${f.figure.padEnd(w)}  ${v.padStart(9)} ${f.unit.padEnd(8)} ${f.target ? `(target ${f.target})` : ''}${mark}`);
}
for (const e of results.errors) lines.push(`  ERROR in ${e.section}: ${e.error}`);
lines.push(`  took ${results.elapsedS} s; figures also in bench/results.json`, '');
process.stderr.write(lines.join('\n') + '\n');
process.exitCode = results.errors.length ? 1 : 0;
