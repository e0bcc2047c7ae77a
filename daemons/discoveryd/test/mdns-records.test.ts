import t from 'tap';
import type { Question } from 'dns-packet';
import packet from 'dns-packet';
import { allRecords, answer, ANY, conflicts, hostName, instanceName, renamed, type MdnsData } from '../src/mdns/records.js';

const D: MdnsData = { instance: 'Belfry BS1410 - 02BE1F000001', host: 'belfry-02BE1F000001', port: 80, mac: '02BE1F000001', addresses: ['192.168.1.50', '169.254.10.20'] };
const q = (name: string, type: Question['type']): Question => ({ name, type });

t.test('a PTR query for _axis-video._tcp: PTR answer, SRV/TXT/both A records as additionals', async (t) => {
  const r = answer(D, [q('_axis-video._tcp.local', 'PTR')]);
  t.same(r.answers.map((a) => [a.type, a.name, (a as { data: unknown }).data]), [['PTR', '_axis-video._tcp.local', 'Belfry BS1410 - 02BE1F000001._axis-video._tcp.local']]);
  t.same(r.additionals.map((a) => a.type), ['SRV', 'TXT', 'A', 'A']);
  const txt = r.additionals.find((a) => a.type === 'TXT') as { data: string[] };
  t.same(txt.data, ['macaddress=02BE1F000001']);
  t.same(r.additionals.filter((a) => a.type === 'A').map((a) => (a as { data: string }).data), ['192.168.1.50', '169.254.10.20'], 'routable and link-local');
  const srv = r.additionals.find((a) => a.type === 'SRV') as { data: { port: number; target: string } };
  t.same([srv.data.port, srv.data.target], [80, 'belfry-02BE1F000001.local']);
  // and it survives the wire format (dns-packet, as multicast-dns sends it)
  const back = packet.decode(packet.encode({ type: 'response', answers: r.answers, additionals: r.additionals }));
  t.equal((back.answers![0] as { data: string }).data, 'Belfry BS1410 - 02BE1F000001._axis-video._tcp.local');
});

t.test('SRV/TXT/ANY on the instance, A on the host, the services enumeration; others get nothing', async (t) => {
  t.same(answer(D, [q(instanceName(D), 'SRV')]).answers.map((a) => a.type), ['SRV']);
  t.same(answer(D, [q(instanceName(D).toUpperCase(), ANY)]).answers.map((a) => a.type), ['SRV', 'TXT'], 'names are case-insensitive');
  t.same(answer(D, [q(hostName(D), 'A')]).answers.length, 2);
  t.same(answer(D, [q('_services._dns-sd._udp.local', 'PTR')]).answers.map((a) => (a as { data: string }).data), ['_axis-video._tcp.local']);
  t.same(answer(D, [q('_http._tcp.local', 'PTR'), q('other.local', 'A'), q(hostName(D), 'AAAA')]).answers, []);
});

t.test('a dot in the friendly name is escaped inside its label', async (t) => {
  const d = { ...D, instance: 'v1.2 speaker' };
  const enc = packet.decode(packet.encode({ type: 'response', answers: allRecords(d) }));
  t.equal((enc.answers![0] as { data: string }).data, 'v1\\.2 speaker._axis-video._tcp.local');
});

t.test('goodbye records have TTL 0; conflicts and the names tried after one', async (t) => {
  t.ok(allRecords(D, 0).every((a) => (a as { ttl: number }).ttl === 0));
  t.equal(conflicts(D, [{ name: instanceName(D), type: 'SRV', data: { port: 1, target: 'x.local' } }]), 'instance');
  t.equal(conflicts(D, [{ name: hostName(D), type: 'A', data: '192.168.1.99' }]), 'host');
  t.equal(conflicts(D, [{ name: hostName(D), type: 'A', data: '192.168.1.50' }]), undefined, 'our own address is no conflict');
  t.equal(conflicts(D, [{ name: 'other.local', type: 'A', data: '1.2.3.4' }]), undefined);
  t.same([renamed('Hall', 'instance', 1), renamed('Hall', 'instance', 2), renamed('Hall', 'instance', 3)], ['Hall', 'Hall (2)', 'Hall (3)']);
  t.equal(renamed('belfry-001122334455', 'host', 2), 'belfry-001122334455-2');
});
