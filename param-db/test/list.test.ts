import t from 'tap';
import { MAX_NAMES } from '../src/param-db.js';
import { compareNames, normalizeName, patternMatcher } from '../src/names.js';
import { SERIAL, expectError, openDb, realRegistry } from './fixtures/helpers.js';

t.test('names: root. prefix, natural order, patterns', async (t) => {
  t.equal(normalizeName('root.Brand.Brand'), 'Brand.Brand');
  t.equal(normalizeName('Brand.Brand'), 'Brand.Brand');
  t.equal(normalizeName('root'), '');
  t.equal(normalizeName('rootless.X'), 'rootless.X');
  t.equal(normalizeName('Root.X'), 'Root.X', 'the prefix is lower-case root.');
  const sorted = ['MediaClip.M10.Name', 'MediaClip.M2.Name', 'MediaClip.M1.Name', 'MediaClip.MaxGroups', 'MediaClip.M36.Name'].sort(compareNames);
  t.same(sorted, ['MediaClip.M1.Name', 'MediaClip.M2.Name', 'MediaClip.M10.Name', 'MediaClip.M36.Name', 'MediaClip.MaxGroups']);
  t.ok(compareNames('Audio.A0.Name', 'AudioSource.A0.BitRate') < 0, 'a group before a longer sibling name');

  const m = patternMatcher('MediaClip.M*.Name');
  t.ok(m('MediaClip.M3.Name'));
  t.ok(m('MediaClip.M.Name'));
  t.notOk(m('MediaClip.M3.Location'));
  t.notOk(m('MediaClip.X3.Name'));
  t.notOk(m('MediaClip.M3'));
  const g = patternMatcher('root.Brand');
  t.ok(g('Brand'));
  t.ok(g('Brand.Brand'));
  t.notOk(g('BrandX.Y'), 'a group matches whole segments only');
  t.ok(patternMatcher('*.MaxGroups')('StreamProfile.MaxGroups'));
  t.notOk(patternMatcher('*.MaxGroups')('MediaClip.M1.MaxGroups'), 'a * does not span segments');
  t.ok(patternMatcher('Test.(a)+')('Test.(a)+'), 'regex characters are literal');
  t.notOk(patternMatcher('Test.(a)+')('Test.aa'));
  t.ok(patternMatcher('')('anything'));
  t.ok(patternMatcher('root')('anything'));
});

t.test('no groups: everything readable', async (t) => {
  const { db } = openDb(t);
  const all = db.list(undefined, 'viewer');
  t.same(db.list([], 'viewer'), all);
  t.same(db.list(['root'], 'viewer'), all, 'root is everything');
  t.same(Object.keys(all), Object.keys(all).sort(compareNames), 'in natural order');
  t.equal(all['Test.Const'], 'SER123', 'const values included');
  t.equal(all['Slot.S1.Name'], 'Front');
});

t.test('groups: root. prefix, leaves, prefix boundaries, spaces', async (t) => {
  const { db } = openDb(t);
  t.same(db.list(['root.Test.Sub'], 'viewer'), { 'Test.Sub.Item1': '1', 'Test.Sub.Item2': '2', 'Test.Sub.Item10': '10' });
  t.same(Object.keys(db.list(['Test.Sub'], 'viewer')), ['Test.Sub.Item1', 'Test.Sub.Item2', 'Test.Sub.Item10'], 'natural order within a group');
  t.same(db.list(['Test.Sub.Item1'], 'viewer'), { 'Test.Sub.Item1': '1' }, 'a leaf, and not Item10 with it');
  t.same(db.list([' Test.Str '], 'viewer'), { 'Test.Str': 'hello' }, 'spaces around a group are ignored');
  expectError(t, () => db.list(['Test.Su'], 'viewer'), 'not_found', 'Test.Su', 'a partial segment is not a group');
  expectError(t, () => db.list(['root.root.Test.Sub'], 'viewer'), 'not_found', 'root.root.Test.Sub', 'root. is stripped once');
});

t.test('group order is kept, duplicates listed once', async (t) => {
  const { db } = openDb(t, { registry: realRegistry() });
  const out = db.list(['Network', 'Brand', 'Brand.Brand', 'root.Network.HostName'], 'viewer');
  const keys = Object.keys(out);
  const firstBrand = keys.findIndex((k) => k.startsWith('Brand.'));
  t.ok(firstBrand > 0);
  t.ok(keys.slice(0, firstBrand).every((k) => k.startsWith('Network.')), 'Network first, as asked');
  t.ok(keys.slice(firstBrand).every((k) => k.startsWith('Brand.')), 'then Brand');
  t.equal(keys.filter((k) => k === 'Brand.Brand').length, 1);
  t.equal(keys.filter((k) => k === 'Network.HostName').length, 1);
  t.same(Object.keys(db.list(['Brand', 'Network'], 'viewer')).slice(0, 7), [
    'Brand.Brand',
    'Brand.ProdFullName',
    'Brand.ProdNbr',
    'Brand.ProdShortName',
    'Brand.ProdType',
    'Brand.ProdVariant',
    'Brand.WebURL',
  ]);
});

