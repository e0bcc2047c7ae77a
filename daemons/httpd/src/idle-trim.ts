import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Giving the young generation back when httpd goes quiet.
 *
 * httpd runs with an 8 MB semi-space (services.ts: a 1 MB one costs ~13% of throughput), so after
 * boot or a burst of requests V8 keeps 8–16 MB of new space committed. V8 shrinks new space only at
 * a GC that sees a low allocation rate over its last ten GCs, and an idle process makes no GCs, so
 * it keeps that memory for ever (measured: still 16 MB minutes after a load). Once the event loop
 * has been quiet for a check, a few cheap scavenges (~0.5 ms each on an empty new space) spaced
 * `stepMs` apart let V8 see the quiet and shrink new space to 1 MB; one full GC then returns the
 * old-space pages the burst left. A request arriving meanwhile stops the trim; the next burst grows
 * new space again as usual, so throughput under load is unchanged.
 */
export const TRIM = {
  /** how often the event loop's utilisation is looked at */
  checkMs: 1000,
  /** below this utilisation over a check (or a step) httpd counts as quiet */
  quietElu: 0.02,
  /** scavenges of one trim are this far apart (V8 rates allocation over the time between GCs) */
  stepMs: 100,
  /** at most this many scavenges per trim (V8 shrank after 11 in measurements) */
  maxSteps: 20,
  /** new space committed above this is worth a trim (V8's smallest new space is 1 MB) */
  slackBytes: 1.5 * 1048576,
};

type Gc = (opts?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => void;

/** V8's `gc()`, installed in a new context once `--expose-gc` is set (no flag needed at start). */
function exposeGc(): Gc {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as Gc;
}

export function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.physical_space_size ?? 0;
}

export interface IdleTrim {
  /** trims done (new space given back), for tests and the debug dump */
  readonly trims: number;
  stop(): void;
}

export function startIdleTrim(opts: Partial<typeof TRIM> = {}): IdleTrim {
  const o = { ...TRIM, ...opts };
  const gc = exposeGc();
  let last = performance.eventLoopUtilization();
  let trimming: NodeJS.Timeout | undefined;
  let trims = 0;
  // a trim that did not shrink new space is not tried again before httpd has been busy
  let gaveUp = false;
  const quiet = () => {
    const now = performance.eventLoopUtilization();
    const u = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return u < o.quietElu;
  };
  const trim = (step: number) => {
    trimming = undefined;
    if (!quiet()) return; // requests again: new space is in use
    gc({ type: 'minor' });
    if (newSpaceBytes() <= o.slackBytes) {
      gc({ type: 'major' });
      trims++;
      last = performance.eventLoopUtilization(); // the GCs are not load
    } else if (step < o.maxSteps) trimming = setTimeout(() => trim(step + 1), o.stepMs).unref();
    else gaveUp = true;
  };
  const check = setInterval(() => {
    if (trimming) return;
    if (!quiet()) gaveUp = false;
    else if (!gaveUp && newSpaceBytes() > o.slackBytes) trimming = setTimeout(() => trim(1), o.stepMs).unref();
  }, o.checkMs).unref();
  return {
    get trims() {
      return trims;
    },
    stop() {
      clearInterval(check);
      clearTimeout(trimming);
    },
  };
}
