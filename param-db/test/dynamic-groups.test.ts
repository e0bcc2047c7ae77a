import t from 'tap';
import { expectError, openDb, realRegistry } from './fixtures/helpers.js';

const clipNames = (values: Record<string, string>) =>
  [...new Set(Object.keys(values).filter((n) => /^MediaClip\.M\d+\./.test(n)).map((n) => n.split('.')[1]))];

t.test('add creates an instance from its template with defaults', async (t) => {
  const { db, reopen } = openDb(t, { registry: realRegistry() });
  t.same(clipNames(db.list(['MediaClip'], 'viewer')), [], 'no clips at first boot');
  const rev = db.rev;
  const cs = db.add('MediaClip', 'mediaclip', {}, 'operator');
  t.equal(cs.instance, 'M0', 'numbering starts at the template\'s first');
  t.equal(cs.rev, rev + 1);
  t.same(cs.changes, {
    'MediaClip.M0.Location': '/etc/audioclips/MediaClip.M0.au',
    'MediaClip.M0.Name': 'Clip MediaClip.M0',
    'MediaClip.M0.Type': 'audio',
  });
  t.same(db.list(['MediaClip.M0'], 'viewer'), cs.changes);
  t.equal(db.add('root.MediaClip', 'mediaclip', {}, 'operator').instance, 'M1', 'the group may carry root.');
  t.same(clipNames(reopen().db.list(['MediaClip'], 'viewer')), ['M0', 'M1'], 'instances survive a restart');
});

t.test('add with values: by leaf, by template path, by full name', async (t) => {
  const { db } = openDb(t, { registry: realRegistry() });
  const a = db.add('MediaClip', 'mediaclip', { Name: 'Doorbell' }, 'operator');
  t.equal(a.changes['MediaClip.M0.Name'], 'Doorbell');
  const b = db.add('MediaClip', 'mediaclip', { 'MediaClip.M.Name': 'Chime' }, 'operator');
  t.equal(b.instance, 'M1');
  t.equal(b.changes['MediaClip.M1.Name'], 'Chime');
  const c = db.add('MediaClip', 'mediaclip', { 'root.MediaClip.M2.Name': 'Bell' }, 'operator');
  t.equal(c.instance, 'M2');
  t.equal(c.changes['MediaClip.M2.Name'], 'Bell');
  const d = db.add('MediaClip', 'mediaclip', { 'root.MediaClip.M.Name': 'Horn' }, 'operator');
  t.same(db.get(['MediaClip.M0.Name', 'MediaClip.M1.Name', 'MediaClip.M2.Name', `MediaClip.${d.instance}.Name`], 'viewer'), {
    'MediaClip.M0.Name': 'Doorbell',
    'MediaClip.M1.Name': 'Chime',
    'MediaClip.M2.Name': 'Bell',
    'MediaClip.M3.Name': 'Horn',
  });
  t.equal(db.get(['MediaClip.M3.Location'], 'viewer')['MediaClip.M3.Location'], '/etc/audioclips/MediaClip.M3.au', 'other leaves keep their defaults');
});

t.test('add is all or nothing', async (t) => {
  const { db } = openDb(t, { registry: realRegistry() });
  const before = db.list(undefined, 'internal');
  const rev = db.rev;
  expectError(t, () => db.add('MediaClip', 'mediaclip', { Name: 'x'.repeat(65) }, 'operator'), 'invalid_argument', 'MediaClip.M0.Name');
  expectError(t, () => db.add('MediaClip', 'mediaclip', { Name: 'line\nbreak' }, 'operator'), 'invalid_argument', 'MediaClip.M0.Name');
  expectError(t, () => db.add('MediaClip', 'mediaclip', { Name: 'ok', Nope: 'x' }, 'operator'), 'not_found', 'Nope');
  for (const inherited of ['constructor', 'toString', '__proto__', 'MediaClip.M.hasOwnProperty']) {
    expectError(t, () => db.add('MediaClip', 'mediaclip', { [inherited]: 'x' }, 'operator'), 'not_found', inherited, `${inherited} is not a param`);
  }
  expectError(t, () => db.add('MediaClip', 'mediaclip', { Location: '/tmp/x' }, 'operator'), 'failed_precondition', 'MediaClip.M0.Location');
  expectError(t, () => db.add('MediaClip', 'mediaclip', { Name: 5 }, 'operator'), 'invalid_argument', 'MediaClip.M0.Name');
  t.same(db.list(undefined, 'internal'), before, 'nothing added');
  t.equal(db.rev, rev);
});

