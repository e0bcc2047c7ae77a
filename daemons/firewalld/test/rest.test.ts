import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { realNft } from '../src/nft.js';
import { recordingNft, testApi } from './helpers.js';

const web = { ruleType: 'FILTER', ip: '192.168.1.0/24', tcpPort: 80, filter: { policy: 'ACCEPT' } };

t.test('activated, rules, a test confirmed: the wire shapes of §9.6, each change checked by the real nft -c', async (t) => {
  const nft = recordingNft();
  const { call, tests, auditLines } = await testApi(t, { nft });
  t.same((await call('GET', '/activated')).json, { status: 'success', data: false }, 'off from the factory');
  t.same((await call('GET', '/conf/rules')).json.data, { activeRules: [], activeDefaultPolicy: 'ACCEPT', pendingRules: [], pendingDefaultPolicy: null, testTimeLeft: 0 });
  t.equal(nft.calls.length, 0, 'nothing to check while nothing is enforced');
  t.same((await call('PATCH', '/activated', true)).json, { status: 'success' });
  t.same((await call('POST', '/conf/setRules', { rules: [web], defaultPolicy: 'DROP', fallbackTime: 30 })).json, { status: 'success' });
  const r = (await call('GET', '/conf/rules')).json.data as Record<string, unknown>;
  t.match(r, { activeDefaultPolicy: 'DROP', pendingDefaultPolicy: 'DROP', activeRules: [{ ip: '192.168.1.0/24', mac: null }], pendingRules: [{ tcpPort: 80 }] }, 'the rules under test are active and pending');
  t.ok((r.testTimeLeft as number) > 28 && (r.testTimeLeft as number) <= 30, 'the test counts down from 30 s');
  t.equal((await call('GET', '/conf/rules/testTimeLeft')).json.data, r.testTimeLeft, 'one property');
  t.equal((await call('GET', '/conf/rules/nope')).status, 404);
  t.same(tests, [true], 'the test event went on');
  t.match(nft.calls.at(-1)!.text, /ip saddr 192\.168\.1\.0\/24 tcp dport 80 accept/);
  t.match(nft.calls.at(-1)!.text, /policy drop;/);
  t.same((await call('POST', '/conf/confirmRules', {})).json, { status: 'success' });
  t.match((await call('GET', '/conf/rules')).json.data, { activeRules: [{ tcpPort: 80 }], pendingRules: [], pendingDefaultPolicy: null, testTimeLeft: 0 }, 'confirmed: kept, nothing pending');
  t.same(tests, [true, false]);
  const all = (await call('GET', '')).json.data as Record<string, unknown>;
  t.match(all, { activated: true, conf: { rules: { activeDefaultPolicy: 'DROP' } } }, 'the root holds everything');
  t.same(auditLines().map((l) => l.action), ['firewall.activated', 'firewall.rules_set', 'firewall.rules_confirmed'], 'every change audited');
});

t.test('clearPendingRules rolls back; a short test expires by itself; PUT (≤ 11.10) works for sets and actions', async (t) => {
  const { call, tests } = await testApi(t);
  await call('PUT', '/activated', true);
  await call('POST', '/conf/setRules', { rules: [web], defaultPolicy: 'ACCEPT', fallbackTime: 0 });
  t.same((await call('PUT', '/conf/setRules', { rules: [], defaultPolicy: 'DROP', fallbackTime: 60 })).json, { status: 'success' });
  t.same((await call('POST', '/conf/clearPendingRules', {})).json, { status: 'success' });
  t.match((await call('GET', '/conf/rules')).json.data, { activeRules: [{ tcpPort: 80 }], activeDefaultPolicy: 'ACCEPT', pendingRules: [], testTimeLeft: 0 }, 'back to the rules before the test');
  await call('POST', '/conf/setRules', { rules: [], defaultPolicy: 'DROP', fallbackTime: 1 });
  await new Promise((r) => setTimeout(r, 1300));
  t.match((await call('GET', '/conf/rules')).json.data, { activeRules: [{ tcpPort: 80 }], activeDefaultPolicy: 'ACCEPT', testTimeLeft: 0 }, 'expired: rolled back');
  t.same(tests, [true, false, true, false]);
});

