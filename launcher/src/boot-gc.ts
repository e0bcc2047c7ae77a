import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Once, soon after a host's daemons are ready: give back what their start left behind. Loading and
 * starting (schemas compiled, retained declarations read, files parsed) grows the young generation
 * and leaves old-space pages part empty, and an idle process makes no GCs that would return them
 * (measured: audiod 17.1 MB heap committed for 12.7 MB used). A few scavenges `STEP_MS` apart let
 * V8 see the low allocation rate and shrink new space (to 1 MB, V8's least), then two full GCs
 * compact every page. One
 * time only: no timer stays (httpd's own idle trim handles its later bursts).
 */
export const BOOT_GC = { delayMs: 1000, stepMs: 50, scavenges: 30, fullGcs: 3, flushAge: 1 };

/** V8's default (`node --v8-options`): bytecode unused over this many full GCs is flushed. */
const V8_BYTECODE_OLD_AGE = 5;

type Gc = (opts?: { type: 'minor' }) => void;

export function gcAfterBoot(opts = BOOT_GC): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as Gc;
  let n = 0;
  const step = () => {
    if (n++ < opts.scavenges && newSpaceMB() > 1.5) {
      gc({ type: 'minor' });
      return void setTimeout(step, opts.stepMs).unref();
    }
    setFlagsFromString('--compact-on-every-full-gc');
    setFlagsFromString(`--bytecode-old-age=${opts.flushAge}`);
    let full = 0;
    const fullGc = () => {
      gc();
      if (++full < opts.fullGcs) return void setTimeout(fullGc, opts.stepMs).unref();
      setFlagsFromString('--no-compact-on-every-full-gc');
      setFlagsFromString(`--bytecode-old-age=${V8_BYTECODE_OLD_AGE}`);
    };
    fullGc();
  };
  setTimeout(step, opts.delayMs).unref();
}

const newSpaceMB = () => (getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.physical_space_size ?? 0) / 1048576;
