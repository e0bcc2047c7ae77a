import t from 'tap';
import { daemon as httpd } from '@belfry/httpd';
import { adminSession } from './http.js';
import { sipDevice, sipp, until } from './helpers.js';
import { startKamailio } from './kamailio.js';

const DEVICE = '127.0.0.81';
const KAMAILIO = '127.0.0.80';

t.test('the device registers at kamailio, and kamailio relays a SIPp call to it (record-routed dialog)', async (t) => {
  const kam = await startKamailio(KAMAILIO);
  t.teardown(() => kam.stop());
  const d = await sipDevice(DEVICE, {}, { daemons: [httpd] });
  t.teardown(() => d.stop());
  const api = await adminSession(d.dev);
  const add = await api.call('axcall:AddSIPAccount', { SIPAccount: { Username: '1001', Registrar: KAMAILIO, Registered: true, AutoAnswer: true, IsDefault: true } });
  t.equal(add.status, 200, add.text);
  await until(() => d.events.some((e) => e.topic === 'tnsaxis:SIP/AccountStatus' && e.source.SIPAccountId === add.json.Id && e.data.Status === 'Registered'), 'registered at kamailio');
  const caller = sipp('uac-proxy.xml', ['-i', '127.0.0.82', '-m', '1', '-d', '1000', '-s', '1001', '-mp', '16700', `${KAMAILIO}:5060`]);
  t.teardown(() => caller.kill());
  t.equal(await caller.done, 0, `the relayed call went through ${caller.out()}`);
  await until(() => d.events.some((e) => e.topic === 'tnsaxis:Call/StateChange' && e.data.Reason === 'Terminated'), 'the Terminated event');
  const reasons = d.events.filter((e) => e.topic === 'tnsaxis:Call/StateChange').map((e) => e.data.Reason);
  t.same(reasons, ['Incoming', 'Answered', 'Terminated']);
  const call = d.events.find((e) => e.topic === 'tnsaxis:Call/State')!;
  t.equal(call.data.SIPAccountId, add.json.Id, 'taken by the registered account (its user in the Request-URI)');
  t.match(d.media.started[0], { remoteAddr: '127.0.0.82', codec: 'PCMU' }, "media straight to the caller (SDP), signalling through kamailio");
});
