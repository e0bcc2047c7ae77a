import t from 'tap';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { EventPublisher } from '@belfry/core';
import { startBroker } from './broker.js';
import { ajr, connectedStatus, mqttDevice, subscriber, tcpConfig, until } from './helpers.js';

const CALL = 'tnsaxis:Call/tnsaxis:State';

/** MQTT packet types (the high nibble of the first byte). */
const CONNECT = 1;
const PUBLISH = 3;

/** Splits a byte stream into MQTT packets' types (fixed header: type, then the remaining length as a varint). */
function framer(onPacket: (type: number) => void): (chunk: Buffer) => void {
  let buf = Buffer.alloc(0);
  return (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      let len = 0;
      let i = 1;
      for (let mul = 1; ; mul *= 128, i++) {
        if (i >= buf.length) return;
        len += (buf[i]! & 127) * mul;
        if (!(buf[i]! & 128)) break;
      }
      if (buf.length < i + 1 + len) return;
      onPacket(buf[0]! >> 4);
      buf = buf.subarray(i + 1 + len);
    }
  };
}

/**
 * In front of the real broker: while `withhold`, a fake broker that accepts the connection (CONNACK)
 * and takes PUBLISH packets without ever acknowledging them; otherwise a plain relay to `target`.
 */
async function withholdingGate(target: number) {
  const sockets = new Set<Socket>();
  const g = { port: 0, withhold: true, publishes: 0, close: () => undefined as void, dropWithheld: () => undefined as void };
  const withheld = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    if (g.withhold) {
      withheld.add(s);
      s.on('data', framer((type) => {
        if (type === CONNECT) s.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
        if (type === PUBLISH) g.publishes++;
      }));
      return;
    }
    const up = connect(target, '127.0.0.1');
    sockets.add(up);
    up.on('error', () => s.destroy());
    s.on('close', () => up.destroy());
    up.on('close', () => s.destroy());
    s.pipe(up).pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  g.port = (server.address() as AddressInfo).port;
  g.dropWithheld = () => {
    for (const s of withheld) s.destroy();
  };
  g.close = () => {
    for (const s of sockets) s.destroy();
    server.close();
  };
  return g;
}

t.test('QoS 1 publications in flight (handed to the broker, never acknowledged) survive a stop of mqttd and reach the broker after the restart, in order', async (t) => {
  const broker = await startBroker();
  t.teardown(() => broker.stop());
  const sub = await subscriber(broker.ports.tcp, 'q/#');
  t.teardown(() => sub.close());
  const g = await withholdingGate(broker.ports.tcp);
  t.teardown(() => g.close());
  const dev = await mqttDevice();
  t.teardown(() => dev.stop());
  const events = new EventPublisher(await dev.tb.connect('tester'), 'tester');
  events.declare([{ topic: CALL, niceName: 'Call state', stateful: false, source: [], data: [{ name: 'State', type: 'xsd:string' }] }]);
  await ajr(dev, 'client', 'configureClient', tcpConfig(g.port, { connectMessage: { useDefault: false } }));
  await ajr(dev, 'event', 'configureEventPublication', { topicPrefix: 'custom', customTopicPrefix: 'q', eventFilterList: [{ topicFilter: '//.', qos: 1, retain: 'none' }] });
  await ajr(dev, 'client', 'activateClient');
  await connectedStatus(dev);

  for (let i = 1; i <= 5; i++) events.emit(CALL, { data: { State: `s${i}` } });
  // in flight: handed to the broker and not acknowledged (a drain batch waits for its PUBACKs, so the
  // ones accepted after it started wait behind it); all of them are in the durable queue
  await until('publications at the broker', () => g.publishes >= 1);
  await until('5 in the durable queue', async () => (await ajr(dev, 'client', 'getClientStatus')).data?.status?.queued === 5);
  t.ok(g.publishes >= 1 && g.publishes <= 5, 'some in flight, none acknowledged');

  // mqttd goes away before any PUBACK (its stop waits for none); then the real broker is reachable
  await dev.restart('mqttd', () => {
    g.withhold = false;
    g.dropWithheld();
  });
  await until('all 5 delivered', () => sub.got.length >= 5, 60_000);
  t.same(sub.got.map((m) => (JSON.parse(m.payload) as { message: { data: { State: string } } }).message.data.State), ['s1', 's2', 's3', 's4', 's5'], 'every one, in order');
  t.ok(sub.got.every((m) => m.qos === 1));
  await until('queue empty once acknowledged', async () => (await ajr(dev, 'client', 'getClientStatus')).data?.status?.queued === 0);
});
