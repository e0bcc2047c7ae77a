import t, { type Test } from 'tap';
import * as realFs from 'node:fs';
import { existsSync, mkdirSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { STORE_FORMAT, StoreFile } from '../src/store-file.js';
import { actions, fixtureRegistry, openDb, tmpDir, type AuditLine } from './fixtures/helpers.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
/** A store file with a correct checksum around any body text. */
const envelope = (body: string, format = STORE_FORMAT) => `{"format":"${format}","sha256":"${sha(body)}","body":${body}}\n`;
const CURRENT = 'params.json';
const COPY = 'params.copy.json';
const PREVIOUS = 'params.prev.json';
/** A file of the old layout (no sequence number, checksum of the body alone). */
const legacyFile = (values: Record<string, string>, rev: number) => envelope(JSON.stringify({ schemaVersion: 1, rev, values }));

t.test('StoreFile: save and load', async (t) => {
  const dir = join(tmpDir(t), 'params');
  const f = new StoreFile(dir);
  t.same(f.load(), { state: undefined, fallback: 'none', problems: [], damaged: [], clean: false, legacy: false }, 'nothing yet: no problems');
  f.save({ schemaVersion: 1, rev: 1, values: { A: 'one' } });
  t.same(f.load(), { state: { schemaVersion: 1, rev: 1, values: { A: 'one' } }, fallback: 'none', problems: [], damaged: [], clean: true, legacy: false });
  f.save({ schemaVersion: 1, rev: 2, values: { A: 'two', 'B.C': 'x=y\tz' } });
  t.same(f.load().state, { schemaVersion: 1, rev: 2, values: { A: 'two', 'B.C': 'x=y\tz' } });
  t.same(new StoreFile(dir).load().state?.rev, 2, 'a new instance reads the same');
  t.same(readdirSync(dir).sort(), [COPY, CURRENT], 'two copies, no temporary file left behind');
  const text = readFileSync(join(dir, CURRENT), 'utf8');
  t.equal(readFileSync(join(dir, COPY), 'utf8'), text, 'the copies are the same');
  t.match(text, new RegExp(`^\\{"format":"${STORE_FORMAT}","seq":2,"sha256":"[0-9a-f]{64}","body":`));
  t.ok(text.endsWith('}\n'));
});

t.test('state survives reopen', async (t) => {
  const { db, reopen } = openDb(t);
  db.update({ 'Test.Str': 'persisted', 'Test.Int': '77' }, 'operator');
  db.add('Slot', 'slot', { Name: 'Third' }, 'operator');
  const snapshot = db.list(undefined, 'internal');
  const again = reopen();
  t.same(again.db.list(undefined, 'internal'), snapshot);
  t.equal(again.db.rev, db.rev);
  t.same(again.audit, []);
});

t.test('first open writes the defaults', async (t) => {
  const base = tmpDir(t);
  const dir = join(base, 'not', 'yet', 'there');
  const { db, audit } = openDb(t, { dir });
  t.same(audit, [], 'an empty store is not a problem');
  t.equal(db.rev, 1);
  t.ok(existsSync(join(dir, CURRENT)), 'folder created and defaults saved');
  t.equal(new StoreFile(dir).load().state?.values['Test.Str'], 'hello');
});

/** Two acknowledged saves: both copies hold `value-two`. */
function twoSaves(t: Test) {
  const o = openDb(t);
  o.db.update({ 'Test.Str': 'value-one' }, 'operator');
  o.db.update({ 'Test.Str': 'value-two' }, 'operator');
  return o;
}

const problems = (audit: AuditLine[]) => audit.filter((a) => a.action === 'params.file_rejected').map((a) => String(a.fields.problem));

/** Ways one file is lost after an acknowledged write. */
const DAMAGES: [string, (file: string) => void][] = [
  ['truncated', (f) => truncateSync(f, readFileSync(f).length - 20)],
  ['emptied', (f) => truncateSync(f, 0)],
  ['garbage', (f) => writeFileSync(f, 'x')],
  ['deleted', (f) => realFs.unlinkSync(f)],
  ['one character flipped', (f) => writeFileSync(f, readFileSync(f, 'utf8').replace('value-two', 'value-twp'))],
  ['sequence number raised', (f) => writeFileSync(f, readFileSync(f, 'utf8').replace(/"seq":(\d+)/, (_m, n: string) => `"seq":${Number(n) + 5}`))],
];

t.test('an acknowledged write survives the loss of any one file', async (t) => {
  for (const file of [CURRENT, COPY]) {
    for (const [how, damage] of DAMAGES) {
      await t.test(`${file} ${how}`, async (t) => {
        const { db, dir, reopen } = twoSaves(t);
        const rev = db.rev;
        damage(join(dir, file));
        const { db: back, audit } = reopen();
        t.equal(back.get(['Test.Str'], 'viewer')['Test.Str'], 'value-two', 'the last acknowledged write');
        t.equal(back.rev, rev + 1, 'its rev, plus the save that repaired the copies');
        t.same(actions(audit), ['params.file_rejected', 'params.recovered']);
        t.ok(audit.every((a) => a.level === 'warn'), 'at warning level');
        t.match(problems(audit)[0], file === CURRENT ? /params\.json: / : /params\.copy\.json: /);
        t.same(audit[1]!.fields, { from: 'the other copy' });
        t.same(back.storage, { fallback: 'copy', problems: problems(audit) }, 'the store says what it fell back to');
        if (how !== 'deleted') t.ok(existsSync(join(dir, `${file}.corrupt`)), 'the damaged file is kept aside');
        t.ok(new StoreFile(dir).load().clean, 'both copies rewritten at once');
        const third = reopen();
        t.same(third.audit, [], 'repaired for good: the next start is clean');
        t.same(third.db.storage, { fallback: 'none', problems: [] });
        // the repaired copy is a copy again: losing the other one now loses nothing either
        damage(join(dir, file === CURRENT ? COPY : CURRENT));
        t.equal(reopen().db.get(['Test.Str'], 'viewer')['Test.Str'], 'value-two', 'and the other file may go next');
      });
    }
  }
});

t.test('both copies damaged: defaults, audit, and a usable store', async (t) => {
  const { dir, reopen } = twoSaves(t);
  writeFileSync(join(dir, CURRENT), readFileSync(join(dir, CURRENT), 'utf8').replace('value-two', 'value-tw0'));
  truncateSync(join(dir, COPY), 10);
  const { db, audit } = reopen();
  t.equal(db.get(['Test.Str'], 'viewer')['Test.Str'], 'hello', 'defaults');
  t.equal(db.get(['Slot.S1.Name'], 'viewer')['Slot.S1.Name'], 'Front', 'default instances too');
  t.same(actions(audit), ['params.file_rejected', 'params.file_rejected', 'params.recovered']);
  t.match(problems(audit)[0], /params\.json: checksum mismatch/);
  t.match(problems(audit)[1], /params\.copy\.json: not a params file/);
  t.same(audit[2]!.fields, { from: 'defaults' });
  t.equal(db.storage.fallback, 'defaults');
  t.ok(existsSync(join(dir, `${CURRENT}.corrupt`)));
  t.ok(existsSync(join(dir, `${COPY}.corrupt`)));
  t.ok(new StoreFile(dir).load().clean, 'defaults saved at once');
  db.update({ 'Test.Str': 'after recovery' }, 'operator');
  const again = reopen();
  t.same(again.audit, [], 'the next start is clean');
  t.equal(again.db.get(['Test.Str'], 'viewer')['Test.Str'], 'after recovery');
});

t.test('the old layout (params.json + params.prev.json) loads and is converted', async (t) => {
  const dir = tmpDir(t);
  writeFileSync(join(dir, CURRENT), legacyFile({ 'Test.Str': 'old-current' }, 7));
  writeFileSync(join(dir, PREVIOUS), legacyFile({ 'Test.Str': 'old-previous' }, 6));
  const { db, audit, reopen } = openDb(t, { dir });
  t.equal(db.get(['Test.Str'], 'viewer')['Test.Str'], 'old-current', 'the params the device had');
  t.equal(db.rev, 8, 'its rev, plus the converting save');
  t.same(actions(audit), ['params.layout_converted'], 'no fallback: nothing was lost');
  t.same(readdirSync(dir).sort(), [COPY, CURRENT], 'two copies; the previous file is gone');
  t.same(reopen().audit, [], 'converted for good');
});

t.test('the old layout with a damaged current file falls back to its previous file, loudly', async (t) => {
  for (const [how, damage] of DAMAGES.slice(0, 4)) {
    await t.test(how, async (t) => {
      const dir = tmpDir(t);
      writeFileSync(join(dir, CURRENT), legacyFile({ 'Test.Str': 'value-two' }, 7));
      writeFileSync(join(dir, PREVIOUS), legacyFile({ 'Test.Str': 'old-previous' }, 6));
      damage(join(dir, CURRENT));
      const { db, audit, reopen } = openDb(t, { dir });
      t.equal(db.get(['Test.Str'], 'viewer')['Test.Str'], 'old-previous');
      t.same(actions(audit), ['params.file_rejected', 'params.recovered', 'params.layout_converted']);
      t.same(audit[1]!.fields, { from: 'previous file' });
      t.equal(db.storage.fallback, 'previous');
      t.same(reopen().audit, []);
    });
  }
});

t.test('never throws on garbage files', async (t) => {
  const cases: [string, string | Buffer][] = [
    ['random bytes', randomBytes(4096)],
    ['empty file', ''],
    ['a newline', '\n'],
    ['valid JSON, wrong shape', '{"a":1}'],
    ['JSON null', 'null'],
    ['JSON array', '[1,2,3]'],
    ['unknown format', envelope('{"schemaVersion":1,"rev":1,"values":{}}', 'other-format')],
    ['bad checksum format', '{"format":"belfry-params","sha256":"xyz","body":{}}\n'],
    ['body null', envelope('null')],
    ['body a number', envelope('5')],
    ['body a string', envelope('"text"')],
    ['body empty object', envelope('{}')],
    ['body not JSON', envelope('{not json')],
    ['no values', envelope('{"schemaVersion":1,"rev":1}')],
    ['values null', envelope('{"schemaVersion":1,"rev":1,"values":null}')],
    ['values a string', envelope('{"schemaVersion":1,"rev":1,"values":"x"}')],
    ['schemaVersion a string', envelope('{"schemaVersion":"1","rev":1,"values":{}}')],
    ['rev fractional', envelope('{"schemaVersion":1,"rev":1.5,"values":{}}')],
    ['a value a number', envelope('{"schemaVersion":1,"rev":1,"values":{"Test.Str":5}}')],
    ['a value null', envelope('{"schemaVersion":1,"rev":1,"values":{"Test.Str":null}}')],
    ['a value an object', envelope('{"schemaVersion":1,"rev":1,"values":{"Test.Str":{"a":"b"}}}')],
    ['deeply nested', envelope('['.repeat(5000) + ']'.repeat(5000))],
  ];
  for (const [what, content] of cases) {
    await t.test(what, async (t) => {
      const dir = tmpDir(t);
      writeFileSync(join(dir, CURRENT), content);
      let opened: ReturnType<typeof openDb> | undefined;
      t.doesNotThrow(() => (opened = openDb(t, { dir })), 'open does not throw');
      if (!opened) return;
      t.equal(opened.db.get(['Test.Str'], 'viewer')['Test.Str'], 'hello', 'defaults');
      t.same(actions(opened.audit), ['params.file_rejected', 'params.recovered']);
      t.equal(opened.db.storage.fallback, 'defaults');
      t.same(opened.reopen().audit, [], 'the store is sound afterwards');
    });
  }
});

t.test('stored names that are not params, including inherited object keys', async (t) => {
  const dir = tmpDir(t);
  const values = {
    'Test.Str': 'kept',
    'Slot.S1.Name': 'kept too',
    'Slot.S1.constructor': 'x',
    'Slot.S2.__proto__': 'x',
    'Slot.S2.toString': 'x',
    __proto__: 'x',
    constructor: 'x',
    '0': 'x',
    '': 'x',
  };
  // a JSON object literal, so `__proto__` is an ordinary key
  const body = `{"schemaVersion":1,"rev":4,"values":${JSON.stringify(Object.fromEntries(Object.entries(values)))
    .replace('{', '{"__proto__":"x",')}}`;
  writeFileSync(join(dir, CURRENT), envelope(body));
  let opened: ReturnType<typeof openDb> | undefined;
  t.doesNotThrow(() => (opened = openDb(t, { dir })));
  if (!opened) return;
  t.same(opened.db.get(['Test.Str', 'Slot.S1.Name'], 'viewer'), { 'Test.Str': 'kept', 'Slot.S1.Name': 'kept too' });
  const dropped = opened.audit.filter((a) => a.action === 'params.dropped').map((a) => a.fields.name);
  t.same(dropped.sort(), ['', '0', 'Slot.S1.constructor', 'Slot.S2.__proto__', 'Slot.S2.toString', '__proto__', 'constructor'].sort());
  t.notOk(Object.keys(opened.db.list(undefined, 'internal')).some((n) => /constructor|__proto__|toString/.test(n)));
});

t.test('a folder where the file should be', async (t) => {
  const dir = tmpDir(t);
  mkdirSync(join(dir, CURRENT));
  let opened: ReturnType<typeof openDb> | undefined;
  t.doesNotThrow(() => (opened = openDb(t, { dir })));
  if (!opened) return;
  t.match(problems(opened.audit)[0], /unreadable \(EISDIR\)/);
  opened.db.update({ 'Test.Str': 'saved' }, 'operator');
  t.equal(opened.reopen().db.get(['Test.Str'], 'viewer')['Test.Str'], 'saved');
});

// ---- power loss at every step of a save (fs calls made to fail through a mocked node:fs) ----

type FsFn = 'openSync' | 'writeSync' | 'fsyncSync' | 'unlinkSync' | 'linkSync' | 'renameSync';

async function crashable(t: Test) {
  let trap: { fn: FsFn; nth: number; when?: (args: unknown[]) => boolean } | undefined;
  const wrap =
    (fn: FsFn) =>
    (...args: unknown[]) => {
      if (trap && trap.fn === fn && (!trap.when || trap.when(args)) && --trap.nth === 0) {
        trap = undefined;
        throw Object.assign(new Error(`simulated power loss in ${fn}`), { code: 'ESIMULATED' });
      }
      return (realFs[fn] as (...a: unknown[]) => unknown)(...args);
    };
  const mod = await t.mockImport<typeof import('../src/param-db.js')>('../src/param-db.js', {
    'node:fs': {
      ...realFs,
      openSync: wrap('openSync'),
      writeSync: wrap('writeSync'),
      fsyncSync: wrap('fsyncSync'),
      unlinkSync: wrap('unlinkSync'),
      linkSync: wrap('linkSync'),
      renameSync: wrap('renameSync'),
    },
  });
  return {
    ParamDb: mod.ParamDb,
    arm(fn: FsFn, nth = 1, when?: (args: unknown[]) => boolean) {
      trap = { fn, nth, when };
    },
    get armed() {
      return trap !== undefined;
    },
  };
}

t.test('a crash at any step of a save leaves the old or the new state whole', async (t) => {
  const steps: [FsFn, number, 'old' | 'new'][] = [
    ['openSync', 1, 'old'], // the temporary file of params.json
    ['writeSync', 1, 'old'],
    ['fsyncSync', 1, 'old'],
    ['openSync', 2, 'old'], // the temporary file of params.copy.json
    ['writeSync', 2, 'old'],
    ['fsyncSync', 2, 'old'],
    ['renameSync', 1, 'old'], // temporary → params.json
    ['renameSync', 2, 'new'], // temporary → params.copy.json: params.json is new, with the higher sequence
    ['openSync', 3, 'new'], // the folder, after the renames
    ['fsyncSync', 3, 'new'], // the folder
  ];
  const c = await crashable(t);
  for (const [fn, nth, want] of steps) {
    await t.test(`${fn} #${nth}`, async (t) => {
      const dir = tmpDir(t);
      const db = new c.ParamDb({ registry: fixtureRegistry(), dir });
      db.open();
      db.update({ 'Test.Str': 'old' }, 'operator');
      db.update({ 'Test.Int': '1' }, 'operator');
      const rev = db.rev;
      c.arm(fn, nth);
      t.throws(() => db.update({ 'Test.Str': 'new', 'Test.Int': '2' }, 'operator'), /simulated power loss/);
      t.notOk(c.armed, 'the crash happened');
      t.equal(db.get(['Test.Str'], 'viewer')['Test.Str'], 'old', 'a failed save is not acknowledged in memory');
      t.equal(db.rev, rev);
      // restart on the real file system
      const { db: back, audit } = openDb(t, { dir });
      const got = back.get(['Test.Str', 'Test.Int'], 'viewer');
      t.same(got, want === 'old' ? { 'Test.Str': 'old', 'Test.Int': '1' } : { 'Test.Str': 'new', 'Test.Int': '2' }, `the ${want} state, whole`);
      t.same(audit, [], 'no damaged file to report');
      back.update({ 'Test.Str': 'later' }, 'operator');
      t.equal(openDb(t, { dir }).db.get(['Test.Str'], 'viewer')['Test.Str'], 'later', 'and saving works again');
    });
  }
});

t.test('a crash while repairing a damaged copy keeps the other one', async (t) => {
  const c = await crashable(t);
  const { dir } = twoSaves(t);
  truncateSync(join(dir, CURRENT), 30);
  // the restart that repairs the copies loses power before its save completes
  c.arm('renameSync', 1, (args) => String(args[0]).endsWith('.tmp'));
  const crashing = new c.ParamDb({ registry: fixtureRegistry(), dir });
  t.throws(() => crashing.open(), /simulated power loss/);
  t.notOk(c.armed);
  const { db, audit } = openDb(t, { dir });
  t.equal(db.get(['Test.Str'], 'viewer')['Test.Str'], 'value-two', 'the acknowledged state, not the defaults');
  t.same(audit, [], 'the boot that crashed reported the damage; a copy missing beside its temporary file is a save cut short');
  t.ok(new StoreFile(dir).load().clean, 'this boot finished the repair');
  t.equal(openDb(t, { dir }).db.get(['Test.Str'], 'viewer')['Test.Str'], 'value-two', 'and it stays');
});
