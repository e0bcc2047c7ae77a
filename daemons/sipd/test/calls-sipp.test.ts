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
  // the events come over the bus, after the media was stopped in process
  await until(() => d.events.some((e) => e.topic === 'tnsaxis:Call/State' && e.data.CallState === 'Idle'), 'the Idle state event');
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
  await until(() => d.events.some((e) => e.topic === 'tnsaxis:Call/StateChange' && e.data.Reason === 'Terminated'), 'the Terminated event');
  const reasons = d.events.filter((e) => e.topic === 'tnsaxis:Call/StateChange').map((e) => e.data.Reason);
  t.same(reasons, ['Initiated', 'AcceptedByRemote', 'Terminated'], 'the reference sequence of an outgoing call');
});

t.test("SIP over TLS on the TLS port (sipd's own self-signed certificate) and over TCP", async (t) => {
  const d = await sipDevice(DEVICE);
  t.teardown(() => d.stop());
  const { connect } = await import('node:tls');
  const { options } = await import('./raw.js');
  const sock = connect({ host: DEVICE, port: 5061, rejectUnauthorized: false });
  t.teardown(() => sock.destroy());
  let got = '';
  sock.on('data', (b: Buffer) => (got += b.toString()));
  await new Promise((r) => sock.once('secureConnect', r));
  t.match(sock.getPeerX509Certificate()?.subjectAltName ?? '', `IP Address:${DEVICE}`, "the certificate names the device's address");
  sock.write(options(DEVICE, '127.0.0.23:5061', 1, 'TLS'));
  await until(() => got.startsWith('SIP/2.0 200'), 'OPTIONS over TLS answered on the same connection');
  const { rawTcp } = await import('./raw.js');
  const tcp = await rawTcp(DEVICE, '127.0.0.23');
  t.teardown(() => tcp.sock.destroy());
  tcp.sock.write(options(DEVICE, '127.0.0.23:5060', 2, 'TCP'));
  await until(() => tcp.got().startsWith('SIP/2.0 200'), 'and over TCP');
});

t.test('the "make call" action as eventd runs it (every parameter, an unset one empty) and a bad address', async (t) => {
  const d = await sipDevice(DEVICE);
  t.teardown(() => d.stop());
  const callee = sipp('uas.xml', ['-i', '127.0.0.24', '-m', '1', '-mp', '16800']);
  t.teardown(() => callee.kill());
  await new Promise((r) => setTimeout(r, 300));
  const { callId } = await d.rpc<{ callId: string }>('call', { to: 'sip:bell@127.0.0.24', account: '' });
  t.match(callId, /^call-/, 'from the default account');
  await until(() => d.events.some((e) => e.topic === 'tnsaxis:Call/State' && e.data.CallState === 'Active'), 'active');
  t.same(await d.rpc('hangup', {}), { ended: 1 }, 'the "end call" action ends every call');
  t.equal(await callee.done, 0, callee.out());
  await t.rejects(d.rpc('call', { to: 'not a uri' }), { code: 'bad_request' }, 'the schema refuses a bad address');
  await t.rejects(d.rpc('call', { to: 'sip:x@127.0.0.24', account: 'sip_account_9' }), { code: 'failed_precondition' }, 'an unknown account');
});

t.test('re-INVITEs: a refresh changes nothing, hold (sendonly) is answered recvonly and the media follows, resume', async (t) => {
  const d = await sipDevice(DEVICE);
  t.teardown(() => d.stop());
  const caller = sipp('uac-hold.xml', ['-i', '127.0.0.25', '-m', '1', '-s', 'anyone', '-mp', '16200', `${DEVICE}:5060`]);
  t.teardown(() => caller.kill());
  // SIPp checks the answers: the refresh's is the first one again (port, o= version), hold's says recvonly, resume's sendrecv
  t.equal(await caller.done, 0, `SIPp's call with hold and resume went through ${caller.out()}`);
  await until(() => d.events.some((e) => e.topic === 'tnsaxis:Call/StateChange' && e.data.Reason === 'Terminated'), 'the call ended');
  t.same(d.media.started.map((s) => s.direction), ['sendrecv', 'recvonly', 'sendrecv'], 'the media started, again on hold (receive only), again on resume; the refresh left it running');
  t.equal(d.media.stopped.length, 3, 'stopped for hold, for resume, and at the BYE');
  t.equal(d.events.filter((e) => e.topic === 'tnsaxis:Call/StateChange' && e.data.Reason === 'Terminated').length, 1, 'one call throughout');
});
