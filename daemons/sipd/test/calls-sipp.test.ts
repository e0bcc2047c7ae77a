import t from 'tap';
import { sipDevice, sipp, until } from './helpers.js';

// sipd on 127.0.0.20:5060; each SIPp on its own loopback address (sip.js wants the standard port)
const DEVICE = '127.0.0.20';

t.test('SIPp calls the device peer-to-peer: answered automatically, media opened and started, events, BYE ends it', async (t) => {
  const d = await sipDevice(DEVICE);
  t.teardown(() => d.stop());
  const caller = sipp('uac.xml', ['-i', '127.0.0.21', '-m', '1', '-d', '1500', '-s', 'anyone', '-mp', '16000', `${DEVICE}:5060`]);
  t.teardown(() => caller.kill());
  t.equal(await caller.done, 0, `SIPp's call succeeded ${caller.out()}`);
  await until(() => d.media.stopped.length === 1, 'the media is stopped at BYE');
  t.equal(d.media.started.length, 1, 'media started once');
  t.match(d.media.started[0], { remoteAddr: '127.0.0.21', codec: 'PCMU', payloadType: 0, clockRate: 8000, dtmfPayloadType: 101, direction: 'sendrecv' }, "the offer's first codec that sipd has, SIPp's media address");
  const reasons = d.events.filter((e) => e.topic === 'tnsaxis:Call/StateChange').map((e) => e.data.Reason);
  t.same(reasons, ['Incoming', 'Answered', 'Terminated'], 'state changes');
  const states = d.events.filter((e) => e.topic === 'tnsaxis:Call/State' && e.op !== 'Deleted').map((e) => e.data.CallState);
  t.same(states, ['Ringing', 'Active', 'Idle'], 'call states');
});

t.test('the device calls SIPp: ringing, answered with PCMA, the device hangs up', async (t) => {
  const d = await sipDevice(DEVICE);
  t.teardown(() => d.stop());
  const callee = sipp('uas.xml', ['-i', '127.0.0.22', '-m', '1', '-mp', '16100']);
  t.teardown(() => callee.kill());
  await new Promise((r) => setTimeout(r, 300)); // SIPp binds its socket
  const { callId } = await d.rpc<{ callId: string }>('call', { to: 'sip:bell@127.0.0.22' });
  await until(() => d.events.some((e) => e.topic === 'tnsaxis:Call/State' && e.data.CallState === 'Active'), 'the call is active');
  t.match(d.media.started[0], { remoteAddr: '127.0.0.22', codec: 'PCMA', payloadType: 8 }, "the callee's answer decides the codec");
  t.same(await d.rpc('hangup', { callId }), { ended: 1 });
  t.equal(await callee.done, 0, `SIPp saw INVITE, ACK and BYE ${callee.out()}`);
  const reasons = d.events.filter((e) => e.topic === 'tnsaxis:Call/StateChange').map((e) => e.data.Reason);
  t.same(reasons, ['Initiated', 'AcceptedByRemote', 'Terminated'], 'the reference sequence of an outgoing call');
});
