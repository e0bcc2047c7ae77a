import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { certInfo } from '../src/pages/security/x509.js';
import { parseSans } from '../src/pages/security/cert-create.js';
import { fieldOf, fromRule, NEW_RULE, toRule, type Draft } from '../src/pages/security/fw-draft.js';
import type { Rule } from '../src/pages/security/firewall-api.js';

/**
 * The Security page's own reading and writing, in process: the certificate list's DER reader
 * against certificates openssl makes (and Node's X509Certificate reading the same), the firewall
 * editor's rules to and from the wire shape, and which field a device refusal lands on.
 */
const dir = mkdtempSync(join(tmpdir(), 'secui-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function make(name: string, key: string[], subj: string, days: number, san: string): string {
  const out = join(dir, `${name}.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', ...key, '-nodes', '-keyout', join(dir, `${name}.key`), '-out', out, '-subj', subj, '-days', String(days), '-addext', `subjectAltName=${san}`], { stdio: 'pipe' });
  return readFileSync(out, 'utf8');
}

t.test('certificates read from their PEM: subject, issuer, validity, key type, SANs', async (t) => {
  const cases = [
    { name: 'ec256', key: ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], type: 'EC P-256' },
    { name: 'ec384', key: ['ec', '-pkeyopt', 'ec_paramgen_curve:P-384'], type: 'EC P-384' },
    { name: 'rsa2048', key: ['rsa:2048'], type: 'RSA 2048' },
    { name: 'rsa3072', key: ['rsa:3072'], type: 'RSA 3072' },
  ];
  for (const c of cases) {
    const pem = make(c.name, c.key, `/C=SE/O=Belfry Test/CN=${c.name}.example`, 30, `DNS:${c.name}.example,IP:192.168.1.50,IP:::1`);
    const info = certInfo(pem)!;
    const x = new X509Certificate(pem);
    t.equal(info.keyType, c.type, `${c.name}: key type`);
    t.equal(info.subject, `C=SE,O=Belfry Test,CN=${c.name}.example`, 'subject in the certificate’s order');
    t.ok(info.selfSigned, 'self-signed');
    t.equal(info.notBefore.getTime(), new Date(x.validFrom).getTime(), 'not before as Node reads it');
    t.equal(info.notAfter.getTime(), new Date(x.validTo).getTime(), 'not after');
    t.same(info.sans, [`DNS:${c.name}.example`, 'IP:192.168.1.50', 'IP:0:0:0:0:0:0:0:1'], 'SANs');
  }
  t.equal(certInfo('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), undefined, 'garbage: unreadable, no throw');
  t.equal(certInfo('not a pem'), undefined);
  const pem = make('cut', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '/CN=cut', 1, 'DNS:cut');
  const body = pem.split('\n').slice(1, -2).join('');
  t.equal(certInfo(`-----BEGIN CERTIFICATE-----\n${body.slice(0, 200)}\n-----END CERTIFICATE-----\n`), undefined, 'truncated: unreadable');
});

t.test('SANs typed in the form become DNS:/IP: items', async (t) => {
  t.same(parseSans('speaker.example, 192.168.1.50 IP:10.0.0.1\nDNS:b.example fe80::1'), ['DNS:speaker.example', 'IP:192.168.1.50', 'IP:10.0.0.1', 'DNS:b.example', 'IP:fe80::1']);
  t.same(parseSans(''), []);
});

t.test('firewall rules: every §9.6 match to the wire and back', async (t) => {
  const rules: Rule[] = [
    { ruleType: 'FILTER', ip: '192.168.1.0/24', tcpPort: 443, filter: { policy: 'ACCEPT' } },
    { ruleType: 'FILTER', mac: '00:40:8c:12:34:56', ipRange: { start: '10.0.0.1', end: '10.0.0.20' }, udpPort: 161, filter: { policy: 'DROP' } },
    { ruleType: 'FILTER', pktType: 'BROADCAST', portRange: { portType: 'BOTH', start: 1000, end: 2000 }, filter: { policy: 'DROP' } },
    { ruleType: 'LIMIT', port: { portType: 'TCP', portNum: 443 }, limit: { amount: 20, period: 'MINUTE', unit: 'NEWCONNECTIONS', burst: 10 } },
    { ruleType: 'LIMIT', pktType: 'MULTICAST', limit: { amount: 5, period: 'SECOND', unit: 'PACKETS', burst: 1 } },
  ];
  for (const r of rules) t.same(toRule(fromRule(r)), r, JSON.stringify(r));
  // what the device reads back: omitted members as null
  const back = { ruleType: 'FILTER', mac: null, pktType: null, ip: '10.1.1.1', ipRange: null, tcpPort: null, udpPort: null, port: null, portRange: null, filter: { policy: 'ACCEPT' }, limit: null } as Rule;
  t.same(toRule(fromRule(back)), { ruleType: 'FILTER', ip: '10.1.1.1', filter: { policy: 'ACCEPT' } }, 'nulls are no match');
  t.same(toRule({ ...NEW_RULE, ip: ' 1.2.3.4 ' }), { ruleType: 'FILTER', ip: '1.2.3.4', filter: { policy: 'ACCEPT' } }, 'a new rule: address match, allow');
});

t.test('a device refusal lands on the field it is about', async (t) => {
  const d = (p: Partial<Draft>): Draft => ({ ...NEW_RULE, ...p });
  const drafts = [d({ ip: '10.0.0.0/8' }), d({ ip: '192.168.1.0/33' }), d({ l3: 'ipRange', ipStart: '10.0.0.9', ipEnd: '10.0.0.1' }), d({ l3: 'none', l4: 'portRange', port: '200', portEnd: '100' })];
  t.equal(fieldOf(100, 'Invalid IP address', drafts, 0), '1.ip', '100: the rule whose address is not one');
  t.equal(fieldOf(100, 'Invalid IP address: 10.0.0.0/8', drafts, 3), '0.ip', '100 naming a value: that rule');
  t.equal(fieldOf(101, 'Invalid IP address range.', drafts, 0), '2.ipRange', '101: the range');
  t.equal(fieldOf(104, 'Invalid port range.', drafts, 0), '3.port', '104: the port range');
  t.equal(fieldOf(103, 'Invalid request.', drafts, 0), undefined, '103: the form, not a field');
  t.equal(fieldOf(100, 'Invalid IP address', [d({ ip: '1.2.3.4' }), d({ ip: '5.6.7.8' })], 1), '1.ip', 'no suspect: the rule last edited');
});