t.test('wildcards', async (t) => {
  const { db } = openDb(t, { registry: realRegistry() });
  for (let i = 0; i < 11; i++) db.add('MediaClip', 'mediaclip', {}, 'operator');
  db.remove(['MediaClip.M1', 'MediaClip.M3', 'MediaClip.M4', 'MediaClip.M5', 'MediaClip.M6', 'MediaClip.M7', 'MediaClip.M8', 'MediaClip.M9'], 'operator');
  t.same(db.list(['MediaClip.M*.Name'], 'viewer'), {
    'MediaClip.M0.Name': 'Clip MediaClip.M0',
    'MediaClip.M2.Name': 'Clip MediaClip.M2',
    'MediaClip.M10.Name': 'Clip MediaClip.M10',
  }, 'M2 before M10');
  t.same(db.list(['*.MaxGroups'], 'viewer'), { 'MediaClip.MaxGroups': '50', 'StreamProfile.MaxGroups': '0' });
  t.same(db.list(['root.*.A0.Name'], 'viewer'), { 'Audio.A0.Name': 'Audio' });
  t.same(Object.keys(db.list(['MediaClip.M1*'], 'viewer')), ['MediaClip.M10.Location', 'MediaClip.M10.Name', 'MediaClip.M10.Type']);
  expectError(t, () => db.list(['MediaClip.X*'], 'viewer'), 'not_found', 'MediaClip.X*');
  expectError(t, () => db.list(['IOPort.*'], 'viewer'), 'not_found', 'IOPort.*', 'a wildcard that matches nothing');
});

t.test('nonexistent group: not_found; declared empty group: empty', async (t) => {
  const { db } = openDb(t, { registry: realRegistry() });
  expectError(t, () => db.list(['Nonexistent'], 'viewer'), 'not_found', 'Nonexistent');
  expectError(t, () => db.list(['root.Nonexistent'], 'viewer'), 'not_found', 'root.Nonexistent', 'the target is the group as asked');
  expectError(t, () => db.list(['Brand', 'Nonexistent'], 'viewer'), 'not_found', 'Nonexistent', 'one bad group fails the list');
  expectError(t, () => db.list(['Brand.Brand.X'], 'viewer'), 'not_found', 'Brand.Brand.X');
  t.same(db.list(['IOPort'], 'viewer'), {}, 'IOPort exists and is empty');
  t.same(db.list(['root.IOPort'], 'anonymous'), {});
  t.same(db.list(['StreamProfile'], 'viewer'), { 'StreamProfile.MaxGroups': '0' });
  t.same(db.list(['MediaClip'], 'viewer'), { 'MediaClip.MaxGroups': '50', 'MediaClip.MaxUploadSize': '1.5', 'MediaClip.StorageQuota': '20', 'MediaClip.MaxDuration': '600', 'MediaClip.NormalizeLoudness': 'no', 'MediaClip.LoudnessTarget': '-18' }, 'a template group without instances');
  expectError(t, () => db.list(['MediaClip.M0'], 'viewer'), 'not_found', 'MediaClip.M0', 'an instance that does not exist');

  const f = openDb(t).db;
  t.same(f.list(['Empty'], 'viewer'), {});
  t.same(f.list(['Deep.Empty'], 'viewer'), {});
  t.same(f.list(['Deep'], 'viewer'), {}, 'the parent of a declared empty group');
  f.remove(['Slot.S1', 'Slot.S2'], 'admin');
  t.same(f.list(['Slot'], 'viewer'), {}, 'a template group with every instance removed');
  // a group whose params the caller cannot read answers empty (existence is public, values are not)
  t.same(f.list(['Test.Sub'], 'anonymous'), {});
});

t.test('limits on groups and names', async (t) => {
  const { db } = openDb(t);
  t.equal(MAX_NAMES, 1000);
  t.equal(Object.keys(db.list(Array(MAX_NAMES).fill('Test.Str'), 'viewer')).length, 1, 'exactly at the limit');
  expectError(t, () => db.list(Array(MAX_NAMES + 1).fill('Test.Str'), 'viewer'), 'limit_exceeded');
  t.same(db.get(Array(MAX_NAMES).fill('Test.Str'), 'viewer'), { 'Test.Str': 'hello' });
  expectError(t, () => db.get(Array(MAX_NAMES + 1).fill('Test.Str'), 'viewer'), 'limit_exceeded');
  expectError(t, () => db.remove(Array(MAX_NAMES + 1).fill('Slot.S1'), 'admin'), 'limit_exceeded');
});

t.test('get', async (t) => {
  const { db } = openDb(t, { registry: realRegistry() });
  t.same(db.get(['root.Properties.System.SerialNumber'], 'anonymous'), { 'Properties.System.SerialNumber': SERIAL });
  t.same(db.get(['Network.eth0.MACAddress'], 'viewer'), { 'Network.eth0.MACAddress': '02:BE:1F:00:00:01' });
  expectError(t, () => db.get(['Network.HostName', 'Nope'], 'viewer'), 'not_found', 'Nope');
  expectError(t, () => db.get(['Network'], 'viewer'), 'not_found', 'Network', 'a group is not a param');
  t.same(db.get(['Nope', 'Network.HostName'], 'viewer', { missingOk: true }), { 'Network.HostName': `belfry-${SERIAL}` });
  t.same(db.get([], 'viewer'), {});
});
