import t, { type Test } from 'tap';
import { BelfryError, MAX_NAMES, ParamCache, RpcCaller, T, subscribeEvents, type BelfryEvent, type Bus, type ParamdContract } from '@belfry/core';
import { startTestBus } from '@belfry/core/testing';
import { CONFIG_RESET, daemon as paramd, type StorageAnnouncement } from '../src/main.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function device(t: Test) {
  const tb = await startTestBus(['paramd', 'audiod', 'httpd', 'netd']);
  t.teardown(() => tb.stop());
  const pd = await tb.run(paramd);
  const client = async (user: string) => {
    const bus = await tb.connect(user);
    const rpc = new RpcCaller(bus);
    t.teardown(() => rpc.close());
    return { bus, rpc, params: rpc.client<ParamdContract>('paramd') };
  };
  return { tb, pd, client };
}

t.test('list, get, update, add, remove over the bus', async (t) => {
  const { client, tb } = await device(t);
  const { params } = await client('httpd');
  const brand = await params.list({ groups: ['root.Brand'], level: 'anonymous' });
  t.equal(brand.params['Brand.ProdNbr'], 'BS1410');
  t.equal(brand.params['Brand.Brand'], 'Belfry');
  const props = await params.list({ groups: ['Properties'], level: 'anonymous' });
  t.equal(props.params['Properties.API.HTTP.Version'], '3', 'VAPIX clients need API.HTTP.Version=3');
  t.equal(props.params['Properties.System.SerialNumber'], tb.board.identity.serialNumber, 'serial from the board');
  for (const k of ['API.Metadata.Metadata', 'API.Metadata.Version', 'Firmware.BuildDate', 'Firmware.BuildNumber', 'Firmware.Version']) {
    t.ok(props.params[`Properties.${k}`], `Properties.${k} present (K60 raises KeyError without it)`);
  }
  const r1 = await params.update({ changes: { 'Audio.MaxListeners': '10', 'root.Audio.A0.Name': 'Lobby' }, level: 'admin' });
  const got = await params.get({ names: ['Audio.MaxListeners', 'Audio.A0.Name'] });
  t.same(got.params, { 'Audio.MaxListeners': '10', 'Audio.A0.Name': 'Lobby' });
  t.ok(got.rev >= r1.rev);
  const added = await params.add({ group: 'MediaClip', template: 'mediaclip', values: { Name: 'Doorbell' }, level: 'operator' });
  t.equal(added.instance, 'M0');
  t.same((await params.list({ groups: ['MediaClip.M*.Name'] })).params, { 'MediaClip.M0.Name': 'Doorbell' });
  await params.remove({ groups: ['MediaClip.M0'], level: 'operator' });
  await t.rejects(params.get({ names: ['MediaClip.M0.Name'] }), { code: 'not_found' });
  t.same((await params.get({ names: ['MediaClip.M0.Name', 'Audio.A0.Name'], missingOk: true })).params, { 'Audio.A0.Name': 'Lobby' }, 'missingOk leaves unknown names out');
});

t.test('a readonly param is written only by its owning daemon', async (t) => {
  const { client } = await device(t);
  const httpd = (await client('httpd')).params;
  const audiod = (await client('audiod')).params;
  await audiod.add({ group: 'MediaClip', template: 'mediaclip', values: { Name: 'Bell' } });
  await t.rejects(httpd.update({ changes: { 'MediaClip.M0.Location': '/tmp/x.au' } }), { code: 'failed_precondition', target: 'MediaClip.M0.Location' }, 'another daemon, even at internal level');
  await t.rejects(audiod.update({ changes: { 'MediaClip.M0.Location': '/tmp/x.au' }, level: 'admin' }), { code: 'failed_precondition' }, 'the owner on behalf of a user');
  await audiod.update({ changes: { 'MediaClip.M0.Location': '/usr/lib/belfry/clips/bell.au' } });
  t.equal((await httpd.get({ names: ['MediaClip.M0.Location'] })).params['MediaClip.M0.Location'], '/usr/lib/belfry/clips/bell.au', 'the owner itself');
});

