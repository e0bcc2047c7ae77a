import t, { type Test } from 'tap';
import { DEFAULT_MAX_LENGTH, MAX_VALUE_LENGTH, checkValue, expand } from '../src/values.js';
import type { ParamDef, ParamType } from '../src/types.js';

/** JSON, with non-ASCII escaped so test names never break the TAP stream (U+2028 would). */
const show = (v: unknown) => (JSON.stringify(v) ?? String(v)).replace(/[^\x20-\x7e]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));

const def = (type: ParamType, extra: Partial<ParamDef> = {}): ParamDef => ({ type, default: '', read: 'viewer', write: 'admin', owner: 'testd', ...extra });

/** Asserts `raw` is accepted and stored as `want`. */
function ok(tt: Test, d: ParamDef, raw: string, want = raw) {
  tt.same(checkValue(d, raw), { ok: true, value: want }, `${d.type} ${show(raw)} → ${show(want)}`);
}
/** Asserts `raw` is refused (with a reason matching `reason`, when given). */
function bad(tt: Test, d: ParamDef, raw: unknown, reason?: RegExp) {
  const r = checkValue(d, raw);
  tt.equal(r.ok, false, `${d.type} ${show(raw)} refused`);
  if (!r.ok) {
    tt.type(r.reason, 'string');
    tt.ok(r.reason.length > 0, 'with a reason');
    if (reason) tt.match(r.reason, reason);
  }
}

t.test('non-string values are refused for every type', async (t) => {
  for (const type of ['string', 'int', 'float', 'bool', 'enum', 'list', 'ip'] as const) {
    const d = def(type, { values: ['1', 'yes'] });
    for (const raw of [1, 0, true, false, null, undefined, {}, ['1'], { toString: () => '1' }]) bad(t, d, raw, /must be a string/);
  }
});

t.test('string: maxLength, default limit and pattern', async (t) => {
  const s16 = def('string', { maxLength: 16 });
  ok(t, s16, '');
  ok(t, s16, 'x'.repeat(16));
  bad(t, s16, 'x'.repeat(17), /longer than 16/);
  ok(t, s16, 'ünï & cödé ✓');

  const plain = def('string');
  ok(t, plain, 'y'.repeat(DEFAULT_MAX_LENGTH));
  bad(t, plain, 'y'.repeat(DEFAULT_MAX_LENGTH + 1), new RegExp(`longer than ${DEFAULT_MAX_LENGTH}`));

  const host = def('string', { pattern: '[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?', maxLength: 63 });
  ok(t, host, 'belfry-02BE1F000001');
  ok(t, host, 'a');
  bad(t, host, '-leading', /format/);
  bad(t, host, 'trailing-', /format/);
  bad(t, host, 'has space', /format/);
  bad(t, host, '', /format/);

  // the pattern must match the whole value, alternatives included
  const abc = def('string', { pattern: 'abc' });
  ok(t, abc, 'abc');
  bad(t, abc, 'xabc');
  bad(t, abc, 'abcx');
  const alt = def('string', { pattern: 'a|b' });
  ok(t, alt, 'a');
  ok(t, alt, 'b');
  bad(t, alt, 'ab');
  bad(t, alt, 'xb');
});

t.test('hard cap MAX_VALUE_LENGTH applies whatever maxLength says', async (t) => {
  t.equal(MAX_VALUE_LENGTH, 65536);
  for (const type of ['string', 'list'] as const) {
    const d = def(type, { maxLength: 10 * MAX_VALUE_LENGTH });
    ok(t, d, 'a'.repeat(MAX_VALUE_LENGTH));
    bad(t, d, 'a'.repeat(MAX_VALUE_LENGTH + 1), new RegExp(`longer than ${MAX_VALUE_LENGTH}`));
  }
  // a huge value is refused before any type-specific work (an int regex over megabytes, say)
  bad(t, def('int'), '1'.repeat(MAX_VALUE_LENGTH + 1), new RegExp(`longer than ${MAX_VALUE_LENGTH}`));
});

t.test('control characters and line breaks are refused (they would forge VAPIX lines)', async (t) => {
  const forged = (sep: string) => `x${sep}root.Brand.Brand=Evil`;
  const controls = ['\n', '\r', '\r\n', '\0', '\x01', '\x08', '\x0b', '\x0c', '\x1b', '\x1c', '\x1d', '\x1e', '\x1f', '\x7f'];
  // Python's str.splitlines() (used by the axis library's params_to_dict) also breaks at NEL and
  // the Unicode line/paragraph separators, so those must not get through either
  const unicodeBreaks = ['\u0085', '\u2028', '\u2029'];
  for (const type of ['string', 'list'] as const) {
    const d = def(type);
    for (const c of [...controls, ...unicodeBreaks]) bad(t, d, forged(c), /control/);
  }
  bad(t, def('enum', { values: ['a\nb'] }), 'a\nb', /control/);
  bad(t, def('string'), '\u0080', /control/);
  bad(t, def('string'), '\u009f', /control/);
  // a tab is not a line break; printable Unicode is fine
  ok(t, def('string'), 'a\tb');
  ok(t, def('string'), 'Kök – 東京 ✓');
  ok(t, def('string'), '\u00a0non-breaking');
});

