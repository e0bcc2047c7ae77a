import t from 'tap';
import { daemon as httpd } from '@belfry/httpd';
import { adminSession } from './http.js';
import { sipDevice, sipp, until } from './helpers.js';

const DEVICE = '127.0.0.50';

t.test('a call answered by the answer action; DTMF by SIP INFO and RFC 4733 raises the sequence event; "end calls after" ends it', async (t) => {
  const d = await sipDevice(DEVICE, { 'SIP.EndCallsAfter': '4' }, { daemons: [httpd] });
  t.teardown(() => d.stop());
  const api = await adminSession(d.dev);
  t.equal((await api.call('axcall:SetSIPAccount', { SIPAccount: { Id: 'sip_account_p2p', AutoAnswer: false } })).status, 200, 'no automatic answer');
  await until(async () => Object.keys((await d.rpc<{ network: object }>('status', {})).network).length > 0, 'SIP restarted with the account');
  const { RpcCaller } = await import('@belfry/core');
  const paramd = new RpcCaller(d.bus);
  await paramd.call('paramd', 'add', { group: 'SIP.DTMF', template: 'dtmf', values: { Sequence: '12', Description: 'stop audio' } });
  await paramd.call('paramd', 'add', { group: 'SIP.DTMF', template: 'dtmf', values: { Sequence: '9', Description: 'never' } });

  const caller = sipp('uac-dtmf.xml', ['-i', '127.0.0.51', '-m', '1', '-s', 'door', '-mp', '16200', `${DEVICE}:5060`]);
  t.teardown(() => caller.kill());
  await until(() => d.events.some((e) => e.topic === 'tnsaxis:Call/State' && e.data.CallState === 'Ringing'), 'ringing');
  const callId = d.events.find((e) => e.topic === 'tnsaxis:Call/State')!.source.CallId as string;
  t.notOk(d.events.some((e) => e.data.CallState === 'Active'), 'not answered by itself');
  t.same(await d.rpc('answer', {}), { answered: 1 }, 'the answer action');
  await until(() => d.events.some((e) => e.topic === 'tnsaxis:Call/DTMF'), 'DTMF by SIP INFO');
  const dtmf = d.events.filter((e) => e.topic === 'tnsaxis:Call/DTMF');
  t.same(dtmf.map((e) => [e.source.CallId, e.data.Sequence, e.data.DTMFEventId]), [[callId, '12', 'stop audio']], 'the digits 1, 2 make the sequence "12"');

  d.media.digit(callId, '1');
  d.media.digit(callId, '2');
  await until(() => d.events.filter((e) => e.topic === 'tnsaxis:Call/DTMF').length === 2, 'DTMF by RFC 4733 (audiod)');

  t.equal(await caller.done, 0, `the device ended the call itself ${caller.out()}`);
  await until(() => d.events.some((e) => e.topic === 'tnsaxis:Call/StateChange' && e.data.Reason === 'TimeLimit'), 'the TimeLimit event');
  const reasons = d.events.filter((e) => e.topic === 'tnsaxis:Call/StateChange').map((e) => e.data.Reason);
  t.same(reasons, ['Incoming', 'Answered', 'TimeLimit'], 'ended by "end calls after"');
  const status = await api.call('axcall:GetCallStatus', { CallId: callId });
  t.match(status.json, { CallStatus: { CallId: callId, CallState: 'Terminated', CallStateReason: 'TimeLimit', Direction: 'Incoming', CallType: 'SIP' } });
  const missing = await api.call('axcall:GetCallStatus', { CallId: 'nope' });
  t.match(missing, { status: 400, json: { Fault: 'env:Sender', FaultCode: 'ter:InvalidArgVal' } });
});

t.test('calls refused while SIP allows no incoming calls (403); a call nobody answers ends after the calling timeout (NoAnswer)', async (t) => {
  const d = await sipDevice(DEVICE, { 'SIP.AllowIncomingCalls': 'no', 'SIP.CallingTimeout': '5' }, { daemons: [httpd] });
  t.teardown(() => d.stop());
  const refused = sipp('uac.xml', ['-i', '127.0.0.52', '-m', '1', '-s', 'door', '-mp', '16300', `${DEVICE}:5060`]);
  t.teardown(() => refused.kill());
  t.not(await refused.done, 0, 'the call failed');
  t.notOk(d.events.some((e) => e.topic === 'tnsaxis:Call/State'), 'no call was made of it');

  const api = await adminSession(d.dev);
  await d.setParams({ 'SIP.AllowIncomingCalls': 'yes' });
  t.equal((await api.call('axcall:SetSIPAccount', { SIPAccount: { Id: 'sip_account_p2p', AutoAnswer: false } })).status, 200);
  await until(async () => Object.keys((await d.rpc<{ network: object }>('status', {})).network).length > 0, 'SIP restarted');
  const unanswered = sipp('uac.xml', ['-i', '127.0.0.53', '-m', '1', '-s', 'door', '-mp', '16400', `${DEVICE}:5060`]);
  t.teardown(() => unanswered.kill());
  await until(() => d.events.some((e) => e.topic === 'tnsaxis:Call/StateChange' && e.data.Reason === 'NoAnswer'), 'NoAnswer after the calling timeout', 20_000);
  t.not(await unanswered.done, 0, "SIPp's call was not answered");
});
