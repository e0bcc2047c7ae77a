import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

const mb = (bytes: number) => Math.round(bytes / 104857.6) / 10;

/** The process's memory as V8 and Node see it (MB): what smaps cannot tell apart. */
export function memoryFigures(trims: number) {
  const h = getHeapStatistics();
  const m = process.memoryUsage();
  const spaces = Object.fromEntries(
    getHeapSpaceStatistics()
      .filter((s) => s.physical_space_size > 0)
      .map((s) => [s.space_name, { committedMB: mb(s.physical_space_size), usedMB: mb(s.space_used_size) }]),
  );
  return { rssMB: mb(m.rss), heapCommittedMB: mb(h.total_physical_size), heapUsedMB: mb(h.used_heap_size), externalMB: mb(m.external), arrayBuffersMB: mb(m.arrayBuffers), mallocedMB: mb(h.malloced_memory), spaces, trims };
}

/**
 * Debugging aid, and the bench's source for heap figures: on SIGUSR2 the figures go to `file`
 * (JSON, replaced atomically). Costs nothing until signalled.
 */
export function memoryReportOnSignal(file: string, trims: () => number): () => void {
  const write = () => {
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o750 });
      writeFileSync(`${file}.tmp`, JSON.stringify({ at: new Date().toISOString(), ...memoryFigures(trims()) }) + '\n', { mode: 0o640 });
      renameSync(`${file}.tmp`, file);
    } catch {
      /* a debugging aid never takes httpd down */
    }
  };
  process.on('SIGUSR2', write);
  return () => process.off('SIGUSR2', write);
}
