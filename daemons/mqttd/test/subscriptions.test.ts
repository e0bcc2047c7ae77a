import t from 'tap';
import { request } from 'node:http';
import { subscribeEvents, type BelfryEvent } from '@belfry/core';
import { FORWARD, httpSocketPath } from '@belfry/core/http';
import type { TestDevice } from '@belfry/core/testing';
import { daemon as eventd } from '@belfry/eventd';
import mqtt from 'mqtt';
import { startBroker } from './broker.js';
import { ajr, connectedStatus, mqttDevice, rawCgi, subscriber, tcpConfig, until } from './helpers.js';

const STATEFUL = 'tnsaxis:MQTT/Message/Stateful';
const STATELESS = 'tnsaxis:MQTT/Message/Stateless';

/** eventd's JSON API on its socket, as the front door forwards an admin. */
function eventdApi(dev: TestDevice, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const text = body === undefined ? '' : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const r = request({ socketPath: httpSocketPath(dev.paths.run, 'eventd'), method, path, headers: { [FORWARD.role]: 'admin', [FORWARD.via]: 'digest', [FORWARD.user]: 'root', ...(text ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown> }));
    });
    r.on('error', reject);
    r.end(text);
  });
}

t.test('subscriptions become device events; a stateful one drives a rule whose action publishes over MQTT', async (t) => {
  const broker = await startBroker();
  t.teardown(() => broker.stop());
  const dev = await mqttDevice([eventd]);
  t.teardown(() => dev.stop());
  const serial = dev.running.mqttd!.ctx.board.identity.serialNumber;
  const seen: BelfryEvent[] = [];
  const off = await subscribeEvents(await dev.tb.connect('tester'), 'tnsaxis:MQTT/Message/#', (ev) => seen.push(ev));
  t.teardown(off);
  const pub = await mqtt.connectAsync({ host: '127.0.0.1', port: broker.ports.tcp, reconnectPeriod: 0 });
  t.teardown(() => pub.endAsync());
  const watch = await subscriber(broker.ports.tcp, 'home/#');
  t.teardown(() => watch.close());

  await ajr(dev, 'client', 'configureClient', tcpConfig(broker.ports.tcp));
  t.same(
    (
      await ajr(dev, 'event', 'configureSubscriptions', {
        subscriptions: [
          { topicFilter: 'home/door/+', type: 'stateful', qos: 1 },
          { topicFilter: 'cmd/#', type: 'stateless', qos: 0, useDeviceTopicPrefix: true },
        ],
      })
    ).data,
    {},
  );
  t.same((await ajr(dev, 'event', 'getSubscriptionConfig')).data?.subscriptions, [
    { topicFilter: 'home/door/+', useDeviceTopicPrefix: false, type: 'stateful', qos: 1 },
    { topicFilter: 'cmd/#', useDeviceTopicPrefix: true, type: 'stateless', qos: 0 },
  ]);
  await ajr(dev, 'client', 'activateClient');
  await connectedStatus(dev);

  // the rule: when home/door/front becomes "open", publish home/alarm through mqttd's action
  const templates = await eventdApi(dev, 'GET', '/api/v1/events/templates');
  t.ok((templates.body.templates as { id: string }[]).some((x) => x.id === 'com.belfry.action.fixed.mqtt.publish'), 'the MQTT publish action is in the catalogue');
  const topics = await eventdApi(dev, 'GET', '/api/v1/events/topics');
  t.ok((topics.body.topics as { topic: string }[]).some((x) => x.topic === STATEFUL), 'the subscription events are in the catalogue');
  t.ok((topics.body.topics as { topic: string }[]).some((x) => x.topic === 'tnsaxis:MQTT/ClientStatus'), 'and the connection state');
  const rule = await eventdApi(dev, 'POST', '/api/v1/events/rules', {
    name: 'Door alarm',
    enabled: true,
    conditions: [{ topic: STATEFUL, content: 'boolean(//SimpleItem[@Name="Topic" and @Value="home/door/front"]) and boolean(//SimpleItem[@Name="Payload" and @Value="open"])', trigger: true }],
    action: { template: 'com.belfry.action.fixed.mqtt.publish', params: { topic: 'home/alarm', payload: 'front door open', qos: '1', retain: 'no', useDeviceTopicPrefix: 'no' } },
  });
  t.equal(rule.status, 201, JSON.stringify(rule.body));

  await pub.publishAsync('home/door/front', 'closed', { qos: 1 });
  await until('closed state', () => seen.find((e) => e.topic === STATEFUL && e.data.Payload === 'closed'));
  t.notOk(watch.got.some((m) => m.topic === 'home/alarm'), 'closed: the rule did not fire');
  await pub.publishAsync('home/door/front', 'open', { qos: 1 });
  const ev = await until('open state', () => seen.find((e) => e.topic === STATEFUL && e.data.Payload === 'open'));
  t.same(ev.source, { Topic: 'home/door/front' });
  t.equal(ev.op, 'Changed', 'the payload is the state of its topic');
  const alarm = await until('the rule published', () => watch.got.find((m) => m.topic === 'home/alarm'));
  t.equal(alarm.payload, 'front door open');

  // stateless, under the device topic prefix; a payload that is not UTF-8 is no event
  await pub.publishAsync(`axis/${serial}/cmd/chime`, Buffer.from([0xff, 0xfe, 0x00]));
  await pub.publishAsync(`axis/${serial}/cmd/chime`, 'ding');
  const ding = await until('stateless event', () => seen.find((e) => e.topic === STATELESS));
  t.same([ding.source, ding.data, ding.op], [{ Topic: `axis/${serial}/cmd/chime` }, { Payload: 'ding' }, undefined]);
  t.equal(seen.filter((e) => e.topic === STATELESS).length, 1, 'the non-UTF-8 message was dropped');

  // resubscribing on the same connection: the old filter no longer delivers
  await ajr(dev, 'event', 'configureSubscriptions', { subscriptions: [{ topicFilter: 'home/window', type: 'stateless' }] });
  await new Promise((r) => setTimeout(r, 200));
  const n = seen.length;
  await pub.publishAsync('home/door/front', 'closed', { qos: 1 });
  await pub.publishAsync('home/window', 'tilted', { qos: 1 });
  await until('window event', () => seen.find((e) => e.data.Payload === 'tilted'));
  t.equal(seen.slice(n).filter((e) => e.topic === STATEFUL).length, 0, 'the door is no longer subscribed');
});

