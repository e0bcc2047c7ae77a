import t from 'tap';
import { AUDIO_EVENTS } from '@belfry/audiod';
import { EventdStore } from '../src/store.js';
import { EVENTD_EVENTS, faultOf, soap, startSoapRig, texts } from './soap-helpers.js';
import { k60EventInstances } from './soap-k60.js';

// exactly as K60 sends it during setup (§3.3), with each Content-Type clients use
const GET_EVENT_INSTANCES =
  '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><GetEventInstances xmlns="http://www.axis.com/vapix/ws/event1"/></s:Body></s:Envelope>';

t.test('GetEventInstances', async (t) => {
  const rig = await startSoapRig(t);

  await t.test('dispatched on the body element whatever the Content-Type', async (t) => {
    for (const type of ['application/soap+xml', 'application/soap+xml; charset=utf-8; action="http://www.axis.com/vapix/ws/event1/GetEventInstances"', 'application/xml', 'text/xml', 'text/plain']) {
      const r = await rig.post(GET_EVENT_INSTANCES, { who: 'viewer', type, headers: { soapaction: 'http://www.axis.com/vapix/ws/action1/GetActionRules' } });
      t.equal(r.status, 200, type);
      t.equal(r.type, 'application/soap+xml; charset=utf-8');
      t.match(r.body, /<SOAP-ENV:Body><aev:GetEventInstancesResponse><wstop:TopicSet>/, `${type}: the event1 answer, not the SOAPAction's`);
    }
  });

  await t.test('a SOAP 1.1 envelope is read too, and answered in SOAP 1.2', async (t) => {
    const r = await rig.post('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><aev:GetEventInstances xmlns:aev="http://www.axis.com/vapix/ws/event1"/></soap:Body></soap:Envelope>', { who: 'viewer', type: 'text/xml; charset=utf-8' });
    t.equal(r.status, 200);
    t.match(r.body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="http:\/\/www.w3.org\/2003\/05\/soap-envelope"/);
  });

  await t.test('the envelope carries exactly the reference prefixes and namespace URIs', async (t) => {
    const r = await rig.post(GET_EVENT_INSTANCES, { who: 'viewer' });
    const env = /<SOAP-ENV:Envelope([^>]*)>/.exec(r.body)![1]!;
    for (const [p, uri] of [
      ['SOAP-ENV', 'http://www.w3.org/2003/05/soap-envelope'],
      ['wstop', 'http://docs.oasis-open.org/wsn/t-1'],
      ['aev', 'http://www.axis.com/vapix/ws/event1'],
      ['tns1', 'http://www.onvif.org/ver10/topics'],
      ['tnsaxis', 'http://www.axis.com/2009/event/topics'],
      ['xsd', 'http://www.w3.org/2001/XMLSchema'],
    ] as const)
      t.match(env, ` xmlns:${p}="${uri}"`, String(p));
  });

  await t.test('K60 reads every declared topic, as declared', async (t) => {
    const r = await rig.post(GET_EVENT_INSTANCES, { who: 'viewer' });
    const events = k60EventInstances(r.body);
    const declared = [...AUDIO_EVENTS, ...EVENTD_EVENTS];
    t.same(events.map((e) => e.topic).sort(), declared.map((d) => d.topic).sort(), 'one event per declared topic, spelled as declared');
    for (const d of declared) {
      const e = events.find((x) => x.topic === d.topic)!;
      t.ok(e.isAvailable, `${d.topic}: wstop:topic="true"`);
      t.equal(e.stateful, d.stateful, `${d.topic}: isProperty`);
      t.equal(e.name, d.niceName, `${d.topic}: NiceName`);
      t.notOk(e.isApplicationData);
      const asList = (x: unknown) => (Array.isArray(x) ? x : Object.keys(x as object).length ? [x] : []) as Record<string, unknown>[];
      t.same(asList(e.source).map((i) => [i.Name, i.Type]), d.source.map((i) => [i.name, i.type]), `${d.topic}: source items`);
      t.same(asList(e.data).map((i) => [i.Name, i.Type, i.isPropertyState]), d.data.map((i) => [i.name, i.type, d.stateful ? 'true' : undefined]), `${d.topic}: data items, isPropertyState on stateful ones`);
    }
    const vi = events.find((e) => e.topic === 'tns1:Device/tnsaxis:IO/VirtualInput')!;
    t.equal(vi.topicFilter, 'onvif:Device/axis:IO/VirtualInput');
    t.same((vi.source as Record<string, unknown>).Value, Array.from({ length: 32 }, (_, i) => String(i + 1)), 'declared values as aev:Value');
    t.same((vi.source as Record<string, unknown>).NiceName, 'Port number');
    const test = events.find((e) => e.topic === 'tns1:Device/tnsaxis:SpeakerTest/TestResult')!;
    t.same((test.data as Record<string, unknown>).Value, ['OK', 'Failed']);
  });

  await t.test('branches carry their nice names; the tree follows the steps', async (t) => {
    const r = await rig.post(GET_EVENT_INSTANCES, { who: 'viewer' });
    t.match(r.body, /<tnsaxis:IO aev:NiceName="Input ports"><VirtualInput wstop:topic="true" aev:NiceName="Virtual input"><aev:MessageInstance aev:isProperty="true"><aev:SourceInstance><aev:SimpleItemInstance aev:NiceName="Port number" Type="xsd:int" Name="port"><aev:Value>1<\/aev:Value><aev:Value>2<\/aev:Value>/);
    t.match(r.body, /<tnsaxis:MediaClip aev:NiceName="Media clip"><tnsaxis:Playing wstop:topic="true" aev:NiceName="Playing state">/);
    t.equal(r.body.match(/<tns1:Device>/g)?.length, 1, 'one tns1:Device branch for all its topics');
  });

  await t.test('extra content in the request is a fault', async (t) => {
    const r = await rig.post(GET_EVENT_INSTANCES.replace('<GetEventInstances xmlns="http://www.axis.com/vapix/ws/event1"/>', '<GetEventInstances xmlns="http://www.axis.com/vapix/ws/event1"><Filter/></GetEventInstances>'), { who: 'viewer' });
    t.equal(r.status, 400);
    t.same(faultOf(r.body), { code: 'SOAP-ENV:Sender', subcode: 'ter:UnexpectedArgument', reason: 'GetEventInstances has no parameter Filter' });
  });
});

