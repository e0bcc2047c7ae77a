import t from 'tap';
import { join } from 'node:path';
import { REQUIRED_SERVICES, SERVICES, T, subscribeEvents, type BelfryEvent, type Bus } from '@belfry/core';
import { startTestBus } from '@belfry/core/testing';
import { Catalogue } from '../src/catalogue.js';
import { SYSTEM_READY, VIRTUAL_INPUT } from '../src/inputs/events.js';
import { inputsPart } from '../src/inputs/part.js';
import type { Shared } from '../src/part.js';
import { ManualClock } from '../src/schedules/clock.js';
import { EventdStore } from '../src/store.js';

/**
 * SystemReady on a real broker: eventd's publisher, with the other required daemons' liveness
 * published by their own bus users (the ACL lets each publish only its own).
 */
t.test('the inputs part on a real broker: SystemReady false at start, true once every required service (eventd too) is ready, false when one dies; shared.virtualInputs checked', async (t) => {
  const tb = await startTestBus([...SERVICES.map((s) => s.name), 'tester']);
  t.teardown(() => tb.stop());
  const seen: BelfryEvent[] = [];
  const tester = await tb.connect('tester');
  await subscribeEvents(tester, SYSTEM_READY, (ev) => seen.push(ev), 'eventd');
  const others = REQUIRED_SERVICES().filter((n) => n !== 'eventd');
  t.ok(others.length >= 4, 'paramd, httpd, boardd, audiod at least');
  const buses = new Map<string, Bus>();
  for (const n of others) buses.set(n, await tb.connect(n));
  const say = (n: string, state: string) => buses.get(n)!.publishAck(T.state(n), JSON.stringify({ state }), { retain: true });
  for (const n of others) await say(n, 'ready');

  const shared: Shared = { localActions: new Map() };
  const vi: BelfryEvent[] = [];
  await subscribeEvents(tester, VIRTUAL_INPUT, (ev) => vi.push(ev), 'eventd');
  const running = await tb.run({
    name: 'eventd',
    async start(ctx) {
      // the whole inputs part (its store is not used by it)
      const part = await inputsPart(new ManualClock(0))({ ctx, store: new EventdStore(join(tb.root, 'eventd-state')), catalogue: new Catalogue(), shared });
      return { stop: async () => void (await part.stop()) };
    },
  });
  const wait = async (n: number) => {
    for (let i = 0; seen.length < n; i++) {
      if (i > 200) throw new Error(`saw ${JSON.stringify(seen)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  await wait(2);
  t.same(seen.slice(0, 2).map((e) => [e.op, e.data.ready]), [['Initialized', false], ['Changed', true]], 'false at start, true once eventd itself is ready');
  await say(others[0]!, 'dead');
  await wait(3);
  t.same(seen[2]!.data, { ready: false }, `false when ${others[0]} dies`);
  await say(others[0]!, 'ready');
  await wait(4);
  t.same(seen[3]!.data, { ready: true });

  // what the SOAP part's ChangeVirtualInputState uses: checked, then the same inputs as the CGIs
  const set = shared.virtualInputs!.set;
  t.throws(() => set(0, true), { code: 'invalid_argument' });
  t.throws(() => set(33, true), { code: 'invalid_argument' });
  t.throws(() => set(1, true, -1), { code: 'invalid_argument' });
  t.throws(() => set(1, true, 1.5), { code: 'invalid_argument' });
  t.equal(set(1, true), true);
  t.equal(set(1, true), false, 'already active');
  for (let i = 0; !vi.some((e) => e.op === 'Changed') && i < 200; i++) await new Promise((r) => setTimeout(r, 25));
  t.equal(vi.filter((e) => e.op === 'Initialized').length, 32, 'all 32 Initialized at start');
  t.same(vi.filter((e) => e.op === 'Changed').map((e) => [e.source.port, e.data.active]), [[1, true]], 'one change, from the valid call only');

  await running.stop();
  t.equal(seen.length, 4, 'nothing else said');
});