t.test('subscriptions and the publish action: bad input', async (t) => {
  const dev = await mqttDevice();
  t.teardown(() => dev.stop());
  const cases: [string, unknown, number][] = [
    ['# in the middle', { subscriptions: [{ topicFilter: 'home/#/door' }] }, 2104],
    ['a + inside a level', { subscriptions: [{ topicFilter: 'home/do+r' }] }, 2104],
    ['an unknown type', { subscriptions: [{ topicFilter: 'a', type: 'sticky' }] }, 2104],
    ['QoS 3', { subscriptions: [{ topicFilter: 'a', qos: 3 }] }, 2104],
    ['no list', {}, 2103],
    ['33 subscriptions', { subscriptions: Array.from({ length: 33 }, (_, i) => ({ topicFilter: `a/${i}` })) }, 2104],
  ];
  for (const [what, params, code] of cases) t.equal((await ajr(dev, 'event', 'configureSubscriptions', params)).error?.code, code, what);
  const latin1 = Buffer.concat([Buffer.from('{"apiVersion":"1.0","method":"configureSubscriptions","params":{"subscriptions":[{"topicFilter":"caf'), Buffer.from([0xe9]), Buffer.from('"}]}}')]);
  const notUtf8 = JSON.parse((await rawCgi(dev, '/axis-cgi/mqtt/event.cgi', latin1)).body) as { error?: { code: number; message: string } };
  t.same(notUtf8.error, { code: 2101, message: 'Invalid JSON: the body is not UTF-8' }, 'a filter that is not UTF-8');
  t.same((await ajr(dev, 'event', 'getSubscriptionConfig')).data?.subscriptions, [], 'nothing stored');
  t.same((await ajr(dev, 'event', 'configureSubscriptions', { subscriptions: Array.from({ length: 32 }, (_, i) => ({ topicFilter: `a/${i}` })) })).data, {}, '32: the limit');
  const mqttd = dev.running.mqttd!.ctx.rpc.client<import('../src/contract.js').MqttdContract>('mqttd');
  await t.rejects(mqttd.publish({ topic: 'a/#' }), { code: 'invalid_argument' }, 'a wildcard topic');
  t.same(await mqttd.publish({ topic: 'a/b', qos: 0 }), { queued: false }, 'QoS 0 while inactive: not kept');
  t.same(await mqttd.publish({ topic: 'a/b', qos: 1 }), { queued: true }, 'QoS 1 while inactive: queued');
});
