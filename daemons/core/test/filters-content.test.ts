import t from 'tap';
import type { BelfryEvent } from '@belfry/core';
import { CONTENT_LIMITS, eventFilter, parseContentFilter } from '../src/filters/index.js';

const ev = (source: BelfryEvent['source'], data: BelfryEvent['data'], key: BelfryEvent['key'] = {}): BelfryEvent => ({
  topic: 'tns1:Device/tnsaxis:IO/VirtualInput',
  utcTime: '2026-01-01T00:00:00.000Z',
  source,
  key,
  data,
  op: 'Changed',
});
const port1on = ev({ port: 1 }, { active: true });
const port1off = ev({ port: 1 }, { active: false });
const port2on = ev({ port: 2 }, { active: true });

t.test('an item test matches a name and value in source, key or data', async (t) => {
  const f = parseContentFilter('boolean(//SimpleItem[@Name="port" and @Value="1"])');
  t.ok(f.matches(port1on));
  t.notOk(f.matches(port2on));
  t.ok(parseContentFilter(`boolean(//SimpleItem[@Name='active' and @Value='1'])`).matches(port1on), 'single quotes, data items');
  t.ok(parseContentFilter('boolean(//SimpleItem[@Name="id" and @Value="x"])').matches(ev({}, {}, { id: 'x' })), 'key items');
  t.ok(parseContentFilter('boolean(//tt:SimpleItem[@Name="port"])').matches(port2on), 'a prefixed element, a name alone');
  t.notOk(parseContentFilter('boolean(//SimpleItem[@Name="nope"])').matches(port2on));
  t.ok(parseContentFilter('boolean(//SimpleItem)').matches(port2on), 'any item at all');
  t.notOk(parseContentFilter('boolean(//SimpleItem)').matches(ev({}, {})));
});

t.test('scoped item tests look only in Source, Key or Data', async (t) => {
  t.ok(parseContentFilter('boolean(//Source/SimpleItem[@Name="port"])').matches(port1on));
  t.notOk(parseContentFilter('boolean(//Data/SimpleItem[@Name="port"])').matches(port1on));
  t.ok(parseContentFilter('boolean(//tt:Data/tt:SimpleItem[@Name="active" and @Value="true"])').matches(port1on));
});

t.test('booleans compare 1/0/true/false alike, numbers by their text', async (t) => {
  for (const lit of ['1', 'true']) t.ok(parseContentFilter(`boolean(//SimpleItem[@Name="active" and @Value="${lit}"])`).matches(port1on), lit);
  for (const lit of ['0', 'false']) t.ok(parseContentFilter(`boolean(//SimpleItem[@Name="active" and @Value="${lit}"])`).matches(port1off), lit);
  t.ok(parseContentFilter('boolean(//SimpleItem[@Name="active" and @Value="true"])').matches(ev({}, { active: '1' })), 'a "1" string');
  t.notOk(parseContentFilter('boolean(//SimpleItem[@Name="active" and @Value="true"])').matches(ev({}, { active: '0' })));
  t.notOk(parseContentFilter('boolean(//SimpleItem[@Name="port" and @Value="01"])').matches(port1on));
});

t.test('and, or, not and parentheses combine tests; != and predicate not work inside', async (t) => {
  const both = parseContentFilter('boolean(//SimpleItem[@Name="port" and @Value="1"]) and boolean(//SimpleItem[@Name="active" and @Value="1"])');
  t.ok(both.matches(port1on));
  t.notOk(both.matches(port1off));
  t.notOk(both.matches(port2on));
  const either = parseContentFilter('(boolean(//SimpleItem[@Name="port" and @Value="1"]) or boolean(//SimpleItem[@Name="port" and @Value="2"])) and not(boolean(//SimpleItem[@Name="active" and @Value="0"]))');
  t.ok(either.matches(port1on) && either.matches(port2on));
  t.notOk(either.matches(port1off));
  t.ok(parseContentFilter('boolean(//SimpleItem[@Name="port" and @Value!="2"])').matches(port1on));
  t.ok(parseContentFilter('boolean(//SimpleItem[@Name="port" and not(@Value="2" or @Value="3")])').matches(port1on));
});

t.test('eventFilter combines the topic and the content filter', async (t) => {
  const f = eventFilter({ topic: 'tns1:Device/tnsaxis:IO/VirtualInput', content: 'boolean(//SimpleItem[@Name="port" and @Value="1"])' });
  t.ok(f.matches(port1on));
  t.notOk(f.matches(port2on));
  t.notOk(f.matches({ ...port1on, topic: 'tns1:Device/tnsaxis:IO/VirtualPort' }));
  t.ok(eventFilter({ topic: '//.', content: '  ' }).matches(port2on), 'an empty content filter matches every instance');
  t.throws(() => eventFilter({ topic: 'tns1:Device', content: 'boolean(' }), { code: 'invalid_argument' });
});

t.test('malformed expressions are invalid_argument saying what and where', async (t) => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['boolean(//SimpleItem[@Name="port"]', /expected '\)' but the expression ended/],
    ['boolean(//SimpleItem[@Name="port])', /unterminated string/],
    ['boolean(//SimpleItem[@Type="int"])', /only @Name and @Value/],
    ['boolean(//ElementItem[@Name="x"])', /only SimpleItem/],
    ['boolean(//SimpleItem[@Name=port])', /expected str/],
    ['port = "1"', /expected boolean/],
    ['port = 1', /unexpected '1' at character 8/],
    ['boolean(//SimpleItem) and', /expected boolean/],
    ['boolean(//SimpleItem) xor boolean(//SimpleItem)', /unexpected 'xor'/],
    ['boolean(//SimpleItem[@Name="a"]) $', /unexpected '\$' at character 34/],
  ];
  for (const [expr, why] of cases) t.throws(() => parseContentFilter(expr), { code: 'invalid_argument', message: why }, expr);
});

t.test('limits: length, nesting and terms, each at the limit and one past it', async (t) => {
  const item = 'boolean(//SimpleItem[@Name="port"])';
  const pad = (s: string, n: number) => s + ' '.repeat(n - s.length);
  t.ok(parseContentFilter(pad(item, CONTENT_LIMITS.length)).matches(port1on));
  t.throws(() => parseContentFilter(pad(item, CONTENT_LIMITS.length + 1)), { code: 'invalid_argument', message: /longer than 2048/ });
  // nesting: each not(…) is a level, and the boolean(…) inside is one more
  const nested = (n: number) => 'not('.repeat(n - 1) + item + ')'.repeat(n - 1);
  t.ok(parseContentFilter(nested(CONTENT_LIMITS.nesting - 1)));
  t.throws(() => parseContentFilter(nested(CONTENT_LIMITS.nesting)), { code: 'invalid_argument', message: /nested deeper than 16/ });
  // terms: an item test is one, and each comparison in it is one more
  const terms = (n: number) => Array.from({ length: n }, () => 'boolean(//SimpleItem)').join(' or ');
  t.ok(parseContentFilter(terms(CONTENT_LIMITS.terms)).matches(port1on));
  t.throws(() => parseContentFilter(terms(CONTENT_LIMITS.terms + 1)), { code: 'invalid_argument', message: /more than 64 terms/ });
});
