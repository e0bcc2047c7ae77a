import t from 'tap';
import { Type } from 'typebox';
import { pino } from 'pino';
import { DEADLINE_PROPERTY, RpcCaller, RpcServer, T, defineContract, type CallMeta } from '../src/index.js';
import { startTestBus } from '../src/testing.js';

const CALC = defineContract({
  name: 'alpha',
  methods: {
    add: { params: Type.Object({ x: Type.Number(), y: Type.Number() }, { additionalProperties: false }), result: Type.Number(), callers: 'apps' },
    reset: { params: Type.Object({}, { additionalProperties: false }), result: Type.Null(), callers: 'daemons' },
    front: { params: Type.Object({}), result: Type.String(), callers: 'frontDoor' },
    named: { params: Type.Object({}), result: Type.String(), callers: ['beta'] },
  },
});

function recordingLog() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { log, lines };
}

t.test('a contract server checks params by schema and callers by bus identity', async (t) => {
  const tb = await startTestBus(['alpha', 'beta', 'httpd']);
  t.teardown(() => tb.stop());
  const app = await tb.addApp('calc');
  t.equal(app, 'app-calc');
  const a = await tb.connect('alpha');
  let resets = 0;
  const { log, lines } = recordingLog();
  await new RpcServer(a, 'alpha', log)
    .addContract(CALC, {
      add: ({ x, y }) => x + y,
      reset: () => {
        resets++;
        return null;
      },
      front: (_p, meta) => meta.caller,
      named: (_p, meta) => meta.caller,
    })
    .listen();
  const client = async (user: string) => {
    const rpc = new RpcCaller(await tb.connect(user));
    t.teardown(() => rpc.close());
    return rpc.client(CALC);
  };
  const beta = await client('beta');
  const httpd = await client('httpd');
  const asApp = await client(app);

  t.equal(await beta.add({ x: 2, y: 40 }), 42, 'typed client from the contract');
  t.equal(await asApp.add({ x: 1, y: 2 }), 3, 'an app calls a method that lists apps');
  await t.rejects(beta.add({ x: 1, y: 2, z: 3 } as never), { code: 'bad_request' }, 'params checked against the TypeBox schema');
  await t.rejects(asApp.reset({}), { code: 'permission_denied' }, 'an app may not call a daemons-only method');
  t.equal(resets, 0, 'the refused call did nothing');
  t.equal(await beta.reset({}), null, 'a daemon may');
  await t.rejects(beta.front({}), { code: 'permission_denied' }, 'frontDoor: only httpd');
  t.equal(await httpd.front({}), 'httpd');
  await t.rejects(httpd.named({}), { code: 'permission_denied' }, 'a list names its callers');
  t.equal(await beta.named({}), 'beta');
  t.match(lines, [{ msg: 'rpc refused: caller not allowed', method: 'reset', caller: 'app-calc' }], 'refusals are logged with method and caller');
  t.throws(() => new RpcServer(a, 'alpha').addContract(CALC, { add: () => 1 } as never), { code: 'invalid_argument' }, 'every contract method needs a handler');
});

t.test('requests past their deadline are dropped before the handler runs, with a warning', async (t) => {
  const tb = await startTestBus(['alpha', 'beta']);
  t.teardown(() => tb.stop());
  const a = await tb.connect('alpha');
  const b = await tb.connect('beta');
  const calls: CallMeta[] = [];
  const { log, lines } = recordingLog();
  await new RpcServer(a, 'alpha', log).add({ ping: (_p: unknown, meta: CallMeta) => (calls.push(meta), 'pong') }).listen();
  const replies: unknown[] = [];
  await b.subscribe(T.replyFilter('beta'), (_t, p) => replies.push(JSON.parse(p.toString())));
  const send = (id: string, deadline: string) =>
    b.publish(T.rpc('alpha', 'ping', 'beta'), '{}', {
      properties: { responseTopic: T.reply('beta', 'r'), correlationData: Buffer.from(id), userProperties: { [DEADLINE_PROPERTY]: deadline } },
    });
  send('late', String(Date.now() - 1));
  send('bad', 'soon');
  send('ok', String(Date.now() + 60_000));
  const rpc = new RpcCaller(b);
  t.teardown(() => rpc.close());
  t.equal(await rpc.call('alpha', 'ping', {}, 2000), 'pong', 'a caller sends its deadline and gets its answer in time');
  t.equal(calls.length, 2, 'the late request never reached the handler');
  t.ok(calls.every((m) => typeof m.deadline === 'number' && m.deadline > Date.now()), 'handlers see the deadline');
  t.same(
    replies.map((r) => (r as { ok: boolean }).ok),
    [false, true, true],
    'the late one got no reply; the malformed deadline a bad_request',
  );
  t.match(replies[0], { error: { code: 'bad_request' } });
  t.match(lines, [{ msg: 'dropped: deadline passed', method: 'ping', caller: 'beta' }]);
});
