import t from 'tap';
import { BelfryError } from '@belfry/core';
import { LIMITS } from '../src/model.js';
import { acts, FAILS, FIXED, HANGS, harness, on, PULSE, until, VI } from './engine-harness.js';

t.test('an owner that fails and one that never answers raise ActionFailed and an audit line; other rules go on', async (t) => {
  const h = await harness({ runner: { timeoutMs: 300 } });
  t.teardown(() => h.stop());
  h.rule({ name: 'fails', startEvent: { topic: PULSE } }, { template: FAILS, params: {} });
  h.rule({ name: 'hangs', startEvent: { topic: PULSE } }, { template: HANGS, params: {} });
  h.rule({ name: 'works', startEvent: { topic: PULSE } });
  h.pulse(1);
  await until(() => acts(h, 'works') === 1, 'the working rule');
  await until(() => h.failures.length === 2, 'two ActionFailed events');
  t.match(h.failures.find((f) => f.includes('fails')), /rule 'fails': action 'fails' \(com\.belfry\.test\.fixed\.fail\) failed: the owner refuses/);
  t.match(h.failures.find((f) => f.includes('hangs')), /rule 'hangs'.*did not answer within 300 ms/);
  h.pulse(2);
  await until(() => acts(h, 'works') === 2, 'the working rule again, while the hanging one times out again');
  const { readFileSync } = await import('node:fs');
  const audit = readFileSync(h.tb.paths.log + '/audit-eventd.log', 'utf8').split('\n').filter((l) => l.includes('eventd.action.failed'));
  t.ok(audit.length >= 2, 'audit lines written');
  t.notMatch(audit.join('\n'), /"params"/, 'parameters are not logged');
});

t.test('the action queue is bounded: past concurrency + queue an action fails at once', async (t) => {
  const h = await harness({ runner: { timeoutMs: 5000, concurrency: 2, queue: 3 } });
  t.teardown(() => h.stop());
  for (let i = 0; i < 6; i++) h.rule({ name: `hang${i}`, startEvent: { topic: PULSE } }, { template: HANGS, params: {} });
  h.pulse(1);
  await until(() => h.failures.length === 1, 'one queue-full failure');
  t.match(h.failures[0], /hang5.*the action queue is full \(3 waiting\)/, 'the sixth is refused; five (2 running + 3 waiting) are taken');
});

t.test('a local action (eventd’s own) runs with the same deadline', async (t) => {
  const h = await harness({ runner: { timeoutMs: 200 } });
  t.teardown(() => h.stop());
  const seen: string[] = [];
  h.shared.localActions.set(FIXED, async (params, ev) => {
    seen.push(`${params.text}:${ev?.topic}`);
    if (params.text === 'slow') await new Promise(() => undefined);
  });
  h.rule({ name: 'local', startEvent: { topic: PULSE } }, { params: { text: 'local', n: '1', flag: '' } });
  h.rule({ name: 'slow', startEvent: { topic: PULSE } }, { params: { text: 'slow', n: '1', flag: '' } });
  h.pulse(1);
  await until(() => h.failures.length === 1, 'the slow one fails');
  t.same(seen.sort(), [`local:${PULSE}`, `slow:${PULSE}`]);
  t.match(h.failures[0], /slow.*did not finish within 200 ms/);
});

t.test('checkAction: unknown template, missing, extra, empty required, types and ranges', async (t) => {
  const h = await harness();
  t.teardown(() => h.stop());
  const c = h.shared.checkAction!;
  t.equal(c(FIXED, { text: 'x', n: '100', flag: '' }), undefined, 'at the range limit');
  t.equal(c(FIXED, { text: 'x', n: '0', flag: 'false' }), undefined);
  const cases: [string, Record<string, string>, RegExp][] = [
    ['com.nope', {}, /'com\.nope' is not declared/],
    [FIXED, { text: 'x', n: '1' }, /'flag' is missing \(all parameters must be given; unused ones as empty strings\)/],
    [FIXED, { text: 'x', n: '1', flag: '', extra: '' }, /has no parameter 'extra'/],
    [FIXED, { text: '', n: '1', flag: '' }, /'text' must not be empty/],
    [FIXED, { text: 'x', n: '101', flag: '' }, /'n' must be within 0–100/],
    [FIXED, { text: 'x', n: '-1', flag: '' }, /'n' must be within 0–100/],
    [FIXED, { text: 'x', n: '1.5', flag: '' }, /'n' must be an integer/],
    [FIXED, { text: 'x', n: '1', flag: 'maybe' }, /'flag' must be true or false/],
    [FIXED, { text: 'x'.repeat(LIMITS.paramLength + 1), n: '1', flag: '' }, /longer than 8192/],
    [FIXED, { text: 1 as unknown as string, n: '1', flag: '' }, /'text' must be a string/],
  ];
  for (const [tpl, p, why] of cases) t.match(c(tpl, p), why, JSON.stringify(p).slice(0, 60));
  t.equal(c(FIXED, { text: 'x'.repeat(LIMITS.paramLength), n: '1', flag: '' }), undefined, 'a parameter at its length limit');
});

