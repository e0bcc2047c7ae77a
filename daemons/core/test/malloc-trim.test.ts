import t from 'tap';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mallocTrim, nativeFile } from '../src/native.js';

/** This process's resident anonymous memory, kB. */
const rssAnonKb = () => Number(/^RssAnon:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]);

t.test('the build made the addon, and malloc_trim gives back what frees left between live chunks', async (t) => {
  t.ok(nativeFile('malloc-trim.node'), 'found (scripts/build.mjs builds dist/malloc-trim.node)');
  // 40 MB of 4 KB chunks from malloc (Buffer.allocUnsafeSlow: its own backing store each), one
  // in 16 kept: the freed ones sit between live chunks, where only malloc_trim reaches
  const chunks = Array.from({ length: 10_000 }, () => Buffer.allocUnsafeSlow(4096).fill(1));
  const kept = chunks.filter((_, i) => i % 16 === 0);
  chunks.length = 0;
  // the backing stores are freed when V8 collects their Buffers
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) gc();
  await new Promise((r) => setTimeout(r, 200));
  const before = rssAnonKb();
  t.equal(mallocTrim(), true, 'memory was released');
  const after = rssAnonKb();
  t.ok(before - after > 8 * 1024, `resident anonymous memory fell by more than 8 MB (${before} → ${after} kB)`);
  t.equal(kept.length, 625, 'the live chunks stay');
  t.equal(kept[624]![4095], 1, 'and keep their bytes');
});
