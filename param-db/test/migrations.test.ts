import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS, SCHEMA_VERSION, migrate, type Migration } from '../src/migrations.js';
import { StoreFile } from '../src/store-file.js';
import { actions, fixtureRegistry, openDb, tmpDir } from './fixtures/helpers.js';

const rename: Migration = {
  from: 0,
  describe: 'Test.OldName became Test.Str',
  migrate(v) {
    if ('Test.OldName' in v) {
      v['Test.Str'] = v['Test.OldName']!;
      delete v['Test.OldName'];
    }
    return v;
  },
};
const upper: Migration = {
  from: 1,
  describe: 'Test.Enum upper case to lower case',
  migrate: (v) => ({ ...v, ...(v['Test.Enum'] ? { 'Test.Enum': v['Test.Enum'].toLowerCase() } : {}) }),
};

/** A folder whose store was written by an older (or newer) firmware. */
function stored(t: Test, schemaVersion: number, values: Record<string, string>, rev = 7) {
  const dir = tmpDir(t);
  new StoreFile(dir).save({ schemaVersion, rev, values });
  return dir;
}

t.test('migrate(): steps in order, input untouched', async (t) => {
  t.equal(SCHEMA_VERSION, 1);
  t.same(MIGRATIONS, []);
  const input = { 'Test.OldName': 'x', 'Test.Enum': 'B' };
  const r = migrate(input, 0, 2, [upper, rename]);
  t.same(r.values, { 'Test.Str': 'x', 'Test.Enum': 'b' });
  t.same(r.applied, ['0→1: Test.OldName became Test.Str', '1→2: Test.Enum upper case to lower case']);
  t.same(input, { 'Test.OldName': 'x', 'Test.Enum': 'B' }, 'the caller\'s values are not modified');
  t.same(migrate(input, 1, 1, []), { values: input, applied: [] }, 'same version: nothing to do');
  t.same(migrate(input, 1, 2, [upper, rename]).applied, ['1→2: Test.Enum upper case to lower case'], 'starts at the stored version');
  t.throws(() => migrate(input, 0, 2, [rename]), /no migration from schema 1/);
  t.throws(() => migrate(input, 0, 1, []), /no migration from schema 0/);
  t.throws(() => migrate(input, 3, 1, [rename]), /stored schema 3 is newer than this firmware's 1/);
});

t.test('an older store is migrated, audited and saved', async (t) => {
  const dir = stored(t, 0, { 'Test.OldName': 'migrated value', 'Test.Int': '42' });
  const o = openDb(t, { dir, schemaVersion: 1, migrations: [rename] });
  t.equal(o.db.get(['Test.Str'], 'viewer')['Test.Str'], 'migrated value');
  t.equal(o.db.get(['Test.Int'], 'viewer')['Test.Int'], '42', 'untouched values kept');
  t.same(o.audit, [{ action: 'params.migrated', fields: { migration: '0→1: Test.OldName became Test.Str' } }]);
  const onDisk = new StoreFile(dir).load().state!;
  t.equal(onDisk.schemaVersion, 1, 'the migrated state is stored');
  t.equal(onDisk.values['Test.Str'], 'migrated value');
  t.notOk('Test.OldName' in onDisk.values);
  const again = o.reopen();
  t.same(again.audit, [], 'migrated once, not at every start');
  t.equal(again.db.get(['Test.Str'], 'viewer')['Test.Str'], 'migrated value');
});

t.test('a chain of migrations', async (t) => {
  const dir = stored(t, 0, { 'Test.OldName': 'v', 'Test.Enum': 'C' });
  const o = openDb(t, { dir, schemaVersion: 2, migrations: [rename, upper] });
  t.same(o.db.get(['Test.Str', 'Test.Enum'], 'viewer'), { 'Test.Str': 'v', 'Test.Enum': 'c' });
  t.same(actions(o.audit), ['params.migrated', 'params.migrated']);
  t.equal(new StoreFile(dir).load().state!.schemaVersion, 2);
});

t.test('a missing migration falls back to defaults with an audit line', async (t) => {
  const dir = stored(t, 0, { 'Test.Str': 'old firmware value' });
  const o = openDb(t, { dir, schemaVersion: 2, migrations: [rename] });
  t.equal(o.db.get(['Test.Str'], 'viewer')['Test.Str'], 'hello');
  t.same(o.audit, [
    { action: 'params.migration_failed', fields: { error: 'no migration from schema 1' }, level: 'warn' },
    { action: 'params.recovered', fields: { from: 'defaults' }, level: 'warn' },
  ]);
  t.equal(o.db.storage.fallback, 'defaults', 'the store says so');
  t.equal(o.db.get(['Slot.S2.Name'], 'viewer')['Slot.S2.Name'], 'Slot 2', 'default instances');
  o.db.update({ 'Test.Str': 'new' }, 'operator');
  t.equal(o.reopen({ schemaVersion: 2, migrations: [rename] }).db.get(['Test.Str'], 'viewer')['Test.Str'], 'new', 'usable afterwards');
});

t.test('a newer stored schema falls back to defaults with an audit line', async (t) => {
  const dir = stored(t, 5, { 'Test.Str': 'from the future' });
  const before = readFileSync(join(dir, 'params.json'), 'utf8');
  const o = openDb(t, { dir });
  t.equal(o.db.get(['Test.Str'], 'viewer')['Test.Str'], 'hello');
  t.same(o.audit, [
    { action: 'params.migration_failed', fields: { error: "stored schema 5 is newer than this firmware's 1" }, level: 'warn' },
    { action: 'params.recovered', fields: { from: 'defaults' }, level: 'warn' },
  ]);
  t.equal(o.db.storage.fallback, 'defaults', 'the store says so');
  t.equal(readFileSync(join(dir, 'params.json'), 'utf8'), before, 'opening alone does not overwrite it');
  const cs = o.db.update({ 'Test.Int': '9' }, 'operator');
  t.ok(cs.rev > 0);
  const again = o.reopen();
  t.same(again.audit, [], 'after a write, the store is this firmware\'s');
  t.same(again.db.get(['Test.Str', 'Test.Int'], 'viewer'), { 'Test.Str': 'hello', 'Test.Int': '9' });
});

t.test('a migration that throws falls back to defaults', async (t) => {
  const dir = stored(t, 0, { 'Test.Str': 'x' });
  const broken: Migration = {
    from: 0,
    describe: 'broken',
    migrate() {
      throw new Error('bug in migration');
    },
  };
  let o: ReturnType<typeof openDb> | undefined;
  t.doesNotThrow(() => (o = openDb(t, { dir, schemaVersion: 1, migrations: [broken] })));
  t.equal(o?.db.get(['Test.Str'], 'viewer')['Test.Str'], 'hello');
  t.same(o?.audit, [
    { action: 'params.migration_failed', fields: { error: 'bug in migration' }, level: 'warn' },
    { action: 'params.recovered', fields: { from: 'defaults' }, level: 'warn' },
  ]);
});

t.test('values of params no longer defined are dropped, with an audit line', async (t) => {
  const dir = stored(t, 1, { 'Test.Str': 'kept', 'Test.Gone': 'bye', 'Gone.Group.X': 'bye', 'Test.Const': 'stored const', 'Slot.S1.Removed': 'bye' });
  const o = openDb(t, { dir });
  const dropped = o.audit.filter((a) => a.action === 'params.dropped');
  t.same(dropped.map((a) => a.fields.name).sort(), ['Gone.Group.X', 'Slot.S1.Removed', 'Test.Const', 'Test.Gone']);
  for (const d of dropped) t.equal(d.fields.reason, 'not defined by this firmware');
  t.same(actions(o.audit).filter((a) => a !== 'params.dropped'), []);
  const all = o.db.list(undefined, 'internal');
  t.equal(all['Test.Str'], 'kept');
  t.notOk('Test.Gone' in all);
  t.equal(all['Test.Const'], 'SER123', 'a const comes from the board, never from the file');
  t.notOk('Test.Const' in new StoreFile(dir).load().state!.values, 'and the cleaned state is saved');
  t.same(o.reopen().audit, [], 'dropped once');
});

t.test('invalid stored values go back to their default, with an audit line', async (t) => {
  const dir = stored(t, 1, { 'Test.Int': 'abc', 'Test.Enum': 'zzz', 'Test.Str': 'x'.repeat(17), 'Test.Ip': 'a\nb', 'Slot.S1.Level': '99', 'Test.Bool': 'TRUE', 'Test.Float': '3.5' });
  const o = openDb(t, { dir });
  const reset = o.audit.filter((a) => a.action === 'params.reset');
  t.same(reset.map((a) => a.fields.name).sort(), ['Slot.S1.Level', 'Test.Enum', 'Test.Int', 'Test.Ip', 'Test.Str']);
  for (const r of reset) t.type(r.fields.reason, 'string');
  t.same(o.db.get(['Test.Int', 'Test.Enum', 'Test.Str', 'Test.Ip', 'Slot.S1.Level', 'Test.Float'], 'viewer'), {
    'Test.Int': '5',
    'Test.Enum': 'a',
    'Test.Str': 'hello',
    'Test.Ip': '',
    'Slot.S1.Level': '0',
    'Test.Float': '3.5',
  });
  t.equal(o.db.get(['Test.Bool'], 'viewer')['Test.Bool'], 'yes', 'valid but not canonical: canonicalised, not reset');
  t.same(o.reopen().audit, [], 'reset once');
});

t.test('stored instances: kept as stored, new template params get defaults', async (t) => {
  // S2 was removed by the user, S3 added, and this firmware's template has more leaves than stored
  const dir = stored(t, 1, { 'Slot.S1.Name': 'Front', 'Slot.S3.Name': 'Added' });
  const o = openDb(t, { dir });
  t.same(o.audit, []);
  const slots = o.db.list(['Slot'], 'viewer');
  t.same(Object.keys(slots), ['Slot.S1.Keep', 'Slot.S1.Kind', 'Slot.S1.Level', 'Slot.S1.Name', 'Slot.S3.Keep', 'Slot.S3.Kind', 'Slot.S3.Level', 'Slot.S3.Name']);
  t.equal(slots['Slot.S3.Name'], 'Added');
  t.equal(slots['Slot.S3.Kind'], 'p');
  t.equal(slots['Slot.S1.Level'], '0');
  t.equal(o.db.get(['Slot.S3.Token'], 'internal', { caller: 'testd' })['Slot.S3.Token'], '', 'secret leaf filled too');
});

t.test('a store with every default instance removed keeps none', async (t) => {
  const dir = stored(t, 1, { 'Test.Str': 'x' });
  const o = openDb(t, { dir, registry: fixtureRegistry() });
  t.same(o.db.list(['Slot'], 'viewer'), {});
});
