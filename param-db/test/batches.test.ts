import t from 'tap';
import { readFileSync } from 'node:fs';
import { MAX_BATCH } from '../src/param-db.js';
import { Registry } from '../src/registry.js';
import type { DefsFile } from '../src/types.js';
import { SERIAL, expectError, openDb, realRegistry } from './fixtures/helpers.js';

t.test('a valid batch is stored, canonicalised, and survives a restart', async (t) => {
  const { db, reopen } = openDb(t);
  const rev0 = db.rev;
  const cs = db.update({ 'Test.Str': 'changed', 'Test.Int': '+042', 'Test.Bool': 'TRUE', 'Test.List': 'z,x', 'Test.Ip': '::1', 'Test.Float': '+2.5' }, 'operator');
  t.equal(cs.rev, rev0 + 1);
  t.equal(db.rev, rev0 + 1);
  t.same(cs.changes, { 'Test.Str': 'changed', 'Test.Int': '42', 'Test.Bool': 'yes', 'Test.List': 'z,x', 'Test.Ip': '::1', 'Test.Float': '2.5' });
  t.same(cs.secret, []);
  const want = { 'Test.Str': 'changed', 'Test.Int': '42', 'Test.Bool': 'yes', 'Test.List': 'z,x', 'Test.Ip': '::1', 'Test.Float': '2.5' };
  t.same(db.get(Object.keys(want), 'viewer'), want);
  const again = reopen();
  t.same(again.db.get(Object.keys(want), 'viewer'), want, 'after a restart');
  t.equal(again.db.rev, rev0 + 1);
  t.same(again.audit, [], 'a clean reopen audits nothing');
});

t.test('rev increments once per batch', async (t) => {
  const { db } = openDb(t);
  const r = db.rev;
  t.equal(db.update({ 'Test.Int': '1' }, 'operator').rev, r + 1);
  t.equal(db.update({ 'Test.Int': '2', 'Test.Str': 'two' }, 'operator').rev, r + 2);
  t.equal(db.rev, r + 2);
});

t.test('all or nothing: one bad value and nothing changes', async (t) => {
  const { db, dir, reopen } = openDb(t);
  db.update({ 'Test.Str': 'before' }, 'operator');
  const before = db.list(undefined, 'internal');
  const rev = db.rev;
  const file = readFileSync(`${dir}/params.json`, 'utf8');

  expectError(t, () => db.update({ 'Test.Str': 'after', 'Test.Int': 'abc', 'Test.Bool': 'yes' }, 'operator'), 'invalid_argument', 'Test.Int');
  t.same(db.list(undefined, 'internal'), before, 'nothing changed in memory');
  t.equal(db.rev, rev, 'rev unchanged');
  t.equal(readFileSync(`${dir}/params.json`, 'utf8'), file, 'nothing written');
  t.equal(reopen().db.get(['Test.Str'], 'viewer')['Test.Str'], 'before');

  // out of range, bad enum, bad list item, bad ip, too long, control characters
  for (const [name, v] of [
    ['Test.Int', '101'],
    ['Test.Enum', 'd'],
    ['Test.List', 'x,w'],
    ['Test.Ip', '1.2.3.256'],
    ['Test.Str', 'x'.repeat(17)],
    ['Test.Str', 'a\nroot.Test.Internal=forged'],
    ['Test.Float', '10.5'],
  ] as const) {
    const e = expectError(t, () => db.update({ 'Test.Str': 'after', [name]: v }, 'operator'), 'invalid_argument', name);
    t.match(e?.message, new RegExp(`'${name.replace('.', '\\.')}'`), 'the message names the param');
  }
  t.same(db.list(undefined, 'internal'), before);
  t.equal(db.rev, rev);
});

