import t from 'tap';
import { routeServer } from '@belfry/core/http';
import { forwardedAs } from '@belfry/core/testing';
import { ENGINE_ROUTES } from '../src/contract/engine.js';
import { LIMITS } from '../src/model.js';
import { acts, FIXED, harness, on, PULSE, until, VI } from './engine-harness.js';

async function api(t: { teardown(fn: () => unknown): void }, opts: { seed?: boolean } = {}) {
  const h = await harness(opts);
  const app = forwardedAs(routeServer(ENGINE_ROUTES, h.part.handlers!));
  t.teardown(async () => {
    await app.close();
    await h.stop();
  });
  const call = async (method: string, url: string, body?: unknown) => {
    const r = await app.inject({ method: method as 'GET', url, ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : undefined };
  };
  return { h, call };
}

const door = { name: 'Door', enabled: true, wait: '00:01:30', conditions: [{ ...on(1), trigger: true }, { ...on(2), invert: true }], action: { template: FIXED, params: { text: 'door', n: '5' } } };

t.test('templates and topics come from the catalogue', async (t) => {
  const { call } = await api(t);
  const tpl = await call('GET', '/api/v1/events/templates');
  t.equal(tpl.status, 200);
  t.match(tpl.body.templates.find((x: { id: string }) => x.id === FIXED), { niceName: 'Act', unlimited: false, params: [{ name: 'text', type: 'string' }, { name: 'n', type: 'int', min: 0, max: 100 }, { name: 'flag', optional: true }] });
  t.ok(tpl.body.templates.find((x: { id: string }) => x.id === 'com.axis.action.unlimited.test').unlimited);
  const top = await call('GET', '/api/v1/events/topics');
  t.match(top.body.topics.find((x: { topic: string }) => x.topic === VI), { stateful: true, source: [{ name: 'port' }] });
  t.ok(top.body.topics.some((x: { topic: string }) => x.topic === 'tns1:Device/tnsaxis:SystemMessage/tnsaxis:ActionFailed'), 'eventd declares ActionFailed');
});

t.test('a rule with its action: create, read, fire, replace, remove', async (t) => {
  const { h, call } = await api(t);
  const made = await call('POST', '/api/v1/events/rules', door);
  t.equal(made.status, 201);
  const got = await call('GET', `/api/v1/events/rules/${made.body.id}`);
  t.same(got.body, {
    id: made.body.id,
    name: 'Door',
    enabled: true,
    preconfigured: false,
    active: false,
    wait: '00:01:30',
    waitSeconds: 90,
    conditions: door.conditions,
    actionId: got.body.actionId,
    action: { template: FIXED, params: { text: 'door', n: '5', flag: '' } },
  }, 'in the UI shape; the unused optional parameter filled in as empty');
  t.same(h.store.get('actions', got.body.actionId)!.name, 'Door', 'the action configuration was made with the rule');
  h.setVI(2, false);
  h.setVI(1, false);
  h.setVI(1, true);
  await until(() => acts(h, 'door') === 1, 'the rule fires');
  t.equal((await call('GET', '/api/v1/events/rules')).body.rules.find((r: { id: number }) => r.id === made.body.id).active, true, 'active after its trigger');

  const put = await call('PUT', `/api/v1/events/rules/${made.body.id}`, { ...door, name: 'Door 2', wait: 3600, action: { template: FIXED, params: { text: 'door2', n: '6', flag: 'true' } } });
  t.equal(put.status, 200);
  const again = await call('GET', `/api/v1/events/rules/${made.body.id}`);
  t.match(again.body, { name: 'Door 2', wait: '01:00:00', waitSeconds: 3600, actionId: got.body.actionId, action: { params: { text: 'door2', flag: 'true' } } }, 'the owned action configuration replaced in place');

  t.equal((await call('DELETE', `/api/v1/events/rules/${made.body.id}`)).status, 200);
  t.equal((await call('GET', `/api/v1/events/rules/${made.body.id}`)).status, 404);
  t.equal(h.store.get('actions', got.body.actionId), undefined, 'its action configuration went with it');
});

t.test('a rule without a trigger, a stateless trigger and wait in seconds', async (t) => {
  const { h, call } = await api(t);
  const r = await call('POST', '/api/v1/events/rules', { name: 'Pulse', enabled: true, wait: 0, conditions: [{ topic: PULSE, trigger: true }], action: { template: FIXED, params: { text: 'p', n: '0', flag: '' } } });
  t.equal(r.status, 201);
  h.pulse(1);
  await until(() => acts(h, 'p') === 1, 'fired');
  const level = await call('POST', '/api/v1/events/rules', { name: 'Level', enabled: false, conditions: [on(3)], action: { template: FIXED, params: { text: 'l', n: '0', flag: '' } } });
  t.equal(level.status, 201);
  t.match((await call('GET', `/api/v1/events/rules/${level.body.id}`)).body, { enabled: false, wait: '00:00:00', conditions: [on(3)] });
});

t.test('bad input is a 400 (or 404/409) in the JSON API shape and stores nothing', async (t) => {
  const { h, call } = await api(t);
  const before = () => JSON.stringify([h.store.list('rules'), h.store.list('actions')]);
  const snapshot = before();
  const cases: [string, unknown, number, RegExp][] = [
    ['unknown template', { ...door, action: { template: 'com.nope', params: {} } }, 400, /'com\.nope' is not declared/],
    ['unknown topic', { ...door, conditions: [{ topic: 'tns1:Device/tnsaxis:Nope', trigger: true }] }, 400, /not declared on this device/],
    ['malformed topic filter', { ...door, conditions: [{ topic: 'tns1:Device//x', trigger: true }] }, 400, /topic filter/],
    ['malformed content filter', { ...door, conditions: [{ topic: VI, content: 'boolean(//SimpleItem[@Name=1])', trigger: true }] }, 400, /content filter/],
    ['extra parameter', { ...door, action: { template: FIXED, params: { text: 'x', n: '1', extra: '1' } } }, 400, /no parameter 'extra'/],
    ['missing parameter', { ...door, action: { template: FIXED, params: { n: '1' } } }, 400, /'text' is missing/],
    ['out of range', { ...door, action: { template: FIXED, params: { text: 'x', n: '101' } } }, 400, /within 0–100/],
    ['trigger not first', { ...door, conditions: [on(1), { ...on(2), trigger: true }] }, 400, /only the first condition can be the trigger/],
    ['inverted trigger', { ...door, conditions: [{ ...on(1), trigger: true, invert: true }] }, 400, /trigger cannot be inverted/],
    ['stateless condition', { ...door, conditions: [{ topic: PULSE }] }, 400, /stateless event; it can only be the trigger/],
    ['bad wait', { ...door, wait: '1:90:00' }, 400, /wait/],
    ['wait too long', { ...door, wait: 360_000 }, 400, /wait/],
    ['extra field', { ...door, colour: 'red' }, 400, /unknown field colour/],
    ['name too long', { ...door, name: 'x'.repeat(LIMITS.nameLength + 1) }, 400, /name/],
    ['no conditions', { ...door, conditions: [] }, 400, /conditions/],
    ['too many conditions', { ...door, conditions: Array.from({ length: LIMITS.conditions + 1 }, () => on(1)) }, 400, /conditions/],
    ['not JSON', '{"name":', 400, /not valid JSON/],
  ];
  for (const [what, body, status, why] of cases) {
    const r = await call('POST', '/api/v1/events/rules', body);
    t.equal(r.status, status, `${what}: ${status}`);
    t.match(r.body?.error?.message, why, `${what}: says why`);
  }
  t.equal((await call('POST', '/api/v1/events/rules', { ...door, name: 'x'.repeat(LIMITS.nameLength) })).status, 201, 'a name at its limit');
  t.equal((await call('POST', '/api/v1/events/rules', { ...door, conditions: Array.from({ length: LIMITS.conditions }, () => on(1)) })).status, 201, 'conditions at their limit');
  t.equal((await call('POST', '/api/v1/events/rules', { ...door, wait: '99:59:59' })).status, 201, 'the longest wait');
  const made = h.store.list('rules').length;
  t.equal(made, 3);
  t.not(before(), snapshot);
  const after = before();
  t.equal((await call('PUT', '/api/v1/events/rules/999', door)).status, 404);
  t.equal((await call('DELETE', '/api/v1/events/rules/999')).status, 404);
  t.equal((await call('GET', '/api/v1/events/rules/0')).status, 400, 'an id below 1');
  t.equal((await call('PUT', `/api/v1/events/rules/${h.store.list('rules')[0]!.id}`, { ...door, action: { template: 'com.nope', params: {} } })).status, 400);
  t.equal(before(), after, 'nothing changed by the refused requests');
});

t.test('the 257th rule is refused (409) and nothing is stored', async (t) => {
  const { h, call } = await api(t);
  const a = h.store.add('actions', { name: 'x', template: FIXED, params: { text: 'x', n: '1', flag: '' } });
  for (let i = 0; i < LIMITS.rules - 1; i++) h.store.add('rules', { name: `r${i}`, enabled: false, startEvent: { topic: PULSE }, conditions: [], activationTimeoutMs: 0, primaryAction: a.id });
  t.equal((await call('POST', '/api/v1/events/rules', door)).status, 201, 'the 256th');
  const actions = h.store.list('actions').length;
  const r = await call('POST', '/api/v1/events/rules', door);
  t.same([r.status, r.body.error.code, r.body.error.message], [409, 'limit_exceeded', 'at most 256 rules']);
  t.equal(h.store.list('rules').length, LIMITS.rules);
  t.equal(h.store.list('actions').length, actions, 'no action configuration left behind');
});

t.test('action configurations: list, add, replace, and removal refused while a rule uses one', async (t) => {
  const { call } = await api(t);
  const a = await call('POST', '/api/v1/events/actions', { name: 'Act', template: FIXED, params: { text: 'a', n: '1', flag: '' } });
  t.equal(a.status, 201);
  t.equal((await call('POST', '/api/v1/events/actions', { name: 'Bad', template: FIXED, params: { text: 'a' } })).status, 400);
  t.equal((await call('PUT', `/api/v1/events/actions/${a.body.id}`, { name: 'Act 2', template: FIXED, params: { text: 'b', n: '2', flag: '' } })).status, 200);
  t.match((await call('GET', `/api/v1/events/actions/${a.body.id}`)).body, { name: 'Act 2', params: { text: 'b' }, usedBy: [] });
  const r = await call('POST', '/api/v1/events/rules', door);
  const actionId = (await call('GET', `/api/v1/events/rules/${r.body.id}`)).body.actionId;
  const del = await call('DELETE', `/api/v1/events/actions/${actionId}`);
  t.same([del.status, del.body.error.code], [409, 'failed_precondition']);
  t.match(del.body.error.message, /used by rule/);
  t.equal((await call('DELETE', `/api/v1/events/actions/${a.body.id}`)).status, 200);
  t.match((await call('GET', '/api/v1/events/actions')).body, { actions: [{ id: actionId, usedBy: [r.body.id] }], limit: LIMITS.actions });
});

t.test('a preconfigured rule is listed as such; enabling it while what it needs is missing is refused', async (t) => {
  const { call } = await api(t, { seed: true });
  const rules = (await call('GET', '/api/v1/events/rules')).body.rules;
  const ringer = rules.find((r: { name: string }) => r.name === 'Loud ringer');
  t.match(ringer, { preconfigured: true, enabled: false, action: { template: 'com.axis.action.unlimited.play.audioclip' } });
  const r = await call('PUT', `/api/v1/events/rules/${ringer.id}`, { name: ringer.name, enabled: true, conditions: ringer.conditions, action: ringer.action });
  t.equal(r.status, 409);
  t.match(r.body.error.message, /this preconfigured rule cannot be enabled/);
});
