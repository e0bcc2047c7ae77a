import t from 'tap';
import { subscribeEvents, type BelfryEvent } from '@belfry/core';
import mqtt from 'mqtt';
import { defaultClient } from '../src/config.js';
import { clientOptions, DEFAULT_BACKOFF } from '../src/connection.js';
import { MAX_PACKET_BYTES, PacketSizeGuard } from '../src/packet-limit.js';
import { startBroker } from './broker.js';
import { ajr, connectedStatus, mqttDevice, tcpConfig, until } from './helpers.js';

/** A fixed header: type byte, then `len` as MQTT's varint. */
function header(len: number): Buffer {
  const out = [0x30];
  do {
    let b = len % 128;
    len = Math.floor(len / 128);
    if (len) b |= 128;
    out.push(b);
  } while (len);
  return Buffer.from(out);
}

t.test('the guard follows the framing across chunks: the limit passes, one byte more does not', async (t) => {
  const g = new PacketSizeGuard(MAX_PACKET_BYTES);
  // 65,532 bytes of body behind a 4-byte header: exactly the limit
  const h = header(MAX_PACKET_BYTES - 4);
  t.equal(h.length, 4);
  t.equal(g.feed(h.subarray(0, 2)), undefined, 'a header split across chunks');
  t.equal(g.feed(h.subarray(2)), undefined);
  t.equal(g.feed(Buffer.alloc(MAX_PACKET_BYTES - 5)), undefined);
  t.equal(g.feed(Buffer.concat([Buffer.alloc(1), Buffer.from([0xd0, 0x00])])), undefined, 'the last body byte and a PINGRESP in one chunk');
  t.match(g.feed(header(MAX_PACKET_BYTES - 3)), /65537 bytes over the limit of 65536/);
  t.match(new PacketSizeGuard(MAX_PACKET_BYTES).feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])), /malformed/, 'a fifth length byte');
});

t.test('MQTT 5 tells the broker the limit in CONNECT; 3.1.1 has no such property', async (t) => {
  const c = defaultClient('ACCC8E000001');
  t.same(clientOptions({ ...c, mqttVersion: '5' }, DEFAULT_BACKOFF).properties, { maximumPacketSize: MAX_PACKET_BYTES });
  t.equal(clientOptions({ ...c, mqttVersion: '3.1.1' }, DEFAULT_BACKOFF).properties, undefined);
});

t.test('a packet of exactly the limit from a 3.1.1 broker is taken; one byte more closes the connection (counted), mqttd reconnects', async (t) => {
  const broker = await startBroker();
  t.teardown(() => broker.stop());
  const dev = await mqttDevice();
  t.teardown(() => dev.stop());
  const seen: BelfryEvent[] = [];
  const off = await subscribeEvents(await dev.tb.connect('tester'), 'tnsaxis:MQTT/Message/#', (ev) => seen.push(ev));
  t.teardown(off);
  await ajr(dev, 'client', 'configureClient', tcpConfig(broker.ports.tcp, { connectMessage: { useDefault: false } }));
  await ajr(dev, 'event', 'configureSubscriptions', { subscriptions: [{ topicFilter: 'big/x', type: 'stateless' }] });
  await ajr(dev, 'client', 'activateClient');
  await connectedStatus(dev);
  const pub = await mqtt.connectAsync({ host: '127.0.0.1', port: broker.ports.tcp, reconnectPeriod: 0 });
  t.teardown(() => pub.endAsync());
  // a QoS 0 PUBLISH to mqttd: 1 type byte, 3 length bytes, 2 + 5 topic bytes, then the payload
  const payload = (total: number) => 'a'.repeat(total - 4 - 7);
  const status = async () => (await ajr(dev, 'client', 'getClientStatus')).data!.status!;
  // the subscription is in place once a small message arrives
  await until('subscribed', async () => {
    await pub.publishAsync('big/x', 'small');
    await new Promise((r) => setTimeout(r, 100));
    return seen.length > 0;
  });

  await pub.publishAsync('big/x', payload(MAX_PACKET_BYTES));
  await until('the packet at the limit taken (its payload is too long for an event: ignored)', async () => (await status()).ignored === 1);
  let st = await status();
  t.equal(st.oversized, 0);
  t.equal(st.connectionStatus, 'connected', 'at the limit: still connected');

  await pub.publishAsync('big/x', payload(MAX_PACKET_BYTES + 1));
  st = await until('closed for the packet over the limit', async () => {
    const s = await status();
    return s.oversized === 1 && s;
  });
  t.equal(st.ignored, 1, 'the packet over the limit never reached mqtt.js');
  await connectedStatus(dev);
  const before = seen.length;
  await until('events again after the reconnect', async () => {
    await pub.publishAsync('big/x', 'again');
    await new Promise((r) => setTimeout(r, 100));
    return seen.length > before;
  });
  t.equal((await status()).oversized, 1);
});

t.test('MQTT 5: mosquitto honours the CONNECT maximumPacketSize (a packet at the limit arrives, a larger one is not sent)', async (t) => {
  const broker = await startBroker();
  t.teardown(() => broker.stop());
  const dev = await mqttDevice();
  t.teardown(() => dev.stop());
  const seen: BelfryEvent[] = [];
  const off = await subscribeEvents(await dev.tb.connect('tester'), 'tnsaxis:MQTT/Message/#', (ev) => seen.push(ev));
  t.teardown(off);
  await ajr(dev, 'client', 'configureClient', tcpConfig(broker.ports.tcp, { mqttVersion: '5', connectMessage: { useDefault: false } }));
  await ajr(dev, 'event', 'configureSubscriptions', { subscriptions: [{ topicFilter: 'big/x', type: 'stateless' }] });
  await ajr(dev, 'client', 'activateClient');
  await connectedStatus(dev);
  const pub = await mqtt.connectAsync({ host: '127.0.0.1', port: broker.ports.tcp, reconnectPeriod: 0 });
  t.teardown(() => pub.endAsync());
  // v5 PUBLISH: 1 type byte, 3 length bytes, 2 + 5 topic bytes, 1 properties-length byte, the payload
  const payload = (total: number) => 'a'.repeat(total - 4 - 7 - 1);
  const status = async () => (await ajr(dev, 'client', 'getClientStatus')).data!.status!;
  const arrived = async (text: string) => {
    const before = seen.length;
    await until(`"${text}" arrives`, async () => {
      await pub.publishAsync('big/x', text);
      await new Promise((r) => setTimeout(r, 100));
      return seen.length > before;
    });
  };
  await arrived('small');
  await pub.publishAsync('big/x', payload(MAX_PACKET_BYTES));
  await until('the packet at the limit taken (ignored: too long for an event)', async () => (await status()).ignored === 1);
  // mosquitto leaves the type byte out of its count: it would still send limit + 1 (which the stream
  // guard refuses, as for 3.1.1); limit + 2 it keeps back
  await pub.publishAsync('big/x', payload(MAX_PACKET_BYTES + 2));
  await arrived('after');
  const st = await status();
  t.equal(st.ignored, 1, 'the packet over the limit was never sent to mqttd');
  t.equal(st.oversized, 0, 'nothing closed');
  t.equal(st.connectionStatus, 'connected');

  // limit + 1 is what a v5 broker that disregards the property sends: the stream guard closes
  await pub.publishAsync('big/x', payload(MAX_PACKET_BYTES + 1));
  await until('closed for the packet over the limit', async () => (await status()).oversized === 1);
  await connectedStatus(dev);
  await arrived('reconnected');
  t.equal((await status()).ignored, 1, 'it never reached mqtt.js');
});
