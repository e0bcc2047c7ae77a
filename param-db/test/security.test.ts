import t from 'tap';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expectError, openDb, realRegistry, tmpDir } from './fixtures/helpers.js';
import type { Level } from '@belfry/core';

const LEVELS: Level[] = ['anonymous', 'viewer', 'operator', 'admin', 'internal'];
const SECRETS = ['Test.Secret', 'Other.Secret', 'Slot.S1.Token', 'Slot.S2.Token'];

t.test('list filters by read level', async (t) => {
  const { db } = openDb(t);
  t.same(Object.keys(db.list(undefined, 'anonymous')).sort(), ['Test.Const', 'Test.Public']);
  const viewer = db.list(undefined, 'viewer');
  t.ok('Test.Str' in viewer);
  t.ok('Slot.S1.Name' in viewer);
  t.notOk('Test.AdminOnly' in viewer, 'admin-read param hidden from a viewer');
  t.notOk('Test.AdminOnly' in db.list(undefined, 'operator'));
  t.equal(db.list(undefined, 'admin')['Test.AdminOnly'], 'adm');
  t.equal(db.list(['Test'], 'admin')['Test.AdminOnly'], 'adm');
  t.notOk('Test.AdminOnly' in db.list(['Test'], 'viewer'));
  t.same(db.list(['Test.AdminOnly'], 'viewer'), {}, 'named directly: still hidden');
  // every level sees at least what the one below sees
  for (let i = 1; i < LEVELS.length; i++) {
    const lower = Object.keys(db.list(undefined, LEVELS[i - 1]!));
    const higher = db.list(undefined, LEVELS[i]!);
    for (const n of lower) t.ok(n in higher, `${LEVELS[i]} sees ${n}`);
  }
});

t.test('secrets are never listed, at any level', async (t) => {
  const { db } = openDb(t);
  db.update({ 'Test.Secret': 'hunter2' }, 'admin');
  for (const level of LEVELS) {
    for (const groups of [undefined, ['Test'], ['Other'], ['Slot'], ['Test.Secret'], ['*.Secret'], ['Slot.*.Token'], ['root']]) {
      const out = db.list(groups, level);
      for (const s of SECRETS) t.notOk(s in out, `${s} not listed at ${level} for ${JSON.stringify(groups)}`);
      t.notMatch(JSON.stringify(out), /hunter2/);
    }
  }
  for (const level of LEVELS) {
    const names = db.definitions(undefined, level).map((e) => e.name);
    for (const s of SECRETS) t.notOk(names.includes(s), `${s} not in definitions at ${level}`);
  }
});

t.test('get returns a secret only to its owning daemon at level internal', async (t) => {
  const { db } = openDb(t);
  db.update({ 'Test.Secret': 'hunter2', 'Other.Secret': 'other-pass' }, 'admin');
  t.same(db.get(['Test.Secret'], 'internal', { caller: 'testd' }), { 'Test.Secret': 'hunter2' });
  t.same(db.get(['root.Other.Secret'], 'internal', { caller: 'otherd' }), { 'Other.Secret': 'other-pass' });
  expectError(t, () => db.get(['Test.Secret'], 'internal', { caller: 'otherd' }), 'not_found', 'Test.Secret', 'another daemon');
  expectError(t, () => db.get(['Test.Secret'], 'internal'), 'not_found', 'Test.Secret', 'no caller');
  for (const level of ['anonymous', 'viewer', 'operator', 'admin'] as const) {
    expectError(t, () => db.get(['Test.Secret'], level, { caller: 'testd' }), 'not_found', 'Test.Secret', `owner's name at ${level}`);
  }
  // answered like a missing param: missingOk leaves it out, the rest still comes
  t.same(db.get(['Test.Secret', 'Test.Str'], 'admin', { missingOk: true }), { 'Test.Str': 'hello' });
  t.same(db.get(['Slot.S1.Token'], 'internal', { caller: 'testd' }), { 'Slot.S1.Token': '' }, 'secret template params too');
  expectError(t, () => db.get(['Slot.S1.Token'], 'admin'), 'not_found', 'Slot.S1.Token');
});

t.test('get filters by read level', async (t) => {
  const { db } = openDb(t);
  expectError(t, () => db.get(['Test.AdminOnly'], 'operator'), 'not_found', 'Test.AdminOnly', 'unreadable answers like unknown');
  expectError(t, () => db.get(['Test.Str'], 'anonymous'), 'not_found', 'Test.Str');
  t.same(db.get(['Test.Const', 'Test.Public'], 'anonymous'), { 'Test.Const': 'SER123', 'Test.Public': 'pub' });
  t.same(db.get(['Test.AdminOnly', 'Test.Str'], 'viewer', { missingOk: true }), { 'Test.Str': 'hello' });
});