t.test('bad input: structured errors and nothing changes', async (t) => {
  const { client } = await device(t);
  const { params, rpc } = await client('httpd');
  const before = await params.list({});
  await t.rejects(params.update({ changes: { 'Audio.MaxListeners': 'abc' }, level: 'admin' }), { code: 'invalid_argument', target: 'Audio.MaxListeners' });
  await t.rejects(params.update({ changes: { 'Audio.A0.Name': 'ok', 'Audio.DSCP': '99' }, level: 'admin' }), { code: 'invalid_argument', target: 'Audio.DSCP' }, 'half-valid batch refused whole');
  await t.rejects(params.update({ changes: { 'No.Such.Param': '1' } }), { code: 'not_found', target: 'No.Such.Param' });
  await t.rejects(params.update({ changes: { 'Brand.Brand': 'Evil' } }), { code: 'failed_precondition' }, 'const');
  await t.rejects(params.update({ changes: { 'Audio.MaxListeners': '5' }, level: 'operator' }), { code: 'permission_denied' }, 'admin param, operator caller');
  await t.rejects(params.update({ changes: { 'Audio.A0.Name': 'x'.repeat(65) }, level: 'admin' }), { code: 'invalid_argument' }, 'over maxLength');
  await t.rejects(params.update({ changes: { 'Audio.A0.Name': 'a\nroot.Brand.Brand=Evil' }, level: 'admin' }), { code: 'invalid_argument' }, 'newline injection');
  await t.rejects(rpc.call('paramd', 'update', { changes: { 'Audio.A0.Name': 5 } }), { code: 'bad_request' }, 'wrong type');
  await t.rejects(rpc.call('paramd', 'update', { changes: {}, extra: 1 }), { code: 'bad_request' }, 'unknown field');
  await t.rejects(rpc.call('paramd', 'update', 'x'.repeat(100)), { code: 'bad_request' });
  await t.rejects(rpc.call('paramd', 'explode', {}), { code: 'unknown_method' });
  await t.rejects(rpc.call('paramd', 'update', { changes: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`Audio.A0.Name${i}`, 'x'])) }), { code: 'limit_exceeded' }, 'batch limit');
  await t.rejects(params.list({ groups: ['Nonexistent'] }), { code: 'not_found', target: 'Nonexistent' });
  await t.rejects(params.add({ group: 'MediaClip', template: 'nope' }), { code: 'not_found' });
  await t.rejects(params.remove({ groups: ['Audio'] }), { code: 'not_found' }, 'a static group cannot be removed');
  t.same(await params.list({}), before, 'nothing changed');
});

t.test('the param cache: read-through, kept current, read-your-writes, refreshed after paramd restarts', async (t) => {
  const { client, tb, pd } = await device(t);
  const { bus, rpc, params } = await client('audiod');
  const cache = new ParamCache(bus, rpc);
  t.equal(await cache.get('Audio.MaxListeners'), '20');
  t.equal(cache.peek('Audio.MaxListeners'), '20', 'cached after one read');
  t.equal(await cache.get('No.Such'), undefined, 'unknown names are undefined');
  const seen: Record<string, string | null>[] = [];
  cache.onChange('Audio', (c) => seen.push(c));
  await params.update({ changes: { 'Audio.MaxListeners': '7', 'Time.NTP.Server': 'ntp.example' } });
  t.equal(cache.peek('Audio.MaxListeners'), '7', 'the change reached the cache before the update answered');
  t.same(seen, [{ 'Audio.MaxListeners': '7' }], 'listeners get only their prefix');
  t.equal(await cache.getInt('Audio.MaxListeners'), 7);
  t.equal(await cache.getBool('Audio.A0.Enabled'), true);

  // a write by someone else, while paramd is down and back: the cache re-reads what it holds
  await pd.stop();
  const { ParamDb, deviceRegistry } = await import('@belfry/param-db');
  const db = new ParamDb({ registry: deviceRegistry(tb.board.identity), dir: `${tb.paths.state}/paramd` });
  db.open();
  db.update({ 'Audio.MaxListeners': '3' }, 'internal'); // a batch stored but never announced (as if paramd crashed)
  await tb.run(paramd);
  for (let i = 0; i < 40 && cache.peek('Audio.MaxListeners') !== '3'; i++) await wait(25);
  t.equal(cache.peek('Audio.MaxListeners'), '3', 'refreshed when paramd became ready again');
});

