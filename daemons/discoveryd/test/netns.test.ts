import t from 'tap';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import packet from 'dns-packet';
import type { DiscoveryConfig } from '../src/config.js';
import { config, OV_PROBE } from './fixtures.js';
import { makeLan, runIn, spawnIn, type NsProc } from './netns/lan.js';

// discoveryd's services in a "device" namespace, the real clients' own discovery in a "client"
// namespace, on a bridge with multicast: what a VMS on the LAN sees.
const repo = join(import.meta.dirname, '../../..');
const here = join(import.meta.dirname, 'netns');
const lan = makeLan('a');
t.teardown(() => lan.cleanup());

const cfg: DiscoveryConfig = config(
  { httpPort: 8080 },
  { ifaces: [{ name: 'eth0', address: lan.devAddr, netmask: '255.255.255.0', linkLocal: lan.devLinkLocal }], maxReplyDelayMs: 500 },
);
const client = (...args: string[]) => JSON.parse(runIn(lan.cli, ['node', join(here, 'clients.mjs'), ...args], repo));
const xml = (s: string) => new XMLParser({ removeNSPrefix: true, ignoreAttributes: true }).parse(s);

let watch: NsProc;
let dev: NsProc;
t.before(async () => {
  watch = spawnIn(lan.cli, ['node', join(here, 'watch.mjs'), lan.cliAddr], repo);
  await watch.waitLine((l) => l === 'watching');
  dev = spawnIn(lan.dev, ['node', '--import', 'tsx', join(here, 'device.ts'), JSON.stringify(cfg)], repo);
  await dev.waitLine((l) => l === 'ready');
});
t.teardown(() => {
  watch?.proc.kill();
  dev?.proc.kill('SIGKILL');
});

/** The device's counters now (a fresh `stats` line). */
async function stats() {
  const n = dev.lines.length;
  dev.send('stats');
  return JSON.parse((await dev.waitLine((l) => l.startsWith('stats ') && dev.lines.lastIndexOf(l) >= n)).slice(6));
}

const heard = (port: number, re: RegExp) => watch.waitLine((l) => {
  if (!l.startsWith('{')) return false;
  const m = JSON.parse(l) as { port?: number; text?: string };
  return m.port === port && re.test(m.text ?? '');
});

t.test('Hello and NOTIFY ssdp:alive at start, on the client’s LAN', async (t) => {
  const h = xml(JSON.parse(await heard(3702, /discovery\/Hello</)).text).Envelope;
  t.equal(h.Body.Hello.EndpointReference.Address, 'urn:uuid:3f0e2a6c-1b7d-4c51-9d1e-02be1f000001');
  t.equal(h.Body.Hello.XAddrs, `http://${lan.devAddr}:8080/onvif/device_service`);
  const n = JSON.parse(await heard(1900, /NT: urn:axis-com:service:BasicService:1\r\nNTS: ssdp:alive/)).text as string;
  t.match(n, `LOCATION: http://${lan.devAddr}:8080/rootdesc1.xml\r\n`);
});

t.test("onvif's Discovery.probe finds the device at the replying interface's address", async (t) => {
  const cams = client('onvif');
  t.equal(cams.length, 1, 'one device');
  t.match(cams[0], { hostname: lan.devAddr, port: '8080', path: '/onvif/device_service', xaddrs: [`http://${lan.devAddr}:8080/onvif/device_service`] });
});

t.test("node-onvif's startProbe finds it with name, hardware and location from the scopes", async (t) => {
  const list = client('node-onvif');
  t.equal(list.length, 1, 'one device for its three probes (NetworkVideoTransmitter, Device, NetworkVideoDisplay)');
  t.match(list[0], { urn: 'urn:uuid:3f0e2a6c-1b7d-4c51-9d1e-02be1f000001', name: 'Belfry BS1410', hardware: 'BS1410', location: '', xaddrs: [`http://${lan.devAddr}:8080/onvif/device_service`] });
  t.ok(list[0].types.includes('dn:NetworkVideoTransmitter'));
});

t.test('an SSDP M-SEARCH from another namespace: BasicService, ssdp:all, upnp:rootdevice', async (t) => {
  const ax = client('msearch', 'urn:axis-com:service:BasicService:1');
  t.equal(ax.length, 1);
  t.match(ax[0].text, /^HTTP\/1\.1 200 OK\r\n/);
  t.match(ax[0].text, `LOCATION: http://${lan.devAddr}:8080/rootdesc1.xml\r\n`);
  t.match(ax[0].text, 'USN: uuid:Upnp-BasicDevice-1_0-02BE1F000001::urn:axis-com:service:BasicService:1\r\n');
  t.equal(client('msearch', 'ssdp:all').length, 4, 'one answer per target');
  t.match(client('msearch', 'upnp:rootdevice')[0].text, 'ST: upnp:rootdevice\r\n');
  t.same(client('msearch', 'urn:schemas-upnp-org:device:MediaRenderer:1'), [], 'not ours: silence');
});