t.test('the first failing name is reported', async (t) => {
  const { db } = openDb(t);
  expectError(t, () => db.update({ 'Test.Int': 'abc', 'Test.Enum': 'zzz' }, 'operator'), 'invalid_argument', 'Test.Int');
  expectError(t, () => db.update({ 'Test.Enum': 'zzz', 'Test.Int': 'abc' }, 'operator'), 'invalid_argument', 'Test.Enum');
  expectError(t, () => db.update({ 'Test.Str': 'ok', 'Nope.Nope': 'x', 'Test.Int': 'abc' }, 'operator'), 'not_found', 'Nope.Nope');
  expectError(t, () => db.update({ 'Test.Str': 'ok', 'Test.Int': 'abc', 'Nope.Nope': 'x' }, 'operator'), 'invalid_argument', 'Test.Int');
  // the target is the name as the caller spelled it
  expectError(t, () => db.update({ 'root.Test.Int': 'abc' }, 'operator'), 'invalid_argument', 'root.Test.Int');
});

t.test('unknown names are not_found, and change nothing', async (t) => {
  const { db } = openDb(t);
  const before = db.list(undefined, 'internal');
  for (const n of ['Nope', 'Test.Nope', 'Test', 'Test.Sub', 'Slot.S3.Name', 'Slot.S1', 'Slot.S.Name', 'Slot.S01.Name', 'root.Nope', '', 'root']) {
    expectError(t, () => db.update({ 'Test.Str': 'x', [n]: '1' }, 'admin'), 'not_found', n, `'${n}' not_found`);
  }
  t.same(db.list(undefined, 'internal'), before);
});

t.test('readonly and const params: failed_precondition', async (t) => {
  const { db } = openDb(t);
  expectError(t, () => db.update({ 'Test.ReadOnly': 'x' }, 'admin'), 'failed_precondition', 'Test.ReadOnly');
  expectError(t, () => db.update({ 'Test.Const': 'x' }, 'admin'), 'failed_precondition', 'Test.Const');
  expectError(t, () => db.update({ 'Test.Const': 'x' }, 'internal'), 'failed_precondition', 'Test.Const', 'const even for daemons');
  expectError(t, () => db.update({ 'Slot.S1.Kind': 'q' }, 'admin'), 'failed_precondition', 'Slot.S1.Kind');
  // the owning daemon may still set a readonly param
  t.same(db.update({ 'Test.ReadOnly': 'set by daemon', 'Slot.S1.Kind': 'q' }, 'internal').changes, { 'Test.ReadOnly': 'set by daemon', 'Slot.S1.Kind': 'q' });
  t.equal(db.get(['Test.ReadOnly'], 'viewer')['Test.ReadOnly'], 'set by daemon');
  // an invalid value is still refused for the daemon
  expectError(t, () => db.update({ 'Slot.S1.Kind': 'r' }, 'internal'), 'invalid_argument', 'Slot.S1.Kind');
});

t.test('write levels: permission_denied', async (t) => {
  const { db } = openDb(t);
  expectError(t, () => db.update({ 'Test.Str': 'x' }, 'viewer'), 'permission_denied', 'Test.Str');
  expectError(t, () => db.update({ 'Test.Str': 'x' }, 'anonymous'), 'permission_denied', 'Test.Str');
  expectError(t, () => db.update({ 'Test.Str': 'ok', 'Test.AdminOnly': 'x' }, 'operator'), 'permission_denied', 'Test.AdminOnly');
  expectError(t, () => db.update({ 'Test.Internal': 'x' }, 'admin'), 'permission_denied', 'Test.Internal');
  t.equal(db.get(['Test.Str'], 'viewer')['Test.Str'], 'hello', 'nothing stored');
  t.same(db.update({ 'Test.Str': 'x' }, 'operator').changes, { 'Test.Str': 'x' });
  t.same(db.update({ 'Test.Str': 'y' }, 'admin').changes, { 'Test.Str': 'y' }, 'a higher level may write');
  t.same(db.update({ 'Test.Internal': 'z' }, 'internal').changes, { 'Test.Internal': 'z' });
});

