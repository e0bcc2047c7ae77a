import t from 'tap';
import { daemon as httpd } from '@belfry/httpd';
import { adminSession } from './http.js';
import { sipDevice, sipp, until } from './helpers.js';
import { RawUdp } from './raw.js';

const DEVICE = '127.0.0.66';
const SILENT = '127.0.0.67';
const PROXY = '127.0.0.68';

// An account's proxies: stored and checked through /vapix/call; a call goes to the proxy of
// priority 1 first (the Request-URI untouched: an outbound proxy), which never answers, then, once
// the retransmissions are spent, to the next one — SIPp, which takes the call — and the rest of
// the dialog follows it.
t.test('account proxies: validated, listed, and a call fails over from a silent proxy to SIPp', async (t) => {
  const d = await sipDevice(DEVICE, { 'SIP.MaxRetransmissions': '1' }, { daemons: [httpd] });
  t.teardown(() => d.stop());
  const silent = await RawUdp.open(SILENT, 5060);
  t.teardown(() => silent.close());
  const proxy = sipp('uas.xml', ['-i', PROXY, '-m', '1', '-mp', '16900']);
  t.teardown(() => proxy.kill());
  await new Promise((r) => setTimeout(r, 300));
  const api = await adminSession(d.dev);

  const refused = async (Proxies: unknown, what: string) => {
    const r = await api.call('axcall:AddSIPAccount', { SIPAccount: { Username: '2001', Proxies } });
    t.equal(r.status, 400, what);
    t.match(r.json, { Fault: 'env:Sender', FaultCode: 'ter:InvalidArgVal' }, `${what}: ${r.json?.FaultReason}`);
  };
  const four = [1, 2, 3, 4].map((i) => ({ Uri: `127.0.1.${i}`, Priority: i }));
  await refused([...four, { Uri: '127.0.1.5', Priority: 5 }], 'five proxies (at most four)');
  await refused([{ Uri: '127.0.1.1', Priority: 0 }], 'priority 0');
  await refused([{ Uri: '127.0.1.1', Priority: 101 }], 'priority 101');
  await refused([{ Uri: 'bad host!', Priority: 1 }], 'a bad address');
  await refused([{ Uri: '127.0.1.1:70000', Priority: 1 }], 'port 70000');
  await refused([{ Uri: '127.0.1.1', Priority: 1 }, { Uri: '127.0.1.1', Priority: 2 }], 'the same proxy twice');
  await refused('127.0.1.1', 'not a list');
  t.equal((await api.call('axcall:GetSIPAccounts')).json.SIPAccount.length, 1, 'nothing was added');
  const atLimit = await api.call('axcall:AddSIPAccount', { SIPAccount: { Username: '2002', Proxies: [...four.slice(0, 3), { Uri: '127.0.1.4', Priority: 100 }] } });
  t.equal(atLimit.status, 200, `four proxies, priority 100: ${atLimit.text}`);
  t.equal((await api.call('axcall:RemoveSIPAccount', { Id: atLimit.json.Id })).status, 200);

  // listed highest priority last on purpose: the order they are tried in is by Priority
  const add = await api.call('axcall:AddSIPAccount', { SIPAccount: { Name: 'Via proxy', Username: '2001', Proxies: [{ Uri: `sip:${PROXY}:5060`, Priority: 2 }, { Uri: SILENT, Priority: 1 }] } });
  t.equal(add.status, 200, add.text);
  const id = add.json.Id as string;
  const listed = (await api.call('axcall:GetSIPAccounts')).json.SIPAccount.find((a: { Id: string }) => a.Id === id);
  t.same(listed.Proxies, [{ Uri: `${PROXY}:5060`, Priority: 2 }, { Uri: SILENT, Priority: 1 }], 'stored as given');

  const call = await api.call('axcall:Call', { SIPAccountId: id, To: 'sip:1002@pbx.example' });
  t.equal(call.status, 200, call.text);
  await until(() => silent.got.length >= 2, 'the INVITE and its retransmission at the priority 1 proxy');
  t.match(silent.got[0], /^INVITE sip:1002@pbx\.example SIP\/2\.0\r\n/, 'the Request-URI is the callee (an outbound proxy)');
  await until(() => d.events.some((e) => e.topic === 'tnsaxis:Call/State' && e.data.CallState === 'Active'), 'the call is active through the next proxy', 20_000);
  t.equal(silent.got.length, 2, 'the silent proxy got the INVITE once and its one retransmission (SIP.MaxRetransmissions=1)');
  t.equal((await api.call('axcall:TerminateCall', { CallId: call.json.CallId })).status, 200);
  t.equal(await proxy.done, 0, `SIPp, the second proxy, got the INVITE, the ACK and the BYE ${proxy.out()}`);
});