const ical = 'DTSTART:19700101T000000\\nRRULE:FREQ=MINUTELY;INTERVAL=1';
const addScheduled = (name: string, text = ical, dialect = 'http://www.axis.com/vapix/ws/ical1') =>
  soap(`<aev:AddScheduledEvent><aev:NewScheduledEvent><aev:Name>${name}</aev:Name><aev:Schedule><aev:ICalendar Dialect="${dialect}">${text}</aev:ICalendar></aev:Schedule></aev:NewScheduledEvent></aev:AddScheduledEvent>`);

t.test('scheduled events: add, get, remove; survive a restart', async (t) => {
  const rig = await startSoapRig(t);
  const add = await rig.post(addScheduled('Every minute'), { type: 'application/xml' });
  t.equal(add.status, 200, add.body);
  const [id] = texts(add.body, 'aev:EventID');
  t.match(add.body, /<SOAP-ENV:Body><aev:AddScheduledEventResponse><aev:EventID>\d+<\/aev:EventID><\/aev:AddScheduledEventResponse><\/SOAP-ENV:Body>/);
  const get = await rig.post(soap('<aev:GetScheduledEvents/>'), { who: 'viewer' });
  t.match(get.body, `<aev:ScheduledEvent><aev:EventID>${id}</aev:EventID><aev:Name>Every minute</aev:Name><aev:Schedule><aev:ICalendar Dialect="http://www.axis.com/vapix/ws/ical1">DTSTART:19700101T000000\nRRULE:FREQ=MINUTELY;INTERVAL=1</aev:ICalendar></aev:Schedule></aev:ScheduledEvent>`);
  const again = new EventdStore(rig.stateDir);
  again.load();
  t.same(again.list('schedules').map((s) => [String(s.id), s.name, s.ical]), [[id, 'Every minute', 'DTSTART:19700101T000000\nRRULE:FREQ=MINUTELY;INTERVAL=1']], 'stored, with real newlines');
  const rm = await rig.post(soap(`<aev:RemoveScheduledEvent><aev:EventID>${id}</aev:EventID></aev:RemoveScheduledEvent>`));
  t.match(rm.body, '<SOAP-ENV:Body><aev:RemoveScheduledEventResponse/></SOAP-ENV:Body>');
  t.same(rig.store.list('schedules'), []);
  const twice = await rig.post(soap(`<aev:RemoveScheduledEvent><aev:EventID>${id}</aev:EventID></aev:RemoveScheduledEvent>`));
  t.same([twice.status, faultOf(twice.body).subcode], [400, 'ter:InvalidArgVal'], 'removing it again: a fault');
});

