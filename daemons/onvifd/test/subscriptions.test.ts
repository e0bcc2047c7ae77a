import t from 'tap';
import { EventHub, type BelfryEvent } from '@belfry/core';
import { eventFilter } from '@belfry/core/filters';
import { durationMs, terminationAt } from '../src/events/duration.js';
import { SUB_LIMITS, Subscriptions, type Subscription } from '../src/events/subscriptions.js';

const ev = (port: number, active: boolean, op: BelfryEvent['op'] = 'Changed', topic = 'tns1:Device/tnsaxis:IO/VirtualInput'): BelfryEvent => ({ topic, utcTime: new Date().toISOString(), source: { port }, key: {}, data: { active }, op });
const never = new AbortController().signal;

function setup(t: { teardown(fn: () => unknown): void }) {
  const hub = new EventHub();
  const pushed: Subscription[] = [];
  const subs = new Subscriptions(hub, (s) => pushed.push(s));
  t.teardown(() => subs.stop());
  return { hub, subs, pushed };
}

t.test('a new subscription gets every matching instance as Initialized first, then changes', async (t) => {
  const { hub, subs } = setup(t);
  hub.take(ev(1, false, 'Initialized'));
  hub.take(ev(2, true, 'Initialized'));
  hub.take({ ...ev(1, false, 'Initialized'), topic: 'tns1:Device/tnsaxis:Status/SystemReady', source: {} });
  const s = subs.create('pull', 60_000, eventFilter({ topic: 'tns1:Device/tnsaxis:IO/VirtualInput' }))!;
  const first = await subs.pull(s, 0, 100, never);
  t.same(first.map((e) => [e.op, e.source.port]), [['Initialized', 1], ['Initialized', 2]], 'the filtered snapshot');
  const held = subs.pull(s, 5000, 100, never);
  hub.take(ev(2, false));
  t.same((await held).map((e) => [e.op, e.data.active]), [['Changed', false]], 'a held pull answers with the change');
  subs.initialize(s);
  t.equal((await subs.pull(s, 0, 100, never)).every((e) => e.op === 'Initialized'), true, 'SetSynchronizationPoint: Initialized again');
});

t.test('content filters, message limit, the queue bound', async (t) => {
  const { hub, subs } = setup(t);
  const s = subs.create('pull', 60_000, eventFilter({ topic: 'tns1:Device/tnsaxis:IO/VirtualInput', content: 'boolean(//SimpleItem[@Name="port" and @Value="7"])' }))!;
  for (let i = 0; i < SUB_LIMITS.queue + 5; i++) hub.take(ev(7, i % 2 === 0));
  hub.take(ev(8, true));
  t.equal(s.queue.length, SUB_LIMITS.queue, 'at most the bound waits');
  t.equal(s.dropped, 5, 'the oldest went');
  t.equal((await subs.pull(s, 0, 10, never)).length, 10, 'MessageLimit');
  t.ok(s.queue.every((e) => e.source.port === 7), 'only port 7');
});

t.test('a held pull ends at its timeout or when the client leaves; the table is bounded', async (t) => {
  const { subs } = setup(t);
  const s = subs.create('pull', 60_000)!;
  t.same(await subs.pull(s, 20, 10, never), [], 'timeout: empty');
  const ac = new AbortController();
  const held = subs.pull(s, 60_000, 10, ac.signal);
  ac.abort();
  t.same(await held, [], 'client gone: ends');
  for (let i = subs.size; i < SUB_LIMITS.subscriptions; i++) t.ok(subs.create('pull', 60_000));
  t.equal(subs.create('pull', 60_000), undefined, `the ${SUB_LIMITS.subscriptions + 1}th is refused`);
  t.ok(subs.remove(s.id));
  t.notOk(subs.remove(s.id), 'gone once');
});

t.test('lifetimes: clamped, a subscription ends at its termination time', async (t) => {
  const { subs, hub, pushed } = setup(t);
  t.equal(subs.clampLife(undefined), SUB_LIMITS.defaultLifeMs);
  t.equal(subs.clampLife(Date.now() + 10 * 3_600_000), SUB_LIMITS.maxLifeMs, 'cut to the maximum');
  t.equal(subs.clampLife(Date.now() + 1), SUB_LIMITS.minLifeMs, 'raised to the minimum');
  const s = subs.create('push', 60_000, undefined, 'http://127.0.0.1:9/x')!;
  hub.take(ev(1, true, undefined, 'tnsaxis:MediaClip/tnsaxis:Playing'));
  t.equal(pushed.at(-1), s, 'a push subscription is kicked for each event');
  subs.extend(s, 30);
  await new Promise((r) => setTimeout(r, 80));
  t.equal(subs.get(s.id), undefined, 'expired');
});

t.test('durations and termination times', async (t) => {
  t.equal(durationMs('PT2M'), 120_000);
  t.equal(durationMs('PT60S'), 60_000);
  t.equal(durationMs('PT0.5S'), 500);
  t.equal(durationMs('P1DT1H'), 25 * 3_600_000);
  for (const bad of ['P', 'PT', '2M', 'PT-1S', 'PT1Y', '']) t.equal(durationMs(bad), undefined, bad);
  const now = Date.parse('2026-01-15T07:50:45Z');
  t.equal(terminationAt('PT1M', now), now + 60_000);
  t.equal(terminationAt('2026-01-15T07:52:45Z', now), now + 120_000);
  t.equal(terminationAt('tomorrow', now), undefined);
});
