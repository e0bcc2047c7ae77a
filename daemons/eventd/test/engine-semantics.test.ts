import t from 'tap';
import { acts, halts, harness, on, PULSE, until, UNLIMITED, VI } from './engine-harness.js';

t.test('a trigger on a stateful event fires once per change to matching, while the other conditions hold', async (t) => {
  const h = await harness();
  t.teardown(() => h.stop());
  h.setVI(2, false);
  h.setVI(1, false);
  h.rule({ name: 'door', startEvent: on(1), conditions: [on(2)] });
  h.setVI(1, true); // condition 2 does not hold: nothing
  await h.barrier();
  t.equal(acts(h, 'door'), 0, 'not while the other condition does not hold');
  h.setVI(1, false);
  h.setVI(2, true);
  await h.barrier();
  t.equal(acts(h, 'door'), 0, 'the condition coming true is not a trigger');
  h.setVI(1, true);
  await until(() => acts(h, 'door') === 1, 'the first firing');
  h.setVI(1, true); // the same state again is no change
  await h.barrier();
  t.equal(acts(h, 'door'), 1, 'once per trigger');
  h.setVI(1, false);
  h.setVI(1, true);
  await until(() => acts(h, 'door') === 2, 'the second trigger');
  t.same(h.calls.find((c) => c.params.text === 'door')!.params, { text: 'door', n: 1 }, 'params converted by their declared types, empty ones left out');
});

t.test('a stateless trigger fires every time its filter matches', async (t) => {
  const h = await harness();
  t.teardown(() => h.stop());
  h.rule({ name: 'pulse3', startEvent: { topic: PULSE, content: 'boolean(//SimpleItem[@Name="n" and @Value="3"])' } });
  for (const n of [1, 3, 2, 3, 3]) h.pulse(n);
  await until(() => acts(h, 'pulse3') === 3, 'three firings');
  await h.barrier();
  t.equal(acts(h, 'pulse3'), 3);
});

t.test('a rule without a trigger is active while all conditions hold; an inverted condition holds while its state does not', async (t) => {
  const h = await harness();
  t.teardown(() => h.stop());
  h.setVI(3, false);
  h.setVI(4, false);
  const r = h.rule({ name: 'level', conditions: [on(3), { ...on(4), invert: true }] });
  await h.barrier();
  t.equal(acts(h, 'level'), 0);
  t.notOk(h.part.engine.isActive(r.id));
  h.setVI(3, true);
  await until(() => acts(h, 'level') === 1, 'activation');
  t.ok(h.part.engine.isActive(r.id));
  h.setVI(4, true); // the inverted condition stops holding
  await h.barrier();
  t.notOk(h.part.engine.isActive(r.id));
  h.setVI(4, false);
  await until(() => acts(h, 'level') === 2, 'a second activation');
});

t.test('an unlimited action starts when the rule becomes active and stops when it stops holding', async (t) => {
  const h = await harness();
  t.teardown(() => h.stop());
  h.setVI(5, false);
  h.rule({ name: 'ring', conditions: [on(5)] }, { template: UNLIMITED, params: { text: 'ring', n: '2', flag: 'true' } });
  h.setVI(5, true);
  await until(() => acts(h, 'ring') === 1, 'start');
  t.same(h.calls.at(-1)!.params, { text: 'ring', n: 2, flag: true });
  h.setVI(5, true);
  await h.barrier();
  t.equal(acts(h, 'ring'), 1, 'not started again while running');
  t.equal(halts(h), 0);
  h.setVI(5, false);
  await until(() => halts(h) === 1, 'stop');
  const order = h.calls.filter((c) => c.params.text === 'ring' || c.method === 'halt').map((c) => c.method);
  t.same(order, ['act', 'halt'], 'started, then stopped');
});

t.test('a trigger rule with an unlimited action runs while the triggering state matches (no other conditions)', async (t) => {
  const h = await harness();
  t.teardown(() => h.stop());
  h.setVI(6, false);
  h.rule({ name: 'held', startEvent: on(6) }, { template: UNLIMITED, params: { text: 'held', n: '0', flag: '' } });
  h.setVI(6, true);
  await until(() => acts(h, 'held') === 1, 'start');
  h.setVI(6, false);
  await until(() => halts(h) === 1, 'stop');
});

