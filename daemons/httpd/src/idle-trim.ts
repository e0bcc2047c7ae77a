import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mallocTrim } from '@belfry/core';

/**
 * Giving memory back when httpd goes quiet after being busy.
 *
 * httpd runs with an 8 MB semi-space (services.ts: a 1 MB one costs ~13% of throughput), so after
 * boot or a burst of requests V8 keeps 8–16 MB of new space committed. V8 shrinks new space only at
 * a GC that sees a low allocation rate over its last ten GCs, and an idle process makes no GCs, so
 * it keeps that memory for ever (measured: still 16 MB minutes after a load); old space keeps the
 * pages the burst's garbage emptied until a later full GC. So once the event loop, busy over a
 * check (the boot counts), is quiet over the next two: a few cheap scavenges (~0.5 ms each on an empty
 * new space) `stepMs` apart let V8 see the quiet and shrink new space to 1 MB, then three full GCs
 * (~20 ms each) return old space's empty pages and drop the burst's compiled code (`fullGcs`), and
 * malloc_trim returns malloc's free pages. A request arriving meanwhile stops the trim; the next
 * burst grows new space again as usual, so throughput under load is unchanged. A client polling now
 * and then never makes httpd busy over a check, so it causes no trims.
 *
 * The checks run only while there is something to watch: from the boot, and from each request
 * (Node's `http.server.request.start` diagnostics channel, HTTP and HTTPS alike, the hot lane
 * included) until the event loop has been quiet for `quietChecks` with nothing left to trim. An idle
 * httpd has no timer (a check every 500 ms was ~0.03 % of a core and 2 wake-ups/s, bench `idle`).
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
  /** at most one trim per this long: bursts at short intervals cost at most three full GCs per 5 s */
  minIntervalMs: 5_000,
  /** new space committed above this is worth scavenges (V8's smallest new space is 1 MB) */
  slackBytes: 1.5 * 1048576,
};

type Gc = (opts?: { type: 'minor' }) => void;

/** V8's default (`node --v8-options`): code unused over this many full GCs is flushed. */
const V8_BYTECODE_OLD_AGE = 5;

/** Published by Node's HTTP server (`node:http` and `node:https`) for every request it reads. */
const REQUEST_START = 'http.server.request.start';

/** V8's `gc()`, installed in a new context once `--expose-gc` is set (no flag needed at start). */
function exposeGc(): Gc {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as Gc;
}

const mb = (bytes: number) => Math.round(bytes / 104857.6) / 10;

export function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.physical_space_size ?? 0;
}

/** What one trim did (MB committed before and after, and the GCs' time in ms), for a debug log line. */
export interface TrimReport {
  newMB: [number, number];
  heapMB: [number, number];
  scavenges: number;
  gcMs: number;
  /** malloc_trim gave pages back (undefined: the addon is not built) */
  mallocTrimmed?: boolean;
}

const heapMB = () => mb(getHeapStatistics().total_physical_size);

/** Watches the event loop and trims once it is quiet after being busy (see the top of this file). */
export class IdleTrim {
  /** trims done (memory given back after a busy period), for tests */
  trims = 0;
  private readonly o: typeof TRIM;
  private readonly gc = exposeGc();
  private check: NodeJS.Timeout | undefined;
  private last = performance.eventLoopUtilization();
  private timer: NodeJS.Timeout | undefined;
  private lastTrimAt = -Infinity;
  /** busy since the last trim (the boot counts: it grows the heap as a burst of requests does) */
  private dirty = true;
  private quietInRow = 0;
  private report: TrimReport = { newMB: [0, 0], heapMB: [0, 0], scavenges: 0, gcMs: 0 };

  constructor(
    opts: Partial<typeof TRIM> = {},
    private readonly onTrim?: (r: TrimReport) => void,
  ) {
    this.o = { ...TRIM, ...opts };
    this.watch(); // the boot counts as busy
  }

  /** The event loop is being checked (false once an idle httpd has nothing left to trim). */
  get watching(): boolean {
    return this.check !== undefined;
  }

  /** A request arrived: watch the event loop again (whether it made httpd busy, the checks say). */
  readonly poke = (): void => {
    if (!this.check) this.watch();
  };

  stop(): void {
    clearInterval(this.check);
    this.check = undefined;
    unsubscribe(REQUEST_START, this.poke);
    clearTimeout(this.timer);
  }

  // the channel is listened to only while nothing is watched: under load (checks running) Node
  // publishes nothing per request
  private watch(): void {
    unsubscribe(REQUEST_START, this.poke);
    this.last = performance.eventLoopUtilization();
    this.quietInRow = 0;
    this.check = setInterval(() => this.look(), this.o.checkMs).unref();
  }