t.test('non-string values are invalid_argument', async (t) => {
  const { db } = openDb(t);
  for (const v of [5, true, null, undefined, { a: 1 }, ['x']]) {
    expectError(t, () => db.update({ 'Test.Int': v }, 'operator'), 'invalid_argument', 'Test.Int');
  }
});

t.test('empty batch and batch size limit', async (t) => {
  const bulk: DefsFile = { owner: 'bulkd', defaults: { read: 'viewer', write: 'operator' }, params: {} };
  for (let i = 0; i <= MAX_BATCH; i++) bulk.params![`Bulk.P${i}`] = { type: 'int', default: '0' };
  const { db, reopen } = openDb(t, { registry: new Registry([bulk], {}) });
  expectError(t, () => db.update({}, 'operator'), 'invalid_argument');

  t.equal(MAX_BATCH, 1000);
  const over: Record<string, string> = {};
  for (let i = 0; i <= MAX_BATCH; i++) over[`Bulk.P${i}`] = '1';
  const rev = db.rev;
  expectError(t, () => db.update(over, 'operator'), 'limit_exceeded');
  t.equal(db.rev, rev);
  t.equal(db.get(['Bulk.P0'], 'viewer')['Bulk.P0'], '0');

  const at: Record<string, string> = {};
  for (let i = 0; i < MAX_BATCH; i++) at[`Bulk.P${i}`] = String(i + 1);
  const cs = db.update(at, 'operator');
  t.equal(Object.keys(cs.changes).length, MAX_BATCH, 'exactly at the limit works');
  t.equal(cs.rev, rev + 1);
  const back = reopen().db;
  t.equal(back.get([`Bulk.P${MAX_BATCH - 1}`], 'viewer')[`Bulk.P${MAX_BATCH - 1}`], String(MAX_BATCH));
  t.equal(back.get([`Bulk.P${MAX_BATCH}`], 'viewer')[`Bulk.P${MAX_BATCH}`], '0');
});

t.test('names with the root. prefix', async (t) => {
  const { db } = openDb(t);
  const cs = db.update({ 'root.Test.Str': 'rooted', 'root.Slot.S2.Name': 'Back' }, 'operator');
  t.same(cs.changes, { 'Test.Str': 'rooted', 'Slot.S2.Name': 'Back' }, 'changes name params without root.');
  t.same(db.get(['Test.Str', 'root.Slot.S2.Name'], 'viewer'), { 'Test.Str': 'rooted', 'Slot.S2.Name': 'Back' });
  t.notOk(db.list(undefined, 'internal')['root.Test.Str'], 'never stored with root.');
});

t.test('the ChangeSet lists only values that actually changed', async (t) => {
  const { db } = openDb(t);
  t.same(db.update({ 'Test.Str': 'hello', 'Test.Int': '6' }, 'operator').changes, { 'Test.Int': '6' });
  // equal after canonicalisation: no change
  t.same(db.update({ 'Test.Bool': 'false', 'Test.Int': '006', 'Test.Enum': 'b' }, 'operator').changes, { 'Test.Enum': 'b' });
  const rev = db.rev;
  const none = db.update({ 'Test.Str': 'hello' }, 'operator');
  t.same(none.changes, {}, 'a batch that changes nothing reports nothing');
  t.equal(none.rev, rev + 1);
  // the same param twice (with and without root.): the last one wins, and the net change counts
  const twice = db.update({ 'root.Test.Str': 'temporary', 'Test.Str': 'hello' }, 'operator');
  t.same(twice.changes, {}, 'set and set back in one batch is no change');
  t.equal(db.get(['Test.Str'], 'viewer')['Test.Str'], 'hello');
  t.same(db.update({ 'Test.Str': 'first', 'root.Test.Str': 'second' }, 'operator').changes, { 'Test.Str': 'second' });
});