t.test('wait between actions suppresses re-firing for that long', async (t) => {
  const h = await harness();
  t.teardown(() => h.stop());
  h.rule({ name: 'waits', startEvent: { topic: PULSE }, activationTimeoutMs: 3_600_000 });
  h.pulse(1);
  await until(() => acts(h, 'waits') === 1, 'the first firing');
  h.pulse(2);
  h.pulse(3);
  await h.barrier();
  t.equal(acts(h, 'waits'), 1, 'suppressed during the wait');
  const short = h.rule({ name: 'short', startEvent: { topic: PULSE }, activationTimeoutMs: 1 });
  h.pulse(4);
  await until(() => acts(h, 'short') === 1, 'short wait: first');
  await new Promise((r) => setTimeout(r, 5));
  h.pulse(5);
  await until(() => acts(h, 'short') === 2, 'short wait over: fires again');
  t.ok(short.id);
});

t.test('the wait is kept across a restart (the last start time is saved); rules survive it', async (t) => {
  const h = await harness({ waitSaveMs: 1 });
  t.teardown(() => h.stop());
  h.rule({ name: 'hourly', startEvent: { topic: PULSE }, activationTimeoutMs: 3_600_000 });
  h.rule({ name: 'always', startEvent: { topic: PULSE } });
  h.pulse(1);
  await until(() => acts(h, 'hourly') === 1 && acts(h, 'always') === 1, 'first firings');
  await h.restart();
  t.same(h.store.list('rules').filter((r) => r.name !== 'probe').map((r) => r.name), ['hourly', 'always'], 'rules kept');
  h.pulse(2);
  await until(() => acts(h, 'always') === 2, 'the rule without a wait fires after the restart');
  await h.barrier();
  t.equal(acts(h, 'hourly'), 1, 'the wait still holds after the restart');
});

t.test('state present at start: a condition rule whose conditions hold becomes active; an inverted one waits for the retained state', async (t) => {
  const h = await harness();
  t.teardown(() => h.stop());
  h.setVI(7, true);
  h.setVI(8, true);
  await h.barrier(); // the states have reached the engine
  h.rule({ name: 'held7', conditions: [on(7)] });
  h.rule({ name: 'not8', conditions: [{ ...on(8), invert: true }] });
  await until(() => acts(h, 'held7') === 1, 'held7 active');
  await h.restart();
  await until(() => acts(h, 'held7') === 2, 'held7 active again after the restart (its condition holds)');
  await h.barrier();
  t.equal(acts(h, 'not8'), 0, 'the inverted condition did not fire before port 8 was known to be active');
});

t.test('a rule edit takes effect, a disabled or removed rule stops its unlimited action', async (t) => {
  const h = await harness();
  t.teardown(() => h.stop());
  h.setVI(9, false);
  const r = h.rule({ name: 'edit', conditions: [on(9)] }, { template: UNLIMITED, params: { text: 'edit', n: '0', flag: '' } });
  h.setVI(9, true);
  await until(() => acts(h, 'edit') === 1, 'start');
  h.store.replace('rules', { ...r, enabled: false });
  await until(() => halts(h) === 1, 'stopped when disabled');
  h.store.replace('rules', { ...r, enabled: true });
  await until(() => acts(h, 'edit') === 2, 'enabled while the condition holds: starts');
  h.store.remove('rules', r.id);
  await until(() => halts(h) === 2, 'stopped when removed');
  t.equal(h.store.get('rules', r.id), undefined);
});

t.test('both spellings of a topic select the same rule', async (t) => {
  const h = await harness();
  t.teardown(() => h.stop());
  h.rule({ name: 'spelled', startEvent: { topic: 'tns1:Device/tnsaxis:IO/tnsaxis:VirtualInput', content: on(10).content } });
  h.setVI(10, false);
  h.setVI(10, true);
  await until(() => acts(h, 'spelled') === 1, 'fired');
  t.ok(VI);
});