t.test('write levels', async (t) => {
  const { db } = openDb(t);
  // [param, lowest level allowed to write]
  const cases: [string, Level][] = [
    ['Test.Str', 'operator'],
    ['Test.AdminOnly', 'admin'],
    ['Test.Public', 'admin'],
    ['Test.Secret', 'admin'],
    ['Test.Internal', 'internal'],
    ['Slot.S1.Name', 'operator'],
    ['Slot.S1.Token', 'admin'],
    ['Other.Value', 'admin'],
  ];
  for (const [name, need] of cases) {
    for (const level of LEVELS) {
      const allowed = LEVELS.indexOf(level) >= LEVELS.indexOf(need);
      if (allowed) t.doesNotThrow(() => db.update({ [name]: `by-${level}` }, level), `${level} writes ${name}`);
      else expectError(t, () => db.update({ [name]: `by-${level}` }, level), 'permission_denied', name, `${level} may not write ${name}`);
    }
  }
});

t.test('template create and delete levels', async (t) => {
  const { db } = openDb(t);
  db.remove(['Slot.S2'], 'admin');
  for (const level of ['anonymous', 'viewer'] as const) expectError(t, () => db.add('Slot', 'slot', {}, level), 'permission_denied', 'Slot');
  t.equal(db.add('Slot', 'slot', {}, 'operator').instance, 'S2');
  for (const level of ['anonymous', 'viewer', 'operator'] as const) expectError(t, () => db.remove(['Slot.S2'], level), 'permission_denied', 'Slot.S2');
  t.doesNotThrow(() => db.remove(['Slot.S2'], 'admin'));
  // values given to add are checked at the caller's level too
  expectError(t, () => db.add('Slot', 'slot', { Token: 't' }, 'operator'), 'permission_denied', 'Slot.S2.Token');
  t.equal(db.add('Slot', 'slot', { Token: 't' }, 'admin').instance, 'S2');
  t.same(db.get(['Slot.S2.Token'], 'internal', { caller: 'testd' }), { 'Slot.S2.Token': 't' });
});

t.test('securityDigits in definitions(): Axis create/delete/read/write digits', async (t) => {
  const { db } = openDb(t, { registry: realRegistry() });
  db.add('MediaClip', 'mediaclip', {}, 'operator');
  const digits = Object.fromEntries(db.definitions(undefined, 'admin').map((e) => [e.name, e.securityLevel]));
  t.equal(digits['Brand.Brand'], '7707', 'const readable by anyone');
  t.equal(digits['Properties.API.HTTP.Version'], '7707');
  t.equal(digits['Audio.DSCP'], '7716');
  t.equal(digits['MediaClip.M0.Name'], '4414');
  t.equal(digits['MediaClip.M0.Location'], '4417');
  for (const [n, d] of Object.entries(digits)) t.match(d, /^[0-7]{4}$/, `${n}: four digits`);
  const f = openDb(t).db;
  const fd = Object.fromEntries(f.definitions(['Test'], 'admin').map((e) => [e.name, e.securityLevel]));
  t.equal(fd['Test.Str'], '7714', 'viewer-read / operator-write static');
  t.equal(fd['Test.Const'], '7707');
});

t.test('the real definitions at each level', async (t) => {
  const { db } = openDb(t, { registry: realRegistry() });
  const anon = Object.keys(db.list(undefined, 'anonymous'));
  t.ok(anon.length > 0);
  for (const n of anon) t.match(n, /^(Brand|Properties)\./, `${n} is public`);
  t.ok(anon.includes('Brand.ProdNbr'));
  t.ok(anon.includes('Properties.System.SerialNumber'));
  const viewer = Object.keys(db.list(undefined, 'viewer'));
  t.ok(viewer.includes('Network.HostName'));
  t.ok(viewer.includes('Audio.MaxListeners'));
  expectError(t, () => db.get(['Audio.DSCP'], 'anonymous'), 'not_found', 'Audio.DSCP');
});

t.test('the store file and folder are private', async (t) => {
  const base = tmpDir(t);
  const dir = join(base, 'var', 'lib', 'belfry', 'params');
  const { db } = openDb(t, { dir });
  db.update({ 'Test.Secret': 'hunter2' }, 'admin');
  t.equal(statSync(dir).mode & 0o777, 0o700, 'folder 0700');
  t.equal(statSync(join(dir, 'params.json')).mode & 0o777, 0o600, 'file 0600');
  t.equal(statSync(join(dir, 'params.copy.json')).mode & 0o777, 0o600, 'its copy 0600');
  t.match(readFileSync(join(dir, 'params.json'), 'utf8'), /hunter2/, 'secrets are stored (the owner reads them back)');
});
