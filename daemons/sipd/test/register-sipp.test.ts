import t from 'tap';
import { daemon as httpd } from '@belfry/httpd';
import { adminSession } from './http.js';
import { sipDevice, sipp, until } from './helpers.js';

const DEVICE = '127.0.0.30';
const status = (d: Awaited<ReturnType<typeof sipDevice>>, id: string) =>
  d.events.filter((e) => e.topic === 'tnsaxis:SIP/AccountStatus' && e.source.SIPAccountId === id).map((e) => e.data.Status);

t.test('a registered account added through /vapix/call registers with Digest at SIPp (verifyauth); its password is never returned', async (t) => {
  const d = await sipDevice(DEVICE, {}, { daemons: [httpd] });
  t.teardown(() => d.stop());
  const registrar = sipp('registrar.xml', ['-i', '127.0.0.31', '-m', '1', '-set', 'pass', 'reg-secret-7']);
  t.teardown(() => registrar.kill());
  await new Promise((r) => setTimeout(r, 300));
  const api = await adminSession(d.dev);
  const add = await api.call('axcall:AddSIPAccount', { SIPAccount: { Name: 'PBX', Username: '1001', Password: 'reg-secret-7', Registrar: '127.0.0.31', Registered: true, CallerId: 'Front door' } });
  t.equal(add.status, 200, add.text);
  const id = add.json.Id as string;
  t.match(id, /^sip_account_\d+$/);
  t.equal(await registrar.done, 0, `SIPp's registrar verified the Digest answer ${registrar.out()}`);
  await until(() => status(d, id).includes('Registered'), 'the account status event says Registered');
  const list = await api.call('axcall:GetSIPAccounts');
  const acc = list.json.SIPAccount.find((a: { Id: string }) => a.Id === id);
  t.match(acc, { Username: '1001', Password: null, Registrar: '127.0.0.31', Status: 'Registered', IsDefault: false, CallerId: 'Front door' });
  t.notMatch(list.text, 'reg-secret-7', 'the password is in no answer');
  t.equal(list.json.SIPAccount.filter((a: { IsDefault: boolean }) => a.IsDefault).length, 1, 'exactly one default');

  const simple = await api.get('format=simple&action=axcall:GetSIPAccounts');
  t.match(simple.text, /SIPAccount_1_Username=1001/, 'format=simple flattens with _<i>_');
  t.notMatch(simple.text, 'reg-secret-7');

  const wrong = await api.call('axcall:AddSIPAccount', { SIPAccount: { Username: 'bad user', Registrar: '127.0.0.31', Registered: true } });
  t.same(wrong.json, { Fault: 'env:Sender', FaultCode: 'ter:InvalidArgVal', FaultSubCode: '', FaultReason: 'the user ID must be 1–64 SIP user characters', FaultMsg: null });
  t.equal(wrong.status, 400);
  const removeDefault = await api.call('axcall:RemoveSIPAccount', { Id: 'sip_account_p2p' });
  t.match(removeDefault.json, { Fault: 'env:Receiver', FaultCode: 'ter:Action' }, 'the default account cannot be removed');
  t.equal((await api.call('axcall:GetSIPAccounts')).json.SIPAccount.length, 2, 'refused changes changed nothing');
});

t.test('registrar loss: 503 from the primary → the secondary (Digest at SIPp), back to the primary after the failback time', async (t) => {
  const d = await sipDevice(DEVICE, { 'SIP.FailbackSeconds': '10' }, { daemons: [httpd] });
  t.teardown(() => d.stop());
  const primary = sipp('unavailable.xml', ['-i', '127.0.0.32', '-m', '2']);
  const secondary = sipp('registrar.xml', ['-i', '127.0.0.33', '-m', '1', '-set', 'pass', 'fo-secret']);
  t.teardown(() => primary.kill());
  t.teardown(() => secondary.kill());
  await new Promise((r) => setTimeout(r, 300));
  const api = await adminSession(d.dev);
  const add = await api.call('axcall:AddSIPAccount', { SIPAccount: { Username: '1001', Password: 'fo-secret', Registrar: '127.0.0.32', SecondaryRegistrar: '127.0.0.33', Registered: true } });
  t.equal(add.status, 200, add.text);
  t.equal(await secondary.done, 0, `registered at the secondary ${secondary.out()}`);
  await until(() => status(d, add.json.Id).includes('Registered'), 'registered');
  t.equal(await primary.done, 0, `the primary saw the first REGISTER and, after the failback time, another ${primary.out()}`);
});
