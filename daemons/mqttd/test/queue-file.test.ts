import t from 'tap';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPACT_MIN, PersistentQueue } from '../src/queue.js';

const msg = (i: number) => ({ topic: `t/${i}`, payload: `p${i}`, qos: 1 as const, retain: false });

t.test('the append log: acknowledged adds are on disk, a torn last line is dropped, the limit counts overflow, drop marks delivery', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mqttd-queue-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'queue.log');
  let limit = 3;
  const q = new PersistentQueue(file, () => limit);
  t.same(await Promise.all([1, 2, 3].map((i) => q.add(msg(i)))), [true, true, true]);
  t.equal(await q.add(msg(4)), false, 'over the limit');
  t.equal(q.overflowed, 1);
  // a crash mid-write leaves half a line
  // a crash: the first queue is never closed; what it acknowledged is on disk, and half a line after it
  t.teardown(() => q.close());
  appendFileSync(file, '{"topic":"t/5","payl');
  const again = new PersistentQueue(file, () => limit);
  again.load();
  t.same(again.peek(10), [msg(1), msg(2), msg(3)], 'what was acknowledged, in order; the torn line is gone');
  t.equal(await again.add(msg(7)), false, 'still full');
  again.drop(1);
  t.equal(await again.add(msg(8)), true);
  const check = new PersistentQueue(file, () => limit);
  check.load();
  t.same(check.peek(10), [msg(2), msg(3), msg(8)], 'an add after a torn line is read back');
  again.drop(1);
  const back = new PersistentQueue(file, () => limit);
  back.load();
  t.same(back.peek(10), [msg(3), msg(8)], 'delivered messages leave the log');
  back.close();
  limit = 0;
  t.equal(await again.add(msg(6)), false, 'a limit of 0 keeps nothing');
  again.close();
  const third = new PersistentQueue(file, () => 10);
  third.load();
  t.equal(third.length, 2);
  third.close();
});

t.test('delivery appends a done marker a crash reads back; a mostly delivered log is compacted', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mqttd-queue-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'queue.log');
  const n = COMPACT_MIN * 2;
  const q = new PersistentQueue(file, () => n + 1);
  t.teardown(() => q.close());
  await Promise.all(Array.from({ length: n }, (_, i) => q.add(msg(i))));
  q.drop(3);
  t.same(readFileSync(file, 'utf8').trim().split('\n').pop(), '{"done":3}', 'a marker, not a rewrite');
  // a crash: the queue is never closed
  const again = new PersistentQueue(file, () => n + 1);
  again.load();
  t.same(again.peek(2), [msg(3), msg(4)], 'the delivered ones are not sent again');
  t.equal(again.length, n - 3);
  again.close();
  q.drop(COMPACT_MIN - 3);
  t.equal(q.lines, n, 'half delivered: still markers');
  q.drop(1);
  t.equal(q.lines, n - COMPACT_MIN - 1, 'more delivered than live: compacted');
  t.equal(readFileSync(file, 'utf8').trim().split('\n').length, n - COMPACT_MIN - 1);
  const third = new PersistentQueue(file, () => n + 1);
  third.load();
  t.same(third.peek(1), [msg(COMPACT_MIN + 1)]);
  const epoch = third.epoch;
  third.clear();
  t.equal(third.length, 0, 'clear forgets every message');
  t.not(third.epoch, epoch, 'and tells a running drain');
  third.close();
  const fourth = new PersistentQueue(file, () => n + 1);
  fourth.load();
  t.equal(fourth.length, 0, 'cleared on disk');
});
