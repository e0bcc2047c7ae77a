import t from 'tap';
import { EventPublisher } from '@belfry/core';
import { startBroker } from './broker.js';
import { ajr, connectedStatus, mqttDevice, subscriber, tcpConfig, until, type Received } from './helpers.js';

const VI = 'tns1:Device/tnsaxis:IO/VirtualInput';
const CALL = 'tnsaxis:Call/tnsaxis:State';
const BUTTON = 'belfry:Board/Button';

t.test('event publication: filters, prefixes, condition and namespaces in the topic, serial, retain, QoS, the payload', async (t) => {
  const broker = await startBroker();
  t.teardown(() => broker.stop());
  const dev = await mqttDevice();
  t.teardown(() => dev.stop());
  const serial = dev.running.mqttd!.ctx.board.identity.serialNumber;
  const events = new EventPublisher(await dev.tb.connect('tester'), 'tester');
  events.declare([
    { topic: VI, niceName: 'Virtual input', stateful: true, source: [{ name: 'port', type: 'xsd:int' }], data: [{ name: 'active', type: 'xsd:boolean' }] },
    { topic: CALL, niceName: 'Call state', stateful: false, source: [], data: [{ name: 'State', type: 'xsd:string' }] },
    { topic: BUTTON, niceName: 'Button', stateful: false, source: [], data: [{ name: 'pressed', type: 'xsd:boolean' }] },
  ]);
  const sub = await subscriber(broker.ports.tcp, '#');
  t.teardown(() => sub.close());
  t.same((await ajr(dev, 'client', 'configureClient', tcpConfig(broker.ports.tcp, { connectMessage: { useDefault: false } }))).data, {});
  t.same((await ajr(dev, 'client', 'activateClient')).data, {});
  await connectedStatus(dev);

  const config = async (c: Record<string, unknown>) => t.same((await ajr(dev, 'event', 'configureEventPublication', c)).data, {});
  const next = async (what: string, fire: () => void, match: (m: Received) => boolean) => {
    const from = sub.got.length;
    fire();
    return until(what, () => sub.got.slice(from).find(match));
  };
  const onEvents = (m: Received) => m.topic.includes('/event');

  // every event, the default prefix, the condition appended
  await config({ eventFilterList: [{ topicFilter: '//.', qos: 1, retain: 'none' }] });
  const got = await config({}).then(() => ajr(dev, 'event', 'getEventPublicationConfig'));
  t.same(Object.keys(got.data!.eventPublicationConfig as object).sort(), ['appendEventTopic', 'customTopicPrefix', 'eventFilterList', 'includeSerialNumberInPayload', 'includeTopicNamespaces', 'topicPrefix'], 'all six keys');
  let m = await next('virtual input', () => events.setState(VI, { port: 1 }, { active: true }), onEvents);
  t.equal(m.topic, `axis/${serial}/event/Device/IO/VirtualInput`);
  t.equal(m.qos, 1);
  const p = JSON.parse(m.payload) as { timestamp: number; topic: string; message: unknown };
  t.same(Object.keys(p), ['timestamp', 'topic', 'message']);
  t.type(p.timestamp, 'number');
  t.equal(p.topic, 'onvif:Device/axis:IO/VirtualInput', 'the payload topic in the MQTT spelling');
  t.same(p.message, { source: { port: '1' }, key: {}, data: { active: '1' } }, 'values as text, booleans 1/0');

  // namespaces, custom prefix, serial number
  await config({ topicPrefix: 'custom', customTopicPrefix: 'axis/intercom', includeTopicNamespaces: true, includeSerialNumberInPayload: true });
  m = await next('call state', () => events.emit(CALL, { data: { State: 'idle' } }), onEvents);
  t.equal(m.topic, 'axis/intercom/event/tns:axis/Call/State');
  t.same(JSON.parse(m.payload), { timestamp: JSON.parse(m.payload).timestamp, topic: 'axis:Call/axis:State', message: { source: {}, key: {}, data: { State: 'idle' } }, serialNumber: serial });
  m = await next('virtual input with namespaces', () => events.setState(VI, { port: 2 }, { active: false }), onEvents);
  t.equal(m.topic, 'axis/intercom/event/tns:onvif/Device/tns:axis/IO/VirtualInput', 'a tns: step where the namespace changes');

  // the condition left out of the topic
  await config({ appendEventTopic: false, topicPrefix: 'default', includeSerialNumberInPayload: false });
  m = await next('no condition', () => events.emit(CALL, { data: { State: 'ringing' } }), onEvents);
  t.equal(m.topic, `axis/${serial}/event`);

  // chosen topics only; internal (belfry:) topics are never published
  await config({ appendEventTopic: true, includeTopicNamespaces: false, eventFilterList: [{ topicFilter: 'onvif:Device/axis:IO/VirtualInput', qos: 0, retain: 'property' }] });
  const before = sub.got.length;
  events.emit(CALL, { data: { State: 'busy' } });
  events.emit(BUTTON, { data: { pressed: true } });
  m = await next('the chosen topic', () => events.setState(VI, { port: 3 }, { active: true }), onEvents);
  t.equal(m.topic, `axis/${serial}/event/Device/IO/VirtualInput`);
  t.notOk(sub.got.slice(before).some((x) => x.payload.includes('Call') || x.payload.includes('Button')), 'other topics were not published');
  // a subtree filter, unprefixed steps
  await config({ eventFilterList: [{ topicFilter: 'onvif:Device//.', qos: 0, retain: 'all' }, { topicFilter: 'Call/State', qos: 2, retain: 'none' }] });
  m = await next('subtree', () => events.setState(VI, { port: 4 }, { active: true }), onEvents);
  t.equal(m.topic, `axis/${serial}/event/Device/IO/VirtualInput`);
  m = await next('unprefixed filter', () => events.emit(CALL, { data: { State: 'x' } }), onEvents);
  t.equal(m.qos, 2, 'the QoS of the matching filter');
});

