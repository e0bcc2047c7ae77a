import t from 'tap';
import { EventPublisher, instanceLevel, subscribeEvents, T, type BelfryEvent, type EventDecl } from '../src/index.js';
import { startTestBus } from '../src/testing.js';

const DECLS: EventDecl[] = [
  { topic: 'tns1:Device/tnsaxis:IO/VirtualInput', niceName: 'Virtual input', stateful: true, source: [{ name: 'port', type: 'xsd:int' }], data: [{ name: 'active', type: 'xsd:boolean' }] },
  { topic: 'tnsaxis:MediaClip/tnsaxis:CurrentlyPlaying', niceName: 'Currently playing', stateful: false, source: [], data: [{ name: 'FileName', type: 'xsd:string' }] },
];
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('stateful events are retained per source instance; late subscribers get Initialized', async (t) => {
  const tb = await startTestBus(['alpha', 'beta']);
  t.teardown(() => tb.stop());
  const a = await tb.connect('alpha');
  const pub = new EventPublisher(a, 'alpha');
  pub.declare(DECLS);
  pub.setState('tns1:Device/tnsaxis:IO/VirtualInput', { port: 1 }, { active: false });
  pub.setState('tns1:Device/tnsaxis:IO/VirtualInput', { port: 2 }, { active: false });
  pub.setState('tns1:Device/tnsaxis:IO/VirtualInput', { port: 1 }, { active: true });
  await a.publishAck('belfry/event/alpha/barrier', '');

  const b = await tb.connect('beta');
  const got: BelfryEvent[] = [];
  await subscribeEvents(b, 'tns1:Device/#', (ev) => got.push(ev));
  await wait(100);
  const byPort = Object.fromEntries(got.map((e) => [e.source.port, e]));
  t.equal(got.length, 2, 'one retained state per instance');
  t.same(byPort[1]!.data, { active: true }, 'the latest state of port 1');
  t.equal(byPort[1]!.op, 'Initialized', 'a new subscriber sees Initialized');
  t.equal(byPort[1]!.producer, 'alpha', 'producer comes from the topic');

  got.length = 0;
  pub.setState('tns1:Device/tnsaxis:IO/VirtualInput', { port: 2 }, { active: true });
  await wait(100);
  t.equal(got.length, 1);
  t.equal(got[0]!.op, 'Changed', 'live updates are Changed');

  got.length = 0;
  pub.deleteState('tns1:Device/tnsaxis:IO/VirtualInput', { port: 2 });
  await wait(100);
  t.same(got.map((e) => e.op), ['Deleted'], 'a Deleted event, and the cleared retained message is not delivered as an event');
  const late: BelfryEvent[] = [];
  const c = await tb.connect('beta');
  await subscribeEvents(c, 'tns1:Device/tnsaxis:IO/VirtualInput', (ev) => late.push(ev));
  await wait(100);
  t.same(late.map((e) => e.source.port), [1], 'the deleted instance is gone for late subscribers');
});

t.test('stateless events, declarations and bad input', async (t) => {
  const tb = await startTestBus(['alpha', 'beta']);
  t.teardown(() => tb.stop());
  const a = await tb.connect('alpha');
  const b = await tb.connect('beta');
  const pub = new EventPublisher(a, 'alpha');
  t.throws(() => pub.emit('tnsaxis:MediaClip/tnsaxis:CurrentlyPlaying', { data: { FileName: 'x' } }), { code: 'failed_precondition' }, 'undeclared topic refused');
  t.throws(() => pub.declare([{ ...DECLS[0]!, topic: 'bad/#/topic' }]), { code: 'invalid_argument' }, 'MQTT wildcards refused in topics');
  pub.declare(DECLS);
  t.throws(() => pub.emit('tns1:Device/tnsaxis:IO/VirtualInput', { data: {} }), { code: 'failed_precondition' }, 'emit on a stateful topic refused');
  t.throws(() => pub.setState('tnsaxis:MediaClip/tnsaxis:CurrentlyPlaying', {}, {}), { code: 'failed_precondition' }, 'setState on a stateless topic refused');
  pub.declareActions([{ id: 'play', niceName: 'Play clip', service: 'alpha', method: 'play', params: [{ name: 'clip', type: 'int', min: 0 }] }]);

  const decls: Record<string, unknown> = {};
  await b.subscribe('belfry/decl/+/+', (topic, p) => (decls[topic] = JSON.parse(p.toString())));
  const got: BelfryEvent[] = [];
  await subscribeEvents(b, '#', (ev) => got.push(ev));
  // garbage on an event topic is ignored by subscribers
  a.publish('belfry/event/alpha/tnsaxis:MediaClip/tnsaxis:CurrentlyPlaying', 'not json');
  a.publish('belfry/event/alpha/tnsaxis:MediaClip/tnsaxis:CurrentlyPlaying', '{"topic":1}');
  pub.emit('tnsaxis:MediaClip/tnsaxis:CurrentlyPlaying', { data: { FileName: 'bell.au' } });
  await wait(150);
  t.equal(got.length, 1, 'only the well-formed event arrives');
  t.same(got[0]!.data, { FileName: 'bell.au' });
  t.notOk(got[0]!.op, 'stateless events carry no op');
  t.match(got[0]!.utcTime, /^\d{4}-\d\d-\d\dT/);
  t.equal((decls[T.decl('alpha', 'events')] as EventDecl[]).length, 2, 'event declarations retained');
  t.same((decls[T.decl('alpha', 'actions')] as { id: string }[]).map((x) => x.id), ['play'], 'action declarations retained');
});

t.test('instance levels never contain topic separators or wildcards', async (t) => {
  t.equal(instanceLevel({}), '~');
  t.equal(instanceLevel({ port: 1 }), '~port=1');
  t.equal(instanceLevel({ b: 'x/y+#', a: 2 }), '~a=2&b=x%2Fy%2B%23', 'sorted and encoded');
});
