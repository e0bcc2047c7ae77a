import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Giving memory back when httpd goes quiet after being busy.
 *
 * httpd runs with an 8 MB semi-space (services.ts: a 1 MB one costs ~13% of throughput), so after
 * boot or a burst of requests V8 keeps 8–16 MB of new space committed. V8 shrinks new space only at
 * a GC that sees a low allocation rate over its last ten GCs, and an idle process makes no GCs, so
 * it keeps that memory for ever (measured: still 16 MB minutes after a load); old space keeps the
 * pages the burst's garbage emptied until a later full GC. So once the event loop, busy over a
 * check (the boot counts), is quiet over the next two: a few cheap scavenges (~0.5 ms each on an empty
 * new space) `stepMs` apart let V8 see the quiet and shrink new space to 1 MB, then two full GCs
 * (~20 ms each) return old space's empty pages. A request arriving meanwhile stops the trim; the next
 * burst grows new space again as usual, so throughput under load is unchanged. A client polling now
 * and then never makes httpd busy over a check, so it causes no trims.
 */
export const TRIM = {
  /** how often the event loop's utilisation is looked at */
  checkMs: 500,
  /** below this utilisation over a check (or a step) httpd counts as quiet */
  quietElu: 0.02,
  /** scavenges of one trim are this far apart (V8 rates allocation over the time between GCs) */
  stepMs: 50,
  /** at most this many scavenges per trim (V8 shrank after 11 in measurements) */
  maxSteps: 30,
  /** quiet checks in a row before a trim: a gap between two bursts (a client reconnecting) is not quiet */
  quietChecks: 2,
  /** at most one trim per this long: bursts at short intervals cost at most two full GCs per 5 s */
  minIntervalMs: 5_000,
  /** new space committed above this is worth scavenges (V8's smallest new space is 1 MB) */
  slackBytes: 1.5 * 1048576,
};

type Gc = (opts?: { type: 'minor' }) => void;

/** V8's `gc()`, installed in a new context once `--expose-gc` is set (no flag needed at start). */
function exposeGc(): Gc {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as Gc;
}

const mb = (bytes: number) => Math.round(bytes / 104857.6) / 10;

export function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.physical_space_size ?? 0;
}

export interface IdleTrim {
  /** trims done (memory given back after a busy period), for tests */
  readonly trims: number;
  stop(): void;
}

/** What one trim did (MB committed before and after, and the GCs' time in ms), for a debug log line. */
export interface TrimReport {
  newMB: [number, number];
  heapMB: [number, number];
  scavenges: number;
  gcMs: number;
}

export function startIdleTrim(opts: Partial<typeof TRIM> = {}, onTrim?: (r: TrimReport) => void): IdleTrim {
  const o = { ...TRIM, ...opts };
  const gc = exposeGc();
  let last = performance.eventLoopUtilization();
  let timer: NodeJS.Timeout | undefined;
  let trims = 0;
  let lastTrimAt = -Infinity;
  // busy since the last trim (the boot counts: it grows the heap as a burst of requests does)
  let dirty = true;
  let quietInRow = 0;
  const quiet = () => {
    const now = performance.eventLoopUtilization();
    const u = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return u < o.quietElu;
  };
  let report: TrimReport | undefined;
  const timed = (type: 'major' | 'minor') => {
    const t0 = performance.now();
    // a plain gc() is V8's full, synchronous GC; Node 20's V8 does not collect on gc({ type: 'major' })
    if (type === 'major') gc();
    else gc({ type });
    if (report) report.gcMs += performance.now() - t0;
  };
  const later = (fn: () => void) => (timer = setTimeout(fn, o.stepMs).unref());
  // the first full GC finds the garbage and sweeps it concurrently; the pages it emptied are given
  // back at the next one (measured after the HTTP load: old space 17.5 → 17.5 → 14.8 MB)
  const fullGcs = () => {
    timed('major');
    later(() => {
      // (not checked for quiet: one more GC costs less than starting over)
      timer = undefined;
      timed('major');
      trims++;
      if (report) {
        report.newMB[1] = mb(newSpaceBytes());
        report.heapMB[1] = mb(getHeapStatistics().total_physical_size);
        report.gcMs = Math.round(report.gcMs * 10) / 10;
        onTrim?.(report);
      }
      dirty = false;
      lastTrimAt = performance.now();
      last = performance.eventLoopUtilization(); // the GCs are not load
    });
  };
  const step = (n: number) => {
    timer = undefined;
    if (!quiet()) return; // requests again: still dirty, the next quiet check starts over
    if (n === 1) report = { newMB: [mb(newSpaceBytes()), 0], heapMB: [mb(getHeapStatistics().total_physical_size), 0], scavenges: 0, gcMs: 0 };
    if (newSpaceBytes() > o.slackBytes && n <= o.maxSteps) {
      timed('minor');
      report!.scavenges++;
      last = performance.eventLoopUtilization(); // a scavenge of a full new space takes ms: not load
    }
    if (newSpaceBytes() > o.slackBytes && n < o.maxSteps) later(() => step(n + 1));
    else fullGcs();
  };
  const check = setInterval(() => {
    if (timer) return;
    if (!quiet()) {
      dirty = true;
      quietInRow = 0;
    } else if (++quietInRow >= o.quietChecks && dirty && performance.now() - lastTrimAt >= o.minIntervalMs) later(() => step(1));
  }, o.checkMs).unref();
  return {
    get trims() {
      return trims;
    },
    stop() {
      clearInterval(check);
      clearTimeout(timer);
    },
  };
}
