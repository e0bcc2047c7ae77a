import t from 'tap';
import { PRECONFIGURED } from '../src/engine/preconfigured.js';
import { harness, until } from './engine-harness.js';

t.test('a device with no configuration gets the preconfigured rules, present but disabled', async (t) => {
  const h = await harness({ seed: true });
  t.teardown(() => h.stop());
  const rules = h.store.list('rules');
  t.same(rules.map((r) => r.name), PRECONFIGURED.map((p) => p.name));
  t.ok(rules.every((r) => r.preconfigured && !r.enabled));
  for (const r of rules) t.ok(h.store.get('actions', r.primaryAction), `${r.name} has its action configuration`);
  t.equal(h.shared.checkRule!({ ...rules[0]!, name: 'renamed' }), undefined, 'a disabled preconfigured rule can be edited');
  const ringer = rules.find((r) => r.name === 'Loud ringer')!;
  t.match(h.shared.checkRule!({ ...ringer, enabled: true }), /this preconfigured rule cannot be enabled: condition 1: topic 'tnsaxis:Call\/State' is not declared/);
  const led = rules.find((r) => r.name.endsWith('SIP'))!;
  t.match(h.shared.checkRule!({ ...led, enabled: true }), /cannot be enabled: condition 1: topic 'belfry:Board\/Switch' is not declared/);
  // once a daemon declares what the loud ringer needs, it can be enabled
  h.owner.events.declare([{ topic: 'tnsaxis:Call/State', niceName: 'State', stateful: true, source: [{ name: 'Source', type: 'xsd:string' }], data: [{ name: 'CallState', type: 'xsd:string' }] }]);
  h.owner.events.declareActions([{ id: 'com.axis.action.unlimited.play.audioclip', niceName: 'Play', service: 'owner', method: 'act', params: [], stopMethod: 'halt' }]);
  await until(() => h.shared.checkRule!({ ...ringer, enabled: true }) === undefined, 'the loud ringer enabled once Call/State and the play action are declared');
});

t.test('a device with a configuration is not seeded again (a removed preconfigured rule stays removed)', async (t) => {
  const h = await harness({ seed: true });
  t.teardown(() => h.stop());
  const first = h.store.list('rules')[0]!;
  h.store.remove('rules', first.id);
  await h.restart();
  t.equal(h.store.list('rules').length, PRECONFIGURED.length - 1);
  t.notOk(h.store.list('rules').some((r) => r.name === first.name));
});
