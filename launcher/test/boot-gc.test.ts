import t from 'tap';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BOOT_GC, gcAfterBoot } from '../src/boot-gc.js';

const space = (name: string) => getHeapSpaceStatistics().find((s) => s.space_name === name)!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => (bytes / 1048576).toFixed(1);

t.test('after boot a host gives back the young generation and part-empty old-space pages', async (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // what a start leaves: objects in old space, three in four of them dropped since (every page
  // keeps a quarter, which V8's own heuristics leave where it is), and a grown new space
  const all = Array.from({ length: 8 }, () => Array.from({ length: 100_000 }, (_, i) => ({ i, s: `y${i}` })));
  gc();
  const kept = all.map((a) => a.filter((_, i) => i % 4 === 0));
  all.length = 0;
  gc();
  let young: unknown[] = [];
  for (let i = 0; i < 3_000_000 && space('new_space').physical_space_size < 6 * 1048576; i++) {
    young.push({ i, a: [i] });
    if (young.length > 100_000) young = [];
  }
  const before = space('old_space');
  t.ok(space('new_space').physical_space_size > 4 * 1048576, `new space grown: ${mb(space('new_space').physical_space_size)} MB`);
  gcAfterBoot({ ...BOOT_GC, delayMs: 10, stepMs: 10 });
  await sleep(1500);
  const old = space('old_space');
  // without the compaction ~38 MB of these pages stay committed (measured)
  t.ok(old.physical_space_size - old.space_used_size < 4 * 1048576, `old space committed beyond its live objects: ${mb(old.physical_space_size - old.space_used_size)} MB (${mb(before.physical_space_size - before.space_used_size)} MB before)`);
  t.ok(space('new_space').physical_space_size <= 1.5 * 1048576, `new space back to ${mb(space('new_space').physical_space_size)} MB`);
  t.equal(kept.flat().length, 8 * 25_000, 'what is alive stays');
});