  private unwatch(): void {
    clearInterval(this.check);
    this.check = undefined;
    subscribe(REQUEST_START, this.poke);
  }

  /** The event loop's utilisation since the last look was below `quietElu`. */
  private quiet(): boolean {
    const now = performance.eventLoopUtilization();
    const u = performance.eventLoopUtilization(now, this.last).utilization;
    this.last = now;
    return u < this.o.quietElu;
  }

  private look(): void {
    if (this.timer) return; // a trim is under way
    if (!this.quiet()) {
      this.dirty = true;
      this.quietInRow = 0;
    } else if (++this.quietInRow < this.o.quietChecks) return;
    else if (!this.dirty) this.unwatch(); // quiet, nothing to give back: sleep until a request
    else if (performance.now() - this.lastTrimAt >= this.o.minIntervalMs) {
      this.report = { newMB: [mb(newSpaceBytes()), 0], heapMB: [heapMB(), 0], scavenges: 0, gcMs: 0 };
      this.later(() => this.step(1));
    }
  }

  private later(fn: () => void): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      fn();
    }, this.o.stepMs).unref();
  }

  /** A GC, its time not counted as load. */
  private collect(type: 'major' | 'minor'): void {
    const t0 = performance.now();
    // a plain gc() is V8's full, synchronous GC; Node 20's V8 does not collect on gc({ type: 'major' })
    if (type === 'major') this.gc();
    else this.gc({ type });
    this.report.gcMs += performance.now() - t0;
    this.last = performance.eventLoopUtilization();
  }

  /** Scavenges until V8 has shrunk new space (or `maxSteps`), then the full GCs. */
  private step(n: number): void {
    if (!this.quiet()) return; // requests again: still dirty, the next quiet look starts over
    const big = () => newSpaceBytes() > this.o.slackBytes;
    if (big()) {
      this.collect('minor');
      this.report.scavenges++;
    }
    if (big() && n < this.o.maxSteps) this.later(() => this.step(n + 1));
    else this.fullGcs();
  }

  // the first full GC finds the garbage and sweeps it concurrently; the pages it emptied are given
  // back at the next one (measured after the HTTP load: old space 17.5 → 17.5 → 14.8 MB).
  //
  // What a burst leaves besides garbage is compiled code: a heap-snapshot diff before and after the
  // HTTP load (and the web UI's pages) was +2 MB of bytecode, Sparkplug baseline code, feedback
  // vectors and optimized code for the functions the requests ran, which V8 keeps for ever in an
  // idle process (it ages code only at full GCs, and an idle process makes none). With a bytecode
  // age of 1 and baseline code flushable during these GCs, code not run since the burst is dropped
  // and recompiled from source if it runs again, as boot-gc.ts does after start. Measured
  // (`http.httpd.pss`, alternating runs): 27.1 → 24.0–24.3 MB, code space 1.7 → 0.7 MB; throughput
  // under load unchanged (the trim never runs under load: ratios 0.60–0.71 without, 0.60–0.82
  // with); the first request after a trim pays the recompile, ~5 ms once (param.cgi 3.5 → 8.4 ms).
  private fullGcs(): void {
    // V8 compacts only the pages its heuristics pick; these GCs move every live object so the
    // burst's half-empty pages go back too (flags V8 reads at each full GC; V8's defaults after)
    setFlagsFromString('--compact-on-every-full-gc');
    setFlagsFromString('--bytecode-old-age=1');
    setFlagsFromString('--flush-baseline-code');
    // two to age the burst's code past 1, the third (later) flushes it and returns the pages
    this.collect('major');
    this.collect('major');
    // (the last is not checked for quiet: one more GC costs less than starting over)
    this.later(() => {
      this.collect('major');
      setFlagsFromString('--no-compact-on-every-full-gc');
      setFlagsFromString(`--bytecode-old-age=${V8_BYTECODE_OLD_AGE}`);
      setFlagsFromString('--no-flush-baseline-code');
      this.trims++;
      this.dirty = false;
      this.lastTrimAt = performance.now();
      const r = this.report;
      r.newMB[1] = mb(newSpaceBytes());
      r.heapMB[1] = heapMB();
      // then malloc's share: what the burst freed between live chunks (OpenSSL's per-connection
      // state above all), once V8's sweeper threads have freed their part
      this.later(() => {
        const t0 = performance.now();
        r.mallocTrimmed = mallocTrim();
        r.gcMs = Math.round((r.gcMs + performance.now() - t0) * 10) / 10;
        // its time is not load either (as the GCs' in collect)
        this.last = performance.eventLoopUtilization();
        this.onTrim?.(r);
      });
    });
  }
}

export function startIdleTrim(opts: Partial<typeof TRIM> = {}, onTrim?: (r: TrimReport) => void): IdleTrim {
  return new IdleTrim(opts, onTrim);
}