t.test('refused: nothing stored, nothing applied', async (t) => {
  const nft = recordingNft();
  const { call, dir, fw } = await testApi(t, { nft });
  const test = await call('POST', '/conf/setRules', { rules: [], defaultPolicy: 'ACCEPT', fallbackTime: 10 });
  t.equal(test.status, 400);
  t.match(test.json, { status: 'error', error: { code: 103, message: /^Invalid request\. a test needs the firewall activated/ } }, 'a test while not activated: 103');
  await call('PATCH', '/activated', true);
  const file = () => readFileSync(join(dir, 'state', 'rules.json'), 'utf8');
  const before = file();
  const calls = nft.calls.length;
  const bad = await call('POST', '/conf/setRules', { rules: [{ ...web, ip: '192.168.1.0/40' }], defaultPolicy: 'DROP', fallbackTime: 0 });
  t.same([bad.status, bad.json.error?.code], [400, 100], 'an invalid CIDR: 400, code 100');
  t.match(bad.json.error?.message, /^Invalid IP address /);
  const over = await call('POST', '/conf/setRules', { rules: Array.from({ length: 257 }, () => web), defaultPolicy: 'DROP', fallbackTime: 0 });
  t.same([over.status, over.json.error?.code], [409, 8], '257 rules: over the limit');
  t.match(over.json.error?.message, /at most 256 rules/);
  const many = await call('POST', '/conf/setRules', { rules: Array.from({ length: 10_000 }, () => web), defaultPolicy: 'DROP', fallbackTime: 0 });
  t.same([many.status, many.json.error?.code], [413, 9], '10,000 rules: a body over the 128 KiB limit');
  t.same([(await call('POST', '/conf/setRules', undefined, { raw: '{"data":' })).json.error?.code], [2], 'not JSON: code 2');
  t.same((await call('PATCH', '/activated', 'yes')).json.error?.code, 103, 'activated is a boolean');
  t.same((await call('POST', '/conf/confirmRules', { x: 1 })).json.error?.code, 103, 'an action takes {}');
  t.equal(file(), before, 'the stored state did not change');
  t.equal(nft.calls.length, calls, 'nft was never asked');
  t.same(fw.view().activeRules, []);
  const viewer = await call('GET', '/activated', undefined, { role: 'viewer' });
  t.equal(viewer.status, 403, 'admin only');
});

t.test('never locks out the caller: a set that drops its connection needs a test; so does activating such a set', async (t) => {
  const { call } = await testApi(t);
  await call('PATCH', '/activated', true);
  const lan = { addr: '192.168.1.20' };
  const drop = await call('POST', '/conf/setRules', { rules: [], defaultPolicy: 'DROP', fallbackTime: 0 }, lan);
  t.same([drop.status, drop.json.error?.code], [400, 103]);
  t.match(drop.json.error?.message, /would drop this connection: test them with a fallback time first/);
  t.same((await call('POST', '/conf/setRules', { rules: [web], defaultPolicy: 'DROP', fallbackTime: 0 }, lan)).json, { status: 'success' }, 'its subnet on its port: applied at once');
  t.same((await call('POST', '/conf/setRules', { rules: [], defaultPolicy: 'DROP', fallbackTime: 5 }, lan)).json, { status: 'success' }, 'with a test: applied, the rollback protects');
  t.equal((await call('POST', '/conf/setRules', { rules: [], defaultPolicy: 'ACCEPT', fallbackTime: 0 }, lan)).json.error?.code, 103, 'a second set during a test: refused');
  await call('POST', '/conf/confirmRules', {}, lan);
  await call('PATCH', '/activated', false);
  const on = await call('PATCH', '/activated', true, { addr: '::ffff:10.9.9.9' });
  t.equal(on.json.error?.code, 103, 'activating rules that drop this caller: refused');
  t.same((await call('PATCH', '/activated', true)).json, { status: 'success' }, 'from loopback (always allowed): activated');
});

t.test('nft -c refusing a rendered set: nothing changes', async (t) => {
  const real = realNft({ kind: 'check' });
  // the real nft, given one statement it cannot take
  const broken = { check: (text: string) => real.check(text.replace('accept comment "rule 1"', 'accept-all comment "rule 1"')), apply: real.apply };
  const { call, fw, dir } = await testApi(t, { nft: broken });
  await call('PATCH', '/activated', true);
  const before = readFileSync(join(dir, 'state', 'rules.json'), 'utf8');
  const r = await call('POST', '/conf/setRules', { rules: [web], defaultPolicy: 'ACCEPT', fallbackTime: 0 });
  t.same([r.status, r.json.error?.code], [400, 103]);
  t.match(r.json.error?.message, /nftables refused the rules: .*Error/s);
  t.same(fw.view().activeRules, [], 'not active');
  t.equal(readFileSync(join(dir, 'state', 'rules.json'), 'utf8'), before, 'not stored');
  t.match(fw.lastError, /Error/, 'the status carries nft’s words');
});
