import t, { type Test } from 'tap';
import { SERIAL, openDb, realRegistry } from './fixtures/helpers.js';

/** A store with every kind of change: statics, instance values, an added and a removed instance. */
function customised(t: Test) {
  const o = openDb(t);
  o.db.update(
    {
      'Net.Host': 'my-host',
      'Net.Mode': 'static',
      'Net.Other': 'changed',
      'Test.Str': 'changed',
      'Test.Secret': 'hunter2',
      'Slot.S1.Name': 'Renamed',
      'Slot.S1.Keep': 'kept-1',
    },
    'admin',
  );
  t.equal(o.db.add('Slot', 'slot', { Name: 'Added', Keep: 'kept-3' }, 'operator').instance, 'S3');
  o.db.remove(['Slot.S2'], 'admin');
  return o;
}

t.test('restore keeps keepOnRestore params and resets the others', async (t) => {
  const { db, reopen } = customised(t);
  const rev = db.rev;
  const cs = db.reset(true);
  t.equal(cs.rev, rev + 1);
  const all = db.list(undefined, 'internal');
  t.equal(all['Net.Host'], 'my-host', 'keepOnRestore kept');
  t.equal(all['Net.Mode'], 'static');
  t.equal(all['Net.Other'], 'other', 'the rest back to defaults');
  t.equal(all['Test.Str'], 'hello');
  t.equal(all['Slot.S1.Name'], 'Front', 'default instance back to its declared values');
  t.equal(all['Slot.S1.Keep'], 'kept-1', 'keepOnRestore inside a default instance kept');
  t.equal(all['Slot.S2.Name'], 'Slot 2', 'a removed default instance comes back');
  t.notOk('Slot.S3.Name' in all, 'an added instance goes, keepOnRestore or not');
  t.notOk('Slot.S3.Keep' in all);
  t.same(db.get(['Test.Secret'], 'internal', { caller: 'testd' }), { 'Test.Secret': 'initial-secret' });

  t.same(cs.changes, {
    'Net.Other': 'other',
    'Test.Str': 'hello',
    'Slot.S1.Name': 'Front',
    'Slot.S2.Keep': 'k',
    'Slot.S2.Kind': 'p',
    'Slot.S2.Level': '0',
    'Slot.S2.Name': 'Slot 2',
    'Slot.S3.Keep': null,
    'Slot.S3.Kind': null,
    'Slot.S3.Level': null,
    'Slot.S3.Name': null,
  }, 'only what changed; removals as null');
  t.same(cs.secret.sort(), ['Slot.S2.Token', 'Slot.S3.Token', 'Test.Secret']);

  const back = reopen();
  t.same(back.db.list(undefined, 'internal'), all, 'survives a restart');
  t.same(back.audit, []);
  t.same(db.reset(true).changes, {}, 'a second restore changes nothing');
});

t.test('factory default resets everything and brings back default instances', async (t) => {
  const { db, reopen } = customised(t);
  const cs = db.reset(false);
  const all = db.list(undefined, 'internal');
  const fresh = openDb(t).db.list(undefined, 'internal');
  t.same(all, fresh, 'identical to a first boot');
  t.equal(all['Net.Host'], 'host-SER123');
  t.equal(all['Slot.S1.Keep'], 'k');
  t.equal(cs.changes['Net.Host'], 'host-SER123');
  t.equal(cs.changes['Net.Mode'], 'dhcp');
  t.equal(cs.changes['Slot.S3.Name'], null);
  t.same(reopen().db.list(undefined, 'internal'), fresh);
});

t.test('prepareReset does not store', async (t) => {
  const { db } = customised(t);
  const rev = db.rev;
  const p = db.prepareReset(false);
  t.equal(p.next.get('Net.Host'), 'host-SER123');
  t.equal(db.get(['Net.Host'], 'viewer')['Net.Host'], 'my-host');
  t.equal(db.rev, rev);
});

t.test('real definitions: restore keeps the network basics', async (t) => {
  const { db } = openDb(t, { registry: realRegistry() });
  const network = {
    'Network.HostName': 'lobby-speaker',
    'Network.BootProto': 'none',
    'Network.IPAddress': '192.168.1.10',
    'Network.SubnetMask': '255.255.255.0',
    'Network.DefaultRouter': '192.168.1.1',
    'Network.DNSServer1': '192.168.1.2',
    'Network.DNSServer2': '2001:db8::53',
    'Network.Interface.I0.dot1x.Enabled': 'yes',
  };
  db.update({ ...network, 'Network.Bonjour.FriendlyName': 'Lobby', 'Time.NTP.Server': 'ntp.example', 'Audio.MaxListeners': '5' }, 'admin');
  db.add('MediaClip', 'mediaclip', { Name: 'Doorbell' }, 'operator');
  db.reset(true);
  t.same(db.get(Object.keys(network), 'admin'), network, 'network basics kept');
  t.same(db.get(['Network.Bonjour.FriendlyName', 'Time.NTP.Server', 'Audio.MaxListeners'], 'viewer'), {
    'Network.Bonjour.FriendlyName': `Belfry BS1410 - ${SERIAL}`,
    'Time.NTP.Server': '',
    'Audio.MaxListeners': '20',
  });
  t.same(db.list(['MediaClip'], 'viewer'), { 'MediaClip.MaxGroups': '50', 'MediaClip.MaxUploadSize': '1.5', 'MediaClip.StorageQuota': '20', 'MediaClip.MaxDuration': '600', 'MediaClip.NormalizeLoudness': 'no', 'MediaClip.LoudnessTarget': '-18' }, 'clips gone');
  db.reset(false);
  t.same(db.get(['Network.HostName', 'Network.BootProto', 'Network.IPAddress', 'Network.Interface.I0.dot1x.Enabled'], 'admin'), {
    'Network.HostName': `belfry-${SERIAL}`,
    'Network.BootProto': 'dhcp',
    'Network.IPAddress': '',
    'Network.Interface.I0.dot1x.Enabled': 'no',
  }, 'factory default resets the network too');
  t.equal(db.get(['Brand.Brand'], 'viewer')['Brand.Brand'], 'Belfry', 'const values untouched');
});