t.test('checkRule: names, conditions, topics, filters, action, limits', async (t) => {
  const h = await harness();
  t.teardown(() => h.stop());
  const a = h.store.add('actions', { name: 'a', template: FIXED, params: { text: 'a', n: '1', flag: '' } });
  const base = { name: 'r', enabled: true, conditions: [], activationTimeoutMs: 0, primaryAction: a.id, startEvent: { topic: PULSE } };
  const c = h.shared.checkRule!;
  t.equal(c(base), undefined);
  t.equal(c({ ...base, startEvent: undefined, conditions: Array.from({ length: LIMITS.conditions }, () => on(1)) }), undefined, 'at the conditions limit');
  const cases: [object, RegExp][] = [
    [{ name: '' }, /needs a name/],
    [{ name: 'x'.repeat(LIMITS.nameLength + 1) }, /name longer than 255/],
    [{ startEvent: undefined }, /needs a trigger or at least one condition/],
    [{ conditions: Array.from({ length: LIMITS.conditions }, () => on(1)) }, /at most 8 conditions \(the trigger included\)/],
    [{ startEvent: { topic: 'tns1:Device/tnsaxis:Nope' } }, /trigger: topic 'tns1:Device\/tnsaxis:Nope' is not declared/],
    [{ startEvent: { topic: 'tns1:Device//' } }, /trigger: topic filter/],
    [{ startEvent: { topic: VI, content: 'boolean(' } }, /trigger: content filter/],
    [{ conditions: [{ topic: PULSE }] }, /condition 1: .* is a stateless event; it can only be the trigger/],
    [{ primaryAction: 999 }, /no action configuration 999/],
    [{ activationTimeoutMs: -1 }, /wait between actions must be/],
    [{ activationTimeoutMs: 360_000_000 }, /wait between actions must be 0–359999 s/],
    [{ enabled: 'yes' }, /enabled must be true or false/],
  ];
  for (const [over, why] of cases) t.match(c({ ...base, ...over } as never), why, JSON.stringify(over).slice(0, 60));
  t.equal(c({ ...base, activationTimeoutMs: 359_999_000 }), undefined, 'the longest wait');
});

t.test('256 rules load and fire; the 257th is refused and changes nothing; rules survive a restart', async (t) => {
  const h = await harness();
  t.teardown(() => h.stop());
  const a = h.store.add('actions', { name: 'all', template: FIXED, params: { text: 'all', n: '1', flag: '' } });
  for (let i = 0; i < LIMITS.rules; i++) h.store.add('rules', { name: `rule ${i}`, enabled: true, startEvent: { topic: PULSE }, conditions: [], activationTimeoutMs: 0, primaryAction: a.id });
  t.throws(() => h.store.add('rules', { name: 'one too many', enabled: true, startEvent: { topic: PULSE }, conditions: [], activationTimeoutMs: 0, primaryAction: a.id }), new BelfryError('limit_exceeded', 'at most 256 rules'));
  h.pulse(1);
  await until(() => acts(h, 'all') === LIMITS.rules, 'every rule fired');
  await h.restart();
  t.equal(h.store.list('rules').length, LIMITS.rules, 'all 256 after the restart');
  h.pulse(2);
  await until(() => acts(h, 'all') === 2 * LIMITS.rules, 'every rule fired again after the restart');
});
