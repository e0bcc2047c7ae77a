import t from 'tap';
import { parseCidr } from '../src/addr.js';
import { MAX_RULES } from '../src/model.js';
import { admits, parseSetRules } from '../src/ruleset.js';
import { parseIp } from '../src/addr.js';

const accept = (extra: object) => ({ ruleType: 'FILTER', ...extra, filter: { policy: 'ACCEPT' } });
const set = (rules: unknown[], more: object = {}) => ({ rules, defaultPolicy: 'DROP', fallbackTime: 0, ...more });

/** The firewall error of `data`: its config-rest code (details.restCode, else the BelfryError code) and message. */
function refusal(data: unknown): { code: number | string; message: string } {
  try {
    parseSetRules(data);
  } catch (err) {
    const e = err as { code: string; message: string; details?: { restCode?: number } };
    return { code: e.details?.restCode ?? e.code, message: e.message };
  }
  return { code: 'accepted', message: '' };
}

t.test('a rule reads back with every member, null where it was left out', async (t) => {
  const { set: s, fallbackTime } = parseSetRules(set([{ ruleType: 'FILTER', ip: '192.168.1.0/24', tcpPort: 443, filter: { policy: 'ACCEPT' } }], { fallbackTime: 30 }));
  t.equal(fallbackTime, 30);
  t.same(s.rules[0], { ruleType: 'FILTER', mac: null, pktType: null, ip: '192.168.1.0/24', ipRange: null, tcpPort: 443, udpPort: null, port: null, portRange: null, filter: { policy: 'ACCEPT' }, limit: null });
  t.same(Object.keys(s.rules[0]!), ['ruleType', 'mac', 'pktType', 'ip', 'ipRange', 'tcpPort', 'udpPort', 'port', 'portRange', 'filter', 'limit'], 'the wire order');
  const lim = parseSetRules(set([{ ruleType: 'LIMIT', port: { portType: 'TCP', portNum: 443 }, limit: { amount: 20, period: 'MINUTE', unit: 'NEWCONNECTIONS', burst: 10 } }])).set.rules[0]!;
  t.same(lim.limit, { amount: 20, period: 'MINUTE', unit: 'NEWCONNECTIONS', burst: 10 });
  t.equal(lim.filter, null);
  t.equal(parseSetRules(set([accept({ mac: 'AA:BB:CC:DD:EE:0F' })])).set.rules[0]!.mac, 'aa:bb:cc:dd:ee:0f', 'a MAC address in lower case');
  t.equal(parseSetRules({ rules: [], defaultPolicy: 'ACCEPT' }).fallbackTime, 0, 'no fallbackTime: apply without testing');
});

t.test('bad input: each refused with the firewall API code', async (t) => {
  const cases: [string, unknown, number | string, RegExp?][] = [
    ['CIDR with 33 bits', set([accept({ ip: '10.0.0.0/33' })]), 100, /^Invalid IP address rules\[0\]\.ip/],
    ['an address with a fifth octet', set([accept({ ip: '10.0.0.1.5' })]), 100],
    ['an IPv6 CIDR over 128', set([accept({ ip: 'fe80::/129' })]), 100],
    ['a number for ip', set([accept({ ip: 17 })]), 100],
    ['range start after end', set([accept({ ipRange: { start: '10.0.0.9', end: '10.0.0.1' } })]), 101, /^Invalid IP address range\./],
    ['range across families', set([accept({ ipRange: { start: '10.0.0.1', end: 'fe80::1' } })]), 101],
    ['range with a CIDR end', set([accept({ ipRange: { start: '10.0.0.1', end: '10.0.0.0/24' } })]), 101],
    ['ranges that overlap in part', set([accept({ ipRange: { start: '10.0.0.1', end: '10.0.0.50' } }), accept({ ipRange: { start: '10.0.0.40', end: '10.0.0.90' } })]), 101, /overlapping ranges/],
    ['port ranges that overlap in part', set([accept({ portRange: { portType: 'TCP', start: 1000, end: 2000 } }), accept({ portRange: { portType: 'TCP', start: 1500, end: 2500 } })]), 104, /overlapping/],
    ['port range start after end', set([accept({ portRange: { portType: 'UDP', start: 2000, end: 1000 } })]), 104, /^Invalid port range\./],
    ['port 0', set([accept({ tcpPort: 0 })]), 104],
    ['port 65536', set([accept({ port: { portType: 'BOTH', portNum: 65536 } })]), 104],
    ['an unknown member', set([accept({ comment: 'x' })]), 103, /unknown member "comment"/],
    ['two layer-3 matches', set([accept({ ip: '10.0.0.1', ipRange: { start: '10.0.0.1', end: '10.0.0.2' } })]), 103],
    ['two layer-4 matches', set([accept({ tcpPort: 80, udpPort: 53 })]), 103],
    ['a MAC address with a dash', set([accept({ mac: 'aa-bb-cc-dd-ee-ff' })]), 103],
    ['a FILTER rule without its policy', set([{ ruleType: 'FILTER' }]), 103],
    ['a LIMIT rule with a filter', set([{ ruleType: 'LIMIT', filter: { policy: 'DROP' }, limit: { amount: 1, period: 'SECOND', unit: 'PACKETS', burst: 1 } }]), 103],
    ['a LIMIT burst of 0', set([{ ruleType: 'LIMIT', limit: { amount: 1, period: 'SECOND', unit: 'PACKETS', burst: 0 } }]), 103],
    ['a LIMIT period of a week', set([{ ruleType: 'LIMIT', limit: { amount: 1, period: 'WEEK', unit: 'PACKETS', burst: 1 } }]), 103],
    ['an unknown rule type', set([{ ruleType: 'NAT' }]), 103],
    ['a default policy of REJECT', set([], { defaultPolicy: 'REJECT' }), 103],
    ['fallbackTime of an hour and a second', set([], { fallbackTime: 3601 }), 103],
    ['fallbackTime negative', set([], { fallbackTime: -1 }), 103],
    ['rules not a list', { rules: {}, defaultPolicy: 'ACCEPT' }, 103],
    [`${MAX_RULES + 1} rules`, set(Array.from({ length: MAX_RULES + 1 }, (_, i) => accept({ tcpPort: 1000 + i }))), 'limit_exceeded'],
    ['10,000 rules', set(Array.from({ length: 10_000 }, () => accept({}))), 'limit_exceeded'],
  ];
  for (const [name, data, code, message] of cases) {
    const r = refusal(data);
    t.equal(r.code, code, name);
    if (message) t.match(r.message, message, `${name}: the message`);
  }
});

