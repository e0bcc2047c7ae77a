import t from 'tap';
import { PARAMD, subscribeEvents, type BelfryEvent } from '@belfry/core';
import { startBroker } from './broker.js';
import { ajr, connectedStatus, mqttDevice, rawCgi, subscriber, tcpConfig, until } from './helpers.js';

t.test('client.cgi: configure (both shapes), activate, status, connect and disconnect messages, deactivate', async (t) => {
  const broker = await startBroker({ users: { belfry: 's3cret-pw' } });
  t.teardown(() => broker.stop());
  const dev = await mqttDevice();
  t.teardown(() => dev.stop());
  const serial = dev.running.mqttd!.ctx.board.identity.serialNumber;
  const watcher = await subscriber(broker.ports.tcp, '#', { username: 'belfry', password: 's3cret-pw' });
  t.teardown(() => watcher.close());
  const events: BelfryEvent[] = [];
  const off = await subscribeEvents(await dev.tb.connect('tester'), 'tnsaxis:MQTT/ClientStatus', (ev) => events.push(ev));
  t.teardown(off);

  // inactive and unconfigured at first; the defaults come from the board identity
  let st = await ajr(dev, 'client', 'getClientStatus');
  t.same(st.data?.status, { state: 'inactive', connectionStatus: 'disconnected', lastError: '', queued: 0, overflowed: 0, published: 0, ignored: 0, oversized: 0 });
  t.equal((st.data?.config as { deviceTopicPrefix: string }).deviceTopicPrefix, `axis/${serial}`);
  t.equal((await ajr(dev, 'client', 'activateClient')).error?.code, 2104, 'nothing to activate before a server is configured');

  // K60's shape: the config directly as params
  const cfg = tcpConfig(broker.ports.tcp, { username: 'belfry', password: 's3cret-pw' });
  const r = await ajr(dev, 'client', 'configureClient', cfg);
  t.same(r, { apiVersion: '1.0', context: 'Axis library', method: 'configureClient', data: {} });
  t.same((await ajr(dev, 'client', 'activateClient')).data, {});
  st = await connectedStatus(dev);
  t.equal(st.data?.status?.state, 'active');
  const config = st.data!.config as Record<string, unknown>;
  t.same(config.server, { host: '127.0.0.1', protocol: 'tcp', port: broker.ports.tcp, basepath: '', alpnProtocol: '' });
  t.equal(config.username, 'belfry');
  t.notOk('password' in config, 'the password is never returned');
  t.notOk(JSON.stringify(st).includes('s3cret-pw'));
  t.same(config.lastWillTestament, { useDefault: true });
  t.same((config.ssl as Record<string, unknown>).validateServerCert, true);

  // the default connect message, retained
  const hello = await until('connect message', () => watcher.got.find((m) => m.topic === `axis/${serial}/connection`));
  t.same(JSON.parse(hello.payload), { connected: true });
  await until('connected event', () => events.find((e) => e.data.Connected === true));
  await until('status param', async () => (await dev.running.mqttd!.ctx.params.get('MQTT.Client.Status')) === 'connected');

  // the C1410 shape (apiVersion 1.6, params.config) with custom messages
  const custom = { ...cfg, connectMessage: { useDefault: false, topic: 'site/door/hello', message: 'up', retain: false, qos: 1 }, disconnectMessage: { useDefault: false, topic: 'site/door/bye', message: 'down', retain: false, qos: 1 } };
  const r2 = await ajr(dev, 'client', 'configureClient', { config: custom }, '1.6');
  t.equal(r2.apiVersion, '1.6', 'the requested version is echoed');
  t.same(r2.data, {});
  await until('custom connect message', () => watcher.got.find((m) => m.topic === 'site/door/hello' && m.payload === 'up'));
  const s2 = await connectedStatus(dev);
  t.same((s2.data!.config as Record<string, unknown>).connectMessage, custom.connectMessage);

  // deactivate: the disconnect message goes out first
  t.same((await ajr(dev, 'client', 'deactivateClient')).data, {});
  await until('disconnect message', () => watcher.got.find((m) => m.topic === 'site/door/bye' && m.payload === 'down'));
  st = await ajr(dev, 'client', 'getClientStatus');
  t.same([st.data?.status?.state, st.data?.status?.connectionStatus], ['inactive', 'disconnected']);
  await until('disconnected event', () => events.find((e) => e.data.Connected === false && e.op === 'Changed'));
});

