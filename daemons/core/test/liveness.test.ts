import t from 'tap';
import { runDaemon, watchSystemReady, T, type DaemonModule, type RpcCaller } from '../src/index.js';
import { startTestBus } from '../src/testing.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('daemon liveness: starting → ready → stopped, and dead by last will', async (t) => {
  const tb = await startTestBus(['alpha', 'beta', 'watcher']);
  t.teardown(() => tb.stop());
  const w = await tb.connect('watcher');
  const states: string[] = [];
  await w.subscribe(T.state('alpha'), (_t, p) => states.push(JSON.parse(p.toString()).state));
  const readyFlips: boolean[] = [];
  await watchSystemReady(w, ['alpha', 'beta'], (ready) => readyFlips.push(ready));

  const mod = (name: string): DaemonModule => ({
    name,
    async start(ctx) {
      await ctx.serve({ hello: () => `hi from ${name}` });
      return { stop: async () => undefined };
    },
  });
  const alpha = await tb.run(mod('alpha'));
  await wait(50);
  t.same(states, ['starting', 'ready']);
  t.same(readyFlips, [], 'not system-ready while beta is missing');
  const beta = await runDaemon(mod('beta'), { root: tb.root, board: tb.board, log: (await import('../src/log.js')).createLogger('beta', 'silent') });
  await wait(50);
  t.same(readyFlips, [true], 'system-ready once every required daemon is ready');
  t.equal(await (beta.ctx.rpc as RpcCaller).call('alpha', 'hello', {}), 'hi from alpha');

  // an unclean death: the broker publishes the will
  alpha.ctx.bus.destroy();
  await wait(200);
  t.equal(states.at(-1), 'dead', 'last will says dead');
  t.same(readyFlips, [true, false], 'system-ready lost');
  await beta.stop();
});

t.test('a failing start leaves no half-started daemon', async (t) => {
  const tb = await startTestBus(['alpha', 'watcher']);
  t.teardown(() => tb.stop());
  const w = await tb.connect('watcher');
  const states: string[] = [];
  await w.subscribe(T.state('alpha'), (_t, p) => states.push(JSON.parse(p.toString()).state));
  await t.rejects(
    tb.run({
      name: 'alpha',
      async start() {
        throw new Error('boom');
      },
    }),
    { message: 'boom' },
  );
  await wait(200);
  t.equal(states.at(-1), 'dead', 'a daemon that failed to start is dead');
  t.notOk(states.includes('ready'), 'and was never ready');
});

t.test('after a broker restart, daemons reconnect and restore their retained state and service', async (t) => {
  const tb = await startTestBus(['alpha', 'beta', 'watcher']);
  t.teardown(() => tb.stop());
  const alpha = await tb.run({
    name: 'alpha',
    async start(ctx) {
      ctx.events.declare([{ topic: 'tns1:Test/State', niceName: 'x', stateful: true, source: [], data: [{ name: 'v', type: 'xsd:int' }] }]);
      ctx.events.setState('tns1:Test/State', {}, { v: 7 });
      await ctx.serve({ ping: () => 'pong' });
      return { stop: async () => undefined };
    },
  });
  tb.killBroker();
  await wait(100);
  await tb.restartBroker();
  // mqtt.js reconnects every 250 ms
  for (let i = 0; i < 40 && !alpha.ctx.bus.connected; i++) await wait(50);
  await wait(100);
  const w = await tb.connect('watcher');
  const retained: Record<string, string> = {};
  await w.subscribe('belfry/#', (topic, p) => (retained[topic] = p.toString()));
  await wait(150);
  t.equal(JSON.parse(retained[T.state('alpha')]!).state, 'ready', 'liveness republished');
  t.equal(JSON.parse(retained['belfry/event/alpha/tns1:Test/State/~']!).data.v, 7, 'stateful event republished');
  t.ok(retained[T.decl('alpha', 'events')], 'declarations republished');
  const beta = await tb.connect('beta');
  const { RpcCaller } = await import('../src/rpc.js');
  const rpc = new RpcCaller(beta);
  t.teardown(() => rpc.close());
  t.equal(await rpc.call('alpha', 'ping', {}), 'pong', 'service subscription restored');
});
