import t from 'tap';
import { createSocket } from 'node:dgram';
import packet from 'dns-packet';
import { PARAMD, RpcCaller } from '@belfry/core';
import { freePorts, startDevice } from '@belfry/core/testing';
import { daemon as paramd } from '@belfry/paramd';
import { daemon as boardd } from '@belfry/boardd';
import { daemon as httpd } from '@belfry/httpd';
import { daemon as discoveryd } from '../src/main.js';
import { MSEARCH, OV_PROBE, RESOLVE } from './fixtures.js';

// wiring only (the protocols are tested in process and in network namespaces): params and httpd's
// port → what discoveryd answers, and its root description through the front door. Loopback and
// ports of its own: the answers are unicast, so no multicast is needed here.
const [wsd, ssdp, mdns] = (await freePorts(3)) as [number, number, number];
Object.assign(process.env, { BELFRY_DISCOVERY_IFACES: 'lo', BELFRY_WSD_PORT: String(wsd), BELFRY_SSDP_PORT: String(ssdp), BELFRY_MDNS_PORT: String(mdns) });

/** Sends one datagram to 127.0.0.1:`port` and collects what comes back within `ms`. */
function ask(port: number, msg: Buffer | string, ms = 900): Promise<Buffer[]> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const got: Buffer[] = [];
    s.on('message', (m) => got.push(m));
    s.bind(0, '127.0.0.1', () => s.send(msg, port, '127.0.0.1'));
    setTimeout(() => s.close(() => resolve(got)), ms);
  });
}

/** Asks until `ok` holds for the answers (a param change reaches discoveryd a moment after its ack). */
async function eventually(what: string, fn: () => Promise<Buffer[]>, ok: (a: Buffer[]) => boolean): Promise<Buffer[]> {
  for (let i = 0; ; i++) {
    const a = await fn();
    if (ok(a)) return a;
    if (i > 10) throw new Error(`${what}: never; last answers ${a.length}`);
  }
}

t.test('discoveryd on a device: params and the HTTP port in its answers, the root description behind httpd', async (t) => {
  const dev = await startDevice({ daemons: [paramd, boardd, httpd, discoveryd], users: ['tester'] });
  t.teardown(() => dev.stop());
  const params = new RpcCaller(await dev.tb.connect('tester')).client(PARAMD);
  const set = (changes: Record<string, string>) => params.update({ changes, level: 'internal' });
  const id = dev.tb.board.identity;
  const probe = () => ask(wsd, OV_PROBE(`urn:uuid:${Math.random()}`));

  const [m] = await eventually('a ProbeMatch with httpd’s port', probe, (a) => a.length === 1 && a[0]!.includes(`:${dev.httpPort}/onvif`));
  t.match(m!.toString(), `<wsd:XAddrs>http://127.0.0.1:${dev.httpPort}/onvif/device_service</wsd:XAddrs>`, 'HTTP_PORT, from httpd’s announcement');
  t.match(m!.toString(), `urn:uuid:3f0e2a6c-1b7d-4c51-9d1e-${id.serialNumber.toLowerCase()}`, 'endpoint from the serial');

  const ours = `urn:uuid:3f0e2a6c-1b7d-4c51-9d1e-${id.serialNumber.toLowerCase()}`;
  const [rm] = await ask(wsd, RESOLVE('urn:uuid:resolve-1', ours));
  t.match(rm!.toString(), /<wsa:RelatesTo>urn:uuid:resolve-1<\/wsa:RelatesTo>.*<wsd:ResolveMatches><wsd:ResolveMatch>/s, 'Resolve of our endpoint: ResolveMatches');
  t.same(await ask(wsd, RESOLVE('urn:uuid:resolve-2', 'urn:uuid:someone-else')), [], "another endpoint's Resolve: silence");

  await set({ 'WebService.Scopes': 'onvif://www.onvif.org/location/hall' });
  await eventually('the configurable scope', probe, (a) => a.length === 1 && a[0]!.includes('onvif://www.onvif.org/location/hall'));
  t.pass('WebService.Scopes in the ProbeMatch');

  await set({ 'WebService.DiscoveryMode': 'NonDiscoverable' });
  await eventually('silence when non-discoverable', probe, (a) => a.length === 0);
  await set({ 'WebService.DiscoveryMode': 'Discoverable' });
  await eventually('answers again', probe, (a) => a.length === 1);
  t.pass('WebService.DiscoveryMode honoured both ways');

  const base = `http://127.0.0.1:${dev.httpPort}`;
  const r = await fetch(`${base}/rootdesc1.xml`);
  t.equal(r.status, 200, 'anonymous through the front door');
  t.match(r.headers.get('content-type'), /^text\/xml/);
  const desc = await r.text();
  t.match(desc, `<friendlyName>${id.prodShortName} - ${id.serialNumber}</friendlyName>`, 'the default UPnP name');
  t.match(desc, `<presentationURL>http://127.0.0.1:${dev.httpPort}/</presentationURL>`);
  const search = () => ask(ssdp, MSEARCH('urn:axis-com:service:BasicService:1'));
  const [s] = await search();
  t.match(s!.toString(), `LOCATION: http://127.0.0.1:${dev.httpPort}/rootdesc1.xml\r\n`);
  t.match(s!.toString(), new RegExp(`\r\nSERVER: Linux/[\\d.]+, UPnP/1\\.0, ${id.brand}/\\d+\\.\\d+[\\d.]*\r\n`), 'the firmware version from Properties');

  await set({ 'Network.UPnP.FriendlyName': 'Hall & stairs' });
  for (let i = 0; i < 20 && !(await (await fetch(`${base}/rootdesc1.xml`)).text()).includes('Hall &amp; stairs'); i++) await new Promise((res) => setTimeout(res, 100));
  t.match(await (await fetch(`${base}/rootdesc1.xml`)).text(), '<friendlyName>Hall &amp; stairs</friendlyName>', 'Network.UPnP.FriendlyName');
  await set({ 'Network.UPnP.Enabled': 'no' });
  await eventually('no M-SEARCH answer with UPnP off', search, (a) => a.length === 0);
  t.equal((await fetch(`${base}/rootdesc1.xml`)).status, 404, 'no root description with UPnP off');

  // a one-shot mDNS query (not from port 5353): answered unicast, the question echoed
  const query = packet.encode({ type: 'query', id: 7, questions: [{ name: '_axis-video._tcp.local', type: 'PTR' }] });
  const [a] = await eventually('an mDNS answer', () => ask(mdns, query), (x) => x.length > 0);
  const res = packet.decode(a!);
  t.equal(res.id, 7);
  t.equal((res.answers![0] as { data: string }).data, `${id.prodShortName} - ${id.serialNumber}._axis-video._tcp.local`);
  const txt = res.additionals!.find((x) => x.type === 'TXT') as { data: Buffer[] };
  t.same(txt.data.map(String), [`macaddress=${id.serialNumber}`]);
  await set({ 'Network.Bonjour.FriendlyName': 'Hall speaker' });
  await eventually('the new Bonjour name', () => ask(mdns, query), (x) => x.length > 0 && x[0]!.includes('Hall speaker'));
  await set({ 'Network.Bonjour.Enabled': 'no' });
  await eventually('no mDNS answer with Bonjour off', () => ask(mdns, query), (x) => x.length === 0);
});