t.test('client.cgi: the AJR envelope and bad input (nothing stored)', async (t) => {
  const dev = await mqttDevice();
  t.teardown(() => dev.stop());
  const good = tcpConfig(1883);
  t.same((await ajr(dev, 'client', 'configureClient', good)).data, {});
  const before = await ajr(dev, 'client', 'getClientStatus');

  const cases: [string, unknown, number][] = [
    ['a 300-byte host', { ...good, server: { host: 'a'.repeat(300), protocol: 'tcp', port: 1883 } }, 2104],
    ['a 256-byte host', { ...good, server: { host: 'a'.repeat(256), protocol: 'tcp', port: 1883 } }, 2104],
    ['port 0', { ...good, server: { host: 'broker', protocol: 'tcp', port: 0 } }, 2104],
    ['port 70000', { ...good, server: { host: 'broker', protocol: 'tcp', port: 70000 } }, 2104],
    ['an unknown protocol', { ...good, server: { host: 'broker', protocol: 'quic', port: 1883 } }, 2104],
    ['no server', { clientId: 'x' }, 2103],
    ['no host', { server: { protocol: 'tcp' } }, 2103],
    ['an invalid CA PEM', { ...good, ssl: { validateServerCert: true, caCert: '-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n' } }, 2104],
    ['an invalid client key', { ...good, ssl: { validateServerCert: true, clientKey: 'not a key' } }, 2104],
    ['a 256-byte HTTP proxy', { ...good, httpProxy: 'http://' + 'p'.repeat(249) }, 2104],
    ['a proxy that is not a URL', { ...good, httpsProxy: 'proxy:8080' }, 2104],
    ['a message block without useDefault', { ...good, lastWillTestament: { topic: 'x' } }, 2103],
    ['a last-will topic with a wildcard', { ...good, lastWillTestament: { useDefault: false, topic: 'a/#', message: 'x' } }, 2104],
    ['a QoS of 3', { ...good, connectMessage: { useDefault: false, topic: 'a', qos: 3 } }, 2104],
    ['keep-alive as text', { ...good, keepAliveInterval: '60' }, 2104],
  ];
  for (const [what, params, code] of cases) {
    const r = await ajr(dev, 'client', 'configureClient', params);
    t.equal(r.error?.code, code, what);
    t.equal(r.method, 'configureClient', `${what}: method echoed`);
  }
  t.same(await ajr(dev, 'client', 'getClientStatus'), before, 'nothing was stored');

  // the limits themselves are accepted
  const atLimit = { ...good, server: { host: `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`, protocol: 'wss', port: 65535 }, httpProxy: 'http://' + 'p'.repeat(248) };
  t.equal(Buffer.byteLength((atLimit.server as { host: string }).host), 255);
  t.same((await ajr(dev, 'client', 'configureClient', atLimit)).data, {}, '255-byte host and proxy, port 65535');

  // the envelope
  const noCtx = JSON.parse((await rawCgi(dev, '/axis-cgi/mqtt/client.cgi', '{"apiVersion":"1.0","method":"getClientStatus"}')).body) as Record<string, unknown>;
  t.equal(noCtx.context, '', 'no context: ""');
  t.same(JSON.parse((await rawCgi(dev, '/axis-cgi/mqtt/client.cgi', '{nope')).body), { apiVersion: '1.0', context: '', method: '', error: { code: 2101, message: 'Invalid JSON' } });
  t.equal((await ajr(dev, 'client', 'fly')).error?.code, 2102);
  t.equal((await ajr(dev, 'client', 'getClientStatus', undefined, '2.0')).error?.code, 2100);
  t.same((await ajr(dev, 'client', 'getSupportedVersions')).data, { apiVersions: ['1.0'] });
  t.equal((await rawCgi(dev, '/axis-cgi/mqtt/client.cgi', '', 'GET')).status, 405);
});

t.test('the configuration survives a restart; activateOnReboot decides whether the client comes back; a factory default drops it', async (t) => {
  const broker = await startBroker();
  t.teardown(() => broker.stop());
  const dev = await mqttDevice();
  t.teardown(() => dev.stop());
  await ajr(dev, 'client', 'configureClient', tcpConfig(broker.ports.tcp, { username: 'u', password: 'kept-secret' }));
  await ajr(dev, 'event', 'configureEventPublication', { eventFilterList: [{ topicFilter: 'onvif:Device//.', qos: 1, retain: 'property' }] });
  await ajr(dev, 'client', 'activateClient');
  await connectedStatus(dev);
  await dev.restart('mqttd');
  let st = await connectedStatus(dev);
  t.equal(st.data?.status?.state, 'active', 'activateOnReboot: active again after a restart');
  t.equal((st.data?.config as { hasPassword: boolean }).hasPassword, true, 'the password was kept (and is not shown)');
  t.same((await ajr(dev, 'event', 'getEventPublicationConfig')).data?.eventPublicationConfig, {
    topicPrefix: 'default', customTopicPrefix: '', appendEventTopic: true, includeTopicNamespaces: false, includeSerialNumberInPayload: false,
    eventFilterList: [{ topicFilter: 'onvif:Device//.', qos: 1, retain: 'property' }],
  });
  await ajr(dev, 'client', 'configureClient', tcpConfig(broker.ports.tcp, { activateOnReboot: false }));
  await connectedStatus(dev);
  await dev.restart('mqttd');
  st = await ajr(dev, 'client', 'getClientStatus');
  t.same([st.data?.status?.state, st.data?.status?.connectionStatus], ['inactive', 'disconnected'], 'without activateOnReboot: inactive after a restart');

  await dev.running.mqttd!.ctx.rpc.client(PARAMD).factoryDefault({});
  await until('configuration dropped', async () => ((await ajr(dev, 'client', 'getClientStatus')).data?.config as { server: { host: string } }).server.host === '');
  t.same((await ajr(dev, 'event', 'getEventPublicationConfig')).data?.eventPublicationConfig, { topicPrefix: 'default', customTopicPrefix: '', appendEventTopic: true, includeTopicNamespaces: false, includeSerialNumberInPayload: false, eventFilterList: [] });
});