t.test('owners veto changes they cannot apply', async (t) => {
  const { client, tb } = await device(t);
  const netd = await tb.run({
    name: 'netd',
    async start(ctx) {
      await ctx.vetoParams(['Network.HostName'], (changes) => {
        if (changes['Network.HostName'] === 'forbidden') throw new BelfryError('vetoed', 'host name in use on the network');
      });
      return { stop: async () => undefined };
    },
  });
  await wait(100);
  const { params } = await client('httpd');
  await params.update({ changes: { 'Network.HostName': 'speaker1' }, level: 'admin' });
  await t.rejects(
    params.update({ changes: { 'Network.Bonjour.Enabled': 'no', 'Network.HostName': 'forbidden' }, level: 'admin' }),
    { code: 'vetoed', message: 'host name in use on the network', target: 'Network.HostName' },
  );
  t.same((await params.get({ names: ['Network.HostName', 'Network.Bonjour.Enabled'] })).params, { 'Network.HostName': 'speaker1', 'Network.Bonjour.Enabled': 'yes' }, 'vetoed batch left nothing behind');
  await netd.stop();
  await wait(100);
  await params.update({ changes: { 'Network.HostName': 'forbidden' }, level: 'admin' });
  t.pass('an owner that is not running is not asked');
});

t.test('restore keeps network basics, factory default does not; both announce a reset', async (t) => {
  const { client } = await device(t);
  const { params, bus } = await client('audiod');
  const resets: unknown[] = [];
  await bus.subscribe('belfry/notify/paramd/reset', (_t, p) => resets.push(JSON.parse(p.toString())));
  await params.update({ changes: { 'Network.HostName': 'keepme', 'Audio.A0.Name': 'gone' } });
  await params.restore({});
  t.same((await params.get({ names: ['Network.HostName', 'Audio.A0.Name'] })).params, { 'Network.HostName': 'keepme', 'Audio.A0.Name': 'Audio' });
  await params.factoryDefault({});
  t.match((await params.get({ names: ['Network.HostName'] })).params['Network.HostName'], /^belfry-/);
  await wait(50);
  t.match(resets, [{ kind: 'restore' }, { kind: 'factory' }]);
});

/** The newest retained storage announcement and ConfigurationReset state, as a late subscriber sees them. */
async function storageState(bus: Bus) {
  const got: { storage?: StorageAnnouncement; event?: BelfryEvent } = {};
  const offA = await bus.subscribe(T.notify('paramd', 'storage'), (_t, p) => (got.storage = JSON.parse(p.toString()) as StorageAnnouncement));
  const offB = await subscribeEvents(bus, CONFIG_RESET, (ev) => (got.event = ev), 'paramd');
  for (let i = 0; i < 100 && !(got.storage && got.event); i++) await wait(20);
  await offA();
  await offB();
  return got;
}

