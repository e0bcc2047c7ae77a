import t from 'tap';
import { createServer, connect, type Socket } from 'node:net';
import { EventPublisher, PARAMD } from '@belfry/core';
import { startBroker } from './broker.js';
import { ajr, connectedStatus, mqttDevice, subscriber, tcpConfig, until } from './helpers.js';

const CALL = 'tnsaxis:Call/tnsaxis:State';

/** A TCP gate in front of the broker: while shut, connections are dropped at once (the broker is unreachable). */
async function gate(target: number): Promise<{ port: number; open: boolean; close(): void }> {
  const sockets = new Set<Socket>();
  const g = { port: 0, open: true, close: () => undefined as void };
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    if (!g.open) return void s.destroy();
    const up = connect(target, '127.0.0.1');
    sockets.add(up);
    up.on('error', () => s.destroy());
    s.on('close', () => up.destroy());
    up.on('close', () => s.destroy());
    s.pipe(up).pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  g.port = (server.address() as import('node:net').AddressInfo).port;
  g.close = () => {
    for (const s of sockets) s.destroy();
    server.close();
  };
  return g;
}

t.test('while the broker is away QoS 1 publications queue to the limit, survive a restart of mqttd, and drain in order', async (t) => {
  const broker = await startBroker();
  t.teardown(() => broker.stop());
  const g = await gate(broker.ports.tcp);
  t.teardown(() => g.close());
  const dev = await mqttDevice();
  t.teardown(() => dev.stop());
  await dev.running.mqttd!.ctx.rpc.client(PARAMD).update({ changes: { 'MQTT.Publication.QueueSize': '5' } });
  const events = new EventPublisher(await dev.tb.connect('tester'), 'tester');
  events.declare([{ topic: CALL, niceName: 'Call state', stateful: false, source: [], data: [{ name: 'State', type: 'xsd:string' }] }]);
  await ajr(dev, 'client', 'configureClient', tcpConfig(g.port, { connectMessage: { useDefault: false } }));
  await ajr(dev, 'event', 'configureEventPublication', { topicPrefix: 'custom', customTopicPrefix: 'q', eventFilterList: [{ topicFilter: '//.', qos: 1, retain: 'none' }] });
  await ajr(dev, 'client', 'activateClient');
  await connectedStatus(dev);

  g.open = false;
  await broker.halt();
  await connectedStatus(dev, 'disconnected');
  for (let i = 1; i <= 5; i++) events.emit(CALL, { data: { State: `s${i}` } });
  let st = await until('5 queued', async () => {
    const r = await ajr(dev, 'client', 'getClientStatus');
    return r.data?.status?.queued === 5 && r;
  });
  t.equal(st.data?.status?.overflowed, 0, 'at the limit: nothing overflowed');
  for (let i = 6; i <= 7; i++) events.emit(CALL, { data: { State: `s${i}` } });
  st = await until('2 overflowed', async () => {
    const r = await ajr(dev, 'client', 'getClientStatus');
    return r.data?.status?.overflowed === 2 && r;
  });
  t.equal(st.data?.status?.queued, 5, 'over the limit: counted, not kept');

  await dev.restart('mqttd');
  st = await ajr(dev, 'client', 'getClientStatus');
  t.equal(st.data?.status?.queued, 5, 'the queue survived the restart');
  t.equal(st.data?.status?.connectionStatus, 'disconnected');

  await broker.resume();
  const sub = await subscriber(broker.ports.tcp, 'q/#');
  t.teardown(() => sub.close());
  g.open = true;
  await until('all 5 delivered', () => sub.got.length >= 5, 60_000);
  t.same(sub.got.map((m) => (JSON.parse(m.payload) as { message: { data: { State: string } } }).message.data.State), ['s1', 's2', 's3', 's4', 's5'], 'in order');
  t.ok(sub.got.every((m) => m.qos === 1));
  st = await until('queue empty', async () => {
    const r = await ajr(dev, 'client', 'getClientStatus');
    return r.data?.status?.queued === 0 && r;
  });
  // live again: a new event goes straight out
  events.emit(CALL, { data: { State: 'live' } });
  await until('live event', () => sub.got.some((m) => m.payload.includes('"live"')));
  t.equal(sub.got.length, 6, 'nothing delivered twice');
});