t.test('scheduled events: bad input is a fault and stores nothing', async (t) => {
  const rig = await startSoapRig(t);
  const cases: [string, string, string][] = [
    [addScheduled('x', 'RRULE:FREQ=DAILY'), 'ter:InvalidArgVal', 'the schedule needs DTSTART'],
    [addScheduled('x', 'DTSTART:19700101T000000\\nEXDATE:19700102T000000'), 'ter:InvalidArgVal', "unsupported property 'EXDATE'"],
    [addScheduled('x', 'DTSTART:19700101T000000\\nRRULE:FREQ=SECONDLY'), 'ter:InvalidArgVal', 'at most one a minute'],
    [addScheduled('x', ical, 'http://example.com/other'), 'ter:InvalidArgVal', 'unsupported schedule dialect'],
    [soap('<aev:AddScheduledEvent><aev:NewScheduledEvent><aev:Name>x</aev:Name></aev:NewScheduledEvent></aev:AddScheduledEvent>'), 'ter:MissingArgument', 'Schedule is missing'],
    [addScheduled('x'.repeat(256)), 'ter:MaxLimitReached', 'longer than 255'],
  ];
  for (const [body, subcode, reason] of cases) {
    const r = await rig.post(body);
    t.equal(r.status, 400, reason);
    t.equal(faultOf(r.body).subcode, subcode, reason);
    t.match(faultOf(r.body).reason, reason);
  }
  t.same(rig.store.list('schedules'), []);
});

t.test('the schedules check of the schedules part is used once it is offered', async (t) => {
  const seen: string[] = [];
  const rig = await startSoapRig(t, { shared: { checkSchedule: (s) => (seen.push(s), 'DTSTART is in the future') } });
  const r = await rig.post(addScheduled('x'));
  t.same([r.status, faultOf(r.body).reason], [400, 'Schedule: DTSTART is in the future']);
  t.same(seen, ['DTSTART:19700101T000000\nRRULE:FREQ=MINUTELY;INTERVAL=1']);
});

t.test('ChangeVirtualInputState', async (t) => {
  const rig = await startSoapRig(t);
  const change = (port: string, state: string) => soap(`<aev:ChangeVirtualInputState><aev:InputNumber>${port}</aev:InputNumber><aev:State>${state}</aev:State></aev:ChangeVirtualInputState>`);
  const r = await rig.post(change('5', 'true'), { who: 'operator' });
  t.equal(r.status, 200);
  t.match(r.body, '<aev:ChangeVirtualInputStateResponse><aev:StateChanged>true</aev:StateChanged></aev:ChangeVirtualInputStateResponse>');
  await rig.post(change('32', 'false'), { who: 'operator' });
  t.same(rig.inputs, [
    [5, true],
    [32, false],
  ]);
  for (const [port, state] of [['0', 'true'], ['33', 'true'], ['x', 'true'], ['1', 'maybe']]) {
    const bad = await rig.post(change(port!, state!), { who: 'operator' });
    t.same([bad.status, faultOf(bad.body).subcode], [400, 'ter:InvalidArgVal'], `port ${port}, state ${state}`);
  }
  const viewer = await rig.post(change('1', 'true'), { who: 'viewer' });
  t.same([viewer.status, faultOf(viewer.body).subcode], [403, 'ter:NotAuthorized'], 'a viewer may not');
  t.equal(rig.inputs.length, 2, 'nothing changed by the refused ones');
});
