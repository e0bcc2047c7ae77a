// Idle cost: what processes that are doing nothing spend, from /proc (see bench/README.md, "idle").
// CPU is the sum over every thread of `/proc/<pid>/task/<tid>/schedstat` field 1 (ns on a CPU;
// libuv workers, V8 platform threads and GStreamer threads included), cross-checked with
// utime+stime of `/proc/<pid>/stat` (10 ms ticks: too coarse for a few ms in 30 s). Wake-ups are the
// timeslices each thread was given (schedstat field 3): every time a sleeping thread runs again
// counts, whatever woke it — a timer, a socket, a futex; voluntary context switches
// (`voluntary_ctxt_switches` of each task's status) are given beside them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const TICK_NS = 1e7; // USER_HZ = 100 on Linux

/** One process's counters now, all threads summed; undefined if it is gone. */
export function processCounters(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const c = { cpuNs: 0, slices: 0, voluntary: 0, threads: 0, statNs: (Number(f[11]) + Number(f[12])) * TICK_NS };
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const [run, , slices] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(' ').map(Number);
        const vol = /^voluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'));
        c.cpuNs += run;
        c.slices += slices;
        c.voluntary += Number(vol?.[1] ?? 0);
        c.threads++;
      } catch {
        /* thread ended meanwhile */
      }
    }
    return c;
  } catch {
    return undefined;
  }
}

/**
 * Idle cost of named groups of processes over `ms`: `groups` maps a name to a pid, a list of pids
 * (each counted whole) or `{ pid, share }` (that part of one process: a host of several daemons is
 * split evenly between them). Returns, per name, `cpuPct` (% of one core), `wakeupsPerSec`,
 * `voluntaryPerSec`, `statCpuPct`.
 */
export async function idleCost(groups, ms) {
  const parts = (g) => (typeof g === 'object' && !Array.isArray(g) ? [g] : [g].flat().map((pid) => ({ pid, share: 1 })));
  const pids = [...new Set(Object.values(groups).flatMap((g) => parts(g).map((x) => x.pid)))];
  const before = new Map(pids.map((p) => [p, processCounters(p)]));
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, ms));
  const wallNs = Number(process.hrtime.bigint() - t0);
  const after = new Map(pids.map((p) => [p, processCounters(p)]));
  const out = {};
  for (const [name, g] of Object.entries(groups)) {
    const acc = { cpuNs: 0, slices: 0, voluntary: 0, statNs: 0, threads: 0, gone: 0 };
    for (const { pid, share } of parts(g)) {
      const a = before.get(pid), b = after.get(pid);
      if (!a || !b) {
        acc.gone++;
        continue;
      }
      for (const k of ['cpuNs', 'slices', 'voluntary', 'statNs']) acc[k] += (b[k] - a[k]) * share;
      acc.threads += b.threads;
    }
    out[name] = {
      cpuPct: r3((acc.cpuNs / wallNs) * 100),
      wakeupsPerSec: r1(acc.slices / (wallNs / 1e9)),
      voluntaryPerSec: r1(acc.voluntary / (wallNs / 1e9)),
      statCpuPct: r3((acc.statNs / wallNs) * 100),
      threads: acc.threads,
      ...(acc.gone ? { processesGone: acc.gone } : {}),
    };
  }
  return out;
}

const r3 = (x) => Math.round(x * 1000) / 1000;
const r1 = (x) => Math.round(x * 10) / 10;

/**
 * The groups of one device from its systemready status: each daemon (its host process, shared
 * evenly when several daemons share one), the broker, the launcher, `device` (every process of the
 * device but the launcher, which systemd replaces) and `realBoard` (the same less the process that
 * hosts boardd — the simulated sound card and bench live there — when boardd has a process of its
 * own, as in `--layout separate` or with `--apart boardd`; a real board's boardd only waits for
 * GPIO events).
 */
export function deviceGroups(status) {
  const g = {};
  const hosted = (pid) => Object.values(status.pids).filter((p) => p === pid).length;
  for (const [daemon, pid] of Object.entries(status.pids)) g[daemon] = { pid, share: 1 / hosted(pid) };
  g.broker = status.broker;
  g.launcher = status.launcher;
  const hosts = [...new Set(Object.values(status.pids))];
  g.device = [...hosts, status.broker];
  const boardd = status.pids.boardd;
  if (hosted(boardd) === 1) g.realBoard = g.device.filter((p) => p !== boardd);
  return g;
}

/** Targets (issue 16, on the 2-core bench machine): the whole simulated device, the daemons a real board runs, wake-ups. */
export const IDLE_TARGETS = { devicePct: 0.3, realBoardPct: 0.1, wakeupsPerSec: 50 };