t.test('int: range, sign and leading zeros canonicalised', async (t) => {
  const i = def('int');
  ok(t, i, '42');
  ok(t, i, '0');
  ok(t, i, '+7', '7');
  ok(t, i, '007', '7');
  ok(t, i, '-007', '-7');
  ok(t, i, '-0', '0');
  ok(t, i, '+0', '0');
  ok(t, i, '-5');
  ok(t, i, '9007199254740991');
  bad(t, i, '9999999999999999', /out of range/);
  bad(t, i, '12345678901234567', /not an integer/);
  for (const raw of ['', ' 5', '5 ', '1.0', '1e3', '0x10', 'abc', '--1', '+-1', '1_000', '١٢', 'Infinity', 'NaN']) bad(t, i, raw, /not an integer/);

  const r = def('int', { min: -10, max: 100 });
  ok(t, r, '-10');
  ok(t, r, '100');
  ok(t, r, '0100', '100');
  bad(t, r, '-11', /below -10/);
  bad(t, r, '101', /above 100/);
  bad(t, r, '0101', /above 100/);
  const unsigned = def('int', { min: 0 });
  bad(t, unsigned, '-1', /below 0/);
  ok(t, unsigned, '-0', '0');
});

t.test('float: format and range', async (t) => {
  const f = def('float', { min: 0.1, max: 50 });
  ok(t, f, '1.5');
  ok(t, f, '+2.5', '2.5');
  ok(t, f, '50');
  ok(t, f, '0.1');
  ok(t, f, '.5');
  bad(t, f, '0.09', /below 0.1/);
  bad(t, f, '50.0001', /above 50/);
  bad(t, f, '-1', /below/);
  for (const raw of ['', 'NaN', 'Infinity', '1e3', '1,5', ' 1', '1.5.1', '.', '+', '0x1']) bad(t, f, raw, /not a number/);
  ok(t, def('float'), '-3.25');
});

t.test('bool: yes/no/true/false/1/0 become yes/no', async (t) => {
  const b = def('bool');
  for (const raw of ['yes', 'true', '1', 'on', 'YES', 'True', 'On']) ok(t, b, raw, 'yes');
  for (const raw of ['no', 'false', '0', 'off', 'NO', 'False', 'OFF']) ok(t, b, raw, 'no');
  for (const raw of ['', 'y', 'n', '2', '-1', 'yess', ' yes', 'yes ']) bad(t, b, raw, /yes or no/);
});

t.test('enum: exact, case-sensitive members only', async (t) => {
  const e = def('enum', { values: ['full', 'half', 'post', 'get'] });
  for (const v of ['full', 'half', 'post', 'get']) ok(t, e, v);
  bad(t, e, 'Full', /one of full, half, post, get/);
  bad(t, e, '', /one of/);
  bad(t, e, 'full,half', /one of/);
  ok(t, def('enum', { values: ['', 'x'] }), '');
});

t.test('list: allowed items, empty list, length', async (t) => {
  const l = def('list', { values: ['x', 'y', 'z'] });
  ok(t, l, 'x');
  ok(t, l, 'x,y,z');
  ok(t, l, 'z,x');
  ok(t, l, '');
  bad(t, l, 'x,w', /'w' is not one of x, y, z/);
  bad(t, l, 'x,,y', /'' is not one of/);
  bad(t, l, 'x, y', /' y' is not one of/);
  const free = def('list', { maxLength: 5 });
  ok(t, free, 'a,b,c');
  ok(t, free, 'a,,b');
  bad(t, free, 'a,b,cd', /longer than 5/);
});

t.test('ip: v4, v6 or empty', async (t) => {
  const ip = def('ip');
  for (const v of ['', '192.168.0.1', '0.0.0.0', '255.255.255.255', '::1', '::', 'fe80::1', '2001:db8::8a2e:370:7334', '::ffff:192.0.2.1']) ok(t, ip, v);
  for (const v of ['256.1.1.1', '1.2.3', '1.2.3.4/24', ' 1.2.3.4', '1.2.3.4 ', 'host.example', '2001:db8:::1', '1.2.3.4:80', 'localhost']) bad(t, ip, v, /not an IP/);
});

t.test('expand fills placeholders and refuses unknown ones', async (t) => {
  const vars = { 'board.serialNumber': '02BE1F000001', n: '3' };
  t.equal(expand('belfry-${board.serialNumber}', vars), 'belfry-02BE1F000001');
  t.equal(expand('Clip MediaClip.M${n} (${n})', vars), 'Clip MediaClip.M3 (3)');
  t.equal(expand('no placeholders, $n, ${ n }', vars), 'no placeholders, $n, ${ n }');
  t.throws(() => expand('${board.nope}', vars), /unknown placeholder \$\{board\.nope\}/);
  // names inherited by every object are not variables
  for (const k of ['toString', 'constructor', 'hasOwnProperty', '__proto__']) {
    t.throws(() => expand(`\${${k}}`, vars), /unknown placeholder/, `\${${k}} is unknown`);
  }
});
