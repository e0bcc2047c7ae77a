import t from 'tap';
import { DIALECTS, TOPIC_LIMITS, parseTopicFilter, topicKey } from '../src/filters/index.js';

const VI = 'tns1:Device/tnsaxis:IO/VirtualInput';

t.test('a concrete topic matches itself and both spellings of its leaf, nothing else', async (t) => {
  const f = parseTopicFilter('tns1:Device/tnsaxis:IO/VirtualPort');
  t.ok(f.matches('tns1:Device/tnsaxis:IO/VirtualPort'));
  t.ok(f.matches('tns1:Device/tnsaxis:IO/tnsaxis:VirtualPort'));
  t.notOk(f.matches(VI));
  t.notOk(f.matches('tns1:Device/tnsaxis:IO'), 'a parent is not the topic');
  t.notOk(f.matches('tns1:Device/tnsaxis:IO/VirtualPort/More'), 'a child is not the topic');
  t.notOk(f.matches('tnsaxis:Device/tnsaxis:IO/VirtualPort'), 'another namespace at the root');
  const g = parseTopicFilter('tns1:Device/tnsaxis:IO/tnsaxis:VirtualPort');
  t.ok(g.matches('tns1:Device/tnsaxis:IO/VirtualPort'));
  t.equal(topicKey('tns1:Device/tnsaxis:IO/tnsaxis:VirtualPort'), topicKey('tns1:Device/tnsaxis:IO/VirtualPort'));
  t.same(f.keys(), ['Device/IO/VirtualPort']);
});

t.test('prefixes resolve to namespace URIs: a document may bind its own prefixes', async (t) => {
  const f = parseTopicFilter('o:Device/ax:IO/VirtualInput', { namespaces: { o: 'http://www.onvif.org/ver10/topics', ax: 'http://www.axis.com/2009/event/topics' } });
  t.ok(f.matches(VI));
  const wrong = parseTopicFilter('o:Device/tnsaxis:IO/VirtualInput', { namespaces: { o: 'urn:other' } });
  t.notOk(wrong.matches(VI));
});

t.test('subtrees, everything, wildcard steps and alternatives', async (t) => {
  const io = parseTopicFilter('tns1:Device/tnsaxis:IO//.');
  t.ok(io.matches(VI));
  t.ok(io.matches('tns1:Device/tnsaxis:IO'), 'the subtree includes its root');
  t.notOk(io.matches('tns1:Device/tnsaxis:Status/SystemReady'));
  t.equal(io.keys(), undefined, 'a subtree cannot be indexed by key');
  const all = parseTopicFilter('//.');
  t.ok(all.matches(VI) && all.matches('tnsaxis:MediaClip/tnsaxis:Playing'));
  const star = parseTopicFilter('tns1:Device/*/VirtualInput');
  t.ok(star.matches(VI));
  t.notOk(star.matches('tns1:Device/tnsaxis:IO/VirtualPort'));
  const alt = parseTopicFilter(' tns1:Device/tnsaxis:IO/VirtualInput | tnsaxis:MediaClip/tnsaxis:Playing ');
  t.ok(alt.matches(VI) && alt.matches('tnsaxis:MediaClip/Playing'));
  t.notOk(alt.matches('tns1:Device/tnsaxis:Status/SystemReady'));
  t.same(alt.keys(), ['Device/IO/VirtualInput', 'MediaClip/Playing']);
});

t.test('MQTT spellings only behind the option', async (t) => {
  t.throws(() => parseTopicFilter('onvif:Device/axis:IO/VirtualPort'), { code: 'invalid_argument', message: /unknown namespace prefix 'onvif'/ });
  const f = parseTopicFilter('onvif:Device/axis:IO/VirtualPort', { mqtt: true });
  t.ok(f.matches('tns1:Device/tnsaxis:IO/VirtualPort'));
  t.ok(f.matches('onvif:Device/axis:IO/VirtualPort'));
});

t.test('dialects: Simple and Concrete name one topic; ConcreteSet (or none) takes the whole syntax', async (t) => {
  t.ok(parseTopicFilter(VI, { dialect: DIALECTS.concrete }).matches(VI));
  t.ok(parseTopicFilter(VI, { dialect: DIALECTS.simple }).matches(VI));
  t.ok(parseTopicFilter('tns1:Device//.', { dialect: DIALECTS.concreteSet }).matches(VI));
  t.throws(() => parseTopicFilter('tns1:Device//.', { dialect: DIALECTS.concrete }), { code: 'invalid_argument', message: /ConcreteSet/ });
  t.throws(() => parseTopicFilter(`${VI}|${VI}`, { dialect: DIALECTS.simple }), { code: 'invalid_argument', message: /ConcreteSet/ });
  t.throws(() => parseTopicFilter(VI, { dialect: 'urn:nonsense' }), { code: 'invalid_argument', message: /unsupported dialect/ });
});

t.test('malformed expressions are invalid_argument saying what is wrong', async (t) => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['   ', /empty/],
    ['tns1:Device//tnsaxis:IO', /empty step/],
    ['tns1:Device/', /empty step/],
    ['Device/tnsaxis:IO', /root step 'Device' needs a namespace prefix/],
    ['nope:Device', /unknown namespace prefix 'nope'/],
    ['tns1:Device/tnsaxis:I O', /bad step/],
    ['tns1:Device/tnsaxis:IO|', /empty alternative/],
    ['*/tnsaxis:IO', /root step cannot be '\*'/],
    ['tns1:Dev#ice', /bad step/],
  ];
  for (const [expr, why] of cases) t.throws(() => parseTopicFilter(expr), { code: 'invalid_argument', message: why }, JSON.stringify(expr));
  t.throws(() => parseTopicFilter(42 as unknown as string), { code: 'invalid_argument' });
});

t.test('limits: length, alternatives and steps, each at the limit and one past it', async (t) => {
  const step = 'tns1:' + 'A'.repeat(TOPIC_LIMITS.length - 5);
  t.equal(step.length, TOPIC_LIMITS.length);
  t.ok(parseTopicFilter(step).matches(step));
  t.throws(() => parseTopicFilter(step + 'A'), { code: 'invalid_argument', message: /longer than 1024/ });
  const alts = (n: number) => Array.from({ length: n }, (_, i) => `tns1:T${i}`).join('|');
  t.ok(parseTopicFilter(alts(TOPIC_LIMITS.alternatives)).matches(`tns1:T${TOPIC_LIMITS.alternatives - 1}`));
  t.throws(() => parseTopicFilter(alts(TOPIC_LIMITS.alternatives + 1)), { code: 'invalid_argument', message: /more than 32 alternatives/ });
  const steps = (n: number) => ['tns1:S', ...Array.from({ length: n - 1 }, () => 'S')].join('/');
  t.ok(parseTopicFilter(steps(TOPIC_LIMITS.steps)).matches(steps(TOPIC_LIMITS.steps)));
  t.throws(() => parseTopicFilter(steps(TOPIC_LIMITS.steps + 1)), { code: 'invalid_argument', message: /more than 16 steps/ });
});
