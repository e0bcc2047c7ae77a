import t from 'tap';
import { RateLimit } from '../src/rate-limit.js';

t.test('a burst, then the rate; per sender and in total; the sender table is bounded', async (t) => {
  let now = 0;
  const rl = new RateLimit({ burst: 10, perSecond: 5, senderBurst: 4, senderPerSecond: 2, maxSenders: 3 }, () => now);
  const takes = (who: string, n: number) => Array.from({ length: n }, () => rl.take(who)).filter(Boolean).length;
  t.equal(takes('a', 10), 4, 'one sender: its burst');
  now += 1000;
  t.equal(takes('a', 10), 2, 'then its rate');
  t.equal(takes('b', 4) + takes('c', 4), 8, 'other senders have bursts of their own');
  t.equal(takes('f', 4), 0, 'but the total is spent');
  t.equal(rl.dropped, 6 + 8 + 4);
  now += 10_000;
  t.equal(takes('d', 1) + takes('e', 1), 2, 'new senders push the oldest out');
  t.equal(takes('a', 5), 4, 'a forgotten sender starts with a full burst');
});
