import t from 'tap';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { vetoLegacy } from '../src/legacy.js';
import { realNft } from '../src/nft.js';
import { renderRuleset } from '../src/render.js';
import { parseSetRules } from '../src/ruleset.js';
import { OFF, recordingNft, tempDir, testFirewall } from './helpers.js';

const who = { user: 'root', via: 'rest' };

t.test('a test survives a restart: the deadline is kept, and one that passed while down rolls back at start', async (t) => {
  const dir = tempDir(t);
  let now = 1_000_000;
  const a = await testFirewall(t, { dir, now: () => now });
  await a.fw.setActivated(true, who);
  await a.fw.setRules(parseSetRules({ rules: [], defaultPolicy: 'DROP' }).set, 60, who);
  a.fw.stop();
  now += 30_000;
  const b = await testFirewall(t, { dir, now: () => now });
  t.same([b.fw.view().testTimeLeft, b.fw.view().activeDefaultPolicy], [30, 'DROP'], 'restarted mid-test: 30 s left, the test rules in force');
  b.fw.stop();
  now += 31_000;
  const nft = recordingNft();
  const c = await testFirewall(t, { dir, now: () => now, nft });
  t.same([c.fw.view().testTimeLeft, c.fw.view().activeDefaultPolicy], [0, 'ACCEPT'], 'restarted after the deadline: rolled back at start');
  t.match(nft.calls.at(-1)!.text, /policy accept;/, 'and the old rules applied');
  t.same(c.auditLines().at(-1), { ...c.auditLines().at(-1), action: 'firewall.rules_rolled_back', reason: 'expired' });
});

t.test('the loss of one state file loses nothing', async (t) => {
  const dir = tempDir(t);
  const a = await testFirewall(t, { dir });
  await a.fw.setActivated(true, who);
  await a.fw.setRules(parseSetRules({ rules: [{ ruleType: 'FILTER', tcpPort: 22, filter: { policy: 'DROP' } }], defaultPolicy: 'ACCEPT' }).set, 0, who);
  a.fw.stop();
  rmSync(join(dir, 'state', 'rules.json'));
  const b = await testFirewall(t, { dir });
  t.same([b.fw.activated(), b.fw.view().activeRules[0]?.tcpPort], [true, 22]);
  t.equal(b.auditLines().find((l) => l.action === 'firewall.state_fallback')?.fallback, 'copy', 'the fallback audited');
});