/**
 * The idle section: devices booted side by side by `bootDevice` (run.mjs) on fresh roots — one per
 * layout, one more in the default layout with `--apart boardd` (the realBoard figure), then
 * `together` more with `--together` — all up at once; after `settleMs` one window of
 * `measureMs` measures every process. Each figure is a process's own CPU and wake-ups, which idle
 * neighbours barely change (together they use a few % of one of 2 cores).
 */
export async function idleBench({ bootDevice, layouts, tmp, measureMs, settleMs, together }) {
  const withApart = { ...layouts, boarddApart: ['--apart', 'boardd'] };
  const plan = [...Object.entries(withApart).map(([mode, args]) => ({ name: mode, args })), ...Array.from({ length: together }, (_, i) => ({ name: `together10.${i}`, args: ['--together'] }))];
  const statuses = {};
  const bootAll = async (i) => {
    if (i === plan.length) {
      await new Promise((r) => setTimeout(r, settleMs));
      const groups = {};
      for (const [name, st] of Object.entries(statuses)) for (const [g, pids] of Object.entries(deviceGroups(st))) groups[`${name}/${g}`] = pids;
      return idleCost(groups, measureMs);
    }
    const r = await bootDevice(join(tmp, `idle-${plan[i].name}`), plan[i].args, (st) => {
      statuses[plan[i].name] = st;
      return bootAll(i + 1);
    });
    return r.extra;
  };
  const cost = await bootAll(0);
  const out = { measureMs, settleMs, devicesSideBySide: plan.length, targets: IDLE_TARGETS };
  for (const [key, v] of Object.entries(cost)) {
    const [name, group] = key.split('/');
    if (name.startsWith('together10.')) continue;
    (out[name] ??= {})[group] = v;
  }
  const many = Object.entries(cost).filter(([k]) => k.startsWith('together10.') && k.endsWith('/device')).map(([, v]) => v);
  const sum = (f) => r3(many.reduce((a, v) => a + v[f], 0));
  out.together10 = { devices: many.length, cpuPct: sum('cpuPct'), wakeupsPerSec: r1(sum('wakeupsPerSec')), perDeviceCpuPct: r3(sum('cpuPct') / Math.max(1, many.length)), each: many };
  return out;
}

/** The idle figures beside their targets (`fig` from run.mjs). */
export function idleFigures(d, fig) {
  const t = IDLE_TARGETS;
  for (const mode of ['default', 'together', 'separate']) {
    const m = d?.[mode];
    if (!m) continue;
    fig(`idle.${mode}.device.cpuPct`, m.device?.cpuPct, '%', { max: t.devicePct }, `whole simulated device (daemon hosts and mosquitto, boardd's sound card included; launcher not), idle, % of one core`);
    fig(`idle.${mode}.device.wakeupsPerSec`, m.device?.wakeupsPerSec, '/s', { max: t.wakeupsPerSec }, 'timeslices of every thread of those processes');
    if (mode === 'default') {
      // the default layout's hosts as a real board runs them: the same device with boardd (the
      // simulated sound card, room and bench) in a process of its own, left out
      const rb = d.boarddApart?.realBoard;
      fig('idle.default.realBoard.cpuPct', rb?.cpuPct, '%', { max: t.realBoardPct }, 'the daemons a real board runs, default layout: a device started with --apart boardd, every process but boardd\'s (simulated sound card, room, bench)');
      fig('idle.default.realBoard.wakeupsPerSec', rb?.wakeupsPerSec, '/s');
    }
    if (m.realBoard) fig(`idle.${mode}.realBoard.cpuPct`, m.realBoard.cpuPct, '%', undefined, 'all but the process of boardd (simulated sound card, bench), one process per daemon');
    // every daemon the device ran (from its pids), then mosquitto and the launcher
    for (const name of Object.keys(m).filter((k) => k !== 'device' && k !== 'realBoard')) {
      fig(`idle.${mode}.${name}.cpuPct`, m[name].cpuPct, '%', undefined, name === 'launcher' ? 'dev/CI only (systemd on a device): not in the device figure' : undefined);
      fig(`idle.${mode}.${name}.wakeupsPerSec`, m[name].wakeupsPerSec, '/s');
    }
  }
  const n = d?.together10;
  fig('idle.together10.cpuPct', n?.cpuPct, '%', undefined, `${n?.devices ?? '?'} simulated devices side by side, each --together with its own root and ports: all together, % of one core`);
  fig('idle.together10.perDeviceCpuPct', n?.perDeviceCpuPct, '%', { max: t.devicePct });
  fig('idle.together10.wakeupsPerSec', n?.wakeupsPerSec, '/s');
}

// Standalone: node bench/idle-bench.mjs <seconds> <pid>… — the cost of any processes, for profiling.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [secs, ...pids] = process.argv.slice(2).map(Number);
  const groups = Object.fromEntries(pids.map((p) => [String(p), p]));
  groups.all = pids;
  process.stdout.write(JSON.stringify(await idleCost(groups, secs * 1000), null, 1) + '\n');
}