t.test('add: unknown template or group, permission', async (t) => {
  const { db } = openDb(t, { registry: realRegistry() });
  expectError(t, () => db.add('MediaClip', 'nope', {}, 'admin'), 'not_found', 'MediaClip');
  expectError(t, () => db.add('Audio', 'mediaclip', {}, 'admin'), 'not_found', 'Audio', 'a template is only used in its own group');
  expectError(t, () => db.add('MediaClip.M', 'mediaclip', {}, 'admin'), 'not_found', 'MediaClip.M');
  expectError(t, () => db.add('MediaClip', 'mediaclip', {}, 'viewer'), 'permission_denied', 'MediaClip');
  expectError(t, () => db.add('MediaClip', 'mediaclip', {}, 'anonymous'), 'permission_denied', 'MediaClip');
  t.equal(db.add('MediaClip', 'mediaclip', {}, 'admin').instance, 'M0', 'admin outranks operator');
});

t.test('add picks the lowest free number; max count enforced', async (t) => {
  const { db, reopen } = openDb(t);
  // S1 and S2 exist from the definitions; the template allows 3
  t.equal(db.add('Slot', 'slot', {}, 'operator').instance, 'S3');
  const rev = db.rev;
  const before = db.list(undefined, 'internal');
  expectError(t, () => db.add('Slot', 'slot', {}, 'operator'), 'limit_exceeded', 'Slot');
  t.equal(db.rev, rev);
  t.same(db.list(undefined, 'internal'), before);
  db.remove(['Slot.S1'], 'admin');
  const again = db.add('Slot', 'slot', { Name: 'Reused' }, 'operator');
  t.equal(again.instance, 'S1', 'a freed number is reused, lowest first');
  t.equal(db.get(['Slot.S1.Name'], 'viewer')['Slot.S1.Name'], 'Reused');
  t.equal(db.get(['Slot.S1.Level'], 'viewer')['Slot.S1.Level'], '0', 'fresh defaults, nothing of the removed one');
  expectError(t, () => reopen().db.add('Slot', 'slot', {}, 'operator'), 'limit_exceeded', 'Slot', 'the count is enforced after a restart');
});

t.test('MediaClip: exactly 50 clips, the 51st is refused', async (t) => {
  const { db } = openDb(t, { registry: realRegistry() });
  t.equal(db.list(['MediaClip.MaxGroups'], 'viewer')['MediaClip.MaxGroups'], '50');
  for (let i = 0; i < 50; i++) db.add('MediaClip', 'mediaclip', {}, 'operator');
  const names = clipNames(db.list(['MediaClip'], 'viewer'));
  t.equal(names.length, 50);
  t.equal(names[49], 'M49');
  expectError(t, () => db.add('MediaClip', 'mediaclip', {}, 'operator'), 'limit_exceeded', 'MediaClip');
  db.remove(['MediaClip.M17'], 'operator');
  t.equal(db.add('MediaClip', 'mediaclip', {}, 'operator').instance, 'M17');
});

t.test('the ChangeSet of add and remove hides secret values', async (t) => {
  const { db } = openDb(t);
  const a = db.add('Slot', 'slot', {}, 'operator');
  t.same(a.secret, ['Slot.S3.Token']);
  t.notOk('Slot.S3.Token' in a.changes);
  const r = db.remove(['Slot.S3'], 'admin');
  t.same(r.secret, ['Slot.S3.Token']);
  t.same(r.changes, { 'Slot.S3.Keep': null, 'Slot.S3.Kind': null, 'Slot.S3.Level': null, 'Slot.S3.Name': null });
});

