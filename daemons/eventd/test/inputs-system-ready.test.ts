import t from 'tap';
import { REQUIRED_SERVICES, SERVICES, T, subscribeEvents, type BelfryEvent, type Bus } from '@belfry/core';
import { startTestBus } from '@belfry/core/testing';
import { INPUT_EVENTS, SYSTEM_READY } from '../src/inputs/events.js';
import { publishSystemReady } from '../src/inputs/system-ready.js';

/**
 * SystemReady on a real broker: eventd's publisher, with the other required daemons' liveness
 * published by their own bus users (the ACL lets each publish only its own).
 */
t.test('SystemReady: Initialized false, true once every required service (eventd too) is ready, false when one dies', async (t) => {
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

  let unwatch: (() => Promise<void>) | undefined;
  const running = await tb.run({
    name: 'eventd',
    async start(ctx) {
      ctx.events.declare(INPUT_EVENTS);
      unwatch = await publishSystemReady(ctx);
      return { stop: async () => unwatch?.() };
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
  await running.stop();
  t.equal(seen.length, 4, 'nothing else said');
});