t.test('event publication: retain none / property / all, seen by a later subscriber', async (t) => {
  const broker = await startBroker();
  t.teardown(() => broker.stop());
  const dev = await mqttDevice();
  t.teardown(() => dev.stop());
  const events = new EventPublisher(await dev.tb.connect('tester'), 'tester');
  events.declare([
    { topic: VI, niceName: 'Virtual input', stateful: true, source: [{ name: 'port', type: 'xsd:int' }], data: [{ name: 'active', type: 'xsd:boolean' }] },
    { topic: CALL, niceName: 'Call state', stateful: false, source: [], data: [{ name: 'State', type: 'xsd:string' }] },
  ]);
  await ajr(dev, 'client', 'configureClient', tcpConfig(broker.ports.tcp));
  await ajr(dev, 'client', 'activateClient');
  await connectedStatus(dev);
  const live = await subscriber(broker.ports.tcp, 'r/#');
  t.teardown(() => live.close());
  const retained = async (policy: string) => {
    await ajr(dev, 'event', 'configureEventPublication', { topicPrefix: 'custom', customTopicPrefix: `r/${policy}`, eventFilterList: [{ topicFilter: '//.', qos: 1, retain: policy }] });
    const from = live.got.length;
    events.setState(VI, { port: 1 }, { active: true });
    events.emit(CALL, { data: { State: 'idle' } });
    await until('both published', () => live.got.slice(from).filter((m) => m.topic.startsWith(`r/${policy}/`)).length >= 2);
    const late = await subscriber(broker.ports.tcp, `r/${policy}/#`);
    await new Promise((r) => setTimeout(r, 300));
    await late.close();
    return late.got.map((m) => m.topic.split('/').pop()).sort();
  };
  t.same(await retained('none'), [], 'none: nothing retained');
  t.same(await retained('property'), ['VirtualInput'], 'property: the stateful event only');
  t.same(await retained('all'), ['State', 'VirtualInput'], 'all: both');
});

t.test('event.cgi: bad input changes nothing', async (t) => {
  const dev = await mqttDevice();
  t.teardown(() => dev.stop());
  const before = await ajr(dev, 'event', 'getEventPublicationConfig');
  const cases: [string, unknown, number][] = [
    ['# in the middle of a filter', { eventFilterList: [{ topicFilter: 'onvif:Device/#/VirtualInput' }] }, 2104],
    ['a + wildcard', { eventFilterList: [{ topicFilter: 'onvif:Device/+' }] }, 2104],
    ['tns1: prefix unknown namespace', { eventFilterList: [{ topicFilter: 'foo:Device' }] }, 2104],
    ['QoS 3', { eventFilterList: [{ topicFilter: '//.', qos: 3 }] }, 2104],
    ['retain some', { eventFilterList: [{ topicFilter: '//.', retain: 'some' }] }, 2104],
    ['no topicFilter', { eventFilterList: [{ qos: 1 }] }, 2103],
    ['a list that is not one', { eventFilterList: 'all' }, 2104],
    ['65 filters', { eventFilterList: Array.from({ length: 65 }, () => ({ topicFilter: '//.' })) }, 2104],
    ['custom prefix without one', { topicPrefix: 'custom', customTopicPrefix: '' }, 2103],
    ['a custom prefix with a wildcard', { topicPrefix: 'custom', customTopicPrefix: 'a/+/b' }, 2104],
    ['prefix mode other', { topicPrefix: 'other' }, 2104],
  ];
  for (const [what, params, code] of cases) t.equal((await ajr(dev, 'event', 'configureEventPublication', params)).error?.code, code, what);
  t.same(await ajr(dev, 'event', 'getEventPublicationConfig'), before, 'nothing stored');
  t.same((await ajr(dev, 'event', 'configureEventPublication', { eventFilterList: Array.from({ length: 64 }, () => ({ topicFilter: '//.' })) })).data, {}, '64 filters: the limit');
});
