import t from 'tap';
import { PARAMD, RpcCaller, T, serve, type BelfryEvent } from '@belfry/core';
import { startTestBus } from '@belfry/core/testing';
import { DEFINITION_FILES, Registry, definitionVars } from '@belfry/param-db';
import { paramdModule } from '../src/main.js';
import { grantedLevel } from '../src/access.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('the level paramd grants is capped by the bus identity', async (t) => {
  t.equal(grantedLevel('app-x', undefined), 'viewer');
  t.equal(grantedLevel('app-x', 'admin'), 'viewer', 'an app claiming admin');
  t.equal(grantedLevel('app-x', 'internal'), 'viewer');
  t.equal(grantedLevel('app-x', 'anonymous'), 'anonymous', 'less is always allowed');
  t.equal(grantedLevel('httpd', 'operator'), 'operator', 'the front door states the end user’s level');
  t.equal(grantedLevel('httpd', undefined), 'internal');
  t.equal(grantedLevel('audiod', undefined), 'internal', 'a daemon for itself');
});

t.test('an unprivileged bus user (app) is refused by paramd, the launcher and the broker', async (t) => {
  const tb = await startTestBus(['paramd', 'launcher', 'httpd']);
  t.teardown(() => tb.stop());
  const secretFile = { owner: 'paramd', params: { 'Test.Secret': { type: 'string' as const, default: 'hunter2', secret: true, read: 'admin' as const, write: 'admin' as const } } };
  await tb.run(paramdModule({ registry: (id) => new Registry([...Object.values(DEFINITION_FILES), secretFile], definitionVars(id)) }));
  // the launcher's restart is served without a contract: callers default to daemons
  let restarts = 0;
  await serve(await tb.connect('launcher'), 'launcher', { restart: () => (restarts++, { ok: true }) });
  const appName = await tb.addApp('weather');
  const appBus = await tb.connect(appName);
  const app = new RpcCaller(appBus);
  t.teardown(() => app.close());
  const params = app.client(PARAMD);
  const httpdRpc = new RpcCaller(await tb.connect('httpd'));
  t.teardown(() => httpdRpc.close());
  const asHttpd = httpdRpc.client(PARAMD);

  // what an app may do: viewer-level reads
  t.match((await params.get({ names: ['Network.HTTP.Port'] })).params, { 'Network.HTTP.Port': /^\d+$/ }, 'a viewer param');
  // what it may not
  await t.rejects(params.get({ names: ['Test.Secret'], level: 'internal' }), { code: 'not_found' }, 'a secret, claiming internal (unreadable params do not exist for the caller)');
  await t.rejects(params.get({ names: ['Network.HTTP.AuthenticationPolicy'], level: 'admin' }), { code: 'not_found' }, 'an admin param, claiming admin');
  t.notOk('Network.HTTP.AuthenticationPolicy' in (await params.list({ groups: ['Network'], level: 'admin' })).params, 'list leaves admin params out');
  const before = await asHttpd.get({ names: ['Network.HTTP.AuthenticationPolicy'], level: 'admin' });
  await t.rejects(params.update({ changes: { 'Network.HTTP.AuthenticationPolicy': 'basic' }, level: 'admin' }), { code: 'permission_denied' }, 'writes');
  await t.rejects(params.factoryDefault({}), { code: 'permission_denied' }, 'paramd.factoryDefault');
  await t.rejects(params.restore({}), { code: 'permission_denied' }, 'paramd.restore');
  await t.rejects(app.call('launcher', 'restart', {}), { code: 'permission_denied' }, 'launcher.restart');
  t.equal(restarts, 0, 'the launcher did not restart');
  t.same((await asHttpd.get({ names: ['Network.HTTP.AuthenticationPolicy'], level: 'admin' })).params, before.params, 'nothing changed');
  await t.rejects(asHttpd.get({ names: ['Test.Secret'], level: 'admin' }), { code: 'not_found' }, 'the secret is not even the front door’s');

  // the broker: an app publishes nothing under paramd's topics, nor RPCs under another name
  const cli = await tb.connect('cli');
  const seen: string[] = [];
  // retained states delivered at subscription are old news; a forged one would arrive live
  await cli.subscribe('belfry/#', (topic, _p, packet) => packet.retain || seen.push(topic));
  const paramdRequests: string[] = [];
  const paramdBus = await tb.connect('paramd');
  await paramdBus.subscribe('belfry/rpc/paramd/#', (topic) => paramdRequests.push(topic));
  appBus.publish(T.event('paramd', 'tns1:Device/Fake'), '{}');
  appBus.publish(T.decl('paramd', 'events'), '[]', { retain: true });
  appBus.publish(T.notify('paramd', 'changed'), JSON.stringify({ rev: 999, changes: { 'Network.HTTP.Port': '1' } }));
  appBus.publish(T.state('paramd'), '{"state":"dead"}', { retain: true });
  appBus.publish(T.event(appName, 'tns1:Device/Own'), '{}');
  appBus.publish(T.rpc('paramd', 'factoryDefault', 'httpd'), '{}', { properties: { responseTopic: T.reply('httpd', 'r'), correlationData: Buffer.from('x') } });
  await wait(300);
  t.same(seen, [], 'event, decl, notify, state under paramd’s name and its own events: all refused by the broker');
  t.same(paramdRequests, [], 'an RPC request under httpd’s name never reached paramd');
  t.equal((await asHttpd.get({ names: ['Network.HTTP.Port'] })).params['Network.HTTP.Port'] !== '1', true, 'no forged change applied');

  // and it reads only its own replies and the events
  const snooped: string[] = [];
  await appBus.subscribe(T.replyFilter('httpd'), (topic) => snooped.push(topic));
  await appBus.subscribe('belfry/notify/#', (topic) => snooped.push(topic));
  const events: BelfryEvent[] = [];
  await appBus.subscribe('belfry/event/#', (_t, p) => events.push(JSON.parse(p.toString()) as BelfryEvent));
  await asHttpd.update({ changes: { 'Audio.MaxListeners': '7' }, level: 'admin' });
  const lb = await tb.connect('launcher');
  lb.publish(T.event('launcher', 'tns1:Device/Test'), JSON.stringify({ topic: 'tns1:Device/Test', data: {} }));
  await wait(300);
  t.same(snooped, [], 'neither httpd’s reply nor the change notification');
  t.ok(events.some((e) => e.topic === 'tns1:Device/Test'), 'public events do arrive');
});
