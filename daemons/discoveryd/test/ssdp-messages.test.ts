import t from 'tap';
import { XMLParser } from 'fast-xml-parser';
import { location, matching, MAX_SSDP_DATAGRAM, notifyAlive, notifyByebye, parseMSearch, searchResponse, targets } from '../src/ssdp/messages.js';
import { baseUrl, rootDescription } from '../src/ssdp/rootdesc.js';
import { IDENTITY, MSEARCH } from './fixtures.js';

/** FF's axis-discovery-ssdp reading: split on CRLF, header names looked up case-sensitively. */
function ffHeaders(msg: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of msg.split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

t.test('M-SEARCH as FF sends it; ssdp:all, rootdevice, the device type, the UDN and BasicService', async (t) => {
  t.same(parseMSearch(Buffer.from(MSEARCH('urn:axis-com:service:BasicService:1', 3))), { st: 'urn:axis-com:service:BasicService:1', mx: 3 });
  t.same(parseMSearch(Buffer.from(MSEARCH('ssdp:all', 120))), { st: 'ssdp:all', mx: 5 }, 'MX capped at 5');
  t.same(parseMSearch(Buffer.from('M-SEARCH * HTTP/1.1\r\nHOST: 10.0.0.1:1900\r\nMAN: "ssdp:discover"\r\nST: upnp:rootdevice\r\n\r\n')), { st: 'upnp:rootdevice', mx: undefined }, 'unicast (no MX)');
  t.equal(matching('ssdp:all', IDENTITY.serial).length, 4);
  t.same(matching('upnp:rootdevice', IDENTITY.serial), [{ st: 'upnp:rootdevice', usn: 'uuid:Upnp-BasicDevice-1_0-02BE1F000001::upnp:rootdevice' }]);
  t.same(matching('urn:schemas-upnp-org:device:Basic:1', IDENTITY.serial).length, 1);
  t.same(matching('uuid:Upnp-BasicDevice-1_0-02BE1F000001', IDENTITY.serial)[0]!.usn, 'uuid:Upnp-BasicDevice-1_0-02BE1F000001');
  t.same(matching('urn:schemas-upnp-org:device:MediaRenderer:1', IDENTITY.serial), []);
});

t.test('the answer and NOTIFY exactly as the reference: upper-case headers, CRLF, USN with the MAC before ::', async (t) => {
  const ax = targets(IDENTITY.serial)[3]!;
  const loc = location('192.168.1.50', 80);
  const r = searchResponse(ax, loc, IDENTITY);
  t.match(r, /^HTTP\/1\.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\nLOCATION: http:\/\/192\.168\.1\.50:80\/rootdesc1\.xml\r\nSERVER: Linux\/[\d.]+, UPnP\/1\.0, Belfry\/12\.5\.68\r\nST: urn:axis-com:service:BasicService:1\r\nUSN: uuid:Upnp-BasicDevice-1_0-02BE1F000001::urn:axis-com:service:BasicService:1\r\n\r\n$/);
  const n = notifyAlive(ax, loc, IDENTITY);
  t.equal(n.split('\r\n')[0], 'NOTIFY * HTTP/1.1');
  const h = ffHeaders(n);
  t.same([h.LOCATION, h.NT, h.NTS, h.USN], [loc, 'urn:axis-com:service:BasicService:1', 'ssdp:alive', 'uuid:Upnp-BasicDevice-1_0-02BE1F000001::urn:axis-com:service:BasicService:1']);
  t.equal(/^uuid:.*([0-9a-f]{12})::.*$/i.exec(h.USN!)![1], '02BE1F000001', "FF's MAC regex finds the MAC");
  const b = ffHeaders(notifyByebye(ax));
  t.same([b.NT, b.NTS, b.USN], ['urn:axis-com:service:BasicService:1', 'ssdp:byebye', ax.usn]);
});

t.test('the root description: FF/HA fields, explicit port, escaped names; base from the Host header', async (t) => {
  const xml = rootDescription(IDENTITY, 'Hall <1> & co', baseUrl('192.168.1.50', 'http', 'x', 80));
  const d = new XMLParser({ parseTagValue: false }).parse(xml).root;
  t.equal(d.URLBase, 'http://192.168.1.50:80/');
  t.same(
    { ...d.device },
    {
      deviceType: 'urn:schemas-upnp-org:device:Basic:1',
      friendlyName: 'Hall <1> & co',
      manufacturer: 'Belfry',
      manufacturerURL: 'https://belfry.example/',
      modelDescription: 'Belfry BS1410 Network Mini Speaker',
      modelName: 'Belfry BS1410',
      modelNumber: 'BS1410',
      serialNumber: '02BE1F000001',
      UDN: 'uuid:Upnp-BasicDevice-1_0-02BE1F000001',
      presentationURL: 'http://192.168.1.50:80/',
    },
  );
  t.match(/:(\d+)\/?$/.exec(d.device.presentationURL)![1], '80', "FF's port regex");
  t.equal(baseUrl('10.0.0.2:8080', 'http', 'x', 1), 'http://10.0.0.2:8080/');
  t.equal(baseUrl('[fe80::1]', 'https', 'x', 1), 'https://[fe80::1]:443/');
  t.equal(baseUrl('evil"/><x>', 'http', '10.0.0.9', 8081), 'http://10.0.0.9:8081/', 'a strange Host falls back');
  t.equal(baseUrl(undefined, 'http', '10.0.0.9', 8081), 'http://10.0.0.9:8081/');
});

t.test('bad input is silence: wrong request line, MAN, MX, no ST, a huge header, past the size limit', async (t) => {
  const bad = [
    '',
    'NOTIFY * HTTP/1.1\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\n\r\n',
    'HTTP/1.1 200 OK\r\nST: ssdp:all\r\n\r\n',
    'm-search * HTTP/1.1\r\nMAN: "ssdp:discover"\r\nST: ssdp:all\r\n\r\n',
    'M-SEARCH * HTTP/1.1\r\nMAN: ssdp:discover\r\nST: ssdp:all\r\nMX: 1\r\n\r\n',
    'M-SEARCH * HTTP/1.1\r\nMAN: "ssdp:discover"\r\nMX: 1\r\n\r\n',
    'M-SEARCH * HTTP/1.1\r\nMAN: "ssdp:discover"\r\nST: ssdp:all\r\nMX: 0\r\n\r\n',
    'M-SEARCH * HTTP/1.1\r\nMAN: "ssdp:discover"\r\nST: ssdp:all\r\nMX: -1\r\n\r\n',
    'M-SEARCH * HTTP/1.1\r\nMAN: "ssdp:discover"\r\nST: ssdp:all\r\nno colon here\r\n\r\n',
    'M-SEARCH * HTTP/1.1\r\nMAN: "ssdp:discover"\r\nST: ssdp:all\r\n' + Array.from({ length: 30 }, (_, i) => `X-A${i}: b\r\n`).join('') + '\r\n',
    `M-SEARCH * HTTP/1.1\r\nMAN: "ssdp:discover"\r\nST: ssdp:all\r\nMX: 1\r\nUSER-AGENT: ${'x'.repeat(8000)}\r\n\r\n`,
  ];
  for (const b of bad) t.equal(parseMSearch(Buffer.from(b)), undefined, JSON.stringify(b.slice(0, 50)));
  const headers = (n: number) => Buffer.from(MSEARCH('ssdp:all').replace('\r\n\r\n', '\r\n' + Array.from({ length: n - 4 }, (_, i) => `X-H${i}: v\r\n`).join('') + '\r\n'));
  t.ok(parseMSearch(headers(24)), '24 headers are read');
  t.equal(parseMSearch(headers(25)), undefined, '25 are not');
  const ok = MSEARCH('ssdp:all');
  const padded = ok.replace('\r\n\r\n', `\r\nX-PAD: ${'p'.repeat(MAX_SSDP_DATAGRAM - Buffer.byteLength(ok) - 9)}\r\n\r\n`);
  t.equal(Buffer.byteLength(padded), MAX_SSDP_DATAGRAM);
  t.ok(parseMSearch(Buffer.from(padded)), 'an M-SEARCH of exactly the limit is read');
  t.equal(parseMSearch(Buffer.from(padded.replace('X-PAD: ', 'X-PAD: p'))), undefined, 'one byte more is not');
});