t.test('secrets are reported by name only', async (t) => {
  const { db } = openDb(t);
  const cs = db.update({ 'Test.Secret': 'hunter2', 'Test.AdminOnly': 'x' }, 'admin');
  t.same(cs.changes, { 'Test.AdminOnly': 'x' });
  t.same(cs.secret, ['Test.Secret']);
  t.notMatch(JSON.stringify(cs), /hunter2/);
  t.equal(db.get(['Test.Secret'], 'internal', { caller: 'testd' })['Test.Secret'], 'hunter2');
  t.same(db.update({ 'Test.Secret': 'hunter2' }, 'admin').secret, [], 'an unchanged secret is not reported');
});

t.test('prepareUpdate validates without storing; apply stores', async (t) => {
  const { db } = openDb(t);
  const rev = db.rev;
  const p = db.prepareUpdate({ 'Test.Str': 'prepared' }, 'operator');
  t.same(p.changed, { 'Test.Str': 'prepared' });
  t.equal(p.next.get('Test.Str'), 'prepared');
  t.equal(db.get(['Test.Str'], 'viewer')['Test.Str'], 'hello', 'not applied yet (an owner may veto)');
  t.equal(db.rev, rev);
  const cs = db.apply(p.next, p.changed);
  t.equal(cs.rev, rev + 1);
  t.equal(db.get(['Test.Str'], 'viewer')['Test.Str'], 'prepared');
  expectError(t, () => db.prepareUpdate({ 'Test.Int': 'x' }, 'operator'), 'invalid_argument', 'Test.Int');
});

t.test('instance params are written like any other', async (t) => {
  const { db } = openDb(t);
  t.same(db.update({ 'Slot.S1.Name': 'Renamed', 'Slot.S2.Level': '09' }, 'operator').changes, { 'Slot.S1.Name': 'Renamed', 'Slot.S2.Level': '9' });
  expectError(t, () => db.update({ 'Slot.S2.Level': '10' }, 'operator'), 'invalid_argument', 'Slot.S2.Level');
  expectError(t, () => db.update({ 'Slot.S3.Name': 'x' }, 'operator'), 'not_found', 'Slot.S3.Name', 'an instance that does not exist');
});

t.test('real definitions', async (t) => {
  const { db } = openDb(t, { registry: realRegistry() });
  t.equal(db.get(['Network.HostName'], 'viewer')['Network.HostName'], `belfry-${SERIAL}`);
  t.same(db.update({ 'root.Audio.MaxListeners': '10', 'Network.HostName': 'speaker-1', 'Time.NTP.Server': 'pool.ntp.org' }, 'admin').changes, {
    'Audio.MaxListeners': '10',
    'Network.HostName': 'speaker-1',
    'Time.NTP.Server': 'pool.ntp.org',
  });
  expectError(t, () => db.update({ 'Audio.MaxListeners': 'abc' }, 'admin'), 'invalid_argument', 'Audio.MaxListeners');
  expectError(t, () => db.update({ 'Audio.MaxListeners': '21' }, 'admin'), 'invalid_argument', 'Audio.MaxListeners');
  expectError(t, () => db.update({ 'Network.HostName': '-bad-' }, 'admin'), 'invalid_argument', 'Network.HostName');
  expectError(t, () => db.update({ 'Network.IPAddress': '10.0.0.300' }, 'admin'), 'invalid_argument', 'Network.IPAddress');
  expectError(t, () => db.update({ 'Brand.Brand': 'Other' }, 'admin'), 'failed_precondition', 'Brand.Brand');
  expectError(t, () => db.update({ 'Properties.System.SerialNumber': '1' }, 'internal'), 'failed_precondition', 'Properties.System.SerialNumber');
  expectError(t, () => db.update({ 'Audio.DSCP': '1' }, 'operator'), 'permission_denied', 'Audio.DSCP');
  expectError(t, () => db.update({ 'MediaClip.M0.Name': 'x' }, 'admin'), 'not_found', 'MediaClip.M0.Name');
  t.same(Object.fromEntries(db.ownersOf(['Audio.DSCP', 'Network.HostName', 'Audio.MaxListeners', 'Nope'])), {
    audiod: ['Audio.DSCP', 'Audio.MaxListeners'],
    netd: ['Network.HostName'],
  });
});