t.test('an mDNS query (multicast-dns as the client) resolves _axis-video._tcp with the TXT MAC and both A records', async (t) => {
  const r = client('mdns');
  t.ok(r, 'answered');
  const rec = (type: string) => r.records.filter((x: { type: string }) => x.type === type);
  t.equal(rec('PTR')[0].data, 'Belfry BS1410 - 02BE1F000001._axis-video._tcp.local');
  t.same(rec('TXT')[0].data, ['macaddress=02BE1F000001']);
  t.match(rec('SRV')[0].data, { port: 8080, target: 'belfry-02BE1F000001.local' });
  t.same(rec('A').map((a: { data: string }) => a.data).sort(), [lan.devLinkLocal, lan.devAddr].sort());
});

t.test('mDNS probing: a name already taken on the LAN makes the device pick "name (2)"', async (t) => {
  const squat = spawnIn(lan.cli, ['node', join(here, 'clients.mjs'), 'squat', 'Taken name._axis-video._tcp.local'], repo);
  t.teardown(() => squat.proc.kill());
  await squat.waitLine((l) => l === 'squatting');
  dev.send('settings {"bonjourName": "Taken name"}');
  await squat.waitLine((l) => l === 'claimed');
  await dev.waitLine((l) => l === 'updated');
  for (let i = 0; i < 20; i++) {
    const s = await stats();
    if (s.published[0]?.instance === 'Taken name (2)') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  squat.proc.kill();
  const r = client('mdns');
  t.equal(r.records.find((x: { type: string }) => x.type === 'PTR').data, 'Taken name (2)._axis-video._tcp.local', 'the renamed instance is what it announces');
  const updates = dev.lines.filter((x) => x === 'updated').length;
  dev.send('settings {"bonjourName": "Belfry BS1410 - 02BE1F000001"}');
  await dev.waitLine((l) => l === 'updated' && dev.lines.filter((x) => x === 'updated').length > updates);
});

t.test('bad input and a probe flood: silence, then rate-limited answers; the device still answers after', async (t) => {
  const r = client('bad', lan.devAddr, OV_PROBE('MSGID'));
  t.equal(r.quiet, 0, 'malformed, 64 KB and huge-header datagrams get no answer');
  t.ok(r.flood >= 1 && r.flood <= 20, `200 probes got ${r.flood} answers (sender burst 8, 4/s)`);
  await new Promise((res) => setTimeout(res, 2000));
  const cams = client('onvif');
  t.equal(cams.length, 1, 'found again once the bucket refilled');
  const { wsdDropped } = await stats();
  // (the kernel may drop part of the flood before the daemon reads it; what it read, it refused)
  t.ok(wsdDropped >= 50, `the rate limit refused the flood (${wsdDropped} refused)`);
});

t.test('non-discoverable: Bye, then no answer to probes; discoverable again: Hello', async (t) => {
  dev.send('settings {"wsDiscovery": false}');
  await heard(3702, /discovery\/Bye</);
  t.same(client('onvif'), [], 'probes unanswered');
  dev.send('settings {"wsDiscovery": true}');
  await dev.waitLine((l) => l === 'updated');
  t.equal(client('onvif').length, 1);
});

t.test('an address change: Hello and NOTIFY alive with the new address, probes answered from it', async (t) => {
  execFileSync('ip', ['-n', lan.dev, 'addr', 'add', '10.77.0.7/24', 'dev', 'eth0']);
  dev.send(`ifaces ${JSON.stringify([{ ...cfg.ifaces[0], address: '10.77.0.7' }])}`);
  await heard(3702, /discovery\/Hello<.*<wsd:XAddrs>http:\/\/10\.77\.0\.7:8080\/onvif\/device_service</);
  await heard(1900, /LOCATION: http:\/\/10\.77\.0\.7:8080\/rootdesc1\.xml\r\nNT: [^\r]+\r\nNTS: ssdp:alive/);
  t.pass('Hello and NOTIFY alive with the new address');
  t.match(client('onvif')[0], { hostname: '10.77.0.7' });
});

t.test('UPnP off: ssdp:byebye and silence; stop: Bye, byebye', async (t) => {
  const before = watch.lines.length;
  dev.send('settings {"upnp": false}');
  await heard(1900, /NTS: ssdp:byebye/);
  t.same(client('msearch', 'ssdp:all'), []);
  dev.send('settings {"upnp": true}');
  dev.proc.kill('SIGTERM');
  await dev.waitLine((l) => l === 'stopped');
  await watch.waitLine((l) => watch.lines.indexOf(l) >= before && /discovery\/Bye</.test(l));
  const n = watch.lines.length;
  await watch.waitLine((l) => watch.lines.lastIndexOf(l) >= n - 8 && /NTS: ssdp:byebye/.test(l));
  // mDNS goodbye: our records again with TTL 0
  await watch.waitLine((l) => {
    const m = l.startsWith('{') ? (JSON.parse(l) as { port: number; text: string }) : undefined;
    if (m?.port !== 5353) return false;
    const p = packet.decode(Buffer.from(m.text, 'base64'));
    return p.type === 'response' && (p.answers ?? []).some((a) => a.type === 'TXT') && (p.answers ?? []).every((a) => (a as { ttl?: number }).ttl === 0);
  });
  t.pass('Bye, byebye and the mDNS goodbye on stop');
});
