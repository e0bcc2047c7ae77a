import t from 'tap';
import { XMLParser } from 'fast-xml-parser';
import { endpointUuid } from '../src/config.js';
import { AppSequence, bye, deviceScopes, hello, probeMatches, resolveMatches, xaddr } from '../src/wsd/messages.js';
import { MAX_WSD_DATAGRAM, parseWsd, scopesMatch, typesMatch } from '../src/wsd/parse.js';
import { parseLoose } from '../src/xml.js';
import { IDENTITY, NO_PROBE, OV_PROBE, RESOLVE } from './fixtures.js';

const read = (xml: string) => new XMLParser({ removeNSPrefix: true, ignoreAttributes: false, attributeNamePrefix: '@' }).parse(xml);

t.test('the probes onvif and node-onvif send are understood; types match by local name', async (t) => {
  t.same(parseWsd(Buffer.from(OV_PROBE('urn:uuid:1'))), { kind: 'probe', messageId: 'urn:uuid:1', types: ['dn:NetworkVideoTransmitter'], scopes: [] });
  for (const type of ['NetworkVideoTransmitter', 'Device', 'NetworkVideoDisplay']) {
    const p = parseWsd(Buffer.from(NO_PROBE('2', type)));
    t.same(p, { kind: 'probe', messageId: 'uuid:2', types: [`dp0:${type}`], scopes: [] });
    t.equal(typesMatch(p!.kind === 'probe' ? p!.types : []), type !== 'NetworkVideoDisplay', `${type} answered only if ours`);
  }
  t.ok(typesMatch([]), 'an empty Types matches');
  t.ok(typesMatch(['tds:Device']));
  t.same(parseWsd(Buffer.from(RESOLVE('urn:uuid:9', 'urn:uuid:x'))), { kind: 'resolve', messageId: 'urn:uuid:9', address: 'urn:uuid:x' });
});

t.test('scopes match by RFC 3986 path prefix', async (t) => {
  const ours = deviceScopes(IDENTITY, ['onvif://www.onvif.org/location/hall']);
  t.ok(scopesMatch([], ours));
  t.ok(scopesMatch(['onvif://www.onvif.org/hardware/BS1410'], ours));
  t.ok(scopesMatch(['onvif://www.onvif.org/location'], ours), 'a parent path matches');
  t.notOk(scopesMatch(['onvif://www.onvif.org/hard'], ours), 'not a partial segment');
  t.notOk(scopesMatch(['onvif://www.onvif.org/name/Other'], ours));
});

t.test('fixed scopes from the Brand params, configurable ones after; the configurable name/location win', async (t) => {
  t.same(deviceScopes(IDENTITY, []), ['onvif://www.onvif.org/type/audio_encoder', 'onvif://www.onvif.org/hardware/BS1410', 'onvif://www.onvif.org/name/Belfry_BS1410', 'onvif://www.onvif.org/location/']);
  t.same(deviceScopes(IDENTITY, ['onvif://www.onvif.org/name/Hall_speaker', 'onvif://www.onvif.org/location/hall']), [
    'onvif://www.onvif.org/type/audio_encoder',
    'onvif://www.onvif.org/hardware/BS1410',
    'onvif://www.onvif.org/name/Hall_speaker',
    'onvif://www.onvif.org/location/hall',
  ]);
});

t.test('ProbeMatches as the reference shows: RelatesTo echoed, stable endpoint, types, scopes, XAddrs', async (t) => {
  const seq = new AppSequence(1768463445);
  const e = { identity: IDENTITY, scopes: deviceScopes(IDENTITY, []), xaddrs: [xaddr('192.168.1.50', 80), xaddr('10.0.0.5', 80)] };
  const xml = probeMatches(e, 'uuid:abc', seq);
  t.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="http:\/\/www.w3.org\/2003\/05\/soap-envelope"/);
  const d = read(xml).Envelope;
  t.equal(d.Header.RelatesTo, 'uuid:abc');
  t.equal(d.Header.Action['#text'], 'http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches');
  t.equal(d.Header.To['#text'], 'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous');
  t.same([d.Header.AppSequence['@InstanceId'], d.Header.AppSequence['@MessageNumber']], ['1768463445', '1']);
  const m = d.Body.ProbeMatches.ProbeMatch;
  t.equal(m.EndpointReference.Address, 'urn:uuid:3f0e2a6c-1b7d-4c51-9d1e-02be1f000001');
  t.equal(m.Types, 'dn:NetworkVideoTransmitter tds:Device');
  t.match(m.Scopes, /onvif:\/\/www.onvif.org\/hardware\/BS1410/);
  t.equal(m.XAddrs, 'http://192.168.1.50/onvif/device_service http://10.0.0.5/onvif/device_service');
  t.equal(m.MetadataVersion, 1);
  t.match(read(probeMatches(e, 'x', seq)).Envelope.Header.AppSequence, { '@MessageNumber': '2' }, 'message numbers grow');
  t.equal(xaddr('10.0.0.5', 8080), 'http://10.0.0.5:8080/onvif/device_service');
});