t.test('at the limits: accepted', async (t) => {
  t.equal(refusal(set(Array.from({ length: MAX_RULES }, (_, i) => accept({ tcpPort: 1000 + i })))).code, 'accepted', `${MAX_RULES} rules`);
  t.equal(refusal(set([], { fallbackTime: 3600 })).code, 'accepted', 'fallbackTime 3600');
  t.equal(refusal(set([accept({ portRange: { portType: 'BOTH', start: 1, end: 65535 } })])).code, 'accepted', 'ports 1–65535');
  t.equal(refusal(set([accept({ ip: '0.0.0.0/0' }), accept({ ip: '::/0' })])).code, 'accepted', 'every address of both families');
  const nested = [accept({ ipRange: { start: '10.0.0.5', end: '10.0.0.6' } }), accept({ ipRange: { start: '10.0.0.1', end: '10.0.0.90' } }), accept({ ipRange: { start: '10.0.1.1', end: '10.0.1.9' } })];
  t.equal(refusal(set(nested)).code, 'accepted', 'nested and disjoint ranges');
  t.equal(refusal(set([accept({ portRange: { portType: 'TCP', start: 1000, end: 2000 } }), accept({ portRange: { portType: 'UDP', start: 1500, end: 2500 } })])).code, 'accepted', 'TCP and UDP ranges do not overlap each other');
  t.equal(refusal(set([{ ruleType: 'LIMIT', limit: { amount: 65535, period: 'DAY', unit: 'PACKETS', burst: 65535 } }])).code, 'accepted', 'a LIMIT at its maxima');
});

t.test('the lock-out check: first match wins, then the default policy', async (t) => {
  const flow = { ip: parseIp('192.168.1.20')!, tcpPort: 443 };
  const rules = (r: unknown[], defaultPolicy = 'DROP') => parseSetRules({ rules: r, defaultPolicy }).set;
  t.notOk(admits(rules([]), flow), 'DROP with no rule');
  t.ok(admits(rules([], 'ACCEPT'), flow), 'ACCEPT with no rule');
  t.ok(admits(rules([accept({ ip: '192.168.1.0/24', tcpPort: 443 })]), flow), 'its subnet on its port');
  t.notOk(admits(rules([accept({ ip: '192.168.1.0/24', tcpPort: 80 })]), flow), 'another port');
  t.notOk(admits(rules([accept({ ip: '192.168.1.0/24', udpPort: 443 })]), flow), 'UDP is not its connection');
  t.notOk(admits(rules([{ ruleType: 'FILTER', ip: '192.168.1.20', filter: { policy: 'DROP' } }, accept({})], 'ACCEPT'), flow), 'a DROP before the ACCEPT');
  t.ok(admits(rules([accept({ ipRange: { start: '192.168.1.10', end: '192.168.1.30' }, portRange: { portType: 'BOTH', start: 400, end: 500 } })]), flow), 'a range on a range');
  t.notOk(admits(rules([accept({ ip: 'fe80::/10' })]), flow), 'another family');
  t.notOk(admits(rules([accept({ mac: 'aa:bb:cc:dd:ee:ff' })]), flow), 'a MAC rule is left out');
  t.notOk(admits(rules([accept({ pktType: 'MULTICAST' })]), flow), 'a connection is unicast');
  t.ok(admits(rules([{ ruleType: 'LIMIT', tcpPort: 443, limit: { amount: 5, period: 'SECOND', unit: 'NEWCONNECTIONS', burst: 5 } }]), flow), 'a LIMIT rule accepts up to its rate');
  t.same(parseCidr('10.1.2.3/8'), { family: 4, first: 0x0a000000n, last: 0x0affffffn }, 'host bits of a CIDR are masked');
  t.equal(parseIp('::ffff:1.2.3.4')!.value, 0xffff01020304n, 'an embedded IPv4 tail');
});
