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
const PREVIOUS = 'params.prev.json';

t.test('StoreFile: save and load', async (t) => {
  const dir = join(tmpDir(t), 'params');
  const f = new StoreFile(dir);
  t.same(f.load(), { state: undefined, source: 'none', problems: [] }, 'nothing yet: no problems');
  f.save({ schemaVersion: 1, rev: 1, values: { A: 'one' } });
  t.same(f.load(), { state: { schemaVersion: 1, rev: 1, values: { A: 'one' } }, source: 'current', problems: [] });
  t.notOk(existsSync(join(dir, PREVIOUS)), 'no previous file after the first save');
  f.save({ schemaVersion: 1, rev: 2, values: { A: 'two', 'B.C': 'x=y\tz' } });
  t.same(f.load().state, { schemaVersion: 1, rev: 2, values: { A: 'two', 'B.C': 'x=y\tz' } });
  t.same(new StoreFile(dir).load().state?.rev, 2, 'a new instance reads the same');
  const prev = readFileSync(join(dir, PREVIOUS), 'utf8');
  t.match(prev, /"rev":1/, 'the previous file holds the state before');
  t.same(readdirSync(dir).sort(), [CURRENT, PREVIOUS], 'no temporary file left behind');
  const text = readFileSync(join(dir, CURRENT), 'utf8');
  t.match(text, new RegExp(`^\\{"format":"${STORE_FORMAT}","sha256":"[0-9a-f]{64}","body":`));
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

/** Two good saves, so both files exist: current holds `v2`, previous `v1`. */
function twoSaves(t: Test) {
  const o = openDb(t);
  o.db.update({ 'Test.Str': 'value-one' }, 'operator');
  o.db.update({ 'Test.Str': 'value-two' }, 'operator');
  return o;
}

const problems = (audit: AuditLine[]) => audit.filter((a) => a.action === 'params.file_rejected').map((a) => String(a.fields.problem));

t.test('truncated current file: the previous one is used, with audit lines', async (t) => {
  const { db, dir, reopen } = twoSaves(t);
  const rev = db.rev;
  const cur = join(dir, CURRENT);
  truncateSync(cur, readFileSync(cur).length - 20);
  const { db: back, audit } = reopen();
  t.equal(back.get(['Test.Str'], 'viewer')['Test.Str'], 'value-one', 'the previous state');
  t.same(actions(audit), ['params.file_rejected', 'params.recovered']);
  t.match(problems(audit)[0], /params\.json: not a params file/);
  t.same(audit[1]!.fields, { from: 'previous file' });
  t.equal(back.rev, rev, 'the previous rev, plus the save of the recovered state');
  t.ok(existsSync(`${cur}.corrupt`), 'the damaged file is kept aside');
  const third = reopen();
  t.same(third.audit, [], 'recovered for good: the next start is clean');
  t.equal(third.db.get(['Test.Str'], 'viewer')['Test.Str'], 'value-one');
  third.db.update({ 'Test.Str': 'value-three' }, 'operator');
  t.equal(reopen().db.get(['Test.Str'], 'viewer')['Test.Str'], 'value-three');
});

t.test('checksum mismatch: one flipped character inside a value is detected', async (t) => {
  const { dir, reopen } = twoSaves(t);
  const cur = join(dir, CURRENT);
  const text = readFileSync(cur, 'utf8');
  t.ok(text.includes('value-two'));
  writeFileSync(cur, text.replace('value-two', 'value-twp'));
  const { db, audit } = reopen();
  t.equal(db.get(['Test.Str'], 'viewer')['Test.Str'], 'value-one', 'the flipped value is not believed');
  t.same(actions(audit), ['params.file_rejected', 'params.recovered']);
  t.match(problems(audit)[0], /params\.json: checksum mismatch/);
});

t.test('both files damaged: defaults, audit, and a usable store', async (t) => {
  const { dir, reopen } = twoSaves(t);
  writeFileSync(join(dir, CURRENT), readFileSync(join(dir, CURRENT), 'utf8').replace('value-two', 'value-tw0'));
  truncateSync(join(dir, PREVIOUS), 10);
  const { db, audit } = reopen();
  t.equal(db.get(['Test.Str'], 'viewer')['Test.Str'], 'hello', 'defaults');
  t.equal(db.get(['Slot.S1.Name'], 'viewer')['Slot.S1.Name'], 'Front', 'default instances too');
  t.same(actions(audit), ['params.file_rejected', 'params.file_rejected', 'params.recovered']);
  t.match(problems(audit)[0], /params\.json: checksum mismatch/);
  t.match(problems(audit)[1], /params\.prev\.json: not a params file/);
  t.same(audit[2]!.fields, { from: 'defaults' });
  t.ok(existsSync(join(dir, `${CURRENT}.corrupt`)));
  t.ok(existsSync(join(dir, `${PREVIOUS}.corrupt`)));
  t.ok(existsSync(join(dir, CURRENT)), 'defaults saved at once');
  db.update({ 'Test.Str': 'after recovery' }, 'operator');
  const again = reopen();
  t.same(again.audit, [], 'the next start is clean');
  t.equal(again.db.get(['Test.Str'], 'viewer')['Test.Str'], 'after recovery');
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

t.test('a missing current file with a good previous one', async (t) => {
  const { dir, reopen } = twoSaves(t);
  realFs.unlinkSync(join(dir, CURRENT));
  const { db } = reopen();
  t.equal(db.get(['Test.Str'], 'viewer')['Test.Str'], 'value-one');
  t.ok(existsSync(join(dir, CURRENT)));
  t.equal(new StoreFile(dir).load().source, 'current');
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
    ['openSync', 1, 'old'], // the temporary file
    ['writeSync', 1, 'old'],
    ['fsyncSync', 1, 'old'], // the temporary file
    ['unlinkSync', 1, 'old'], // the old previous file
    ['linkSync', 1, 'old'], // current → previous
    ['renameSync', 1, 'old'], // temporary → current
    ['openSync', 2, 'new'], // the folder, after the rename
    ['fsyncSync', 2, 'new'], // the folder
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

t.test('a crash while saving a recovered state keeps the previous file', async (t) => {
  const c = await crashable(t);
  const { dir } = twoSaves(t);
  const cur = join(dir, CURRENT);
  truncateSync(cur, 30);
  // the restart that recovers from the previous file loses power before its save completes
  c.arm('renameSync', 1, (args) => String(args[0]).endsWith('.tmp'));
  const crashing = new c.ParamDb({ registry: fixtureRegistry(), dir });
  t.throws(() => crashing.open(), /simulated power loss/);
  t.notOk(c.armed);
  const { db, audit } = openDb(t, { dir });
  t.equal(db.get(['Test.Str'], 'viewer')['Test.Str'], 'value-one', 'the previous state, not the defaults');
  t.same(audit, [], 'the damage was reported by the boot that crashed');
  t.equal(openDb(t, { dir }).db.get(['Test.Str'], 'viewer')['Test.Str'], 'value-one', 'and it stays');
});
