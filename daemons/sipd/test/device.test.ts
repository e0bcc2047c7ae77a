import t from 'tap';
import { RpcCaller, subscribeEvents, type BelfryEvent } from '@belfry/core';
import { startDevice } from '@belfry/core/testing';
import { daemon as paramd } from '@belfry/paramd';
import { daemon as boardd } from '@belfry/boardd';
import { daemon as audiod } from '@belfry/audiod';
import { daemon as eventd } from '@belfry/eventd';
import { daemon as httpd } from '@belfry/httpd';
import { createSipd } from '../src/main.js';
import { adminSession } from './http.js';
import { sipp, until } from './helpers.js';

const DEVICE = '127.0.0.70';

// wiring only (signalling and its limits are tested with SocketMedia): sipd's calls get their RTP
// sessions from the real audiod, and eventd's rules see sipd's events and run its actions
t.test("a SIPp call through sipd and audiod's RTP; the manual's rules: a clip while ringing, answered when it ends, DTMF stops a clip", async (t) => {
  const dev = await startDevice({ daemons: [paramd, boardd, audiod, eventd, httpd, createSipd({ address: DEVICE })], users: ['tester'] });
  t.teardown(() => dev.stop());
  const bus = await dev.tb.connect('tester');
  const rpc = new RpcCaller(bus);
  const events: BelfryEvent[] = [];
  await subscribeEvents(bus, '#', (ev) => events.push(ev));
  await rpc.call('paramd', 'update', { changes: { 'SIP.Enabled': 'yes', 'SIP.AllowIncomingCalls': 'yes', 'SIP.RTPPortRangeStart': '24000', 'SIP.RTPPortRangeEnd': '24099' } });
  await until(async () => Object.keys(((await rpc.call('sipd', 'status', {})) as { network: object }).network).length > 0, 'SIP is listening');
  await rpc.call('paramd', 'add', { group: 'SIP.DTMF', template: 'dtmf', values: { Sequence: '12', Description: 'stop audio' } });

  const api = await adminSession(dev);
  const req = (method: string, path: string, body?: unknown) => fetch(api.base + path, { method, headers: { 'content-type': 'application/json', ...api.headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const item = (name: string, value: string) => `boolean(//SimpleItem[@Name="${name}" and @Value="${value}"])`;
  t.equal((await api.call('axcall:SetSIPAccount', { SIPAccount: { Id: 'sip_account_p2p', AutoAnswer: false } })).status, 200, 'answer by rule, not automatically');
  await until(async () => Object.keys(((await rpc.call('sipd', 'status', {})) as { network: object }).network).length > 0, 'SIP restarted');
  const rules = [
    { name: 'Ring', enabled: true, conditions: [{ topic: 'tnsaxis:Call/StateChange', content: item('Reason', 'Incoming'), trigger: true }], action: { template: 'com.axis.action.fixed.play.audioclip', params: { location: '*', repeat: '0', volume: '100' } } },
    { name: 'Answer after the clip', enabled: true, conditions: [{ topic: 'tnsaxis:MediaClip/tnsaxis:Playing', content: item('Playing', '0'), trigger: true }], action: { template: 'com.axis.action.fixed.sip.answer', params: {} } },
  ];
  for (const r of rules) {
    const made = await req('POST', '/api/v1/events/rules', r);
    t.equal(made.status, 201, `rule ${r.name}: ${made.status === 201 ? '' : await made.text()}`);
  }

  const caller = sipp('uac-dtmf.xml', ['-i', '127.0.0.71', '-m', '1', '-s', 'door', '-mp', '16500', `${DEVICE}:5060`]);
  t.teardown(() => caller.kill());
  await until(() => events.some((e) => e.topic === 'tnsaxis:MediaClip/tnsaxis:Playing' && e.data.Playing === true), 'the ringing call plays a clip (rule Ring)', 20_000);
  await until(() => events.some((e) => e.topic === 'tnsaxis:Call/State' && e.data.CallState === 'Active'), 'answered once the clip ended (rule Answer)', 30_000);
  type Status = { calls: { CallState: string; Codec?: string }[] };
  await until(async () => ((await rpc.call('sipd', 'status', {})) as Status).calls.some((c) => c.Codec === 'PCMU'), "audiod's RTP session started with the negotiated codec");
  await until(() => events.some((e) => e.topic === 'tnsaxis:Call/DTMF' && e.data.DTMFEventId === 'stop audio'), 'the DTMF sequence event');
  await rpc.call('sipd', 'hangup', {});
  t.equal(await caller.done, 0, `SIPp's call went through ${caller.out()}`);

  // "stop audio with DTMF": a clip playing, a rule on the DTMF event stops it
  const stop = await req('POST', '/api/v1/events/rules', { name: 'DTMF stop audio', enabled: true, conditions: [{ topic: 'tnsaxis:Call/DTMF', content: item('DTMFEventId', 'stop audio'), trigger: true }], action: { template: 'com.axis.action.fixed.stop.audioclip', params: {} } });
  t.equal(stop.status, 201);
  // the ringing rules go, so that only the DTMF rule can stop the clip
  const list = (await (await req('GET', '/api/v1/events/rules')).json()) as { rules: { id: number; name: string }[] };
  for (const r of list.rules.filter((x) => x.name === 'Ring' || x.name === 'Answer after the clip')) t.equal((await req('DELETE', `/api/v1/events/rules/${r.id}`)).status, 200, `rule ${r.name} removed`);
  // a call that only sends (microphone → caller) leaves the speaker to the clip (a call that plays
  // takes the speaker: audiod refuses clips under it)
  await rpc.call('paramd', 'update', { changes: { 'SIP.AudioDirection': 'sendonly' } });
  t.equal((await api.call('axcall:SetSIPAccount', { SIPAccount: { Id: 'sip_account_p2p', AutoAnswer: true } })).status, 200);
  await until(async () => Object.keys(((await rpc.call('sipd', 'status', {})) as { network: object }).network).length > 0, 'SIP restarted');
  events.length = 0;
  const second = sipp('uac-dtmf.xml', ['-i', '127.0.0.72', '-m', '1', '-s', 'door', '-mp', '16600', `${DEVICE}:5060`]);
  t.teardown(() => second.kill());
  await until(() => events.some((e) => e.topic === 'tnsaxis:Call/State' && e.data.CallState === 'Active'), 'answered automatically');
  // a clip started during the call (the caller sends its digits 2 s after the answer)
  await rpc.call('audiod', 'play', { location: '*', repeat: -1 });
  await until(() => events.some((e) => e.topic === 'tnsaxis:MediaClip/tnsaxis:Playing' && e.data.Playing === true), 'a clip plays on');
  await until(() => events.some((e) => e.topic === 'tnsaxis:Call/DTMF'), 'DTMF 1, 2 from the caller');
  const dtmfAt = events.findIndex((e) => e.topic === 'tnsaxis:Call/DTMF');
  t.notOk(events.slice(0, dtmfAt).some((e) => e.topic === 'tnsaxis:MediaClip/tnsaxis:Playing' && e.data.Playing === false), 'the clip played on until the digits');
  await until(() => events.slice(dtmfAt).some((e) => e.topic === 'tnsaxis:MediaClip/tnsaxis:Playing' && e.data.Playing === false), 'the DTMF rule stopped the clip');
  await rpc.call('sipd', 'hangup', {});
  t.equal(await second.done, 0, `second call ${second.out()}`);
});