t.test('every rule kind and the legacy filter render into one table the real nft -c takes', async (t) => {
  const { set } = parseSetRules({
    defaultPolicy: 'DROP',
    rules: [
      { ruleType: 'FILTER', ip: '192.168.1.0/24', tcpPort: 443, filter: { policy: 'ACCEPT' } },
      { ruleType: 'FILTER', ipRange: { start: '10.0.0.1', end: '10.0.0.9' }, portRange: { portType: 'BOTH', start: 1000, end: 2000 }, filter: { policy: 'DROP' } },
      { ruleType: 'FILTER', ip: 'fe80::/10', mac: 'aa:bb:cc:dd:ee:ff', udpPort: 5060, filter: { policy: 'ACCEPT' } },
      { ruleType: 'FILTER', ipRange: { start: 'fd00::1', end: 'fd00::ff' }, port: { portType: 'UDP', portNum: 53 }, filter: { policy: 'ACCEPT' } },
      { ruleType: 'FILTER', pktType: 'BROADCAST', filter: { policy: 'DROP' } },
      { ruleType: 'FILTER', pktType: 'MULTICAST', udpPort: 3702, filter: { policy: 'ACCEPT' } },
      { ruleType: 'LIMIT', port: { portType: 'TCP', portNum: 443 }, limit: { amount: 20, period: 'MINUTE', unit: 'NEWCONNECTIONS', burst: 10 } },
      { ruleType: 'LIMIT', pktType: 'UNICAST', limit: { amount: 1000, period: 'SECOND', unit: 'PACKETS', burst: 50 } },
      { ruleType: 'LIMIT', limit: { amount: 5, period: 'DAY', unit: 'NEWCONNECTIONS', burst: 1 } },
      { ruleType: 'LIMIT', limit: { amount: 5, period: 'HOUR', unit: 'PACKETS', burst: 1 } },
    ],
  });
  const text = renderRuleset({ rules: set, legacy: { enabled: true, policy: 'allow', addresses: ['192.168.1.5', '10.1.0.0/16'], log: true } });
  await realNft({ kind: 'check' }).check(text);
  t.match(text, /^add table inet belfry\ndelete table inet belfry\ntable inet belfry \{/, 'one transaction that replaces only its own table');
  t.match(text, /iif "lo" accept\n\s+ct state established,related accept/, 'loopback and established first');
  t.match(text, /ip saddr != \{ 192\.168\.1\.5, 10\.1\.0\.0\/16 \} log prefix "belfry-filter: " drop/, 'the legacy filter before the rules');
  t.match(text, /tcp dport 443 ct state new limit rate over 20\/minute burst 10 packets drop comment "rule 7"\n\s+tcp dport 443 accept comment "rule 7"/);
  t.match(text, /ip6 saddr fd00::1-fd00::ff udp dport 53 accept/);
  t.equal(renderRuleset({}), 'add table inet belfry\ndelete table inet belfry\n', 'nothing enforced: the table goes');
  await realNft({ kind: 'check' }).check(renderRuleset({ legacy: { enabled: true, policy: 'deny', addresses: ['10.0.0.0/8', '10.1.0.0/16'], log: false } }));
  t.pass('overlapping legacy addresses are taken by nft');
});

t.test('the legacy filter params: checked before paramd stores them', async (t) => {
  const code = (f: () => unknown) => {
    try {
      f();
      return 'ok';
    } catch (err) {
      return (err as { code: string }).code;
    }
  };
  t.equal(code(() => vetoLegacy(OFF, { 'Network.Filter.Input.AcceptAddresses': '10.0.0.1 300.1.1.1' })), 'vetoed', 'not an address');
  t.equal(code(() => vetoLegacy(OFF, { 'Network.Filter.Input.AcceptAddresses': 'fe80::1' })), 'vetoed', 'IPv6 in the IPv4 list');
  t.equal(code(() => vetoLegacy(OFF, { 'Network.Filter.Enabled': 'yes' })), 'vetoed', 'allow with an empty list would drop every client');
  t.equal(code(() => vetoLegacy(OFF, { 'Network.Filter.Input.AcceptAddresses': Array.from({ length: 257 }, (_, i) => `10.0.${i >> 8}.${i & 255}`).join(' ') })), 'vetoed', '257 addresses');
  t.same(vetoLegacy(OFF, { 'Network.Filter.Input.AcceptAddresses': Array.from({ length: 256 }, (_, i) => `10.0.0.${i}`).join(' ') }).addresses.length, 256, '256 addresses');
  t.same(vetoLegacy(OFF, { 'Network.Filter.Enabled': 'yes', 'Network.Filter.Input.AcceptAddresses': '192.168.0.10  192.168.0.11', 'Network.Filter.Input.Policy': 'allow' }), { enabled: true, policy: 'allow', addresses: ['192.168.0.10', '192.168.0.11'], log: false }, 'NR’s two addresses');
  t.same(vetoLegacy(OFF, { 'Network.Filter.Enabled': 'yes', 'Network.Filter.Input.Policy': 'deny' }).enabled, true, 'deny with no addresses drops nothing: allowed');
  const f = await testFirewall(t);
  f.setLegacy({ enabled: true, policy: 'allow', addresses: ['192.168.0.10'], log: false });
  await f.fw.check({ enabled: true, policy: 'allow', addresses: ['192.168.0.10'], log: false });
  t.pass('the firewall checks a legacy filter with the real nft');
});