t.test('damaged store files at boot: the other copy, then defaults, loudly, never a crash loop', async (t) => {
  const { writeFileSync, readFileSync, existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { client, tb, pd } = await device(t);
  const { params, bus } = await client('httpd');
  t.match(await storageState(bus), { storage: { fallback: 'none', at: null, lost: false }, event: { data: { reset: false, fallback: 'none' } } }, 'a sound store says so');
  await params.update({ changes: { 'Audio.A0.Name': 'first' } });
  await params.update({ changes: { 'Audio.A0.Name': 'second' } });
  await pd.stop();
  const dir = join(tb.paths.state, 'paramd');
  const auditFile = join(tb.paths.log, 'audit-paramd.log');
  const current = readFileSync(join(dir, 'params.json'), 'utf8');
  writeFileSync(join(dir, 'params.json'), current.slice(0, current.length / 2)); // torn write
  const pd2 = await tb.run(paramd);
  t.equal((await params.get({ names: ['Audio.A0.Name'] })).params['Audio.A0.Name'], 'second', 'the last acknowledged write, from the other copy');
  let audit = readFileSync(auditFile, 'utf8');
  t.match(audit, /"action":"params.file_rejected","level":"warn".*truncated or damaged/);
  t.match(audit, /"action":"params.recovered","level":"warn","from":"the other copy"/);
  t.ok(existsSync(join(dir, 'params.json.corrupt')), 'the damaged file is kept aside');
  t.match(await storageState(bus), { storage: { fallback: 'copy', reason: /params\.json: not a params file/, lost: false }, event: { data: { reset: false, fallback: 'copy' } } });

  await pd2.stop();
  writeFileSync(join(dir, 'params.json'), 'x');
  writeFileSync(join(dir, 'params.copy.json'), 'x');
  const pd3 = await tb.run(paramd);
  t.equal((await params.get({ names: ['Audio.A0.Name'] })).params['Audio.A0.Name'], 'Audio', 'both damaged → defaults');
  audit = readFileSync(auditFile, 'utf8');
  t.match(audit, /"action":"params.recovered","level":"warn","from":"defaults"/);
  const lost = { storage: { fallback: 'defaults', reason: /params\.json: .*params\.copy\.json: /, at: /^\d{4}-/, lost: true }, event: { data: { reset: true, fallback: 'defaults' } } };
  t.match(await storageState(bus), lost, 'the configuration reset is announced (retained) and a stateful event');
  await params.update({ changes: { 'Audio.A0.Name': 'after' } });
  t.equal((await params.get({ names: ['Audio.A0.Name'] })).params['Audio.A0.Name'], 'after', 'the store works again');

  await pd3.stop();
  await tb.run(paramd);
  t.match(await storageState(bus), lost, 'a clean restart does not hide the loss');
  await params.factoryDefault({});
  t.match(await storageState(bus), { storage: { fallback: 'none', lost: false }, event: { data: { reset: false } } }, 'a deliberate reset ends it');
});

t.test('typed settings of a group, read through the param cache', async (t) => {
  const { client } = await device(t);
  const { bus, rpc, params } = await client('httpd');
  const cache = new ParamCache(bus, rpc);
  await params.update({ changes: { 'Audio.MaxListeners': '12', 'Audio.DuplexMode': 'half', 'System.BruteForce.Enabled': 'no' }, level: 'admin' });
  const audio = await cache.settings('Audio');
  t.equal(audio.MaxListeners, 12, 'an int is a number');
  t.equal(audio.DuplexMode, 'half', 'an enum is its literal');
  t.equal(audio['A0.Enabled'], true, 'a bool is a boolean');
  t.equal((await cache.settings('System'))['BruteForce.Enabled'], false);
});

t.test('name lists are capped at MAX_NAMES by the contract', async (t) => {
  const { client } = await device(t);
  const { params } = await client('httpd');
  const names = (n: number) => Array.from({ length: n }, (_, i) => `Audio.Nope${i}`);
  t.same((await params.get({ names: names(MAX_NAMES), missingOk: true })).params, {}, `${MAX_NAMES} names are accepted`);
  await t.rejects(params.get({ names: names(MAX_NAMES + 1), missingOk: true }), { code: 'bad_request' }, 'one more is refused');
  await t.rejects(params.get({ names: ['x'.repeat(1025)] }), { code: 'bad_request' }, 'a name longer than 1024');
});

t.test('watchSettings: the typed group now and after each change', async (t) => {
  const { client } = await device(t);
  const { bus, rpc, params } = await client('httpd');
  const cache = new ParamCache(bus, rpc);
  const seen: { gain: number; mute: boolean; changed: string[] }[] = [];
  const off = await cache.watchSettings('AudioSource', (s, changed) => seen.push({ gain: s['A0.OutputGain'], mute: s['A0.OutputMute'], changed }));
  await params.update({ changes: { 'AudioSource.A0.OutputGain': '-6', 'AudioSource.A0.OutputMute': 'yes' }, level: 'admin' });
  await params.update({ changes: { 'Audio.MaxListeners': '5' }, level: 'admin' }); // another group: no call
  off();
  await params.update({ changes: { 'AudioSource.A0.OutputGain': '-3' }, level: 'admin' });
  t.same(seen, [
    { gain: 0, mute: false, changed: [] },
    { gain: -6, mute: true, changed: ['AudioSource.A0.OutputGain', 'AudioSource.A0.OutputMute'] },
  ]);
});