t.test('ResolveMatches, Hello and Bye', async (t) => {
  const seq = new AppSequence();
  const e = { identity: IDENTITY, scopes: ['onvif://www.onvif.org/name/x'], xaddrs: ['http://a/onvif/device_service'] };
  const r = read(resolveMatches(e, 'urn:uuid:q', seq)).Envelope;
  t.equal(r.Header.RelatesTo, 'urn:uuid:q');
  t.equal(r.Body.ResolveMatches.ResolveMatch.EndpointReference.Address, endpointUuid(IDENTITY.serial));
  const h = read(hello(e, seq)).Envelope;
  t.equal(h.Header.Action['#text'], 'http://schemas.xmlsoap.org/ws/2005/04/discovery/Hello');
  t.equal(h.Header.To['#text'], 'urn:schemas-xmlsoap-org:ws:2005:04:discovery');
  t.equal(h.Body.Hello.XAddrs, 'http://a/onvif/device_service');
  t.notOk(h.Header.RelatesTo);
  const b = read(bye(e, seq)).Envelope;
  t.equal(b.Header.Action['#text'], 'http://schemas.xmlsoap.org/ws/2005/04/discovery/Bye');
  t.equal(b.Body.Bye.EndpointReference.Address, endpointUuid(IDENTITY.serial));
});

t.test('scopes with XML characters are escaped', async (t) => {
  const xml = probeMatches({ identity: IDENTITY, scopes: ['onvif://www.onvif.org/location/a<b&c'], xaddrs: [] }, 'x"<', new AppSequence());
  t.match(xml, /location\/a&lt;b&amp;c/);
  t.match(xml, /<wsa:RelatesTo>x&quot;&lt;<\/wsa:RelatesTo>/);
});

t.test('bad input is silence: malformed, DTD, entity bomb, too deep, not a request, past the size limit', async (t) => {
  const bad = [
    '',
    'not xml at all',
    '<Envelope><Header><MessageID>x</MessageID></Header><Body><Probe>',
    '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><Envelope><Header><MessageID>&lol2;</MessageID></Header><Body><Probe/></Body></Envelope>',
    '<Envelope><Body><Probe/></Body></Envelope>',
    '<Envelope><Header><MessageID>x</MessageID></Header><Body><ProbeMatches/></Body></Envelope>',
    '<Envelope><Header><MessageID>x</MessageID></Header><Body><Probe><Types><a/></Types></Probe></Body></Envelope>',
    '<a>'.repeat(40) + '</a>'.repeat(40),
    `<Envelope><Header><MessageID>${'x'.repeat(300)}</MessageID></Header><Body><Probe/></Body></Envelope>`,
    '\u0000\u00ff\u0001garbage',
  ];
  for (const b of bad) t.equal(parseWsd(Buffer.from(b)), undefined, JSON.stringify(b.slice(0, 40)));
  const atLimit = OV_PROBE('urn:uuid:1');
  const padded = atLimit.replace('<Header>', '<Header>' + ' '.repeat(MAX_WSD_DATAGRAM - Buffer.byteLength(atLimit)));
  t.equal(Buffer.byteLength(padded), MAX_WSD_DATAGRAM);
  t.ok(parseWsd(Buffer.from(padded)), 'a probe of exactly the limit is read');
  t.equal(parseWsd(Buffer.from(padded + ' ')), undefined, 'one byte more is not');
  t.equal(parseWsd(Buffer.alloc(64 * 1024, 'A')), undefined, 'a 64 KB datagram is not');
});

t.test('the nesting and MessageID limits, at the limit', async (t) => {
  const nest = (n: number) => '<a>'.repeat(n) + '</a>'.repeat(n);
  t.ok(parseLoose(nest(16)), '16 levels are read');
  t.equal(parseLoose(nest(17)), undefined, '17 are not');
  const withId = (id: string) => Buffer.from(OV_PROBE(id));
  t.ok(parseWsd(withId('u'.repeat(256))), 'a 256-character MessageID');
  t.equal(parseWsd(withId('u'.repeat(257))), undefined, '257 characters');
});