t.test('remove deletes whole instances', async (t) => {
  const { db, reopen } = openDb(t, { registry: realRegistry() });
  for (let i = 0; i < 3; i++) db.add('MediaClip', 'mediaclip', {}, 'operator');
  const rev = db.rev;
  const cs = db.remove(['root.MediaClip.M1'], 'operator');
  t.equal(cs.rev, rev + 1);
  t.same(cs.changes, { 'MediaClip.M1.Location': null, 'MediaClip.M1.Name': null, 'MediaClip.M1.Type': null });
  t.same(clipNames(db.list(['MediaClip'], 'viewer')), ['M0', 'M2']);
  expectError(t, () => db.get(['MediaClip.M1.Name'], 'viewer'), 'not_found', 'MediaClip.M1.Name');
  expectError(t, () => db.update({ 'MediaClip.M1.Name': 'x' }, 'operator'), 'not_found', 'MediaClip.M1.Name');
  t.same(clipNames(reopen().db.list(['MediaClip'], 'viewer')), ['M0', 'M2'], 'removal survives a restart');
  t.same(Object.keys(db.remove([' MediaClip.M0 ', 'MediaClip.M2'], 'operator').changes).length, 6, 'several at once');
  t.same(clipNames(db.list(['MediaClip'], 'viewer')), []);
});

t.test('remove is all or nothing; unknown groups are not_found', async (t) => {
  const { db } = openDb(t, { registry: realRegistry() });
  db.add('MediaClip', 'mediaclip', {}, 'operator');
  db.add('MediaClip', 'mediaclip', {}, 'operator');
  const before = db.list(undefined, 'internal');
  const rev = db.rev;
  expectError(t, () => db.remove(['MediaClip.M0', 'MediaClip.M7'], 'operator'), 'not_found', 'MediaClip.M7');
  expectError(t, () => db.remove(['MediaClip.M0', 'MediaClip.M0'], 'operator'), 'not_found', 'MediaClip.M0', 'the same instance twice');
  for (const g of ['MediaClip.M9', 'MediaClip', 'MediaClip.M', 'MediaClip.M01', 'MediaClip.M0.Name', 'MediaClip.MaxGroups', 'Audio', 'Nope.M0', '']) {
    expectError(t, () => db.remove([g], 'admin'), 'not_found', g, `remove '${g}'`);
  }
  expectError(t, () => db.remove([], 'admin'), 'invalid_argument');
  t.same(db.list(undefined, 'internal'), before, 'nothing removed');
  t.equal(db.rev, rev);
});

t.test('remove: permission', async (t) => {
  const { db } = openDb(t);
  // Slot: operator creates, admin deletes
  expectError(t, () => db.remove(['Slot.S1'], 'operator'), 'permission_denied', 'Slot.S1');
  expectError(t, () => db.remove(['Slot.S2', 'Slot.S1'], 'viewer'), 'permission_denied', 'Slot.S2');
  t.ok(db.get(['Slot.S1.Name'], 'viewer')['Slot.S1.Name']);
  t.same(Object.keys(db.remove(['Slot.S1'], 'admin').changes).length, 4);
});

t.test('non-contiguous ids survive reload', async (t) => {
  const { db, reopen } = openDb(t, { registry: realRegistry() });
  for (let i = 0; i < 12; i++) db.add('MediaClip', 'mediaclip', { Name: `clip ${i}` }, 'operator');
  db.remove(['MediaClip.M1', 'MediaClip.M2', 'MediaClip.M3', 'MediaClip.M4', 'MediaClip.M5', 'MediaClip.M6', 'MediaClip.M7', 'MediaClip.M8', 'MediaClip.M9', 'MediaClip.M11'], 'operator');
  db.update({ 'MediaClip.M10.Name': 'ten' }, 'operator');
  const back = reopen().db;
  t.same(clipNames(back.list(['MediaClip'], 'viewer')), ['M0', 'M10'], 'M0 and M10, in natural order');
  t.same(back.get(['MediaClip.M0.Name', 'MediaClip.M10.Name'], 'viewer'), { 'MediaClip.M0.Name': 'clip 0', 'MediaClip.M10.Name': 'ten' });
  t.equal(back.add('MediaClip', 'mediaclip', {}, 'operator').instance, 'M1', 'the gap is filled first');
});

t.test('a removed default instance stays removed after a restart', async (t) => {
  const { db, reopen } = openDb(t);
  db.remove(['Slot.S2'], 'admin');
  const back = reopen().db;
  t.same(Object.keys(back.list(['Slot'], 'viewer')).sort(), ['Slot.S1.Keep', 'Slot.S1.Kind', 'Slot.S1.Level', 'Slot.S1.Name']);
  db.remove(['Slot.S1'], 'admin');
  t.same(reopen().db.list(['Slot'], 'viewer'), {}, 'all removed: the group is empty, not re-created');
});
