// Idle cost: what processes that are doing nothing spend, from /proc (see bench/README.md, "idle").
// CPU is the sum over every thread of `/proc/<pid>/task/<tid>/schedstat` field 1 (ns on a CPU;
// libuv workers, V8 platform threads and GStreamer threads included), cross-checked with
// utime+stime of `/proc/<pid>/stat` (10 ms ticks: too coarse for a few ms in 30 s). Wake-ups are the
// timeslices each thread was given (schedstat field 3): every time a sleeping thread runs again
// counts, whatever woke it — a timer, a socket, a futex; voluntary context switches
// (`voluntary_ctxt_switches` of each task's status) are given beside them.
import { readdirSync, readFileSync } from 'node:fs';

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
 * Idle cost of named groups of processes over `ms`: `groups` maps a name to a pid (or pids) and
 * `share` (optional) to how many daemons a process hosts, so a shared process is split evenly.
 * Returns, per name, `cpuPct` (% of one core), `wakeupsPerSec`, `voluntaryPerSec`, `statCpuPct`.
 */
export async function idleCost(groups, ms) {
  const pids = [...new Set(Object.values(groups).flat())];
  const before = new Map(pids.map((p) => [p, processCounters(p)]));
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, ms));
  const wallNs = Number(process.hrtime.bigint() - t0);
  const after = new Map(pids.map((p) => [p, processCounters(p)]));
  const users = new Map();
  for (const list of Object.values(groups)) for (const p of [list].flat()) users.set(p, (users.get(p) ?? 0) + 1);
  const out = {};
  for (const [name, list] of Object.entries(groups)) {
    const acc = { cpuNs: 0, slices: 0, voluntary: 0, statNs: 0, threads: 0, gone: 0 };
    for (const p of [list].flat()) {
      const a = before.get(p), b = after.get(p);
      if (!a || !b) {
        acc.gone++;
        continue;
      }
      const share = 1 / users.get(p);
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
 * evenly when several daemons share one), the broker, the launcher, `real` (every process a real
 * board runs: all but the simulation and the launcher — boardd's share stays, since a real boardd
 * runs too, less its simulated sound card and bench, which cannot be told apart inside one process)
 * and `device` (all processes of the device, launcher excluded: systemd replaces it).
 */
export function deviceGroups(status) {
  const g = {};
  for (const [daemon, pid] of Object.entries(status.pids)) g[daemon] = pid;
  g.broker = status.broker;
  g.launcher = status.launcher;
  const hosts = [...new Set(Object.values(status.pids))];
  g.device = [...hosts, status.broker];
  return g;
}

// Standalone: node bench/idle-bench.mjs <seconds> <pid>… — the cost of any processes, for profiling.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [secs, ...pids] = process.argv.slice(2).map(Number);
  const groups = Object.fromEntries(pids.map((p) => [String(p), p]));
  groups.all = pids;
  process.stdout.write(JSON.stringify(await idleCost(groups, secs * 1000), null, 1) + '\n');
}
