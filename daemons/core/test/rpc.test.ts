import t from 'tap';
import { BelfryError, RpcCaller, RpcServer, serve, T } from '../src/index.js';
import { startTestBus } from '../src/testing.js';

t.test('RPC between two bus users, with structured errors', async (t) => {
  const tb = await startTestBus(['alpha', 'beta', 'mallory']);
  t.teardown(() => tb.stop());
  const a = await tb.connect('alpha');
  const b = await tb.connect('beta');
  type Calc = {
    add(p: { x: number; y: number }): number;
    fail(p: Record<string, never>): never;
    crash(p: Record<string, never>): never;
    slow(p: { ms: number }): string;
    who(p: Record<string, never>): string;
  };
  await serve<Calc>(
    a,
    'alpha',
    {
      add: ({ x, y }) => x + y,
      fail: () => {
        throw new BelfryError('invalid_argument', 'bad thing', { name: 'Foo.Bar' });
      },
      crash: () => {
        throw new TypeError('secret internals /etc/shadow');
      },
      slow: async ({ ms }) => {
        await new Promise((r) => setTimeout(r, ms));
        return 'late';
      },
      who: (_p, meta) => meta.caller,
    },
    { schemas: { add: { type: 'object', required: ['x', 'y'], properties: { x: { type: 'number' }, y: { type: 'number' } } } } },
  );
  const rpc = new RpcCaller(b);
  t.teardown(() => rpc.close());
  const calc = rpc.client<Calc>('alpha');

  t.equal(await calc.add({ x: 2, y: 40 }), 42, 'typed call returns the result');
  t.equal(await calc.who({}), 'beta', 'the server learns the authenticated caller');

  await t.rejects(calc.fail({}), { code: 'invalid_argument', message: 'bad thing', target: 'Foo.Bar' }, 'BelfryError travels with code and name');
  await t.rejects(calc.crash({}), { code: 'internal', message: 'internal error' }, 'unexpected errors hide their internals');
  await t.rejects(calc.add({ x: 'no' } as never), { code: 'bad_request' }, 'schema violations are bad_request');
  await t.rejects(rpc.call('alpha', 'nope', {}), { code: 'unknown_method' }, 'unknown method');
  await t.rejects(rpc.call('alpha', 'slow', { ms: 300 }, 50), { code: 'timeout' }, 'timeout');
  await t.rejects(rpc.call('nobody', 'x', {}, 100), { code: 'timeout' }, 'no server → timeout');
  await t.rejects(rpc.call('bad/name', 'x', {}), { code: 'invalid_argument' }, 'topic characters refused in names');
  // the server is still healthy after all of that
  t.equal(await calc.add({ x: 1, y: 1 }), 2);
});

t.test('malformed bus messages get errors or are dropped, never crash the server', async (t) => {
  const tb = await startTestBus(['alpha', 'beta']);
  t.teardown(() => tb.stop());
  const a = await tb.connect('alpha');
  const b = await tb.connect('beta');
  await new RpcServer(a, 'alpha').add({ ping: () => 'pong' }).listen();
  const replies: string[] = [];
  await b.subscribe(T.replyFilter('beta'), (_t, p) => replies.push(p.toString()));
  const corr = { correlationData: Buffer.from('c1'), responseTopic: T.reply('beta', 'r') };
  b.publish(T.rpc('alpha', 'ping', 'beta'), '{not json', { properties: corr });
  b.publish(T.rpc('alpha', 'ping', 'beta'), Buffer.from([0xff, 0xfe, 0x00]), { properties: corr });
  b.publish(T.rpc('alpha', 'ping', 'beta'), 'null'); // no response topic: dropped
  b.publish(T.rpc('alpha', 'ping', 'beta'), '{}', { properties: { responseTopic: 'belfry/reply/alpha/x' } }); // not the caller's
  await new Promise((r) => setTimeout(r, 200));
  t.same(
    replies.map((r) => JSON.parse(r)),
    [
      { ok: false, error: { code: 'bad_request', message: 'request is not valid JSON' } },
      { ok: false, error: { code: 'bad_request', message: 'request is not valid JSON' } },
    ],
  );
  const rpc = new RpcCaller(b);
  t.teardown(() => rpc.close());
  t.equal(await rpc.call('alpha', 'ping', undefined), 'pong', 'still serving');
});

t.test('the ACL: nobody publishes under another daemon’s name', async (t) => {
  const tb = await startTestBus(['alpha', 'beta', 'mallory']);
  t.teardown(() => tb.stop());
  const a = await tb.connect('alpha');
  const m = await tb.connect('mallory');
  const seen: string[] = [];
  const cli = await tb.connect('cli');
  await cli.subscribe('belfry/#', (topic) => seen.push(topic));
  let calls = 0;
  await new RpcServer(a, 'alpha').add({ ping: () => ++calls }).listen();
  // impersonation attempts: events and state under alpha's name, an RPC claiming to come from beta
  m.publish('belfry/event/alpha/tns1:Device/Fake', '{}');
  m.publish(T.state('alpha'), '{"state":"dead"}', { retain: true });
  m.publish(T.rpc('alpha', 'ping', 'beta'), '{}', { properties: { responseTopic: T.reply('beta', 'r'), correlationData: Buffer.from('x') } });
  // allowed: its own
  m.publish('belfry/event/mallory/tns1:Device/Own', '{}');
  await new Promise((r) => setTimeout(r, 200));
  t.same(seen, ['belfry/event/mallory/tns1:Device/Own'], 'only mallory’s own topic got through');
  t.equal(calls, 0, 'the forged request never reached alpha');
  // mosquitto 2.0 grants any subscription but delivers only what the ACL lets a user read
  const snooped: string[] = [];
  await m.subscribe(T.replyFilter('beta'), (topic) => snooped.push(topic));
  await m.subscribe('belfry/rpc/alpha/#', (topic) => snooped.push(topic));
  const b = await tb.connect('beta');
  const rpc = new RpcCaller(b);
  t.teardown(() => rpc.close());
  t.equal(await rpc.call('alpha', 'ping', {}), 1, 'a real call goes through');
  await new Promise((r) => setTimeout(r, 100));
  t.same(snooped, [], 'mallory sees neither the request to alpha nor the reply to beta');
  // cli only reads
  cli.publish('belfry/event/cli/x', '{}');
  await new Promise((r) => setTimeout(r, 100));
  t.notOk(seen.includes('belfry/event/cli/x'), 'cli cannot publish');
});

t.test('a refused bus login fails fast', async (t) => {
  const tb = await startTestBus(['alpha']);
  t.teardown(() => tb.stop());
  const { Bus } = await import('../src/bus.js');
  await t.rejects(Bus.connect({ socketPath: tb.paths.busSocket, credentials: { username: 'alpha', password: 'wrong' }, connectTimeoutMs: 3000 }), { code: 'permission_denied' });
});
